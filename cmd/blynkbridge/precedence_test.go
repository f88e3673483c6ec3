package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/profiles"
)

// A flag on the command line always beats the profile, and silences the
// profile's values that would conflict with it (the rest of its group:
// --fingerprint-from silences the profile's fingerprint, --insecure its
// CA, --token-file its token, -c its port). Issue 19: a default profile
// with a fingerprint made `image patch --fingerprint-from H:P` fail with
// "--fingerprint and --fingerprint-from both given".
//
// For every command that reads profiles, every bound flag it has, and each
// TLS mode a profile can hold: run the command with the flag on the command
// line (its Action replaced by a probe), and check the flag holds the
// command line's value and no other member of its group was filled.
func TestFlagSilencesProfileEveryCommand(t *testing.T) {
	clearEnv(t)
	tok := writeTemp(t, "tok", []byte(testToken+"\n"))
	ca := writeTemp(t, "ca.pem", []byte("x"))
	common := fmt.Sprintf(`port = "/dev/profile-port"
monitor_baud = 74880
flash_baud = 921600
before = "no-reset"
after = "soft-reset"
image = "/profile/fw.bin"
elf = "/profile/fw.elf"
server = "profile.example:9443"
token_file = %q
[profiles.p.relay]
reconnect-max = "17s"
buffer = 99
`, tok)
	tlsModes := map[string]string{
		"fingerprint": `fingerprint = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"`,
		"ca":          fmt.Sprintf("ca = %q", ca),
		"insecure":    `tls = "insecure"`,
		"none":        `tls = "none"`,
	}
	app := newApp(io.Discard, io.Discard)
	checked := 0
	for mode, tlsLine := range tlsModes {
		useProfiles(t, "[profiles.p]\n"+tlsLine+"\n"+common)
		walkLeaves(app.Commands, "", func(name string, c *cli.Command) {
			if noProfileCommands[strings.Fields(name)[0]] {
				return
			}
			binds := profiles.Bindings(name)
			flags := map[string]bool{}
			for _, b := range binds {
				flags[b.Flag] = true
			}
			for _, fam := range conflictFamilies {
				for _, f := range fam {
					flags[f] = true
				}
			}
			for flag := range flags {
				if findFlag(c.Flags, flag) == nil {
					continue
				}
				checked++
				got, err := probeFlags(t, c, name, flag, binds)
				if err != nil {
					t.Errorf("%s (profile tls %s) --%s on the command line: %v", name, mode, flag, err)
					continue
				}
				if want := cliValue(c, flag); !strings.Contains(got[flag], want) {
					t.Errorf("%s (profile tls %s): --%s = %q, want the command line's %q", name, mode, flag, got[flag], want)
				}
				for _, o := range familyOf(flag) {
					if v, set := got[o]; set && o != flag && findFlag(c.Flags, o) != nil {
						t.Errorf("%s (profile tls %s): --%s on the command line, yet --%s=%q came from the profile", name, mode, flag, o, v)
					}
				}
			}
			// Relay options from the profile's [relay] table yield to flags too.
			if name == "relay" {
				for _, k := range []string{"reconnect-max", "buffer"} {
					checked++
					got, err := probeFlags(t, c, name, k, binds)
					if err != nil || !strings.Contains(got[k], cliValue(c, k)) {
						t.Errorf("relay --%s: %q %v", k, got[k], err)
					}
				}
			}
		})
	}
	t.Logf("checked %d command/flag/TLS-mode cases", checked)
	if checked < 100 {
		t.Fatalf("only %d cases: the walk lost commands", checked)
	}
}

