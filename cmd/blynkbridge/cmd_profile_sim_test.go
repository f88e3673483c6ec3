package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// wireForTest wires profiles into the real commands the way main.go is
// asked to, and undoes it after the test (if main.go already wires them,
// this is a no-op).
func wireForTest(t *testing.T) {
	type saved struct {
		flags  []cli.Flag
		before cli.BeforeFunc
	}
	keep := map[*cli.Command]saved{}
	var walk func([]*cli.Command)
	walk = func(cs []*cli.Command) {
		for _, c := range cs {
			keep[c] = saved{append([]cli.Flag{}, c.Flags...), c.Before}
			walk(c.Subcommands)
		}
	}
	walk(commands)
	wasWired := map[*cli.Command]bool{}
	for c, v := range wired {
		wasWired[c] = v
	}
	wireProfiles(commands)
	t.Cleanup(func() {
		for c, s := range keep {
			if !wasWired[c] {
				c.Flags, c.Before = s.flags, s.before
				delete(wired, c)
			}
		}
	})
}

// flash runs from a profile alone (port and baud) against the sim over a
// real pty.
func TestFlashFromProfileAgainstSim(t *testing.T) {
	clearEnv(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	wireForTest(t)
	b, err := sim.New(sim.Options{Boot: sim.BootDownload})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	path, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "p.toml")
	if _, e, code := runCLI(t, "profile", "add", "--port", path, "--flash-baud", "115200", "--config", cfg, "simboard"); code != 0 {
		t.Fatal(e)
	}
	img := testV1Image(64 << 10)
	file := filepath.Join(t.TempDir(), "sketch.bin")
	if err := os.WriteFile(file, img, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "-v", "flash", "--profile", "simboard", "--config", cfg, "--offset", "0x10000", "--plain", file)
	if code != bberr.OK {
		t.Fatalf("flash from profile: exit %d\n%s\n%s", code, out, errOut)
	}
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(img)], img) {
		t.Fatal("flash differs from the file")
	}
	if !strings.Contains(errOut, "--port="+path+" (from profile simboard)") || !strings.Contains(errOut, "--baud=115200 (from profile simboard)") {
		t.Fatalf("-v should say where settings came from:\n%s", errOut)
	}
}
