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

func TestProfileCommandsNeverPrintToken(t *testing.T) {
	clearEnv(t)
	cfg := filepath.Join(t.TempDir(), "p.toml")
	// --config on the first call, $BLYNKBRIDGE_CONFIG for the rest.
	out, errOut, code := runCLI(t, "profile", "add", "--port", "/dev/ttyUSB9", "--server", "blynk.example.com:443",
		"--token", testToken, "--config", cfg, "--baud", "74880", "--flash-baud", "460800", "--relay", "reconnect-max=30s", "desk")
	if code != 0 || !strings.Contains(out, "saved profile desk (default)") {
		t.Fatalf("add: %d %s %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "shell history") || !strings.Contains(errOut, "--token-file") {
		t.Fatalf("--token must warn about shell history: %q", errOut)
	}
	if st, err := os.Stat(cfg); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode: %v %v", st, err)
	}
	if b, _ := os.ReadFile(cfg); !strings.Contains(string(b), testToken) {
		t.Fatal("the token must be in the 0600 file")
	}
	t.Setenv("BLYNKBRIDGE_CONFIG", cfg)
	tf := writeTemp(t, "tok", []byte(testToken))
	runOK(t, "profile", "add", "--usb-serial", "A50285BI", "--token-file", tf, "--insecure", "--config", cfg, "pi")
	// runCLI fails the test if any of these prints a piece of the token.
	for _, args := range [][]string{
		{"profile", "list"}, {"profile", "list", "--json"}, {"profile", "ls", "-q"},
		{"profile", "show", "desk"}, {"profile", "show", "--json"}, {"profile", "show", "--json", "pi"},
		{"-v", "profile", "show", "desk"},
	} {
		out, errOut, code := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, errOut)
		}
		if strings.Contains(strings.Join(args, " "), "json") {
			var v map[string]any
			if err := json.Unmarshal([]byte(out), &v); err != nil || v["v"] != float64(1) {
				t.Fatalf("%v: bad JSON %v:\n%s", args, err, out)
			}
		}
	}
	out, _, _ = runCLI(t, "profile", "show", "desk")
	for _, want := range []string{"port         = /dev/ttyUSB9", "token        = " + testTokenShown, "relay.reconnect-max = 30s", "# default"} {
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
	runOK(t, "profile", "rm", "pi")
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
	runOK(t, "profile", "add", "--port", "/dev/x", "--token", testToken, "--config", cfg, "desk")
	_ = os.Chmod(cfg, 0o644)
	_, errOut, code := runCLI(t, "profile", "list", "--config", cfg)
	if code != 0 || !strings.Contains(errOut, "warning: ") || !strings.Contains(errOut, "chmod 600 "+cfg) {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestProfileValidationErrorLine(t *testing.T) {
	clearEnv(t)
	cfg := writeTemp(t, "p.toml", []byte("default = \"a\"\n\n[profiles.a]\nport = \"/dev/x\"\nflash_baud = 460000\n"))
	_, errOut, code := runCLI(t, "profile", "list", "--config", cfg)
	if code != bberr.BadInput || !strings.Contains(errOut, cfg+":5: profile \"a\": flash_baud:") || !strings.Contains(errOut, "hint: edit line 5") {
		t.Fatalf("%d %q", code, errOut)
	}
}

// wiredApp is an app of cmds wired as newApp wires the real commands: the
// global profile flags, and wireProfiles on the commands.
func wiredApp(cmds ...*cli.Command) *cli.App {
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

// fakeApp has a monitor and a flash command that record the settings they
// end up with in got.
func fakeApp(got map[string]string) *cli.App {
	capture := func(c *cli.Context) error {
		for _, n := range []string{"port", "baud", "server", "token", "fingerprint", "insecure"} {
			got[n] = c.String(n)
		}
		return nil
	}
	return wiredApp(
		&cli.Command{Name: "monitor", Action: capture, Flags: []cli.Flag{
			&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Value: "auto"},
			&cli.IntFlag{Name: "baud", Aliases: []string{"b"}, Value: 115200},
			&cli.StringFlag{Name: "server", Value: "blynk.cloud:443"},
			&cli.StringFlag{Name: "token"},
			&cli.StringFlag{Name: "fingerprint"},
			&cli.BoolFlag{Name: "insecure"},
		}},
		&cli.Command{Name: "flash", Action: capture, Flags: []cli.Flag{
			&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Value: "auto"},
			&cli.IntFlag{Name: "baud", Aliases: []string{"b"}, Value: 460800},
		}},
	)
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
	cfg := writeTemp(t, "p.toml", []byte(`default = "desk"
[profiles.desk]
port = "/dev/desk"
monitor_baud = 74880
flash_baud = 921600
fingerprint = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"
token = "`+testToken+`"
[profiles.lab]
port = "/dev/lab"
server = "lab.local:8080"
tls = "insecure"
`))
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
	check("default profile", got, err, map[string]string{"port": "/dev/desk", "baud": "74880", "server": "blynk.cloud:443", "token": testToken, "fingerprint": "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"})
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
	useProfiles(t, "[profiles.a]\nport = 3\n")
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
	useProfiles(t, "default = \"a\"\n[profiles.a]\nport = \"/dev/prof\"\n")
	runOne := func(args ...string) string {
		t.Helper()
		var got string
		cmd := &cli.Command{Name: "flash", Flags: []cli.Flag{
			&cli.StringFlag{Name: "port", Aliases: []string{"p"}, EnvVars: []string{"BLYNKBRIDGE_PORT", "ESPTOOL_PORT"}},
		}, Action: func(c *cli.Context) error { got = c.String("port"); return nil }}
		if err := wiredApp(cmd).RunContext(context.Background(), append([]string{"blynkbridge", "flash"}, args...)); err != nil {
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
