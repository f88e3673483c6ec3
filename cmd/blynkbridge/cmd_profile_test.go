package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

const testTok = "Zq9xW3vB7nM1kL5pR8tY2uI4oP6aS0dF" // 32 chars, fake

// runCLI runs the real app. Positional arguments go last: after one run in
// a process, urfave/cli has added a "help" subcommand to every command,
// which makes normalizeArgs (args.go) stop reordering flags for later runs
// in the same process (a test-only effect; see the report to the lead).
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code bberr.Code) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), append([]string{"blynkbridge"}, args...), &o, &e)
	return o.String(), e.String(), code
}

// clearEnv keeps the developer's own settings out of the tests. The
// variables are unset, not emptied: urfave/cli treats an empty exported
// variable named in a flag's EnvVars as set.
func clearEnv(t *testing.T) {
	for _, k := range []string{"BLYNKBRIDGE_CONFIG", "BLYNKBRIDGE_PROFILE", "BLYNKBRIDGE_PORT", "ESPTOOL_PORT", "BLYNKBRIDGE_BAUD",
		"ESPTOOL_BAUD", "BLYNKBRIDGE_MONITOR_BAUD", "BLYNKBRIDGE_SERVER", "BLYNKBRIDGE_TOKEN", "BLYNKBRIDGE_TOKEN_FILE", "BLYNKBRIDGE_FINGERPRINT", "BLYNKBRIDGE_CA"} {
		t.Setenv(k, "") // registers the restore
		_ = os.Unsetenv(k)
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
}

func TestProfileCommandsNeverPrintToken(t *testing.T) {
	clearEnv(t)
	cfg := filepath.Join(t.TempDir(), "p.toml")
	// --config on the first call, $BLYNKBRIDGE_CONFIG for the rest.
	out, errOut, code := runCLI(t, "profile", "add", "--port", "/dev/ttyUSB9", "--server", "blynk.example.com:443",
		"--token", testTok, "--config", cfg, "--baud", "74880", "--flash-baud", "460800", "--relay", "reconnect-max=30s", "desk")
	if code != 0 || !strings.Contains(out, "saved profile desk (default)") {
		t.Fatalf("add: %d %s %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "shell history") || !strings.Contains(errOut, "--token-file") {
		t.Fatalf("--token must warn about shell history: %q", errOut)
	}
	if st, err := os.Stat(cfg); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode: %v %v", st, err)
	}
	if b, _ := os.ReadFile(cfg); !strings.Contains(string(b), testTok) {
		t.Fatal("the token must be in the 0600 file")
	}
	t.Setenv("BLYNKBRIDGE_CONFIG", cfg)
	tf := filepath.Join(t.TempDir(), "tok")
	_ = os.WriteFile(tf, []byte(testTok), 0o600)
	if _, e, code := runCLI(t, "profile", "add", "--usb-serial", "A50285BI", "--token-file", tf, "--insecure", "--config", cfg, "pi"); code != 0 {
		t.Fatalf("add pi: %s", e)
	}
	for _, args := range [][]string{
		{"profile", "list"}, {"profile", "list", "--json"}, {"profile", "ls", "-q"},
		{"profile", "show", "desk"}, {"profile", "show", "--json"}, {"profile", "show", "--json", "pi"},
		{"-v", "profile", "show", "desk"},
	} {
		out, errOut, code := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, errOut)
		}
		if strings.Contains(out+errOut, testTok) || strings.Contains(out+errOut, testTok[:16]) {
			t.Fatalf("%v printed the token:\n%s%s", args, out, errOut)
		}
		if strings.Contains(strings.Join(args, " "), "json") {
			var v map[string]any
			if err := json.Unmarshal([]byte(out), &v); err != nil || v["v"] != float64(1) {
				t.Fatalf("%v: bad JSON %v:\n%s", args, err, out)
			}
		}
	}
	out, _, _ = runCLI(t, "profile", "show", "desk")
	for _, want := range []string{"port         = /dev/ttyUSB9", "token        = <token …dF, 32 chars>", "relay.reconnect-max = 30s", "# default"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = runCLI(t, "profile", "list", "--json")
	if !strings.Contains(out, `"token_source": "inline"`) || !strings.Contains(out, `"token_source": "file:`+tf) || !strings.Contains(out, `"tls": "insecure"`) {
		t.Errorf("list --json:\n%s", out)
	}

	// use, rm, errors.
	if out, _, code := runCLI(t, "profile", "use", "pi"); code != 0 || !strings.Contains(out, "default profile: pi") {
		t.Fatal(out)
	}
	if out, _, _ := runCLI(t, "profile", "list", "-q"); out != "desk\npi\n" {
		t.Fatalf("names: %q", out)
	}
	if _, e, code := runCLI(t, "profile", "add", "--port", "/dev/x", "--config", cfg, "pi"); code != bberr.Usage || !strings.Contains(e, "--force") {
		t.Fatalf("re-add without --force: %d %s", code, e)
	}
	if _, _, code := runCLI(t, "profile", "rm", "pi"); code != 0 {
		t.Fatal("rm")
	}
	if _, e, code := runCLI(t, "profile", "show"); code != bberr.Usage || !strings.Contains(e, "profile use") {
		t.Fatalf("no default after rm of default: %d %s", code, e)
	}
	if _, e, code := runCLI(t, "profile", "use", "nope"); code != bberr.BadInput {
		t.Fatalf("use nope: %d %s", code, e)
	}
	if _, e, code := runCLI(t, "profile", "add", "--baud", "12345", "--config", cfg, "bad"); code != bberr.BadInput || !strings.Contains(e, "monitor_baud") {
		t.Fatalf("bad baud: %d %s", code, e)
	}
	// --config beats BLYNKBRIDGE_CONFIG.
	if out, _, _ := runCLI(t, "profile", "list", "-q", "--config", filepath.Join(t.TempDir(), "other.toml")); out != "" {
		t.Fatalf("--config: %q", out)
	}
	if out, _, _ := runCLI(t, "profile", "list", "-q"); out != "desk\n" {
		t.Fatalf("BLYNKBRIDGE_CONFIG: %q", out)
	}
}

