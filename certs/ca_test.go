package certs

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// RSA key generation is the slow part (~0.1-1 s on a busy machine), so
// tests share one CA where they can.
var (
	sharedOnce sync.Once
	sharedCA   *CA
	sharedErr  error
)

func testCA(t *testing.T) *CA {
	t.Helper()
	sharedOnce.Do(func() { sharedCA, sharedErr = NewCA("test CA", 24*time.Hour*365) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedCA
}

func TestCAAndIssue(t *testing.T) {
	ca := testCA(t)
	if !ca.Cert.IsCA || ca.Cert.Subject.CommonName != "test CA" {
		t.Fatal(ca.Cert.Subject)
	}
	if !strings.HasPrefix(string(ca.KeyPEM), "-----BEGIN PRIVATE KEY-----") {
		t.Fatal("CA key is not PKCS#8")
	}
	ips := []net.IP{net.ParseIP("192.168.1.10").To4(), net.ParseIP("10.0.0.5").To4()}
	iss, err := ca.IssueServer([]string{"blynk.lan", "pi.local"}, ips, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf := iss.Cert
	if leaf.Subject.CommonName != "blynk.lan" || len(leaf.DNSNames) != 2 || len(leaf.IPAddresses) != 2 {
		t.Fatalf("names %v %v %v", leaf.Subject, leaf.DNSNames, leaf.IPAddresses)
	}
	if KeyDescription(leaf) != "RSA 2048" {
		t.Fatal(KeyDescription(leaf))
	}
	if leaf.KeyUsage&x509.KeyUsageKeyEncipherment == 0 {
		t.Fatal("axTLS RSA key exchange needs KeyEncipherment")
	}
	// Chain: leaf then CA, in both the PEM and the tls.Certificate.
	list, err := ReadCertificates(iss.CertPEM)
	if err != nil || len(list) != 2 || !list[0].Equal(leaf) || !list[1].Equal(ca.Cert) {
		t.Fatalf("chain %v %v", len(list), err)
	}
	if len(iss.TLS.Certificate) != 2 {
		t.Fatal("tls chain")
	}
	if !strings.HasPrefix(string(iss.KeyPEM), "-----BEGIN PRIVATE KEY-----\n") {
		t.Fatal("server key is not PKCS#8 PEM")
	}
	for _, name := range []string{"blynk.lan", "192.168.1.10", "10.0.0.5"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: Pool([]*x509.Certificate{ca.Cert})}); err != nil {
			t.Errorf("verify %s: %v", name, err)
		}
	}
	// A leaf may not outlive its CA.
	if _, err := ca.IssueServer([]string{"x"}, nil, 400*24*time.Hour); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("outliving CA: %v", err)
	}
	if _, err := ca.IssueServer(nil, nil, time.Hour); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("no names: %v", err)
	}
	// IPsAsDNS writes the IP as a dNSName too (for axTLS).
	iss2, err := ca.Issue(IssueRequest{IPs: ips[:1], IPsAsDNS: true, ValidFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if iss2.Cert.Subject.CommonName != "192.168.1.10" || len(iss2.Cert.DNSNames) != 1 || iss2.Cert.DNSNames[0] != "192.168.1.10" {
		t.Fatalf("%v %v", iss2.Cert.Subject, iss2.Cert.DNSNames)
	}
}

func TestLoadCA(t *testing.T) {
	ca := testCA(t)
	back, err := LoadCA(ca.CertPEM, ca.KeyPEM)
	if err != nil || !back.Cert.Equal(ca.Cert) {
		t.Fatal(err)
	}
	// Keys come from a small fixed pool in tests: take one that differs.
	other, err := NewCA("other", time.Hour)
	if err == nil && string(other.KeyPEM) == string(ca.KeyPEM) {
		other, err = NewCA("other", time.Hour)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCA(ca.CertPEM, other.KeyPEM); bberr.CodeOf(err) != bberr.BadInput {
		t.Fatalf("mismatched key: %v", err)
	}
	iss, err := ca.IssueServer([]string{"x"}, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCA(iss.CertPEM, iss.KeyPEM); bberr.CodeOf(err) != bberr.BadInput {
		t.Fatalf("leaf as CA: %v", err)
	}
}

func TestWriteFilesModesAndNoOverwrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	files := []File{{Name: "a.crt", Data: []byte("cert"), Mode: 0o644}, {Name: "a.key", Data: []byte("key"), Mode: 0o600}}
	if err := WriteFiles(dir, files, false); err != nil {
		t.Fatal(err)
	}
	checkMode(t, filepath.Join(dir, "a.key"), 0o600)
	// Second run without force: refused, nothing touched.
	files2 := []File{{Name: "a.crt", Data: []byte("NEW"), Mode: 0o644}, {Name: "a.key", Data: []byte("NEW"), Mode: 0o600}}
	err := WriteFiles(dir, files2, false)
	if bberr.CodeOf(err) != bberr.Usage || !strings.Contains(err.Error(), "not overwriting") || bberr.HintOf(err) == "" {
		t.Fatalf("overwrite: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.key")); string(b) != "key" {
		t.Fatal("key was overwritten")
	}
	// The no-clobber step itself (a file appearing after the check).
	if err := writeAtomic(filepath.Join(dir, "a.crt"), []byte("NEW"), 0o644, false); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("link no-clobber: %v", err)
	}
	// With force: replaced, mode kept 0600.
	if err := WriteFiles(dir, files2, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.key")); string(b) != "NEW" {
		t.Fatal("force did not replace")
	}
	checkMode(t, filepath.Join(dir, "a.key"), 0o600)
	// No temporary files left behind.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Fatalf("leftovers: %v", ents)
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return // no Unix modes there
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != want {
		t.Fatalf("%s mode %o, want %o", path, st.Mode().Perm(), want)
	}
}

func TestNewServerFilesAndReuse(t *testing.T) {
	dir := t.TempDir()
	res, err := NewServerFiles(NewServerOptions{Dir: dir, IPs: []net.IP{net.ParseIP("127.0.0.1").To4()}, IPsAsDNS: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 4 {
		t.Fatal(res.Files)
	}
	checkMode(t, filepath.Join(dir, CAKeyFile), 0o600)
	checkMode(t, filepath.Join(dir, ServerKeyFile), 0o600)
	checkMode(t, filepath.Join(dir, ServerCertFile), 0o644)
	// The fingerprint from the file equals what the API reports.
	b, _ := os.ReadFile(filepath.Join(dir, ServerCertFile))
	blk, _ := pem.Decode(b)
	sum := sha1.Sum(blk.Bytes)
	if got := SHA1Of(res.Server.Cert); string(got.Bytes) != string(sum[:]) {
		t.Fatal("fingerprint differs from file")
	}
	// Again into the same dir: refused.
	if _, err := NewServerFiles(NewServerOptions{Dir: dir, DNSNames: []string{"x"}}); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("no-overwrite: %v", err)
	}
	// Reuse the CA for a second server elsewhere: only server files written,
	// signed by the same CA.
	dir2 := t.TempDir()
	res2, err := NewServerFiles(NewServerOptions{Dir: dir2, CADir: dir, DNSNames: []string{"blynk.lan"}, Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	if !res2.CAReused || len(res2.Files) != 2 || !res2.CA.Cert.Equal(res.CA.Cert) {
		t.Fatalf("reuse: %+v", res2.Files)
	}
	if err := res2.Server.Cert.CheckSignatureFrom(res.CA.Cert); err != nil {
		t.Fatal(err)
	}
	if _, err := NewServerFiles(NewServerOptions{Dir: t.TempDir(), CADir: t.TempDir(), DNSNames: []string{"x"}}); bberr.CodeOf(err) != bberr.BadInput {
		t.Fatalf("missing CA dir: %v", err)
	}
}

// TestNewServerValidatesEveryTargetFirst: server.key being a directory
// stops `cert new --force` before any file is written (it used to write
// three of four files and exit 1).
func TestNewServerValidatesEveryTargetFirst(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ServerKeyFile), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := NewServerFiles(NewServerOptions{Dir: dir, DNSNames: []string{"blynk.lan"}, Force: true})
	if bberr.CodeOf(err) != bberr.BadInput || bberr.HintOf(err) == "" {
		t.Fatalf("got %v (code %d)", err, bberr.CodeOf(err))
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("files written before the refusal: %v", ents)
	}
}
