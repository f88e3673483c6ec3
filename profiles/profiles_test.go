package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

const tok = "abcdefghijklmnopqrstuvwxyz012345" // 32 chars, fake

const good = `default = "desk"

[profiles.desk]
port = "/dev/ttyUSB0"
monitor_baud = 115200
flash_baud = 460800
before = "default-reset"
after = "hard-reset"
image = "fw/sketch.bin"
elf = "/abs/sketch.elf"
server = "blynk.example.com:443"
fingerprint = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"
token = "` + tok + `"

[profiles.desk.relay]
reconnect-max = "30s"

[profiles.pi]
usb_serial = "A50285BI"
tls = "insecure"
token_env = "PI_TOKEN"
`

func TestParseGood(t *testing.T) {
	f, err := Parse("/cfg/profiles.toml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Names(); strings.Join(got, ",") != "desk,pi" {
		t.Fatalf("names %v", got)
	}
	p, _ := f.Select("")
	if p.Name != "desk" || p.FlashBaud != 460800 || p.TLSMode() != "fingerprint" || p.Token.Reveal() != tok {
		t.Fatalf("desk = %+v", p)
	}
	if p.Image != "/cfg/fw/sketch.bin" || p.ELF != "/abs/sketch.elf" {
		t.Fatalf("paths relative to the file's directory: %q %q", p.Image, p.ELF)
	}
	if p.Relay["reconnect-max"] != "30s" {
		t.Fatalf("relay %v", p.Relay)
	}
	if _, err := f.Select("nope"); bberr.CodeOf(err) != bberr.BadInput {
		t.Fatalf("unknown profile: %v", err)
	}
}

// Every validation error names the file, profile, key and line.
func TestValidationErrorsHaveLines(t *testing.T) {
	cases := []struct {
		doc  string
		want []string
	}{
		{"[profiles.a]\nport = \"/dev/x\"\nmonitor_baud = 12345\n", []string{"profiles.toml:3:", `profile "a"`, "monitor_baud", "12345"}},
		{"[profiles.a]\n\n\ntls = \"sometimes\"\n", []string{":4:", "tls", "sometimes"}},
		{"[profiles.a]\nprot = \"/dev/x\"\n", []string{":2:", "prot", `did you mean "port"`}},
		{"[profiles.a]\nmonitor_baud = \"fast\"\n", []string{":2:", "monitor_baud"}},
		{"[profiles.a]\nport = \"/dev/x\"\nusb_serial = \"X\"\n", []string{":3:", "usb_serial", "only one of"}},
		{"[profiles.a]\nserver = \"https://x\"\n", []string{":2:", "server", "scheme"}},
		{"[profiles.a]\nfingerprint = \"AA:BB\u200e:CC\"\n", []string{":2:", "fingerprint", "U+200E"}},
		{"[profiles.a]\ntoken = \"short\"\n", []string{":2:", "token", "32 characters"}},
		{"default = \"zz\"\n[profiles.a]\n", []string{":1:", "default", `"zz"`}},
		{"[profiles.a]\nport = \"/dev/x\n", []string{":2:"}}, // syntax error
		{"[profiles.a]\nvid_pid = \"1a86\"\n", []string{":2:", "vid_pid"}},
		{"[profiles.a]\n[profiles.a.relay]\nx = [1, 2]\n", []string{":3:", "relay.x"}},
		{"[profiles.'b a d']\n", []string{":1:", "profile names"}},
		{"[profiles.a]\ntls = \"ca\"\n", []string{":2:", "needs a ca key"}},
		{"[profiles]\na = { port = \"/dev/x\", before = \"yank\" }\n", []string{":2:", "before", "yank"}},
	}
	for _, c := range cases {
		_, err := Parse("/home/u/.config/blynkbridge/profiles.toml", []byte(c.doc))
		if err == nil {
			t.Errorf("%q: no error", c.doc)
			continue
		}
		if bberr.CodeOf(err) != bberr.BadInput {
			t.Errorf("%q: code %d", c.doc, bberr.CodeOf(err))
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q lacks %q", c.doc, err, w)
			}
		}
		if !strings.Contains(bberr.HintOf(err), "line") && !strings.Contains(bberr.HintOf(err), "profile show") {
			t.Errorf("%q: hint %q", c.doc, bberr.HintOf(err))
		}
	}
}

