package blynkfw

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/firmware"
)

// flashWith is a bootable flash that also carries, somewhere in the image,
// a config block and/or a fingerprint literal (NUL-terminated, as a C string).
func flashWith(block *firmware.Config, literal string) []byte {
	f := BootImage()
	f = append(f, make([]byte, 0x100-len(f)%0x100)...)
	if literal != "" {
		f = append(f, literal...)
		f = append(f, 0, 0, 0, 0)
	}
	if block != nil {
		for len(f)%4 != 0 {
			f = append(f, 0)
		}
		f = append(f, firmware.EncodeConfig(block)...)
	}
	return f
}

func fpBytes(t *testing.T, esp string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(esp, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A config block in flash configures the sketch without any flags.
func TestFlashConfigBlock(t *testing.T) {
	s := tlsServer(t)
	block := &firmware.Config{Host: "localhost", Port: s.Port(), TLS: firmware.TLSSHA1,
		Fingerprint: fpBytes(t, s.Fingerprint()), Token: blynk.NewToken(testToken), SSID: "flash-ssid"}
	cfg, found := FromFlash(Config{}, flashWith(block, ""))
	if !found || cfg.Kind != WiFiSSL || cfg.Host != "localhost" || cfg.Port != s.Port() || cfg.Fingerprint != s.Fingerprint() {
		t.Fatalf("FromFlash = %+v, %v", cfg, found)
	}
	if fw := Chooser(Config{}, nil)(flashWith(nil, "")); fw != nil {
		t.Fatal("no block and no --firmware must leave the demo sketch")
	}
	_, p := boardFlash(t, flashWith(block, ""), Config{TimeoutMS: 400, WiFiJoin: -1}, 115200)
	expect(t, p, 5*time.Second, "Connecting to flash-ssid", "Connecting to localhost:"+strconv.Itoa(s.Port()), "Ready (ping: ")
}

// No pin configured, but the image carries the fingerprint literal with the
// invisible mark: the sketch uses it byte for byte and fails.
func TestFlashFingerprintLiteral(t *testing.T) {
	s := tlsServer(t)
	flash := flashWith(nil, "\u200E"+s.Fingerprint())
	cfg := wifiCfg(s, "localhost", "")
	_, p := boardFlash(t, flash, cfg, 115200)
	expect(t, p, loginTimeoutWait, "Certificate doesn't match", "Login timeout")
	if got, _ := FromFlash(cfg, flash); !strings.HasPrefix(got.Fingerprint, "\u200E") {
		t.Fatalf("literal not used: %q", got.Fingerprint)
	}
}