// The environment never collides with the command line (flag > env >
// profile > default). Issue 19: with $BLYNKBRIDGE_TOKEN exported, `image
// patch --token-file F` said "--token and --token-file both given",
// because urfave/cli counts a flag its own EnvVars set as set. For every
// command that reads profiles and every flag of a conflict family it has:
// export the environment variables of the rest of the family, give the
// flag on the command line, and check it wins and none of the exported
// values reached the others.
func TestEnvYieldsToFlagEveryCommand(t *testing.T) {
	clearEnv(t)
	tok := writeTemp(t, "tok", []byte(testToken+"\n"))
	ca := writeTemp(t, "ca.pem", []byte("x"))
	useProfiles(t, "[profiles.p]\n")
	envValue := map[string]string{
		"port": "/dev/env-port", "token": testToken, "token-file": tok, "ca": ca, "insecure": "true", "no-tls": "true",
		"fingerprint": "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD",
	}
	app := newApp(io.Discard, io.Discard)
	checked := 0
	walkLeaves(app.Commands, "", func(name string, c *cli.Command) {
		if noProfileCommands[strings.Fields(name)[0]] {
			return
		}
		binds := profiles.Bindings(name)
		for _, fam := range conflictFamilies {
			for _, flag := range fam {
				if findFlag(c.Flags, flag) == nil {
					continue
				}
				t.Run(name+"/"+flag, func(t *testing.T) {
					exported := map[string]string{}
					for _, b := range binds {
						v, ok := envValue[b.Flag]
						if b.Flag == flag || !ok || len(b.Env) == 0 || !slices.Contains(fam, b.Flag) {
							continue
						}
						for _, e := range b.Env {
							t.Setenv(e, v)
						}
						exported[b.Flag] = v
					}
					checked++
					restoreEnvFlags(t, c)
					got, err := probeFlags(t, c, name, flag, binds)
					if err != nil {
						t.Fatalf("--%s on the command line, %v exported: %v", flag, exported, err)
					}
					if want := cliValue(c, flag); !strings.Contains(got[flag], want) {
						t.Errorf("--%s = %q, want the command line's %q", flag, got[flag], want)
					}
					for o, v := range exported {
						if findFlag(c.Flags, o) != nil && got[o] == v {
							t.Errorf("--%s on the command line, yet --%s=%q came from the environment", flag, o, v)
						}
					}
				})
			}
		}
	})
	if checked < 20 {
		t.Fatalf("only %d cases: the walk lost commands", checked)
	}
}

// restoreEnvFlags undoes, at the end of the test, what urfave/cli writes
// into the shared flag definitions when an EnvVars variable is exported
// (Value and HasBeenSet stay for every later run in this process), so the
// values exported here cannot reach later tests.
func restoreEnvFlags(t *testing.T, c *cli.Command) {
	for _, f := range c.Flags {
		switch f := f.(type) {
		case *cli.StringFlag:
			v, set := f.Value, f.HasBeenSet
			t.Cleanup(func() { f.Value, f.HasBeenSet = v, set })
		case *cli.IntFlag:
			v, set := f.Value, f.HasBeenSet
			t.Cleanup(func() { f.Value, f.HasBeenSet = v, set })
		case *cli.BoolFlag:
			v, set := f.Value, f.HasBeenSet
			t.Cleanup(func() { f.Value, f.HasBeenSet = v, set })
		}
	}
}

// conflictFamilies are the flags that are alternatives to each other on
// some command: given one on the command line, the profile must fill none
// of the others (written here, not taken from profiles.Bindings, so a flag
// the bindings forget is caught).
var conflictFamilies = [][]string{
	{"fingerprint", "fingerprint-from", "ca", "insecure", "no-tls", "to", "tls"},
	{"token", "token-file"},
	{"port", "comm"},
}

func familyOf(flag string) []string {
	for _, fam := range conflictFamilies {
		for _, f := range fam {
			if f == flag {
				return fam
			}
		}
	}
	return nil
}

// walkLeaves calls fn for every command without subcommands.
func walkLeaves(cs []*cli.Command, prefix string, fn func(name string, c *cli.Command)) {
	for _, c := range cs {
		name := strings.TrimSpace(prefix + " " + c.Name)
		if hasRealSubcommands(c) {
			walkLeaves(c.Subcommands, name, fn)
			continue
		}
		fn(name, c)
	}
}

