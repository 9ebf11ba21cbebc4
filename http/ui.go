package http

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

const uiMissing = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>Gridline</title>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Gridline 网格化社会治理平台</h1>
<p>The web UI was not built into this binary. Run <code>make</code> (npm + Vite build, then go build) or use the API under <a href="/api/v1/openapi.json">/api/v1/</a>.</p>
<p>本程序未内置网页界面:请运行 <code>make</code> 重新构建,或直接使用 API。</p></body></html>`

// uiHandler serves the embedded single-page app: files by path, long-lived
// caching for hashed assets, gzip for text, and index.html for every other
// path so client-side routes work.
func (s *Server) uiHandler() http.Handler {
	cache := &gzipCache{files: map[string][]byte{}}
	if s.UI != nil {
		// The first visitor of a page must not wait while MapLibre's
		// megabyte is compressed (seconds on a busy machine): the assets
		// are compressed in the background as the server starts.
		go cache.warm(s.UI)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name == "" {
			name = "index.html"
		}
		if s.UI == nil {
			s.serveMissingUI(w)
			return
		}
		data, err := fs.ReadFile(s.UI, name)
		if err != nil && strings.HasPrefix(name, "assets/") {
			http.NotFound(w, r) // a stale hashed asset, not a client route
			return
		} else if err != nil {
			name = "index.html"
			if data, err = fs.ReadFile(s.UI, name); err != nil {
				s.serveMissingUI(w)
				return
			}
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if path.Ext(name) == ".webmanifest" {
			// The phone app's manifest (m/manifest.webmanifest); not
			// in every system's MIME table.
			ctype = "application/manifest+json"
		}
		if ctype == "" {
			ctype = http.DetectContentType(data)
		}
		w.Header().Set("Content-Type", ctype)
		if strings.HasPrefix(name, "assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		w.Header().Add("Vary", "Accept-Encoding")
		if compressible(ctype) && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			data = cache.get(name, data)
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
	})
}

func (s *Server) serveMissingUI(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(uiMissing))
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

// gzipCache compresses each embedded file once.
type gzipCache struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (c *gzipCache) get(name string, data []byte) []byte {
	c.mu.Lock()
	z, ok := c.files[name]
	c.mu.Unlock()
	if ok {
		return z
	}
	// Compressed outside the lock: one large file must not hold back the
	// others; two callers of the same file may both compress it.
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.files[name] = buf.Bytes()
	return c.files[name]
}

// warm compresses the compressible files of ui's assets/ and index.html.
func (c *gzipCache) warm(ui fs.FS) {
	fs.WalkDir(ui, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasPrefix(name, "assets/") || name == "index.html") {
			return nil
		}
		if !compressible(mime.TypeByExtension(path.Ext(name))) {
			return nil
		}
		if data, err := fs.ReadFile(ui, name); err == nil {
			c.get(name, data)
		}
		return nil
	})
}

//go:embed openapi.json
var openapiJSON []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapiJSON)
}
