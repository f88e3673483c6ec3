package serialio

import (
	"context"
	"testing"

	"github.com/creack/pty"
	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// --databits/--parity/--stopbits/--flow reach the tty's termios, and a
// later baud change keeps them.
func TestSetFramingOnPTY(t *testing.T) {
	m, s, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer m.Close()
	defer s.Close()
	p, err := Open(context.Background(), s.Name(), 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	d := p.(*Device)
	if err := d.SetFraming(Framing{DataBits: 7, Parity: "even", StopBits: 2, Flow: "rtscts"}); err != nil {
		t.Fatal(err)
	}
	if err := d.SetBaud(9600); err != nil {
		t.Fatal(err)
	}
	tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	// Linux's pty driver forces CS8 and clears PARENB whatever is set
	// (drivers/tty/pty.c), so on a pty only stop bits and flow control
	// can be read back; data bits and parity are checked in the mode the
	// serial library was given.
	if tio.Cflag&unix.CSTOPB == 0 || tio.Cflag&unix.CRTSCTS == 0 {
		t.Fatalf("termios cflag %#o: want 2 stop bits (CSTOPB) and CRTSCTS", tio.Cflag)
	}
	if d.mode.DataBits != 7 || d.mode.Parity != serial.EvenParity || d.mode.BaudRate != 9600 {
		t.Fatalf("mode %+v: want 7 data bits, even parity, 9600", d.mode)
	}
	for _, bad := range []Framing{{DataBits: 9}, {Parity: "weird"}, {StopBits: 3}, {Flow: "dsrdtr"}} {
		if err := bad.Check(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
