//go:build !noui

package web

import (
	"embed"
	"io/fs"
)

// The all: prefix also embeds names starting with "." or "_", which
// bundlers may emit, and dist/.gitkeep, which keeps the pattern valid in a
// fresh checkout.
//
//go:embed all:dist
var distFS embed.FS

// FS returns the built UI, rooted at the directory that holds index.html.
func FS() fs.FS {
	sub, err := fs.Sub(distFS, "dist")
	if err != nil {
		// fs.Sub only fails on an invalid path, and "dist" is valid.
		panic(err)
	}
	return sub
}
