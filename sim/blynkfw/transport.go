package blynkfw

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/sim"
)

// defaultFingerprint is the library's BLYNK_DEFAULT_FINGERPRINT in 0.3.4–0.4.x,
// the SHA-1 of the old blynk-cloud.com self-signed certificate.
const defaultFingerprint = "FD C0 7D 8D 47 97 F7 E3 07 05 D3 4E E3 BB 8E 3D C0 EA BE 1C"

// tlsTransport is BlynkArduinoClientSecure over WiFiClientSecure: a real TLS
// connection from this process, with the certificate checked the way the
// board's TLS stack does it instead of by crypto/tls.
type tlsTransport struct {
	cfg    Config
	lib    libVersion
	host   string
	port   int
	byIP   bool
	conn   net.Conn
	in     chan []byte
	closed bool // the peer closed (or the reader failed)
	wg     sync.WaitGroup
}

func newTLSTransport(cfg Config, lib libVersion) *tlsTransport {
	return &tlsTransport{cfg: cfg, lib: lib, host: cfg.Host, port: cfg.Port, byIP: cfg.ByIP}
}

func (t *tlsTransport) bearSSL() bool { return t.lib.atLeast(1, 0, 0) && t.cfg.Kind == WiFiSSL }

func (t *tlsTransport) connect(e *engine) bool {
	addr := net.JoinHostPort(t.host, strconv.Itoa(t.port))
	if t.byIP {
		e.logf("Connecting to %s", t.host) // BLYNK_LOG_IP: no port
	} else {
		e.logf("Connecting to %s:%d", t.host, t.port)
	}
	raw, err := t.cfg.Dial("tcp", addr, 5*time.Second)
	if err != nil {
		// 0.x prints nothing when the TCP connect fails; 1.x SSL says so.
		if t.bearSSL() {
			e.logf("Connection failed")
		}
		return false
	}
	if t.cfg.Kind == WiFiTCP {
		t.start(raw)
		return true
	}
	sni := t.host
	if t.byIP || net.ParseIP(t.host) != nil {
		sni = "" // no SNI for an address
	}
	fp := t.cfg.Fingerprint
	if fp == "" && !t.bearSSL() {
		fp = defaultFingerprint
	}
	conf := &tls.Config{InsecureSkipVerify: true, ServerName: sni, MaxVersion: tls.VersionTLS12}
	var bearErr error
	if t.bearSSL() {
		// setFingerprint: the insecure X.509 engine compares the leaf's
		// SHA-1 only; a string the parser rejects configures nothing, and
		// with no trust anchor either the handshake fails NOT_TRUSTED.
		want, _, ok := bearsslParse(fp)
		conf.VerifyPeerCertificate = func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
			if !ok || len(rawCerts) == 0 || sha1.Sum(rawCerts[0]) != want {
				bearErr = errNotTrusted
				return bearErr
			}
			return nil
		}
	}
	tc := tls.Client(raw, conf)
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	err = tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		_ = raw.Close()
		if t.bearSSL() {
			code := brErrIO
			if bearErr != nil {
				code = brErrX509NotTrusted
			}
			e.logf("SSL error: %d", code)
		}
		return false
	}
	t.start(tc)
	if t.bearSSL() {
		return true
	}
	// axTLS: BlynkArduinoClientSecure::connect() calls verify(fp, domain)
	// after the handshake. IPAddress form passes no domain.
	domain := t.host
	if t.byIP {
		domain = ""
	}
	leaf := tc.ConnectionState().PeerCertificates[0]
	if ok, _ := axtlsVerify(leaf, fp, domain); !ok {
		// The library reports failure but leaves the socket open: the next
		// run() sees a live connection with no login answer.
		e.logf("Certificate doesn't match")
		return false
	}
	e.logf("Certificate OK")
	return true
}

var errNotTrusted = errors.New("x509: not trusted")

func (t *tlsTransport) start(c net.Conn) {
	t.conn, t.closed = c, false
	in := make(chan []byte, 16)
	t.in = in
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer close(in)
		buf := make([]byte, 2048)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				in <- append([]byte(nil), buf[:n]...)
			}
			if err != nil {
				return
			}
		}
	}()
}

func (t *tlsTransport) connected() bool { return t.conn != nil && !t.closed }

func (t *tlsTransport) disconnect() {
	if t.conn == nil {
		return
	}
	_ = t.conn.Close()
	// Drain so the reader can finish; what it still delivers is dropped,
	// as the socket's buffer is on the board.
	for range t.in {
	}
	t.wg.Wait()
	t.conn, t.in, t.closed = nil, nil, false
}

func (t *tlsTransport) write(p []byte) error {
	if t.conn == nil {
		return net.ErrClosed
	}
	_ = t.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := t.conn.Write(p)
	return err
}

func (t *tlsTransport) recv() <-chan []byte {
	if t.in == nil || t.closed {
		return nil
	}
	return t.in
}

func (t *tlsTransport) peerClosed() { t.closed = true }

// streamTransport is BlynkTransportStream: the protocol runs over the serial
// port itself. connect() only prints `Connecting...`; the "connection" is up
// until the protocol drops it.
type streamTransport struct {
	dev  sim.Device
	up   bool
	in   chan []byte
	once sync.Once
	ctx  context.Context
}

func (s *streamTransport) startReader() {
	s.once.Do(func() {
		in := make(chan []byte, 64)
		s.in = in
		go func() {
			buf := make([]byte, 256)
			for {
				n, err := s.dev.Read(buf)
				if n > 0 {
					select {
					case in <- append([]byte(nil), buf[:n]...):
					case <-s.ctx.Done():
						return
					}
				}
				if err != nil || s.ctx.Err() != nil {
					return
				}
			}
		}()
	})
}

func (s *streamTransport) connect(e *engine) bool {
	e.logf("Connecting...")
	// Bytes that arrived while "disconnected" are stale.
	for {
		select {
		case <-s.in:
			continue
		default:
		}
		break
	}
	e.rx = nil
	s.up = true
	return true
}

func (s *streamTransport) connected() bool { return s.up }
func (s *streamTransport) disconnect()     { s.up = false }
func (s *streamTransport) peerClosed()     { s.up = false }
func (s *streamTransport) recv() <-chan []byte {
	return s.in
}

func (s *streamTransport) write(p []byte) error {
	_, err := s.dev.Write(p)
	return err
}