func TestProfileWorldReadableWarning(t *testing.T) {
	clearEnv(t)
	cfg := filepath.Join(t.TempDir(), "p.toml")
	if _, e, code := runCLI(t, "profile", "add", "--port", "/dev/x", "--token", testTok, "--config", cfg, "desk"); code != 0 {
		t.Fatal(e)
	}
	_ = os.Chmod(cfg, 0o644)
	_, errOut, code := runCLI(t, "profile", "list", "--config", cfg)
	if code != 0 || !strings.Contains(errOut, "warning: ") || !strings.Contains(errOut, "chmod 600 "+cfg) {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestProfileValidationErrorLine(t *testing.T) {
	clearEnv(t)
	cfg := filepath.Join(t.TempDir(), "p.toml")
	_ = os.WriteFile(cfg, []byte("default = \"a\"\n\n[profiles.a]\nport = \"/dev/x\"\nflash_baud = 460000\n"), 0o600)
	_, errOut, code := runCLI(t, "profile", "list", "--config", cfg)
	if code != bberr.BadInput || !strings.Contains(errOut, cfg+":5: profile \"a\": flash_baud:") || !strings.Contains(errOut, "hint: edit line 5") {
		t.Fatalf("%d %q", code, errOut)
	}
}

// fakeApp is a small app wired like main.go is told to wire it: global
// profile flags, and wireProfiles on the commands.
func fakeApp(got map[string]string) *cli.App {
	capture := func(c *cli.Context) error {
		for _, n := range []string{"port", "baud", "server", "token", "fingerprint", "insecure"} {
			got[n] = c.String(n)
		}
		return nil
	}
	cmds := []*cli.Command{
		{Name: "monitor", Action: capture, Flags: []cli.Flag{
			&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Value: "auto"},
			&cli.IntFlag{Name: "baud", Aliases: []string{"b"}, Value: 115200},
			&cli.StringFlag{Name: "server", Value: "blynk.cloud:443"},
			&cli.StringFlag{Name: "token"},
			&cli.StringFlag{Name: "fingerprint"},
			&cli.BoolFlag{Name: "insecure"},
		}},
		{Name: "flash", Action: capture, Flags: []cli.Flag{
			&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Value: "auto"},
			&cli.IntFlag{Name: "baud", Aliases: []string{"b"}, Value: 460800},
		}},
	}
	wireProfiles(cmds)
	return &cli.App{
		Name:           "blynkbridge",
		Writer:         &bytes.Buffer{},
		ErrWriter:      &bytes.Buffer{},
		Flags:          append([]cli.Flag{&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}}}, profileFlags()...),
		Commands:       cmds,
		ExitErrHandler: func(*cli.Context, error) {},
	}
}

