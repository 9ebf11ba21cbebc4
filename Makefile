# Gridline — the two commands a newcomer needs:
#   make demo   build everything and serve the Yanzhou demo on http://localhost:8080
#   make test   run every test (Go on SQLite and PostgreSQL, then the browser test)

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/gridline/gridline.Version=$(VERSION)

.PHONY: all build ui demo test test-go bench clean

all: build

web/node_modules/.installed: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	@touch $@

ui: web/node_modules/.installed
	npm run build --prefix web

build: ui
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/gridline ./cmd/gridline

demo: build
	./bin/gridline demo

test:
	scripts/test.sh

# test-go runs only the Go suite on SQLite (fast inner loop).
test-go:
	$(GO) test ./...

bench:
	scripts/bench.sh

clean:
	rm -rf bin web/dist/assets web/dist/index.html
