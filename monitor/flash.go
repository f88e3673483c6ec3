package monitor

import (
	"context"
	"time"

	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// FlashRequest is what the monitor's flash key (and the demo's fix) writes.
type FlashRequest struct {
	Image   []byte
	Offset  uint32
	Base    []byte // the image known to be on the board at Offset: only changed sectors are written
	Resume  bool   // continue an interrupted write of the same image (needs Options.StateDir)
	Options flash.Options
}

// Flash lends the port to a flash.Flasher (Engine.Borrow), writes the image
// and leaves the loader as req.Options.After says (default: hard reset into
// the new sketch), then resumes monitoring. Nothing the board prints after
// the flasher returns is lost; what the ROM loader said during the flash
// belongs to the flasher.
func (e *Engine) Flash(ctx context.Context, req FlashRequest) (*flash.Result, error) {
	var res *flash.Result
	err := e.Borrow(ctx, "the flasher", func(ctx context.Context, p serialio.Port) error {
		f, err := flash.New(p, req.Options)
		if err != nil {
			return err
		}
		if err := f.Connect(ctx); err != nil {
			return err
		}
		// flash.Write reuses the block before a short last block as its
		// padding buffer, which writes into the caller's image (flash
		// engineer told); a copy keeps ours intact for the resume hash
		// and the next --base.
		img := append([]byte(nil), req.Image...)
		r, err := f.Write(ctx, img, flash.WriteOptions{Offset: req.Offset, Base: req.Base, Resume: req.Resume})
		res = r
		if err != nil {
			return err
		}
		if req.Options.After != flash.HardReset {
			return f.Finish(ctx)
		}
		// The hard reset boots the new sketch: read its ROM banner at the
		// ROM's rate, as after a Reset the engine causes itself.
		_ = p.SetBaud(e.opt.ROMBaud)
		_ = p.SetReadTimeout(20 * time.Millisecond)
		if err := f.Finish(ctx); err != nil {
			return err
		}
		e.note("the flasher reset the board (listening at %d baud for the ROM banner)", e.opt.ROMBaud)
		return e.romWindow(p)
	})
	return res, err
}
