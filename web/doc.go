// Package web holds the embedded web UI: the Vue application in this
// directory, built by npm and Vite into dist/ and compiled into the binary.
//
// Build the UI before the binary:
//
//	npm ci --prefix web && npm run build --prefix web
//
// Without it, dist/ holds only .gitkeep, [FS] has no index.html and the
// server says the UI is not built. Build with -tags noui to leave the UI out.
package web