func TestValidationNeverPrintsToken(t *testing.T) {
	bad := "[profiles.a]\ntoken = \"" + tok + "!\"\n"
	_, err := Parse("p.toml", []byte(bad))
	if err == nil || strings.Contains(err.Error(), tok) {
		t.Fatalf("err %v", err)
	}
}

func TestSaveRoundTripAndMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "profiles.toml")
	f := New(path)
	p := &Profile{Name: "desk", Port: "/dev/ttyUSB0", FlashBaud: 921600, Server: "b.example:443", Token: blynk.NewToken(tok),
		Relay: map[string]any{"heartbeat": "10s", "log-frames": true}}
	if err := f.Set(p); err != nil {
		t.Fatal(err)
	}
	f.Default = "desk"
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v", st.Mode())
	}
	g, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := g.Select("")
	if q.Token.Reveal() != tok || q.FlashBaud != 921600 || q.Relay["log-frames"] != true || len(g.Warnings) != 0 {
		t.Fatalf("round trip: %+v warnings %v", q, g.Warnings)
	}
	// Rewriting an existing, loosened file makes it 0600 again.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := g.Save(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode after rewrite %v", st.Mode())
	}
}

func TestWorldReadableWarning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "profiles.toml")
	if err := os.WriteFile(path, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "chmod 600 "+path) || !strings.Contains(f.Warnings[0], "desk") {
		t.Fatalf("warnings %q", f.Warnings)
	}
	if strings.Contains(f.Warnings[0], tok) {
		t.Fatal("token in warning")
	}
	// 0600, or no inline token: no warning.
	_ = os.Chmod(path, 0o600)
	if f, _ := Load(path); len(f.Warnings) != 0 {
		t.Fatalf("0600: %q", f.Warnings)
	}
	noTok := strings.Replace(good, `token = "`+tok+`"`, "", 1)
	_ = os.WriteFile(path, []byte(noTok), 0o644)
	_ = os.Chmod(path, 0o644)
	if f, _ := Load(path); len(f.Warnings) != 0 {
		t.Fatalf("no token: %q", f.Warnings)
	}
}

func TestMissingFileIsEmpty(t *testing.T) {
	f, err := Load(filepath.Join(t.TempDir(), "none.toml"))
	if err != nil || f.Exists || len(f.Names()) != 0 {
		t.Fatalf("%v %+v", err, f)
	}
	if p, err := f.Select(""); p != nil || err != nil {
		t.Fatal("no default")
	}
	_, err = f.Select("x")
	if !strings.Contains(bberr.HintOf(err), "profile add x") {
		t.Fatalf("hint %q", bberr.HintOf(err))
	}
}

func TestMarshalOnlyPlaceWithToken(t *testing.T) {
	f, _ := Parse("p.toml", []byte(good))
	b, _ := f.Marshal()
	if !strings.Contains(string(b), tok) {
		t.Fatal("the file itself must keep the token")
	}
	p, _ := f.Get("desk")
	if s := strings.Join([]string{p.Token.String(), p.TokenSource()}, " "); strings.Contains(s, tok) {
		t.Fatal(s)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("[profiles.a]\nport = 1\n"))
	f.Add([]byte("[profiles]\na = { relay = { x = 1 } }\n"))
	f.Add([]byte("default = \"\"\n[[profiles]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("f.toml", data)
		if err != nil {
			if bberr.CodeOf(err) != bberr.BadInput {
				t.Fatalf("code %d for %v", bberr.CodeOf(err), err)
			}
			return
		}
		out, err := file.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse("f.toml", out); err != nil {
			t.Fatalf("re-parse of own output: %v\n%s", err, out)
		}
	})
}
