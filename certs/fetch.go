package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// CertInfo is one certificate as the report shows it.
type CertInfo struct {
	Subject      string            `json:"subject"`
	CommonName   string            `json:"common_name"`
	Issuer       string            `json:"issuer"`
	DNSNames     []string          `json:"dns_names"`
	IPAddresses  []string          `json:"ip_addresses"`
	NotBefore    time.Time         `json:"not_before"`
	NotAfter     time.Time         `json:"not_after"`
	DaysLeft     int               `json:"days_left"`
	SHA1         Fingerprint       `json:"sha1"`
	SHA256       Fingerprint       `json:"sha256"`
	SPKISHA256   string            `json:"spki_sha256"` // base64, as HPKP / curl --pinnedpubkey sha256//
	Key          string            `json:"key"`
	SignatureAlg string            `json:"signature_algorithm"`
	IsCA         bool              `json:"is_ca"`
	SelfSigned   bool              `json:"self_signed"`
	Cert         *x509.Certificate `json:"-"`
}

// Describe summarises cert at time now.
func Describe(cert *x509.Certificate, now time.Time) CertInfo {
	ips := make([]string, 0, len(cert.IPAddresses))
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	dns := append([]string{}, cert.DNSNames...)
	return CertInfo{
		Subject:      cert.Subject.String(),
		CommonName:   cert.Subject.CommonName,
		Issuer:       cert.Issuer.String(),
		DNSNames:     dns,
		IPAddresses:  ips,
		NotBefore:    cert.NotBefore.UTC(),
		NotAfter:     cert.NotAfter.UTC(),
		DaysLeft:     daysUntil(now, cert.NotAfter),
		SHA1:         SHA1Of(cert),
		SHA256:       SHA256Of(cert),
		SPKISHA256:   SPKIPin(cert),
		Key:          KeyDescription(cert),
		SignatureAlg: cert.SignatureAlgorithm.String(),
		IsCA:         cert.IsCA,
		SelfSigned:   cert.CheckSignatureFrom(cert) == nil,
		Cert:         cert,
	}
}

// FetchOptions tunes Fetch. The zero value is usable.
type FetchOptions struct {
	// SNI is the server name sent in the handshake; "" sends the host part
	// of the address when it is a name, and none for an IP (as an ESP8266
	// connecting by IP does).
	SNI string
	// Timeout bounds dial plus handshake; 0 means 10 s.
	Timeout time.Duration
	// Roots verifies the chain for the report; nil means the system roots.
	Roots *x509.CertPool
	// VerifyName is the name the chain is verified for; "" means SNI, else
	// the host part of the address.
	VerifyName string
	// Now is the time for validity figures; zero means time.Now().
	Now time.Time
}

// ServerInfo is what a server presented and what we made of it.
type ServerInfo struct {
	Addr        string     `json:"addr"`
	SNI         string     `json:"sni"`
	TLSVersion  string     `json:"tls_version"`
	CipherSuite string     `json:"cipher_suite"`
	Chain       []CertInfo `json:"chain"` // as sent, leaf first
	// Verified: the chain verifies against Roots for the host name (or
	// SNI). This is a report, not a decision: Fetch never trusts anything.
	Verified    bool   `json:"verified"`
	VerifyName  string `json:"verify_name"`
	VerifyError string `json:"verify_error,omitempty"`
}

// Leaf is the server's own certificate.
func (s *ServerInfo) Leaf() CertInfo { return s.Chain[0] }

