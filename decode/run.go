package decode

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// RunOptions configures Run, the whole of `blynkbridge decode`.
type RunOptions struct {
	ELF         *Symbolizer // symbolize crash dumps; nil: they say loudly they are not decoded
	JSON        bool        // one v1 JSON record per event, then the diagnosis record
	NoDiagnosis bool        // skip the diagnosis
	Unredacted  bool        // show auth tokens and Wi-Fi passwords (the caller warns)
	// Idle is how long input may pause before a partial line is shown: a
	// live pipe (`cat /dev/ttyUSB0 | blynkbridge decode -`) must not hold a
	// prompt or a crash dump back waiting for a newline. Default 200 ms.
	Idle time.Duration
	Now  func() time.Time // default time.Now
}

// RunResult is what the caller reports beyond the output itself.
type RunResult struct {
	Crashes    int       // crash dumps seen
	Mismatched int       // of them, dumps the ELF does not match
	Problems   []Problem // the diagnosis
	Input      []string  // what the normaliser found (encoding, line ends, prefix styles), in words
}

// Run decodes everything in from (a saved log, or a pipe that may pause) and
// writes the annotated text or JSON to out, then the diagnosis. Reading
// stops when ctx ends (Ctrl-C): what was read is decoded and diagnosed, then
// ctx.Err() is returned.
// Output errors are returned as they are; a read error is a BadInput
// *bberr.Error.
func Run(ctx context.Context, from io.Reader, out io.Writer, o RunOptions) (RunResult, error) {
	if o.Idle <= 0 {
		o.Idle = 200 * time.Millisecond
	}
	var res RunResult
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	ann := &Annotator{W: out}
	d := New(Options{ELF: o.ELF, File: true, Unredacted: o.Unredacted, Now: o.Now})
	g := NewDiagnoser()
	emit := func(evs []Event) error {
		for _, e := range evs {
			g.Feed(e)
			switch e.Kind {
			case KindCrash:
				res.Crashes++
				if e.Fields["elf"] == "mismatch" {
					res.Mismatched++
				}
			case KindInput:
				res.Input = append(res.Input, e.Summary)
			}
			var err error
			if o.JSON {
				err = enc.Encode(e)
			} else {
				err = ann.Write(e)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	finish := func() error {
		if err := emit(d.Close()); err != nil {
			return err
		}
		res.Problems = g.Problems()
		if o.NoDiagnosis {
			return nil
		}
		if o.JSON {
			return enc.Encode(NewDiagnosisRecord(res.Problems))
		}
		if _, err := fmt.Fprintln(out); err != nil {
			return err
		}
		return WriteProblems(out, res.Problems)
	}
	type chunk struct {
		b   []byte
		err error
	}
	ch := make(chan chunk, 4)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			buf := make([]byte, 32*1024)
			n, err := from.Read(buf)
			if n > 0 || err != nil {
				select {
				case ch <- chunk{buf[:n], err}:
				case <-done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	idle := time.NewTimer(o.Idle)
	defer idle.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			// Ctrl-C on a live pipe: what was read is decoded and
			// diagnosed before the caller exits with 130.
			if err := finish(); err != nil {
				return res, err
			}
			return res, ctx.Err()
		case <-idle.C:
			if err := emit(d.Flush()); err != nil {
				return res, err
			}
		case k := <-ch:
			if err := emit(d.Feed(k.b)); err != nil {
				return res, err
			}
			if k.err != nil {
				if k.err != io.EOF {
					if ctx.Err() != nil {
						continue // the reader stopped because of Ctrl-C: handled above
					}
					return res, bberr.Wrap(k.err, bberr.BadInput, "", "reading the log")
				}
				break loop
			}
			idle.Reset(o.Idle)
		}
	}
	return res, finish()
}

// LoadELF reads the ELF at path through safeio: a regular file of at most
// 64 MiB, read cancellably (Ctrl-C ends it), never a FIFO or a device.
func LoadELF(ctx context.Context, path string) (*Symbolizer, error) {
	b, err := safeio.ReadFile(ctx, path, safeio.ELF)
	if err != nil {
		return nil, err
	}
	s, err := NewSymbolizer(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	s.Path = path
	return s, nil
}
