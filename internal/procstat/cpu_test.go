package procstat

import (
	"testing"
	"time"
)

// CPU time grows while the process computes.
func TestCPUTimeGrows(t *testing.T) {
	before := CPUTime()
	x := 0
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
		x++
	}
	if after := CPUTime(); after <= before || x == 0 {
		t.Fatalf("CPU time did not grow: %v -> %v", before, after)
	}
}