// Fetch connects to addr ("host:port"), completes a TLS handshake without
// verifying anything (so broken, expired and self-signed chains can be
// inspected), sends close_notify and returns what the server presented.
// The chain is verified separately and the outcome reported.
func Fetch(ctx context.Context, addr string, opts FetchOptions) (*ServerInfo, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, bberr.Wrap(err, bberr.Usage, "give HOST:PORT, e.g. 192.168.1.10:9443 (blynk-server TLS) or blynk.cloud:443", "bad address %q", addr)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	sni := opts.SNI
	if sni == "" && net.ParseIP(host) == nil {
		sni = host
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	d := &tls.Dialer{Config: &tls.Config{
		ServerName: sni,
		// Inspection only: we want to see a chain that does not verify.
		// Verification is done below and reported, never acted on.
		InsecureSkipVerify: true, //nolint:gosec
		MinVersion:         tls.VersionTLS10,
	}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, classifyDialError(ctx, addr, timeout, err)
	}
	tc := conn.(*tls.Conn)
	st := tc.ConnectionState()
	_ = tc.Close()
	if len(st.PeerCertificates) == 0 {
		return nil, bberr.New(bberr.Network, "is this a TLS port? blynk-server uses 9443 (8441 before v0.39.9)", "%s sent no certificate", addr)
	}
	info := &ServerInfo{Addr: addr, SNI: sni, TLSVersion: tls.VersionName(st.Version), CipherSuite: tls.CipherSuiteName(st.CipherSuite)}
	for _, c := range st.PeerCertificates {
		info.Chain = append(info.Chain, Describe(c, now))
	}
	info.VerifyName = opts.VerifyName
	if info.VerifyName == "" {
		info.VerifyName = sni
	}
	if info.VerifyName == "" {
		info.VerifyName = host
	}
	inter := x509.NewCertPool()
	for _, c := range st.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, verr := st.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: info.VerifyName, Roots: opts.Roots, Intermediates: inter, CurrentTime: now})
	info.Verified = verr == nil
	if verr != nil {
		info.VerifyError = verr.Error()
	}
	return info, nil
}

func classifyDialError(ctx context.Context, addr string, timeout time.Duration, err error) error {
	var rec tls.RecordHeaderError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return bberr.Wrap(err, bberr.Network, "check the address and port, and that a firewall lets it through; --timeout to wait longer", "no TLS answer from %s within %s", addr, timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return bberr.Wrap(err, bberr.Network, "is the server running? blynk-server listens for TLS on 9443 (8441 before v0.39.9)", "connection to %s refused", addr)
	case errors.As(err, &rec):
		return bberr.Wrap(err, bberr.Network, "this port speaks plain TCP, not TLS: blynk-server's plain port is 8080, TLS is 9443", "%s did not answer with TLS", addr)
	}
	return bberr.Wrap(err, bberr.Network, "check the address, port and network", "TLS handshake with %s failed", addr)
}

// FormatDays is "in 12 days" / "3 days ago" / "today".
func FormatDays(days int) string {
	switch {
	case days == 0:
		return "today"
	case days > 0:
		return fmt.Sprintf("in %d days", days)
	}
	return fmt.Sprintf("%d days ago", -days)
}

// axTLSSuites are the cipher suites axTLS (ESP8266 core <= 2.4) offers that
// Go can also speak: RSA key exchange with AES-CBC. (axTLS also offers
// TLS_RSA_WITH_AES_256_CBC_SHA256, which Go does not implement.)
var axTLSSuites = []uint16{
	tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA256,
}

// ProbeAxTLS tries a handshake offering only what an axTLS-era ESP8266
// offers (TLS 1.0-1.2, RSA key exchange, AES-CBC). Servers on recent Java or
// Go often refuse RSA key exchange; such a server cannot serve an axTLS
// board whatever its certificate or fingerprint.
func ProbeAxTLS(ctx context.Context, addr, sni string, timeout time.Duration) Verdict {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := &tls.Dialer{Config: &tls.Config{
		ServerName:         sni,
		InsecureSkipVerify: true, //nolint:gosec // inspection only
		MinVersion:         tls.VersionTLS10,
		MaxVersion:         tls.VersionTLS12,
		CipherSuites:       axTLSSuites,
	}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	var op *net.OpError
	if err != nil && !(errors.As(err, &op) && op.Op == "remote error") && !errors.Is(err, io.EOF) {
		// Not a refusal of the offer: a network problem; say so rather
		// than blame the cipher suites.
		return Verdict{Reason: "could not probe the axTLS cipher suites: " + err.Error()}
	}
	if err != nil {
		return Verdict{Reason: "the server refuses every cipher suite axTLS offers (TLS <= 1.2 with RSA key exchange and AES-CBC): an axTLS-era board (core <= 2.4) cannot complete the handshake; enable TLS_RSA_WITH_AES_128_CBC_SHA on the server or use BearSSL (core >= 2.5) (" + err.Error() + ")",
			Log: "Connecting to ... then nothing, or Connection failed"}
	}
	st := conn.(*tls.Conn).ConnectionState()
	_ = conn.Close()
	return Verdict{OK: true, Reason: fmt.Sprintf("the server accepts %s with %s, which axTLS offers", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))}
}
