package main

import (
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// assertFileNoSecret checks a file a command wrote: no piece of the token
// as text, nor as the hex a trace or dump would show it in.
func assertFileNoSecret(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, path, string(b), testToken)
	up := strings.ToUpper(hex.EncodeToString([]byte(testToken)))
	spaced := regexp.MustCompile(`(..)`).ReplaceAllString(up, "$1 ")
	text := strings.ToUpper(string(b))
	for i := 0; i+20 <= len(up); i += 2 {
		if strings.Contains(text, up[i:i+20]) || strings.Contains(text, spaced[i/2*3:i/2*3+30]) {
			t.Fatalf("%s holds the token as hex", path)
		}
	}
}

// TestTokenNeverLeaks runs every command that handles a token with one
// distinctive token, given each way a user can give it (flag, file,
// environment, profile), and searches every output stream (runCLI checks
// stdout and stderr of each run) and every file written that is not the
// firmware image the token is meant for: traces, profiles' listings, JSON.
func TestTokenNeverLeaks(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	tokFile := writeTemp(t, "token.txt", []byte(testToken+"\n"))
	os.Chmod(tokFile, 0o600)
	cfg := filepath.Join(dir, "profiles.toml")
	t.Setenv("BLYNKBRIDGE_CONFIG", cfg)
	good := writeTemp(t, "fw.bin", fixtureImage(t, 0))

	// profile: inline token (warned about), token file; list and show.
	_, errOut := runOK(t, "profile", "add", "inline", "--port", "/dev/ttyUSB0", "--server", "blynk.lan:9443", "--token", testToken)
	assertContains(t, "profile add --token stderr", errOut, "shell history")
	runOK(t, "profile", "add", "fromfile", "--port", "/dev/ttyUSB0", "--server", "blynk.lan:9443", "--token-file", tokFile)
	for _, args := range [][]string{{"profile", "list"}, {"profile", "list", "--json"}, {"profile", "show", "inline"}, {"profile", "show", "inline", "--json"}} {
		runOK(t, args...)
	}
	if st, _ := os.Stat(cfg); st.Mode().Perm() != 0o600 {
		t.Fatalf("profiles file mode %v", st.Mode())
	}

	// image patch with the token each way; every patched image is 0600
	// (it holds the token) and only it holds the token.
	images := map[string][]string{
		"flag":    {"--token", testToken},
		"file":    {"--token-file", tokFile},
		"profile": {"--profile", "inline"},
	}
	var patched string
	for how, extra := range images {
		out := filepath.Join(dir, "patched-"+how+".bin")
		args := append([]string{"image", "patch", good, "-o", out, "--server", "blynk.lan:9443"}, extra...)
		_, errOut := runOK(t, args...)
		if how == "flag" && !strings.Contains(errOut, "shell history") {
			t.Errorf("image patch --token gave no warning:\n%s", errOut)
		}
		runOK(t, append(args[:len(args):len(args)], "--json", "--force")...)
		if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
			t.Errorf("%s: patched image mode %v, want 0600", how, st.Mode())
		}
		patched = out
	}
	t.Run("env", func(t *testing.T) {
		t.Setenv("BLYNKBRIDGE_TOKEN", testToken)
		_, errOut := runOK(t, "image", "patch", good, "-o", filepath.Join(dir, "patched-env.bin"), "--server", "blynk.lan:9443")
		if strings.Contains(errOut, "shell history") {
			t.Errorf("a token from the environment is not on the command line:\n%s", errOut)
		}
	})

	// Reading the patched image back: info, strings, fingerprints, JSON.
	for _, args := range [][]string{
		{"image", "info", patched}, {"image", "info", patched, "--json"},
		{"image", "strings", patched, "--min", "4"}, {"image", "strings", patched, "--json"},
		{"image", "strings", patched, "--fingerprints"},
	} {
		runCLI(t, args...)
	}

	// decode of a BLYNK_DEBUG log holding the login frame, text and JSON.
	log := writeTemp(t, "debug.log", []byte("[5012] Connecting to blynk.lan:9443\n[5100] <msg 2,1,32 "+testToken+"\n[5200] Ready (ping: 10ms).\n"))
	runCLI(t, "decode", log)
	runCLI(t, "decode", log, "--json")

	// flash the patched image to the sim with a trace: the trace is 0600
	// and holds no token, in text or hex.
	b, path := loaderOnPTY(t, sim.Options{})
	trace := filepath.Join(dir, "flash.trace")
	runOK(t, "flash", patched, "-p", path, "-b", "115200", "--trace", trace, "--json", "--after", "no-reset")
	assertFileNoSecret(t, trace)
	if st, _ := os.Stat(trace); st.Mode().Perm() != 0o600 {
		t.Errorf("trace mode %v", st.Mode())
	}
	if !strings.Contains(string(b.FlashContents()), testToken) {
		t.Fatal("the token did not reach the board (the test would prove nothing)")
	}
	// --unredacted keeps it, and says so.
	trace2 := filepath.Join(dir, "flash2.trace")
	b.PressReset()
	_, errOut = runOK(t, "flash", patched, "-p", path, "-b", "115200", "--trace", trace2, "--unredacted", "--after", "no-reset")
	assertContains(t, "flash --unredacted stderr", errOut, "holds the auth token")

	// The local server: tokens by flag (warned), file and environment; a
	// device logs in; the frame log (text and JSON) never shows it.
	for _, extra := range [][]string{{"--token", testToken}, {"--token-file", tokFile}, nil} {
		t.Run(fmt.Sprint("server", extra), func(t *testing.T) {
			if extra == nil {
				t.Setenv("BLYNKBRIDGE_TOKEN", testToken)
			}
			for _, asJSON := range []bool{false, true} {
				args := append([]string{"server", "--no-tls", "--listen", "127.0.0.1:0"}, extra...)
				re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
				if asJSON {
					args = append(args, "--json")
					re = regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)"`)
				}
				r := startCLI(t, args...)
				m := r.waitMatch(re)
				c, err := net.Dial("tcp", m[1])
				if err != nil {
					t.Fatal(err)
				}
				c.Write(blynk.Login(blynk.CmdLogin, blynk.NewToken(testToken)).Marshal())
				r.waitMatch(regexp.MustCompile(`login`))
				c.Close()
				if code := r.stop(); code != bberr.OK && code != bberr.Interrupted {
					t.Fatalf("exit %d", code)
				}
				if extra != nil && extra[0] == "--token" && !strings.Contains(r.stderr(), "shell history") {
					t.Errorf("server --token gave no warning")
				}
			}
		})
	}
}
