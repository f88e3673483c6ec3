package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"

	"github.com/blynkbridge/blynkbridge/internal/testkit"
)

// Shared helpers of the CLI tests: running the CLI through run(), the
// fixtures, simulated boards on ptys, test servers and the token-leak
// checks. Every test of this package uses these rather than its own copy.

// testToken is the auth token every CLI test uses (32 characters, fake,
// with no run of characters that timestamps or counters could produce by
// chance). runCLI and cliRun fail a test whose output holds any piece of it.
const testToken = "Zq7xK2pLm9Tn4Rb8Vw1Yc6Hd3Gf5Js0A"

// testTokenShown is how blynk.Token prints testToken.
const testTokenShown = "<token …0A, 32 chars>"

// The firmware package's fixtures: real xtensa ELF files of a sketch and
// of the eboot loader (firmware/testdata/README.md).
const (
	fixtureSketchELF = "../../firmware/testdata/sketch.elf"
	fixtureEbootELF  = "../../firmware/testdata/eboot.elf"
)

// cliTimeout bounds every run of the CLI in a test: a command that hangs
// fails its test instead of the whole package timing out.
const cliTimeout = 60 * time.Second

// runCLI runs the real app through run() and returns what it printed and
// its exit code. It fails the test if stdout or stderr holds any piece of
// testToken.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code bberr.Code) {
	t.Helper()
	var o, e bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	code = run(ctx, append([]string{"blynkbridge"}, args...), &o, &e)
	assertNoSecret(t, "stdout", o.String(), testToken)
	assertNoSecret(t, "stderr", e.String(), testToken)
	return o.String(), e.String(), code
}

// runOK is runCLI for a run that must succeed (exit 0).
func runOK(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, code := runCLI(t, args...)
	if code != bberr.OK {
		t.Fatalf("%q: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, stdout, stderr)
	}
	return stdout, stderr
}

// decodeJSON unmarshals a command's JSON output into v.
func decodeJSON(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// assertNoSecret fails if any 10-character piece of secret shows up in
// text (what names the text in the failure).
func assertNoSecret(t *testing.T, what, text, secret string) {
	t.Helper()
	for i := 0; i+10 <= len(secret); i++ {
		if strings.Contains(text, secret[i:i+10]) {
			t.Fatalf("%s contains part of the token (%q):\n%s", what, secret[i:i+10], text)
		}
	}
}

// assertContains reports every one of wants that text (named by what)
// lacks, and stops the test if any is missing.
func assertContains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	missing := false
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
			missing = true
		}
	}
	if missing {
		t.Fatalf("%s:\n%s", what, text)
	}
}

// v1Records parses out as JSON lines and fails unless every line is a
// record with "v": 1.
func v1Records(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d is not JSON (%v): %q", i+1, err, line)
		}
		if m["v"] != 1.0 {
			t.Fatalf("line %d is not a v1 record: %s", i+1, line)
		}
		recs = append(recs, m)
	}
	return recs
}

// eventually polls cond every 20 ms until it holds (true) or d passes
// (false).
func eventually(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// syncBuffer is safe for the command's goroutine to write while the test
// reads it.
type syncBuffer = testkit.SyncBuffer

// cliRun is the CLI running in the background, for the commands that run
// until interrupted (monitor, relay, server, sim).
type cliRun struct {
	t        *testing.T
	args     []string
	out, err syncBuffer
	cancel   context.CancelFunc
	done     chan bberr.Code
	code     bberr.Code
	ended    bool
}

// startCLI starts the CLI with args in the background; the test's end
// interrupts it if the test has not stopped it.
func startCLI(t *testing.T, args ...string) *cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	r := &cliRun{t: t, args: args, cancel: cancel, done: make(chan bberr.Code, 1)}
	go func() { r.done <- run(ctx, append([]string{"blynkbridge"}, args...), &r.out, &r.err) }()
	t.Cleanup(func() {
		cancel()
		if !r.ended {
			select {
			case <-r.done:
			case <-time.After(5 * time.Second):
			}
		}
	})
	return r
}

func (r *cliRun) stdout() string { return r.out.String() }
func (r *cliRun) stderr() string { return r.err.String() }

// hasEnded reports whether run() has returned, keeping its exit code.
func (r *cliRun) hasEnded() bool {
	if !r.ended {
		select {
		case r.code = <-r.done:
			r.ended = true
		default:
		}
	}
	return r.ended
}

// waitFor polls cond until it holds (true), or the run ends or d passes
// (false).
func (r *cliRun) waitFor(d time.Duration, cond func() bool) bool {
	held := false
	eventually(d, func() bool {
		held = cond()
		return held || r.hasEnded()
	})
	return held
}

// waitMatch waits up to 10 s for re in stdout and returns its submatches;
// the test fails if it does not appear.
func (r *cliRun) waitMatch(re *regexp.Regexp) []string {
	r.t.Helper()
	var m []string
	if !r.waitFor(10*time.Second, func() bool { m = re.FindStringSubmatch(r.stdout()); return m != nil }) {
		r.t.Fatalf("no %v in output:\n%s\nstderr:\n%s", re, r.stdout(), r.stderr())
	}
	return m
}