func runFake(t *testing.T, args ...string) (map[string]string, error) {
	t.Helper()
	got := map[string]string{}
	app := fakeApp(got)
	argv := normalizeArgs(app, append([]string{"blynkbridge"}, args...))
	err := app.RunContext(context.Background(), argv)
	return got, err
}

func TestApplyProfilePrecedence(t *testing.T) {
	clearEnv(t)
	cfg := filepath.Join(t.TempDir(), "p.toml")
	_ = os.WriteFile(cfg, []byte(`default = "desk"
[profiles.desk]
port = "/dev/desk"
monitor_baud = 74880
flash_baud = 921600
fingerprint = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"
token = "`+testTok+`"
[profiles.lab]
port = "/dev/lab"
server = "lab.local:8080"
tls = "insecure"
`), 0o600)
	check := func(name string, got map[string]string, err error, want map[string]string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", name, k, got[k], v)
			}
		}
	}
	got, err := runFake(t, "monitor", "--config", cfg)
	check("default profile", got, err, map[string]string{"port": "/dev/desk", "baud": "74880", "server": "blynk.cloud:443", "token": testTok, "fingerprint": "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"})
	got, err = runFake(t, "flash", "--config", cfg)
	check("flash baud", got, err, map[string]string{"port": "/dev/desk", "baud": "921600"})
	got, err = runFake(t, "--config", cfg, "--profile", "lab", "monitor")
	check("global --profile", got, err, map[string]string{"port": "/dev/lab", "server": "lab.local:8080", "insecure": "true", "fingerprint": "", "baud": "115200", "token": ""})
	got, err = runFake(t, "monitor", "-p", "/dev/flag", "--config", cfg, "--profile", "lab")
	check("flag beats profile (short alias)", got, err, map[string]string{"port": "/dev/flag", "server": "lab.local:8080"})
	t.Setenv("BLYNKBRIDGE_PORT", "/dev/env")
	t.Setenv("BLYNKBRIDGE_MONITOR_BAUD", "9600")
	got, err = runFake(t, "monitor", "--config", cfg)
	check("env beats profile", got, err, map[string]string{"port": "/dev/env", "baud": "9600"})
	got, err = runFake(t, "monitor", "--port", "/dev/flag", "-b", "230400", "--config", cfg)
	check("flag beats env", got, err, map[string]string{"port": "/dev/flag", "baud": "230400"})
	t.Setenv("BLYNKBRIDGE_PORT", "")
	t.Setenv("BLYNKBRIDGE_MONITOR_BAUD", "")
	t.Setenv("BLYNKBRIDGE_PROFILE", "lab")
	t.Setenv("BLYNKBRIDGE_CONFIG", cfg)
	got, err = runFake(t, "monitor")
	check("BLYNKBRIDGE_PROFILE and BLYNKBRIDGE_CONFIG", got, err, map[string]string{"port": "/dev/lab"})
	t.Setenv("BLYNKBRIDGE_PROFILE", "")
	t.Setenv("BLYNKBRIDGE_CONFIG", filepath.Join(t.TempDir(), "none.toml"))
	got, err = runFake(t, "monitor")
	check("no file: built-in defaults", got, err, map[string]string{"port": "auto", "baud": "115200", "server": "blynk.cloud:443"})
	_, err = runFake(t, "monitor", "--profile", "ghost", "--config", cfg)
	if bberr.CodeOf(err) != bberr.BadInput {
		t.Fatalf("unknown profile: %v", err)
	}
	t.Setenv("BLYNKBRIDGE_MONITOR_BAUD", "fast")
	_, err = runFake(t, "monitor", "--config", cfg)
	if bberr.CodeOf(err) != bberr.BadInput || !strings.Contains(err.Error(), "$BLYNKBRIDGE_MONITOR_BAUD") {
		t.Fatalf("bad env value: %v", err)
	}
}

