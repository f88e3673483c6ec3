package demo

import (
	"bytes"
	_ "embed"
	"fmt"
	"net"
	"strings"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/firmware"
)

// The firmware engineer's fixture (firmware/testdata, built with the
// xtensa-lx106 cross compiler from firmware/testdata/fixture): a real
// Arduino-shaped sketch ELF carrying the blynkbridge config block, and an
// eboot stand-in. They are copied here because go:embed cannot reach
// another package's directory and the demo must run from an installed
// binary; TestFixtureCopiesMatch keeps the copies identical.
var (
	//go:embed fixture/sketch.elf
	sketchELF []byte
	//go:embed fixture/eboot.elf
	ebootELF []byte
)

// The literals the fixture sketch carries in .rodata (sketch.c).
const (
	fixtureCleanFP  = "A2 10 3C 79 7D 19 FB B2 50 0D 02 C6 39 8B 94 D0 02 B8 88 88"
	fixturePastedFP = "\xE2\x80\x8E" + "58 20 11 7A 3B 9C 4D 5E 6F 70 81 92 A3 B4 C5 D6 E7 F8 09 1A"
	// lrm is U+200E LEFT-TO-RIGHT MARK in UTF-8: what Windows' certificate
	// dialog puts in front of a thumbprint copied from it.
	lrm = "\xE2\x80\x8E"
)

// ForumImage builds the firmware of the forum story: the fixture sketch
// (eboot + sketch in the Arduino layout, as `image build --eboot` makes it)
// "compiled" with
//
//	Blynk.begin(auth, ssid, pass, IPAddress(127,0,0,1), port, fingerprint);
//
// where fingerprint is a string literal pasted from Windows, so it starts
// with an invisible U+200E. The config block cannot hold that text (it
// stores the fingerprint as 20 raw bytes), so the block is left as the
// sketch was compiled: host 127.0.0.1, TLS sha1, no fingerprint, never
// sealed (CRC 0); the sketch then passes its own literal, byte for byte,
// which is what sim/blynkfw does for a block without a fingerprint. The
// fixture's other, clean literal is replaced by an unrelated string so the
// pasted one is the sketch's only fingerprint.
func ForumImage(ip string, port int, token blynk.Token, ssid, serverFP string) ([]byte, error) {
	if net.ParseIP(ip) == nil {
		return nil, fmt.Errorf("demo: %q is not an IP address", ip)
	}
	if len(lrm)+len(serverFP) != len(fixturePastedFP) {
		return nil, fmt.Errorf("demo: fingerprint %q is not a SHA-1 in the ESP8266 form", serverFP)
	}
	built, err := firmware.FromELF(sketchELF, firmware.BuildOptions{Eboot: ebootELF})
	if err != nil {
		return nil, fmt.Errorf("demo: building the sketch image: %w", err)
	}
	img := built.Image
	// firmware.ReplaceString refuses to write an unclean fingerprint (as it
	// should) and to turn a fingerprint into other text, so the "compiler"
	// writes both literals itself; Reseal below recomputes every seal.
	at := bytes.Index(img, []byte(fixturePastedFP))
	if at < 0 || bytes.Count(img, []byte(fixturePastedFP)) != 1 {
		return nil, fmt.Errorf("demo: the fixture's pasted fingerprint literal is not there exactly once")
	}
	copy(img[at:], lrm+serverFP)
	at = bytes.Index(img, []byte(fixtureCleanFP+"\x00"))
	if at < 0 {
		return nil, fmt.Errorf("demo: the fixture's clean fingerprint literal is missing")
	}
	other := "blynk-cloud.com"
	copy(img[at:at+len(fixtureCleanFP)], other+strings.Repeat("\x00", len(fixtureCleanFP)-len(other)))
	blk, err := firmware.FindConfig(img)
	if err != nil {
		return nil, fmt.Errorf("demo: the fixture has no config block: %w", err)
	}
	raw := firmware.EncodeConfig(&firmware.Config{
		Host:  ip,
		Port:  port,
		TLS:   firmware.TLSSHA1,
		Token: token,
		SSID:  ssid,
	})
	// As compiled: a C initializer cannot compute the CRC, so it is 0
	// until blynkbridge seals the block on the first patch.
	for i := firmware.ConfigLenV1 - 4; i < firmware.ConfigLenV1; i++ {
		raw[i] = 0
	}
	copy(img[blk.Offset:], raw)
	img, err = firmware.Reseal(img)
	if err != nil {
		return nil, fmt.Errorf("demo: sealing the image: %w", err)
	}
	if err := firmware.Verify(img); err != nil {
		return nil, fmt.Errorf("demo: the built image does not verify: %w", err)
	}
	return img, nil
}

// Finding is one thing the demo's scan of the image found.
type Finding struct {
	What string // one line, names the code point or the field
	Fix  string // what the patch writes
}

// Fix is the repair the demo applies: the patched image and what changed.
type Fix struct {
	Findings    []Finding
	Fingerprint string // the clean fingerprint, "AA BB ..."
	Host        string // the host name written
	Image       []byte // patched, re-sealed
	Sectors     []int  // changed 4 KiB sectors (offset/0x1000)
}

// PlanFix scans img with the firmware package's fingerprint-literal finder
// and config-block reader and builds the patch: the clean fingerprint and
// host into the block (firmware.Patch re-seals everything). host is a name
// the server's certificate carries.
func PlanFix(img []byte, host string) (*Fix, error) {
	fx := &Fix{Host: host}
	for _, hit := range firmware.Fingerprints(img) {
		if hit.Alg != "sha1" {
			continue
		}
		if len(hit.Invisible) > 0 {
			inv := hit.Invisible[0]
			fx.Findings = append(fx.Findings, Finding{
				What: fmt.Sprintf("fingerprint literal at 0x%X starts with an invisible %s (UTF-8 %s): %s", hit.Offset, inv.Name, inv.UTF8, hit.Text),
				Fix:  "pin the clean fingerprint " + hit.Hex + " in the config block",
			})
		}
		if fx.Fingerprint == "" {
			fx.Fingerprint = hit.Hex
		}
	}
	if fx.Fingerprint == "" {
		return nil, fmt.Errorf("demo: no SHA-1 fingerprint literal in the image")
	}
	cfg, err := firmware.FindConfig(img)
	if err != nil {
		return nil, err
	}
	if net.ParseIP(cfg.Host) != nil {
		fx.Findings = append(fx.Findings, Finding{
			What: fmt.Sprintf("config block at 0x%X names the server by IP address %s: axTLS verify() gets no host name and never matches", cfg.Offset, cfg.Host),
			Fix:  fmt.Sprintf("write the certificate's host name %q instead", host),
		})
	}
	fp := fx.Fingerprint
	patched, sectors, err := firmware.Patch(img, firmware.Settings{Host: &fx.Host, Fingerprint: &fp})
	if err != nil {
		return nil, err
	}
	fx.Image, fx.Sectors = patched, sectors
	return fx, nil
}
