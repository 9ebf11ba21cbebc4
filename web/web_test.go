package web

import (
	"io/fs"
	"regexp"
	"testing"
)

// TestFS checks that the embedded UI, if built, is complete: every asset
// that index.html refers to is embedded too.
func TestFS(t *testing.T) {
	fsys := FS()
	index, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		t.Skip("UI not built (run npm ci --prefix web && npm run build --prefix web): ", err)
	}
	refs := regexp.MustCompile(`(?:src|href)="/(assets/[^"]+)"`).FindAllStringSubmatch(string(index), -1)
	if len(refs) == 0 {
		t.Fatal("index.html refers to no assets")
	}
	for _, m := range refs {
		if _, err := fs.Stat(fsys, m[1]); err != nil {
			t.Errorf("index.html refers to %s: %v", m[1], err)
		}
	}
}