// A command given every setting on its command line does not read the
// profiles file, so a broken file cannot stop it; --profile always reads it.
func TestApplyProfileSkipsFileWhenAllSet(t *testing.T) {
	clearEnv(t)
	cfg := filepath.Join(t.TempDir(), "p.toml")
	_ = os.WriteFile(cfg, []byte("[profiles.a]\nport = 3\n"), 0o600)
	t.Setenv("BLYNKBRIDGE_CONFIG", cfg)
	if got, err := runFake(t, "flash", "-p", "/dev/x", "-b", "115200"); err != nil || got["port"] != "/dev/x" {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := runFake(t, "flash"); bberr.CodeOf(err) != bberr.BadInput || !strings.Contains(err.Error(), "p.toml:2") {
		t.Fatalf("broken file must be reported with its line: %v", err)
	}
	if _, err := runFake(t, "flash", "-p", "/dev/x", "-b", "115200", "--profile", "a"); bberr.CodeOf(err) != bberr.BadInput {
		t.Fatalf("--profile reads the file: %v", err)
	}
}

// Commands whose flags read the environment themselves (EnvVars) keep the
// same precedence, and an exported but empty variable does not hide the
// profile.
func TestApplyProfileWithFlagEnvVars(t *testing.T) {
	clearEnv(t)
	cfg := filepath.Join(t.TempDir(), "p.toml")
	_ = os.WriteFile(cfg, []byte("default = \"a\"\n[profiles.a]\nport = \"/dev/prof\"\n"), 0o600)
	t.Setenv("BLYNKBRIDGE_CONFIG", cfg)
	runOne := func(args ...string) string {
		t.Helper()
		var got string
		cmd := &cli.Command{Name: "flash", Flags: []cli.Flag{
			&cli.StringFlag{Name: "port", Aliases: []string{"p"}, EnvVars: []string{"BLYNKBRIDGE_PORT", "ESPTOOL_PORT"}},
		}, Action: func(c *cli.Context) error { got = c.String("port"); return nil }}
		wireProfiles([]*cli.Command{cmd})
		app := &cli.App{Name: "blynkbridge", Commands: []*cli.Command{cmd}, Writer: &bytes.Buffer{}, ErrWriter: &bytes.Buffer{},
			ExitErrHandler: func(*cli.Context, error) {}}
		if err := app.RunContext(context.Background(), append([]string{"blynkbridge", "flash"}, args...)); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := runOne(); got != "/dev/prof" {
		t.Fatalf("profile: %q", got)
	}
	t.Setenv("ESPTOOL_PORT", "/dev/env")
	if got := runOne(); got != "/dev/env" {
		t.Fatalf("env: %q", got)
	}
	if got := runOne("-p", "/dev/flag"); got != "/dev/flag" {
		t.Fatalf("flag: %q", got)
	}
	t.Setenv("ESPTOOL_PORT", "")
	if got := runOne(); got != "/dev/prof" {
		t.Fatalf("empty env must not hide the profile: %q", got)
	}
}
