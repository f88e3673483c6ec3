package serialio

import (
	"fmt"
	"strings"

	"go.bug.st/serial"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Framing is a line's character format beyond its rate: data bits, parity,
// stop bits and flow control (the monitor's --databits, --parity,
// --stopbits, --flow, as tio and pyserial's miniterm name them). The zero
// value is 8N1 without flow control, what Open sets.
type Framing struct {
	DataBits int    // 5-8 (0 = 8)
	Parity   string // none, even, odd, mark, space ("" = none)
	StopBits int    // 1 or 2 (0 = 1)
	Flow     string // none, rtscts, xonxoff ("" = none)
}

// IsDefault reports 8N1 without flow control.
func (f Framing) IsDefault() bool {
	return (f.DataBits == 0 || f.DataBits == 8) && (f.Parity == "" || f.Parity == "none") &&
		(f.StopBits == 0 || f.StopBits == 1) && (f.Flow == "" || f.Flow == "none")
}

func (f Framing) String() string {
	p := f.Parity
	if p == "" {
		p = "none"
	}
	return fmt.Sprintf("%d%s%d flow %s", max(f.DataBits, 5), strings.ToUpper(p[:1]), max(f.StopBits, 1), f.flow())
}

func (f Framing) flow() string {
	if f.Flow == "" {
		return "none"
	}
	return f.Flow
}

// Check validates the values.
func (f Framing) Check() error {
	hint := "use --databits 5-8, --parity none/even/odd/mark/space, --stopbits 1 or 2, --flow none/rtscts/xonxoff"
	switch {
	case f.DataBits != 0 && (f.DataBits < 5 || f.DataBits > 8):
		return bberr.New(bberr.Usage, hint, "bad --databits %d", f.DataBits)
	case f.StopBits != 0 && f.StopBits != 1 && f.StopBits != 2:
		return bberr.New(bberr.Usage, hint, "bad --stopbits %d", f.StopBits)
	}
	if _, ok := parities[strings.ToLower(f.Parity)]; !ok {
		return bberr.New(bberr.Usage, hint, "bad --parity %q", f.Parity)
	}
	switch f.flow() {
	case "none", "rtscts", "xonxoff":
	default:
		return bberr.New(bberr.Usage, hint, "bad --flow %q", f.Flow)
	}
	return nil
}

var parities = map[string]serial.Parity{"": serial.NoParity, "none": serial.NoParity, "even": serial.EvenParity,
	"odd": serial.OddParity, "mark": serial.MarkParity, "space": serial.SpaceParity}

// SetFraming applies f to the open device; later SetBaud calls keep it.
func (d *Device) SetFraming(f Framing) error {
	if err := f.Check(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.mode
	m.DataBits = max(f.DataBits, 5)
	if f.DataBits == 0 {
		m.DataBits = 8
	}
	m.Parity = parities[strings.ToLower(f.Parity)]
	m.StopBits = serial.OneStopBit
	if f.StopBits == 2 {
		m.StopBits = serial.TwoStopBits
	}
	if err := d.p.SetMode(&m); err != nil {
		return classifyIO(d.path, "set "+f.String(), err, d.closed.Load())
	}
	d.mode = m
	if err := setFlow(d.ctl, f.flow()); err != nil {
		return bberr.Wrap(err, bberr.DeviceError, "use --flow none on this system or port", "setting flow control %s on %s", f.flow(), d.path)
	}
	return nil
}
