package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/sim"
)

// jsonRuns runs each command that takes --json, offline (simulated board on
// a pty, local servers, fixtures), and returns what it printed on stdout.
// TestEveryJSONOutputIsVersioned fails for a command with --json missing
// here, so a new command cannot skip the envelope.
var jsonRuns = map[string]func(t *testing.T) string{
	"version": func(t *testing.T) string { out, _ := runOK(t, "version", "--json"); return out },
	"ports":   func(t *testing.T) string { out, _ := runOK(t, "ports", "--json", "--all"); return out },
	"exit-codes": func(t *testing.T) string {
		out, _ := runOK(t, "exit-codes", "--json")
		if !strings.Contains(out, `"name": "port-not-found"`) {
			t.Errorf("exit-codes --json lacks the table:\n%s", out)
		}
		return out
	},
	"doctor": func(t *testing.T) string { out, _, _ := runCLI(t, "doctor", "--json"); return out },
	"decode": func(t *testing.T) string {
		out, _ := runOK(t, "decode", decodeTestdata+"logs/boot-debug-74880.log", "--json")
		return out
	},
	"cert check": func(t *testing.T) string { out, _ := runOK(t, "cert", "check", certTestFP, "--json"); return out },
	"cert new": func(t *testing.T) string {
		out, _ := runOK(t, "cert", "new", "--ip", "192.168.0.251", "--out", t.TempDir(), "--json")
		return out
	},
	"cert fingerprint": func(t *testing.T) string {
		issued := testServerCert(t)
		out, _, _ := runCLI(t, "cert", "fingerprint", serveTLS(t, issued.TLS), "--json", "--ca", caFileOf(t, issued.TLS))
		return out
	},
	"image info": func(t *testing.T) string {
		_, bin := imgBuilt(t)
		out, _ := runOK(t, "image", "info", bin, "--json")
		return out
	},
	"image patch": func(t *testing.T) string {
		dir, bin := imgBuilt(t)
		out, _ := runOK(t, "image", "patch", bin, "-o", filepath.Join(dir, "p.bin"), "--server", "10.0.0.2:9443", "--json")
		return out
	},
	"image strings": func(t *testing.T) string {
		_, bin := imgBuilt(t)
		out, _, _ := runCLI(t, "image", "strings", bin, "--json")
		return out
	},
	"image build": func(t *testing.T) string {
		out, _ := runOK(t, "image", "build", fixtureSketchELF, "-o", filepath.Join(t.TempDir(), "fw.bin"), "--json")
		return out
	},
	"profile list": func(t *testing.T) string {
		useProfiles(t, "default = \"desk\"\n[profiles.desk]\nport = \"/dev/x\"\n")
		out, _ := runOK(t, "profile", "list", "--json")
		return out
	},
	"profile show": func(t *testing.T) string {
		useProfiles(t, "default = \"desk\"\n[profiles.desk]\nport = \"/dev/x\"\n")
		out, _ := runOK(t, "profile", "show", "desk", "--json")
		return out
	},
	"flash": func(t *testing.T) string {
		_, path := loaderOnPTY(t, sim.Options{})
		out, _ := runOK(t, "flash", writeTemp(t, "fw.bin", testV1Image(4<<10)), "-p", path, "--offset", "0x10000", "--after", "no-reset", "--json")
		return out
	},
	"info": func(t *testing.T) string {
		_, path := loaderOnPTY(t, sim.Options{})
		out, _ := runOK(t, "info", "-p", path, "--after", "no-reset", "--json")
		return out
	},
	"monitor": func(t *testing.T) string { out, _, _ := runMonitorOn(t, `"raw":"[`, "--json"); return out },
	"relay": func(t *testing.T) string {
		lab := newRelayLab(t, testToken, false)
		_, out, _ := runRelayCLI(t, []string{"relay", "-p", lab.link, "--server", lab.server.Addr(), "--ca", lab.caFile, "--json"}, seenPing(lab.server))
		return out
	},
	"server": func(t *testing.T) string {
		r := startCLI(t, "server", "--no-tls", "--listen", "127.0.0.1:0", "--token", testToken, "--json")
		r.waitFor(10*time.Second, func() bool { return strings.Contains(r.stdout(), "listening") })
		r.stop()
		return r.stdout()
	},
}

// Every command that takes --json prints only JSON values that are objects
// with "v": 1 - one document or one record per line.
func TestEveryJSONOutputIsVersioned(t *testing.T) {
	clearEnv(t)
	var walk func(prefix string, cs []*cli.Command)
	n := 0
	walk = func(prefix string, cs []*cli.Command) {
		for _, c := range cs {
			name := strings.TrimSpace(prefix + " " + c.Name)
			if hasRealSubcommands(c) {
				walk(name, c.Subcommands)
				continue
			}
			if findFlag(c.Flags, "json") == nil {
				continue
			}
			n++
			t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
				runIt, ok := jsonRuns[name]
				if !ok {
					t.Fatalf("%q takes --json but has no entry in jsonRuns", name)
				}
				if err := checkEnvelope(runIt(t)); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
	walk("", newApp(io.Discard, io.Discard).Commands)
	if n < len(jsonRuns) {
		t.Errorf("walked %d commands with --json, jsonRuns has %d: a command lost its --json", n, len(jsonRuns))
	}
}

// checkEnvelope: out is a non-empty sequence of JSON objects, each "v": 1.
func checkEnvelope(out string) error {
	dec := json.NewDecoder(bytes.NewBufferString(out))
	docs := 0
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("value %d is not a JSON object (%v):\n%s", docs+1, err, out)
		}
		if m["v"] != 1.0 {
			return fmt.Errorf("value %d lacks \"v\": 1: %v", docs+1, m)
		}
		docs++
	}
	if docs == 0 {
		return fmt.Errorf("no JSON output")
	}
	return nil
}
