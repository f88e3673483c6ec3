package doctor

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The udev rule shipped in packaging/ is checked here (packaging has no Go
// code): every line is `KEY[{attr}]OP"value"` pairs, every bridge the
// README promises is listed, and the settings doctor recommends are there.
func TestUdevRule(t *testing.T) {
	b, err := os.ReadFile("../../packaging/udev/99-blynkbridge.rules")
	if err != nil {
		t.Fatal(err)
	}
	pair := regexp.MustCompile(`^[A-Z_]+(\{[A-Za-z_]+\})?(==|!=|=|\+=|:=)"[^"]*"$`)
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, p := range strings.Split(line, ", ") {
			if !pair.MatchString(p) {
				t.Errorf("line %d: %q is not KEY OP \"value\"", i+1, p)
			}
		}
	}
	text := string(b)
	for _, id := range []string{`"1a86", ATTRS{idProduct}=="7523"`, `"1a86", ATTRS{idProduct}=="55d4"`, `"10c4", ATTRS{idProduct}=="ea60"`, `"0403", ATTRS{idProduct}=="6001"`} {
		if !strings.Contains(text, id) {
			t.Errorf("rule lacks %s", id)
		}
	}
	for _, want := range []string{`GROUP="dialout"`, `MODE="0660"`, `ENV{ID_MM_DEVICE_IGNORE}="1"`, `SYMLINK+="blynkbridge-$env{ID_SERIAL_SHORT}"`} {
		if !strings.Contains(text, want) {
			t.Errorf("rule lacks %s", want)
		}
	}
}

func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile("../../packaging/systemd/blynkbridge-relay@.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DynamicUser=yes", "SupplementaryGroups=dialout", "ProtectSystem=strict", "Restart=on-failure",
		"ExecStart=/usr/bin/blynkbridge relay --profile %i", "NoNewPrivileges=yes"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("unit lacks %s", want)
		}
	}
}
