package certs

import (
	"context"
	"fmt"
	"io"
	"time"
)

// PinSHA1 fetches the server at addr and returns its leaf certificate's
// SHA-1 in the form an ESP8266 sketch pins, telling the user on note what
// was pinned (which certificate, until when) so a wrong server is noticed.
func PinSHA1(ctx context.Context, addr string, note io.Writer) (string, error) {
	info, err := Fetch(ctx, addr, FetchOptions{Timeout: 10 * time.Second})
	if err != nil {
		return "", err
	}
	leaf := info.Leaf()
	fp := leaf.SHA1.ESP8266()
	fmt.Fprintf(note, "%s presents %q (expires %s); pinning its SHA-1 %s\n", addr, leaf.CommonName, leaf.NotAfter.Format("2006-01-02"), fp)
	return fp, nil
}