// cliValue is the value the test puts on the command line for flag.
func cliValue(c *cli.Command, flag string) string {
	switch findFlag(c.Flags, flag).(type) {
	case *cli.BoolFlag:
		return "true"
	case *cli.IntFlag:
		return "57600"
	case *cli.DurationFlag:
		return "5s"
	}
	if flag == "to" {
		return "TCP"
	}
	return "cli-" + flag
}

// probeFlags runs the command with --profile p and --flag on the command
// line (plus any required flag), its Action swapped for one that records
// every bound flag that ended up set, with its value.
func probeFlags(t *testing.T, c *cli.Command, name, flag string, binds []profiles.Binding) (map[string]string, error) {
	t.Helper()
	got := map[string]string{}
	action := c.Action
	c.Action = func(ctx *cli.Context) error {
		names := append([]string{flag}, familyOf(flag)...)
		for _, b := range binds {
			names = append(names, b.Flag)
		}
		for _, n := range names {
			if findFlag(ctx.Command.Flags, n) != nil && ctx.IsSet(n) {
				got[n] = fmt.Sprint(ctx.Value(n))
			}
		}
		return nil
	}
	defer func() { c.Action = action }()
	args := append(strings.Fields(name), "--profile", "p", "--"+flag)
	if _, isBool := findFlag(c.Flags, flag).(*cli.BoolFlag); !isBool {
		args = append(args, cliValue(c, flag))
	}
	for _, f := range c.Flags {
		if r, ok := f.(cli.RequiredFlag); ok && r.IsRequired() && f.Names()[0] != flag {
			args = append(args, "--"+f.Names()[0], "x")
		}
	}
	_, errOut, code := runCLI(t, args...)
	if code != 0 {
		return got, fmt.Errorf("exit %d: %s", code, strings.TrimSpace(errOut))
	}
	return got, nil
}

// The reproduction, end to end: a default profile with a
// fingerprint, and image patch --fingerprint-from a live TLS server.
func TestImagePatchFingerprintFromWithProfileFingerprint(t *testing.T) {
	clearEnv(t)
	useProfiles(t, "default = \"desk\"\n[profiles.desk]\nport = \"/dev/x\"\nfingerprint = \"AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD\"\n")
	issued := testServerCert(t)
	addr := serveTLS(t, issued.TLS)
	dir, bin := imgBuilt(t)
	out, _ := runOK(t, "image", "patch", bin, "-o", dir+"/p.bin", "--fingerprint-from", addr, "--json")
	if strings.Contains(out, "AA:BB:CC:DD:EE:FF") || strings.Contains(out, "aa:bb:cc:dd:ee:ff") {
		t.Fatalf("the profile's fingerprint was patched in:\n%s", out)
	}
}

// The reproduction, end to end: $BLYNKBRIDGE_TOKEN exported and
// --token-file on the command line: the file's token is patched in, with
// no "both given".
func TestImagePatchTokenFileBeatsEnvToken(t *testing.T) {
	clearEnv(t)
	restoreEnvFlags(t, findCommand(findCommand(newApp(io.Discard, io.Discard).Commands, "image").Subcommands, "patch"))
	const envToken = "EnvEnvEnvEnvEnvEnvEnvEnvEnvEnv00"
	t.Setenv("BLYNKBRIDGE_TOKEN", envToken)
	tok := writeTemp(t, "tok", []byte(testToken+"\n"))
	in := writeTemp(t, "fw.bin", fixtureImage(t, 0))
	out := filepath.Join(t.TempDir(), "out.bin")
	runOK(t, "image", "patch", in, "-o", out, "--server", "blynk.lan:9443", "--token-file", tok)
	b := readFile(t, out)
	if !bytes.Contains(b, []byte(testToken)) || bytes.Contains(b, []byte(envToken)) {
		t.Fatal("the patched image does not hold the --token-file token alone")
	}
}
