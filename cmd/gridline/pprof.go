package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// servePprof serves Go's profiles (net/http/pprof) on GRIDLINE_PPROF_ADDR
// when it is set, for measuring the real server under load
// (docs/benchmarks.md). Only a loopback address is accepted: the
// profiles show the program's internals and cost CPU to take, so they
// are never served beside the API. The listener closes with the process.
func servePprof(logger *slog.Logger) error {
	addr := os.Getenv("GRIDLINE_PPROF_ADDR")
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("GRIDLINE_PPROF_ADDR: want a loopback address such as 127.0.0.1:6060, got %q", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("GRIDLINE_PPROF_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	logger.Warn("serving Go profiles: for measurement only", "addr", ln.Addr().String())
	go http.Serve(ln, mux) //nolint:errcheck // ends with the process
	return nil
}
