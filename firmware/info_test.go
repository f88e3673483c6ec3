package firmware

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/blynk"
)

// The --json field names are documented (README "image info --json"): keep them.
func TestInspectJSONFields(t *testing.T) {
	p, _, err := Patch(fixtureArduino(t), Settings{Token: ptr(blynk.NewToken(testToken)), Password: ptr("wifi-secret-1"), SSID: ptr("home")})
	if err != nil {
		t.Fatal(err)
	}
	in, err := Inspect(p)
	if err != nil || !in.Valid {
		t.Fatalf("%v %+v", err, in)
	}
	b, _ := json.Marshal(in)
	s := string(b)
	if strings.Contains(s, testToken) || strings.Contains(s, "wifi-secret-1") {
		t.Fatalf("secret in JSON: %s", s)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"v", "size", "layout", "images", "eboot_padding_ok", "arduino_crc", "trailing_bytes", "config", "problems", "valid"} {
		if _, ok := m[k]; !ok {
			t.Errorf("top-level key %q missing", k)
		}
	}
	img := m["images"].([]any)[1].(map[string]any)
	for _, k := range []string{"role", "offset", "format", "flash_mode", "flash_size", "flash_freq", "entry", "segments", "checksum", "length"} {
		if _, ok := img[k]; !ok {
			t.Errorf("image key %q missing", k)
		}
	}
	cfg := m["config"].(map[string]any)
	for _, k := range []string{"offset", "version", "length", "generation", "host", "port", "tls", "fingerprint", "token", "token_set", "wifi_ssid", "wifi_password_set", "sealed", "crc_valid"} {
		if _, ok := cfg[k]; !ok {
			t.Errorf("config key %q missing", k)
		}
	}
	if cfg["tls"] != "sha1" || cfg["token_set"] != true || cfg["wifi_password_set"] != true || img["role"] != "sketch" {
		t.Errorf("values: %v", cfg)
	}
	crc := m["arduino_crc"].(map[string]any)
	if crc["state"] != "valid" {
		t.Errorf("arduino_crc %v", crc)
	}
}
