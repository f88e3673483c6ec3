package certs

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"

	"github.com/blynkbridge/blynkbridge/internal/testkit"
)

// serveTLS runs a real crypto/tls listener on loopback that completes
// handshakes with cert and closes; it is stopped when the test ends.
// (Go servers refuse RSA key exchange by default, as recent ones do.)
func serveTLS(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	return serveTLSConfig(t, &tls.Config{Certificates: []tls.Certificate{cert}})
}

// The Must-show: fetched fingerprints equal those computed independently
// from the PEM file `cert new` wrote.
func TestFetchMatchesFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewServerFiles(NewServerOptions{Dir: dir, IPs: []net.IP{net.IPv4(127, 0, 0, 1).To4()}, DNSNames: []string{"blynk.lan"}, IPsAsDNS: true}); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, ServerCertFile), filepath.Join(dir, ServerKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, cert)

	// Independent computation: first PEM block of server.crt, hashed.
	raw, err := os.ReadFile(filepath.Join(dir, ServerCertFile))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(raw)
	want1 := sha1.Sum(blk.Bytes)
	want256 := sha256.Sum256(blk.Bytes)
	parsed, _ := x509.ParseCertificate(blk.Bytes)
	spki := sha256.Sum256(parsed.RawSubjectPublicKeyInfo)

	caPEM, _ := os.ReadFile(filepath.Join(dir, CACertFile))
	roots, err := ReadCertificates(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	info, err := Fetch(context.Background(), addr, FetchOptions{Timeout: 5 * time.Second, Roots: Pool(roots)})
	if err != nil {
		t.Fatal(err)
	}
	leaf := info.Leaf()
	if string(leaf.SHA1.Bytes) != string(want1[:]) || string(leaf.SHA256.Bytes) != string(want256[:]) {
		t.Fatalf("fetched %s / %s, file %X / %X", leaf.SHA1, leaf.SHA256, want1, want256)
	}
	if leaf.SPKISHA256 != base64.StdEncoding.EncodeToString(spki[:]) {
		t.Fatal("spki pin")
	}
	if len(info.Chain) != 2 || !info.Chain[1].IsCA || info.SNI != "" {
		t.Fatalf("chain %d sni %q", len(info.Chain), info.SNI)
	}
	if !info.Verified || info.VerifyName != "127.0.0.1" {
		t.Fatalf("verify against our CA: %v %s", info.Verified, info.VerifyError)
	}
	if leaf.DaysLeft < 820 || leaf.Key != "RSA 2048" || strings.Join(leaf.IPAddresses, ",") != "127.0.0.1" {
		t.Fatalf("%+v", leaf)
	}
	// Against the system roots our local CA is unknown: reported, not fatal.
	info2, err := Fetch(context.Background(), addr, FetchOptions{SNI: "blynk.lan", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if info2.Verified || info2.VerifyError == "" || info2.SNI != "blynk.lan" || info2.VerifyName != "blynk.lan" {
		t.Fatalf("system roots: %+v", info2)
	}
	// What an ESP8266 does: connecting as 127.0.0.1 passes axTLS (the IP
	// is also a DNS SAN), BearSSL fingerprint passes.
	rep := ExplainESP8266(leaf.Cert, "127.0.0.1", time.Now())
	if !rep.AxTLS.OK || !rep.BearSSLFingerprint.OK || rep.AxTLSIPAddress == nil || rep.AxTLSIPAddress.OK {
		t.Fatalf("%+v", rep)
	}
	if rep.Fingerprint.Hex() != strings.ToUpper(strings.ReplaceAll(leaf.SHA1.Hex(), " ", "")) {
		t.Fatal("report fingerprint")
	}
}

// Must-show: a certificate with only a DNS SAN fails for a sketch that
// connects by IP; one with the IP SAN passes.
func TestExplainDNSOnlyVsIP(t *testing.T) {
	ca := testCA(t)
	now := time.Now()
	dnsOnly, err := ca.IssueServer([]string{"blynk.lan"}, nil, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	withIP, err := ca.IssueServer(nil, []net.IP{net.IPv4(192, 168, 1, 10)}, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r := ExplainESP8266(dnsOnly.Cert, "192.168.1.10", now)
	if r.AxTLS.OK || r.AxTLS.Log != "Certificate doesn't match" || !strings.Contains(r.AxTLS.Reason, "192.168.1.10") || !r.ConnectIsIP {
		t.Fatalf("dns-only by IP: %+v", r.AxTLS)
	}
	if !r.BearSSLFingerprint.OK {
		t.Fatal("BearSSL fingerprint mode checks no name")
	}
	if r := ExplainESP8266(dnsOnly.Cert, "BLYNK.lan", now); !r.AxTLS.OK || r.AxTLSIPAddress != nil {
		t.Fatalf("dns-only by name: %+v", r.AxTLS)
	}
	r = ExplainESP8266(withIP.Cert, "192.168.1.10", now)
	if !r.AxTLS.OK || !strings.Contains(r.AxTLS.Reason, "CN 192.168.1.10") {
		t.Fatalf("with IP: %+v", r.AxTLS)
	}
	if r.AxTLSIPAddress == nil || r.AxTLSIPAddress.OK {
		t.Fatal("IPAddress(...) never passes axTLS's name check")
	}
	if r := ExplainESP8266(withIP.Cert, "192.168.1.11", now); r.AxTLS.OK {
		t.Fatal("other IP passed")
	}
}

func TestAxTLSNameMatch(t *testing.T) {
	c := &x509.Certificate{DNSNames: []string{"*.example.com", "Blynk.LAN"}, IPAddresses: []net.IP{net.IPv4(10, 0, 0, 1)}}
	c.Subject.CommonName = "cn.host"
	cases := map[string]bool{
		"a.example.com": true, "A.EXAMPLE.COM": true, "a.b.example.com": false, "example.com": false,
		"blynk.lan": true, "cn.host": true, "10.0.0.1": false, "": false,
	}
	for name, want := range cases {
		if got, _ := AxTLSNameMatch(c, name); got != want {
			t.Errorf("%q: %v", name, got)
		}
	}
	c.DNSNames = []string{"b*.example.com", "*a.example.com"}
	if ok, _ := AxTLSNameMatch(c, "bx.example.com"); ok {
		t.Error("partial wildcards are not matched by axTLS")
	}
}

func TestExplainRenewalAndKeys(t *testing.T) {
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	le := &x509.Certificate{NotBefore: now.Add(-10 * 24 * time.Hour), NotAfter: now.Add(80 * 24 * time.Hour), PublicKey: testCA(t).Cert.PublicKey}
	le.Issuer.Organization = []string{"Let's Encrypt"}
	le.DNSNames = []string{"blynk.example.org"}
	r := ExplainESP8266(le, "blynk.example.org", now)
	if !r.Renewal.LetsEncrypt || !r.Renewal.ShortLived || r.Renewal.DaysLeft != 80 || r.Renewal.DaysToRenew != 50 {
		t.Fatalf("%+v", r.Renewal)
	}
	if !strings.Contains(r.Renewal.Advice, "2027-01-17") || !strings.Contains(r.Renewal.Advice, "Pin the CA") {
		t.Fatal(r.Renewal.Advice)
	}
	// ECDSA leaf: axTLS cannot use it at all.
	ec := *le
	ec.PublicKey = nil
	ec.PublicKeyAlgorithm = x509.ECDSA
	if r := ExplainESP8266(&ec, "blynk.example.org", now); r.AxTLS.OK || !strings.Contains(r.AxTLS.Reason, "only RSA") {
		t.Fatalf("%+v", r.AxTLS)
	}
	// Expired: BearSSL fingerprint mode still connects; say so.
	old := *le
	old.NotAfter = now.Add(-24 * time.Hour)
	r = ExplainESP8266(&old, "blynk.example.org", now)
	if !r.BearSSLFingerprint.OK || !strings.Contains(r.BearSSLFingerprint.Reason, "expired") || len(r.Notes) == 0 || r.Renewal.DaysLeft != -1 {
		t.Fatalf("%+v", r)
	}
}

func TestFetchErrors(t *testing.T) {
	// Refused: a port we just closed.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if _, err := Fetch(context.Background(), addr, FetchOptions{Timeout: 2 * time.Second}); bberr.CodeOf(err) != bberr.Network || bberr.HintOf(err) == "" {
		t.Fatalf("refused: %v", err)
	}
	// Plain TCP that answers with non-TLS bytes (blynk-server's 8080).
	pl, _ := net.Listen("tcp", "127.0.0.1:0")
	defer pl.Close()
	go func() {
		c, err := pl.Accept()
		if err == nil {
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			time.Sleep(100 * time.Millisecond)
			c.Close()
		}
	}()
	if _, err := Fetch(context.Background(), pl.Addr().String(), FetchOptions{Timeout: 2 * time.Second}); bberr.CodeOf(err) != bberr.Network {
		t.Fatalf("plain: %v", err)
	}
	// A silent server: the timeout ends the wait.
	sl, _ := net.Listen("tcp", "127.0.0.1:0")
	defer sl.Close()
	if _, err := Fetch(context.Background(), sl.Addr().String(), FetchOptions{Timeout: 200 * time.Millisecond}); bberr.CodeOf(err) != bberr.Network {
		t.Fatalf("silent: %v", err)
	}
	// Cancelled context: Interrupted, not a network error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Fetch(ctx, sl.Addr().String(), FetchOptions{}); bberr.CodeOf(err) != bberr.Interrupted {
		t.Fatalf("cancelled: %v (%d)", err, bberr.CodeOf(err))
	}
	if _, err := Fetch(context.Background(), "no-port", FetchOptions{}); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("bad addr: %v", err)
	}
}

// An axTLS-era board offers only RSA key exchange with AES-CBC; Go (1.22+)
// and recent Java servers refuse that by default.
func TestProbeAxTLS(t *testing.T) {
	iss, err := testCA(t).IssueServer(nil, []net.IP{net.IPv4(127, 0, 0, 1)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	modern := serveTLSConfig(t, &tls.Config{Certificates: []tls.Certificate{iss.TLS}})
	if v := ProbeAxTLS(context.Background(), modern, "", 2*time.Second); v.OK || !strings.Contains(v.Reason, "refuses every cipher suite axTLS offers") {
		t.Fatalf("modern: %+v", v)
	}
	legacy := serveTLSConfig(t, &tls.Config{Certificates: []tls.Certificate{iss.TLS},
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_128_CBC_SHA}})
	if v := ProbeAxTLS(context.Background(), legacy, "", 2*time.Second); !v.OK || !strings.Contains(v.Reason, "TLS_RSA_WITH_AES_128_CBC_SHA") {
		t.Fatalf("legacy: %+v", v)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if v := ProbeAxTLS(context.Background(), addr, "", time.Second); v.OK || !strings.Contains(v.Reason, "could not probe") {
		t.Fatalf("closed port: %+v", v)
	}
}

func serveTLSConfig(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	return testkit.ServeTLS(t, cfg, func(c *tls.Conn) {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_ = c.Handshake()
	})
}