// stop interrupts the run as Ctrl-C does and returns its exit code once
// run() has returned (the output is then complete). The run must end
// within 5 s, and its output must not hold any piece of testToken.
func (r *cliRun) stop() bberr.Code {
	r.t.Helper()
	r.cancel()
	if !r.ended {
		select {
		case r.code = <-r.done:
			r.ended = true
		case <-time.After(5 * time.Second):
			r.t.Fatalf("%q did not stop within 5 s of Ctrl-C\nstdout:\n%s\nstderr:\n%s", r.args, r.stdout(), r.stderr())
		}
	}
	assertNoSecret(r.t, "stdout", r.stdout(), testToken)
	assertNoSecret(r.t, "stderr", r.stderr(), testToken)
	return r.code
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

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// useProfiles writes toml as the profiles file p.toml and points
// BLYNKBRIDGE_CONFIG at it.
func useProfiles(t *testing.T, toml string) {
	t.Helper()
	t.Setenv("BLYNKBRIDGE_CONFIG", writeTemp(t, "p.toml", []byte(toml)))
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// simOnPTY starts a simulated board on a real pty and returns it with the
// path the CLI opens: the pty itself, or with link != "" a symlink of that
// name in a temp dir. The board is closed when the test ends.
func simOnPTY(t *testing.T, opts sim.Options, link string) (*sim.Board, string) {
	t.Helper()
	if link != "" {
		// Made before the board, so it is removed after the board closes.
		link = filepath.Join(t.TempDir(), link)
	}
	b, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	path, err := b.AttachPTY(link)
	if err != nil {
		t.Fatal(err)
	}
	if link != "" {
		path = link
	}
	return b, path
}

// loaderOnPTY is simOnPTY for flashing: a pty has no DTR/RTS lines, so the
// board's FLASH button is held (download strap) and it powers on in its
// serial loader. The flasher's cache goes to a temp dir.
func loaderOnPTY(t *testing.T, opts sim.Options) (*sim.Board, string) {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	opts.Boot = sim.BootDownload
	return simOnPTY(t, opts, "")
}

// testV1Image is a bootable one-segment ESP8266 image padded with random
// bytes to n.
func testV1Image(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	seg := make([]byte, 0x400)
	for i := range seg {
		seg[i] = byte(r.Uint32())
	}
	b := []byte{0xE9, 1, 0x02, 0x40}
	b = binary.LittleEndian.AppendUint32(b, 0x40100004)
	b = binary.LittleEndian.AppendUint32(b, 0x40100000)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(seg)))
	b = append(b, seg...)
	chk := byte(0xEF)
	for _, v := range seg {
		chk ^= v
	}
	for len(b)%16 != 15 {
		b = append(b, 0)
	}
	b = append(b, chk)
	for len(b) < n {
		b = append(b, byte(r.Uint32()))
	}
	return b
}

// fixtureImage builds the full Arduino-layout image (eboot at 0x0, sketch
// at 0x1000) from the firmware package's real xtensa ELF fixtures; pad > 0
// appends 0xFF up to pad bytes, as in a flash dump or a sketch of
// realistic size (the seals cover only the image).
func fixtureImage(t *testing.T, pad int) []byte {
	t.Helper()
	b, err := firmware.FromELF(readFile(t, fixtureSketchELF), firmware.BuildOptions{Eboot: readFile(t, fixtureEbootELF)})
	if err != nil {
		t.Fatal(err)
	}
	if b.FlashOffset != 0 || b.Layout != firmware.LayoutArduino {
		t.Fatalf("fixture built for 0x%x as %s", b.FlashOffset, b.Layout)
	}
	img := b.Image
	for len(img) < pad {
		img = append(img, 0xFF)
	}
	if err := firmware.Verify(img); err != nil {
		t.Fatal(err)
	}
	return img
}

// testServerCert is a server certificate for localhost and 127.0.0.1 from
// a fresh test CA.
func testServerCert(t *testing.T) *certs.Issued {
	t.Helper()
	issued, err := blynktest.NewCert([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return issued
}

// caFileOf writes the root of cert's chain as a PEM file and returns its
// path.
func caFileOf(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	ca := cert.Certificate[len(cert.Certificate)-1]
	return writeTemp(t, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca}))
}

// serveTLS runs a TLS server on 127.0.0.1 that presents cert, completes
// the handshake and waits for the client to hang up (what a fingerprint
// fetch needs), until the test ends. It returns the server's address.
func serveTLS(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	return testkit.ServeTLS(t, &tls.Config{Certificates: []tls.Certificate{cert}}, func(c *tls.Conn) {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_ = c.Handshake()
		var b [1]byte
		_, _ = c.Read(b[:])
	})
}

// startBlynkServer starts a blynktest server (TLS with cert, plain TCP
// with nil) that accepts the token accept, until the test ends.
func startBlynkServer(t *testing.T, cert *tls.Certificate, accept string) *blynktest.Server {
	t.Helper()
	s, err := blynktest.Start(blynktest.Options{TLS: cert, Tokens: []blynk.Token{blynk.NewToken(accept)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
