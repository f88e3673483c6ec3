package monitor

import (
	"context"
	"fmt"
	"io"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// PrintItems is the non-terminal consumer: annotated lines or JSON, then
// the diagnosis when the monitor stops.
func PrintItems(ctx context.Context, w io.Writer, eng *Engine, asJSON bool, imgProblems []decode.Problem) error {
	pr := NewPrinter(w, asJSON)
	tr := NewTracker()
	tr.SetImageProblems(imgProblems)
	for {
		items, err := eng.Wait(ctx)
		for _, it := range items {
			if perr := pr.Print(it); perr != nil {
				return perr
			}
			tr.Observe(it, eng.Status())
		}
		if err != nil {
			_ = pr.Problems(tr.Problems())
			return err
		}
	}
}

// LoadImage reads --image (path) and picks its offset: 0x0 for the Arduino
// layout (eboot + sketch), 0x1000 for a sketch image alone, 0x0 otherwise.
func LoadImage(path, offset string) ([]byte, uint32, error) {
	// A regular file of at most 16 MiB: never blocks, so no context.
	img, err := safeio.ReadFile(context.Background(), path, safeio.Image)
	if err != nil {
		return nil, 0, err
	}
	if offset != "" {
		var off uint32
		if _, err := fmt.Sscanf(offset, "0x%x", &off); err != nil {
			if _, err := fmt.Sscanf(offset, "%d", &off); err != nil {
				return nil, 0, bberr.New(bberr.Usage, "write --offset as 0x1000 or 4096", "bad --offset %q", offset)
			}
		}
		return img, off, nil
	}
	f, err := firmware.Parse(img)
	if err != nil {
		return nil, 0, err
	}
	if f.Layout != firmware.LayoutArduino {
		if m := f.Main(); m != nil && m.IsArduinoSketch() {
			return img, firmware.SketchOffset, nil
		}
	}
	return img, 0, nil
}
