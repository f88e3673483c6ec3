package blynkfw

import (
	"context"
	"net"
	"strconv"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// DefaultTLSPort is the port a wifi-ssl sketch connects to when the server
// is given without one (a local blynk-server's TLS hardware port).
const DefaultTLSPort = 9443

// ParseServer splits `sim --server HOST[:PORT]` (port default
// DefaultTLSPort); a bad value is a usage error.
func ParseServer(s string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(s)
	if err != nil {
		if strings.Contains(err.Error(), "missing port") {
			return strings.Trim(s, "[]"), DefaultTLSPort, nil
		}
		return "", 0, bberr.Wrap(err, bberr.Usage, "write --server HOST:PORT, e.g. localhost:9443", "bad --server %q", s)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, bberr.New(bberr.Usage, "write --server HOST:PORT, e.g. localhost:9443", "bad port in --server %q", s)
	}
	return host, port, nil
}

// StartFlash is the flash a simulated board starts with when a sketch is
// chosen by name: nil (keep what is there) when flashFile already holds an
// image, else the boot image - a blank flash halts in the ROM before any
// sketch runs. The file is read with the image size bound.
func StartFlash(ctx context.Context, flashFile string) []byte {
	if flashFile != "" {
		if b, err := safeio.ReadFile(ctx, flashFile, safeio.Image); err == nil && !Blank(b) {
			return nil
		}
	}
	return BootImage()
}
