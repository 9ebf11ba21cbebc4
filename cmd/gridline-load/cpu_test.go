package main

import (
	"os"
	"testing"
	"time"
)

// TestProcessCPU: the CPU time read from /proc/PID/stat for this process
// moves with its own getrusage over a busy spell (ticks of 10 ms).
func TestProcessCPU(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	p0, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	s0 := selfCPU()
	x := 0
	for start := time.Now(); selfCPU()-s0 < 300*time.Millisecond && time.Since(start) < 10*time.Second; {
		for i := range 100000 {
			x += i
		}
	}
	p1, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self, proc := selfCPU()-s0, p1-p0
	if d := proc - self; d < -50*time.Millisecond || d > 50*time.Millisecond || self < 250*time.Millisecond {
		t.Fatalf("/proc says %s, getrusage %s (%d)", proc, self, x)
	}
	if got, err := processCPU(0); got != 0 || err != nil {
		t.Fatalf("pid 0: %s %v", got, err)
	}
}
