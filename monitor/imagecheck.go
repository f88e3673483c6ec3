package monitor

import (
	"fmt"
	"net"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/firmware"
)

// ImageProblems reads the firmware image the monitor was given (--image)
// for the two causes of "Certificate doesn't match" that the log cannot
// show: a fingerprint literal carrying an invisible character, and a
// config block that pins a certificate while naming the server by IP
// address (axTLS then has no host name to check). Each problem's Fix is a
// blynkbridge command that repairs the image.
func ImageProblems(img []byte) []decode.Problem {
	var ps []decode.Problem
	cfg, cfgErr := firmware.FindConfig(img)
	// A sealed block that pins a fingerprint wins over any literal in the
	// sketch (blynkbridge_config.h reads the block first), so a literal
	// with an invisible character is then dead text, not a cause.
	blockPins := cfgErr == nil && cfg.Sealed() && cfg.TLS != firmware.TLSNone && len(cfg.Fingerprint) > 0
	for _, hit := range firmware.Fingerprints(img) {
		if len(hit.Invisible) == 0 || blockPins {
			continue
		}
		inv := hit.Invisible[0]
		pos := "inside"
		if inv.Offset == hit.Offset {
			pos = "at the start of"
		}
		ps = append(ps, decode.Problem{
			ID:       "image-fingerprint-invisible-char",
			Severity: decode.SevError,
			Title: fmt.Sprintf("the fingerprint in the image has an invisible %s %s it (file offset 0x%X, UTF-8 %s)",
				inv.Name, pos, inv.Offset, inv.UTF8),
			Explanation: "The literal looks right on screen, but the TLS library parses bytes: it meets " + inv.UTF8 +
				" where it expects a hex digit and rejects the fingerprint, so every connection ends in \"Certificate doesn't match\". " +
				"Windows' certificate dialog adds this mark when the thumbprint is copied.",
			Fix:      fmt.Sprintf("blynkbridge image patch FW.bin -o fixed.bin --fingerprint %q", hit.Hex),
			Count:    1,
			Evidence: "literal " + hit.Text,
		})
	}
	if cfgErr == nil && net.ParseIP(cfg.Host) != nil && cfg.TLS != firmware.TLSNone {
		ps = append(ps, decode.Problem{
			ID:       "image-server-by-ip",
			Severity: decode.SevError,
			Title:    fmt.Sprintf("the image names the server by IP address (%s) with TLS on", cfg.Host),
			Explanation: "Given an IPAddress, the Blynk 0.4.x SSL client calls axTLS verify() with no host name, which never matches; " +
				"the certificate must be checked against a name it carries (its DNS SAN), so configure the host name instead.",
			Fix:      fmt.Sprintf("blynkbridge image patch FW.bin -o fixed.bin --server HOSTNAME:%d   (a name the server certificate carries)", cfg.Port),
			Count:    1,
			Evidence: fmt.Sprintf("config block at 0x%X: host %q", cfg.Offset, cfg.Host),
		})
	}
	return ps
}
