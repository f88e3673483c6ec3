package blynkfw

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestParseServer(t *testing.T) {
	if h, p, err := ParseServer("example.com"); h != "example.com" || p != DefaultTLSPort || err != nil {
		t.Errorf("default port: %s %d %v", h, p, err)
	}
	if h, p, err := ParseServer("[::1]:8443"); h != "::1" || p != 8443 || err != nil {
		t.Errorf("v6: %s %d %v", h, p, err)
	}
	for _, bad := range []string{"h:99999", "h:x", "h:0"} {
		if _, _, err := ParseServer(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestStartFlash(t *testing.T) {
	if StartFlash(context.Background(), "") == nil {
		t.Fatal("no flash file: want the boot image")
	}
	f := filepath.Join(t.TempDir(), "flash.bin")
	if err := os.WriteFile(f, BootImage(), 0o600); err != nil {
		t.Fatal(err)
	}
	if StartFlash(context.Background(), f) != nil {
		t.Fatal("a flash file with an image must be kept")
	}
	blank := make([]byte, 4096)
	for i := range blank {
		blank[i] = 0xff
	}
	if err := os.WriteFile(f, blank, 0o600); err != nil {
		t.Fatal(err)
	}
	if StartFlash(context.Background(), f) == nil {
		t.Fatal("an erased flash file: want the boot image")
	}
}
