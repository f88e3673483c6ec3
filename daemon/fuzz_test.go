package daemon

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/serialio/rfc2217"
)

// fakeConn hands the fuzz input to the server as if a client sent it, and
// swallows what the server answers.
type fakeConn struct {
	net.Conn
	in []byte
}

func (c *fakeConn) Read(p []byte) (int, error) {
	if len(c.in) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.in)
	c.in = c.in[n:]
	return n, nil
}
func (c *fakeConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }

type fakeBackend struct {
	lr      *lineRecognizer
	written int
}

func (f *fakeBackend) read([]byte) (int, error) { return 0, nil }
func (f *fakeBackend) write(p []byte) error     { f.written += len(p); return nil }
func (f *fakeBackend) setBaud(n int) int {
	if n == 0 {
		return 115200
	}
	return n
}
func (f *fakeBackend) purgeInput()            {}
func (f *fakeBackend) lines() *lineRecognizer { return f.lr }

// FuzzServerSession feeds arbitrary client bytes to the RFC 2217 server's
// command loop: no panic, no hang, and every data byte reaches the board
// exactly once.
func FuzzServerSession(f *testing.F) {
	var seed []byte
	seed = rfc2217.AppendNeg(seed, rfc2217.WILL, rfc2217.OptComPort)
	seed = rfc2217.AppendComPort(seed, rfc2217.SetBaudRate, rfc2217.Baud(74880)...)
	seed = rfc2217.AppendComPort(seed, rfc2217.SetControl, rfc2217.ControlDTROff)
	seed = rfc2217.AppendComPort(seed, rfc2217.SetControl, rfc2217.ControlRTSOn)
	seed = rfc2217.AppendComPort(seed, rfc2217.SetControl, rfc2217.ControlDTROn)
	seed = rfc2217.AppendComPort(seed, rfc2217.SetControl, rfc2217.ControlRTSOff)
	seed = rfc2217.AppendData(seed, []byte{0xC0, 0xFF, 0x00, 'h', 'i'})
	f.Add(seed)
	f.Add([]byte{rfc2217.IAC, rfc2217.SB, rfc2217.OptComPort, rfc2217.SetBaudRate, 1, 2})
	f.Add([]byte{rfc2217.IAC, rfc2217.SB, rfc2217.OptComPort, rfc2217.PurgeData, rfc2217.IAC, rfc2217.SE})
	f.Fuzz(func(t *testing.T, in []byte) {
		be := &fakeBackend{}
		be.lr = newLineRecognizer(func(bool, bool) {}, func(resetKind) {})
		be.lr.sleep = func(time.Duration) {}
		s := &rfcSession{conn: &fakeConn{in: append([]byte(nil), in...)}, be: be,
			neg: rfc2217.Negotiator{Local: []byte{rfc2217.OptBinary, rfc2217.OptSGA}, Remote: []byte{rfc2217.OptComPort}}}
		if err := s.readLoop(); err != io.EOF {
			t.Fatalf("readLoop: %v", err)
		}
		be.lr.Close()
		var ps rfc2217.Parser
		data := 0
		for _, it := range ps.Feed(in) {
			if it.Kind == rfc2217.KindData {
				data += len(it.Data)
			}
		}
		if be.written != data {
			t.Fatalf("%d data bytes reached the board, want %d", be.written, data)
		}
	})
}
