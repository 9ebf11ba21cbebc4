//go:build noui

package web

import (
	"io/fs"
	"testing/fstest"
)

// FS returns an empty file system: the binary was built with -tags noui.
func FS() fs.FS { return fstest.MapFS{} }
