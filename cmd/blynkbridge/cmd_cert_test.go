package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

const certTestFP = "FD C0 7D 8D 47 97 F7 E3 07 05 D3 4E E3 BB 8E 3D C0 EA BE 1C"

// The seed case: a fingerprint pasted with a leading U+200E.
func TestCertCheckLeftToRightMark(t *testing.T) {
	out, errs, code := runCLI(t, "cert", "check", "\u200E"+certTestFP)
	if code != bberr.CheckFailed {
		t.Fatalf("exit %d, want %d\n%s%s", code, bberr.CheckFailed, out, errs)
	}
	assertContains(t, "stdout", out,
		"position 0 (byte 0): U+200E LEFT-TO-RIGHT MARK",
		"<U+200E>FD C0",
		"pos:0 len:62 invalid hex sequence",
		"ESP8266 (axTLS/BearSSL): "+certTestFP,
		`const char fingerprint[] PROGMEM = "`+certTestFP+`";`)
	if !strings.Contains(errs, "U+200E LEFT-TO-RIGHT MARK at position 0") || !strings.Contains(errs, "hint:") {
		t.Errorf("stderr: %s", errs)
	}

	out, _, code = runCLI(t, "cert", "check", "\u200E"+certTestFP, "--json")
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
	decodeJSON(t, out, &rep)
	if rep.V != 1 || rep.OK || len(rep.Findings) != 1 || rep.Findings[0].Pos != 0 || rep.Findings[0].Code != "U+200E" ||
		rep.Findings[0].Name != "LEFT-TO-RIGHT MARK" || rep.Fingerprint.ESP8266 != certTestFP {
		t.Fatalf("%+v", rep)
	}
}

func TestCertCheckCleanAndBad(t *testing.T) {
	if out, _, code := runCLI(t, "cert", "check", strings.ReplaceAll(certTestFP, " ", ":")); code != bberr.OK || !strings.Contains(out, "OK: a clean SHA1 fingerprint") {
		t.Fatalf("clean: %d\n%s", code, out)
	}
	// Unquoted on the command line: many arguments, joined.
	runOK(t, append([]string{"cert", "check"}, strings.Fields(certTestFP)...)...)
	out, _, code := runCLI(t, "cert", "check", "FD CG")
	if code != bberr.BadInput || !strings.Contains(out, "'G' is not a hex digit at position 4") || !strings.Contains(out, "    ^") {
		t.Fatalf("bad: %d\n%s", code, out)
	}
	if _, _, code := runCLI(t, "cert", "check"); code != bberr.Usage {
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
	out, _, code := runCLI(t, "cert", "check", "-")
	if code != bberr.CheckFailed || !strings.Contains(out, "U+00A0 NO-BREAK SPACE") {
		t.Fatalf("%d\n%s", code, out)
	}
}

// cert new writes files; a real TLS listener serves them; cert fingerprint
// fetches the same SHA-1 as the file's DER; the ESP8266 verdict follows the
// name the sketch uses.
func TestCertNewThenFingerprint(t *testing.T) {
	dir := t.TempDir()
	out, _ := runOK(t, "cert", "new", "--ip", "127.0.0.1", "--out", dir)
	for _, f := range []string{"ca.key", "server.key"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", f, err, st.Mode())
		}
	}
	blk, _ := pem.Decode(readFile(t, filepath.Join(dir, "server.crt")))
	if blk == nil {
		t.Fatal("server.crt holds no PEM block")
	}
	crt, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	fileFP := certs.SHA1Of(crt).ESP8266()
	if !strings.Contains(out, "SHA-1 (what an ESP8266 pins): "+fileFP) || !strings.Contains(out, `PROGMEM = "`+fileFP+`"`) {
		t.Fatalf("new output lacks the file's fingerprint %s:\n%s", fileFP, out)
	}

	// No overwrite without --force; files unchanged.
	keyBefore, _ := os.ReadFile(filepath.Join(dir, "server.key"))
	if _, errs, code := runCLI(t, "cert", "new", "--ip", "127.0.0.1", "--out", dir); code != bberr.Usage || !strings.Contains(errs, "not overwriting") {
		t.Fatalf("overwrite: %d %s", code, errs)
	}
	if keyAfter, _ := os.ReadFile(filepath.Join(dir, "server.key")); !bytes.Equal(keyBefore, keyAfter) {
		t.Fatal("key changed")
	}

	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, cert)

	out, _ = runOK(t, "cert", "fingerprint", addr, "--json", "--ca", filepath.Join(dir, "ca.crt"), "--expect", strings.ReplaceAll(fileFP, " ", ":"))
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
	decodeJSON(t, out, &rep)
	if rep.V != 1 || rep.Server.Chain[0].SHA1 != fileFP || !rep.Server.Verified || !rep.ESP8266.AxTLS.OK || !rep.ESP8266.BearSSL.OK || !rep.Expect.Matches {
		t.Fatalf("%+v", rep)
	}

	// The sketch connects by another address: axTLS fails, text says so.
	out, _, code := runCLI(t, "cert", "fingerprint", addr, "--as", "192.168.1.99")
	if code != bberr.OK || !strings.Contains(out, `axTLS verify(fp, "192.168.1.99") (Blynk 0.4-0.6, core <= 2.4): FAILS`) {
		t.Fatalf("%d\n%s", code, out)
	}
	// A wrong expected fingerprint: CheckFailed.
	if _, _, code := runCLI(t, "cert", "fingerprint", addr, "--expect", certTestFP); code != bberr.CheckFailed {
		t.Fatalf("mismatch: %d", code)
	}

	// --force replaces, keys stay 0600.
	runOK(t, "cert", "new", "--dns", "blynk.lan", "--out", dir, "--force", "--ca-dir", dir)
	if st, _ := os.Stat(filepath.Join(dir, "server.key")); st.Mode().Perm() != 0o600 {
		t.Fatal(st.Mode())
	}
}
