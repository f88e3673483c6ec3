package sim

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkTimedUART measures what the timing model delivers board->host
// against the 8N1 line rate (10 bits per byte): ratio ~1.00 means the
// pacing is exact without per-byte sleeps.
func BenchmarkTimedUART(b *testing.B) {
	for _, baud := range []int{115200, 921600} {
		b.Run(strconv.Itoa(baud), func(b *testing.B) {
			const total = 64 << 10
			fw := FirmwareFunc(func(ctx context.Context, dev Device) error {
				dev.Begin(baud)
				chunk := make([]byte, 256)
				for ctx.Err() == nil {
					dev.Write(chunk)
				}
				return nil
			})
			bd, err := New(Options{Boot: BootRun, Timing: true, Flash: FactoryImage(), AppBaud: baud,
				Firmware: func([]byte) Firmware { return fw }})
			if err != nil {
				b.Fatal(err)
			}
			defer bd.Close()
			p := bd.HostPort()
			p.SetBaud(baud)
			for bd.State() != Running {
				time.Sleep(time.Millisecond)
			}
			buf := make([]byte, 64<<10)
			p.SetReadTimeout(time.Second)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p.ResetInput()
				start := time.Now()
				got := 0
				for got < total {
					n, _ := p.Read(buf)
					got += n
				}
				el := time.Since(start)
				want := time.Duration(total) * 10 * time.Second / time.Duration(baud)
				b.ReportMetric(float64(got)/el.Seconds(), "B/s")
				b.ReportMetric(el.Seconds()/want.Seconds(), "time/ideal")
			}
		})
	}
}
