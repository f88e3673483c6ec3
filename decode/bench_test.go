package decode

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/procstat"
)

// cpuTime is this process's user+system CPU time.
func cpuTime() time.Duration { return procstat.CPUTime() }

// mixedLog repeats the whole corpus (boot text, garbage, crash dumps with
// fixture addresses, Blynk debug dumps, Wi-Fi and TLS lines) up to size.
func mixedLog(tb testing.TB, size int) []byte {
	logs, _ := filepath.Glob("testdata/logs/*.log")
	var corpus []byte
	for _, p := range logs {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		corpus = append(corpus, b...)
		corpus = append(corpus, '\r', '\n') // the catalogue log ends mid-line
	}
	out := make([]byte, 0, size+len(corpus))
	for len(out) < size {
		out = append(out, corpus...)
	}
	return out[:size]
}

// BenchmarkDecodeMixed decodes a large mixed log with the fixture ELF loaded,
// in 4 KiB reads as a monitor gets them. It reports throughput as a multiple
// of a 921600-baud line (92160 B/s), allocation per input byte, and the heap
// still live after decoding (flat in the log's length: the decoder keeps no
// history).
func BenchmarkDecodeMixed(b *testing.B) {
	elf := loadFixture(b)
	for _, c := range []struct {
		name     string
		size     int
		diagnose bool
	}{{"1MB", 1 << 20, false}, {"10MB", 10 << 20, false}, {"10MB+diagnosis", 10 << 20, true}} {
		b.Run(c.name, func(b *testing.B) {
			data := mixedLog(b, c.size)
			clock := func() time.Time { return time.Time{} }
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var live uint64
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d := New(Options{Now: clock, ELF: elf})
				g := NewDiagnoser()
				events := 0
				for off := 0; off < len(data); off += 4096 {
					evs := d.Feed(data[off:min(len(data), off+4096)])
					if c.diagnose {
						g.Feed(evs...)
					}
					events += len(evs)
				}
				g.Feed(d.Flush()...)
				if i == b.N-1 {
					b.StopTimer()
					runtime.GC()
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					live = ms.HeapAlloc
					runtime.KeepAlive(d)
					runtime.KeepAlive(g)
					b.StartTimer()
				}
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
			b.ReportMetric(float64(len(data))/sec/92160, "x921600baud")
			// The machine is shared: CPU time says what the decoder costs
			// when it is not waiting for a core.
			b.ReportMetric(float64(len(data))/cpu/1e6, "MB/cpu-s")
			b.ReportMetric(float64(len(data))/cpu/92160, "x921600baud-cpu")
			// Live heap after decoding minus the input itself: what the
			// decoder and diagnoser retain.
			b.ReportMetric((float64(live)-float64(len(data)))/(1<<20), "retained-MB")
		})
	}
}
