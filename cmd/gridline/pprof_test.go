package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"
)

// TestServePprof: profiles only on a loopback address, never by default.
func TestServePprof(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for addr, bad := range map[string]bool{"": false, "127.0.0.1:0": false, "[::1]:0": false,
		"0.0.0.0:6060": true, ":6060": true, "192.0.2.1:6060": true, "localhost": true} {
		t.Setenv("GRIDLINE_PPROF_ADDR", addr)
		err := servePprof(logger)
		if bad && (err == nil || !strings.Contains(err.Error(), "loopback")) {
			t.Errorf("%q: want a refusal naming loopback, got %v", addr, err)
		}
		if !bad && err != nil && !strings.Contains(err.Error(), "cannot assign") {
			t.Errorf("%q: %v", addr, err)
		}
	}
}
