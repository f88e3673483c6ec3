package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

const certTestFP = "FD C0 7D 8D 47 97 F7 E3 07 05 D3 4E E3 BB 8E 3D C0 EA BE 1C"

func certRun(t *testing.T, args ...string) (bberr.Code, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := run(ctx, append([]string{"blynkbridge"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// The seed case: a fingerprint pasted with a leading U+200E.
func TestCertCheckLeftToRightMark(t *testing.T) {
	code, out, errs := certRun(t, "cert", "check", "\u200E"+certTestFP)
	if code != bberr.CheckFailed {
		t.Fatalf("exit %d, want %d\n%s%s", code, bberr.CheckFailed, out, errs)
	}
	for _, want := range []string{
		"position 0 (byte 0): U+200E LEFT-TO-RIGHT MARK",
		"<U+200E>FD C0",
		"pos:0 len:62 invalid hex sequence",
		"ESP8266 (axTLS/BearSSL): " + certTestFP,
		`const char fingerprint[] PROGMEM = "` + certTestFP + `";`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "U+200E LEFT-TO-RIGHT MARK at position 0") || !strings.Contains(errs, "hint:") {
		t.Errorf("stderr: %s", errs)
	}

	code, out, _ = certRun(t, "cert", "check", "\u200E"+certTestFP, "--json")
	if code != bberr.CheckFailed {
		t.Fatalf("json exit %d\n%s", code, out)
	}
	var rep struct {
		V        int  `json:"v"`
		OK       bool `json:"ok"`
		Findings []struct {
			Pos  int    `json:"pos"`
			Byte int    `json:"byte"`
			Code string `json:"code"`
			Name string `json:"name"`
		} `json:"findings"`
		Fingerprint struct {
			ESP8266 string `json:"esp8266"`
		} `json:"fingerprint"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.V != 1 || rep.OK || len(rep.Findings) != 1 || rep.Findings[0].Pos != 0 || rep.Findings[0].Code != "U+200E" ||
		rep.Findings[0].Name != "LEFT-TO-RIGHT MARK" || rep.Fingerprint.ESP8266 != certTestFP {
		t.Fatalf("%+v", rep)
	}
}

func TestCertCheckCleanAndBad(t *testing.T) {
	if code, out, _ := certRun(t, "cert", "check", strings.ReplaceAll(certTestFP, " ", ":")); code != bberr.OK || !strings.Contains(out, "OK: a clean SHA1 fingerprint") {
		t.Fatalf("clean: %d\n%s", code, out)
	}
	// Unquoted on the command line: many arguments, joined.
	if code, _, _ := certRun(t, append([]string{"cert", "check"}, strings.Fields(certTestFP)...)...); code != bberr.OK {
		t.Fatalf("unquoted: %d", code)
	}
	code, out, _ := certRun(t, "cert", "check", "FD CG")
	if code != bberr.BadInput || !strings.Contains(out, "'G' is not a hex digit at position 4") || !strings.Contains(out, "    ^") {
		t.Fatalf("bad: %d\n%s", code, out)
	}
	if code, _, _ := certRun(t, "cert", "check"); code != bberr.Usage {
		t.Fatalf("no arg: %d", code)
	}
}

func TestCertCheckStdin(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdin
	os.Stdin = r
	t.Cleanup(func() { os.Stdin = old; r.Close() })
	fmt.Fprint(w, "\u00A0"+certTestFP+"\r\n")
	w.Close()
	code, out, _ := certRun(t, "cert", "check", "-")
	if code != bberr.CheckFailed || !strings.Contains(out, "U+00A0 NO-BREAK SPACE") {
		t.Fatalf("%d\n%s", code, out)
	}
}

// cert new writes files; a real TLS listener serves them; cert fingerprint
// fetches the same SHA-1 as the file's DER; the ESP8266 verdict follows the
// name the sketch uses.
func TestCertNewThenFingerprint(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := certRun(t, "cert", "new", "--ip", "127.0.0.1", "--out", dir)
	if code != bberr.OK {
		t.Fatalf("new: %d\n%s%s", code, out, errs)
	}
	for _, f := range []string{"ca.key", "server.key"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", f, err, st.Mode())
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "server.crt"))
	blk, _ := pem.Decode(raw)
	sum := sha1.Sum(blk.Bytes)
	var parts []string
	for _, b := range sum {
		parts = append(parts, fmt.Sprintf("%02X", b))
	}
	fileFP := strings.Join(parts, " ")
	if !strings.Contains(out, "SHA-1 (what an ESP8266 pins): "+fileFP) || !strings.Contains(out, `PROGMEM = "`+fileFP+`"`) {
		t.Fatalf("new output lacks the file's fingerprint %s:\n%s", fileFP, out)
	}

	// No overwrite without --force; files unchanged.
	keyBefore, _ := os.ReadFile(filepath.Join(dir, "server.key"))
	if code, _, errs := certRun(t, "cert", "new", "--ip", "127.0.0.1", "--out", dir); code != bberr.Usage || !strings.Contains(errs, "not overwriting") {
		t.Fatalf("overwrite: %d %s", code, errs)
	}
	if keyAfter, _ := os.ReadFile(filepath.Join(dir, "server.key")); !bytes.Equal(keyBefore, keyAfter) {
		t.Fatal("key changed")
	}

	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*tls.Conn).Handshake()
				var b [1]byte
				_, _ = c.Read(b[:])
			}()
		}
	}()
	addr := ln.Addr().String()

	code, out, errs = certRun(t, "cert", "fingerprint", addr, "--json", "--ca", filepath.Join(dir, "ca.crt"), "--expect", strings.ReplaceAll(fileFP, " ", ":"))
	if code != bberr.OK {
		t.Fatalf("fingerprint: %d\n%s%s", code, out, errs)
	}
	var rep struct {
		V      int `json:"v"`
		Server struct {
			Verified bool `json:"verified"`
			Chain    []struct {
				SHA1 string `json:"sha1"`
			} `json:"chain"`
		} `json:"server"`
		ESP8266 struct {
			AxTLS struct {
				OK bool `json:"ok"`
			} `json:"axtls_verify"`
			BearSSL struct {
				OK bool `json:"ok"`
			} `json:"bearssl_fingerprint"`
		} `json:"esp8266"`
		Expect struct {
			Matches bool `json:"matches"`
		} `json:"expect"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.V != 1 || rep.Server.Chain[0].SHA1 != fileFP || !rep.Server.Verified || !rep.ESP8266.AxTLS.OK || !rep.ESP8266.BearSSL.OK || !rep.Expect.Matches {
		t.Fatalf("%+v", rep)
	}

	// The sketch connects by another address: axTLS fails, text says so.
	code, out, _ = certRun(t, "cert", "fingerprint", addr, "--as", "192.168.1.99")
	if code != bberr.OK || !strings.Contains(out, `axTLS verify(fp, "192.168.1.99") (Blynk 0.4-0.6, core <= 2.4): FAILS`) {
		t.Fatalf("%d\n%s", code, out)
	}
	// A wrong expected fingerprint: CheckFailed.
	if code, _, _ := certRun(t, "cert", "fingerprint", addr, "--expect", certTestFP); code != bberr.CheckFailed {
		t.Fatalf("mismatch: %d", code)
	}

	// --force replaces, keys stay 0600.
	if code, _, errs := certRun(t, "cert", "new", "--dns", "blynk.lan", "--out", dir, "--force", "--ca-dir", dir); code != bberr.OK {
		t.Fatalf("force: %d %s", code, errs)
	}
	if st, _ := os.Stat(filepath.Join(dir, "server.key")); st.Mode().Perm() != 0o600 {
		t.Fatal(st.Mode())
	}
}
