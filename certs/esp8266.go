package certs

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"time"
)

// DeviceParse is what a fingerprint string does on the device, byte for
// byte as the C parser sees it (reference blynk.md 4.2 and 4.3).
type DeviceParse struct {
	OK  bool   `json:"ok"`
	Pos int    `json:"pos"` // byte offset where it failed (the device's "pos:")
	Log string `json:"log"` // the device's debug line, or what the failure leads to
}

func nibble(c byte) (byte, bool) {
	if !isHex(c) {
		return 0, false
	}
	return hexVal(c), true
}

// AxTLSParse runs s through axTLS-era WiFiClientSecure::verify()'s parser
// (core 2.1-2.4): before each of 20 bytes skip ' ' and ':', then two hex
// digits; anything after the 20th byte is ignored.
func AxTLSParse(s string) DeviceParse {
	pos, n := 0, len(s)
	for i := 0; i < 20; i++ {
		for pos < n && (s[pos] == ' ' || s[pos] == ':') {
			pos++
		}
		if pos > n-2 {
			return DeviceParse{Pos: pos, Log: fmt.Sprintf("pos:%d len:%d fingerprint too short", pos, n)}
		}
		_, ok1 := nibble(s[pos])
		_, ok2 := nibble(s[pos+1])
		if !ok1 || !ok2 {
			return DeviceParse{Pos: pos, Log: fmt.Sprintf("pos:%d len:%d invalid hex sequence: %s%s", pos, n, printByte(s[pos]), printByte(s[pos+1]))}
		}
		pos += 2
	}
	return DeviceParse{OK: true, Pos: pos}
}

// BearSSLParse runs s through BearSSL WiFiClientSecure::setFingerprint()'s
// parser (core 2.5+): a hex pair from the very first byte, then any run of
// ' '/':' after each pair; exactly 20 bytes and nothing after them.
func BearSSLParse(s string) DeviceParse {
	pos, idx := 0, 0
	for idx < 20 {
		if pos >= len(s) {
			break
		}
		if pos+1 >= len(s) {
			return DeviceParse{Pos: pos, Log: "setFingerprint: FP too short"}
		}
		_, ok1 := nibble(s[pos])
		_, ok2 := nibble(s[pos+1])
		if !ok1 || !ok2 {
			return DeviceParse{Pos: pos, Log: "setFingerprint: Invalid char"}
		}
		pos += 2
		idx++
		for pos < len(s) && (s[pos] == ' ' || s[pos] == ':') {
			pos++
		}
	}
	if idx != 20 || pos < len(s) {
		return DeviceParse{Pos: pos, Log: "setFingerprint: Garbage at end of fp"}
	}
	return DeviceParse{OK: true, Pos: pos}
}

// printByte shows a byte as the device's %c would, escaping the unprintable.
func printByte(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return string(c)
	}
	return fmt.Sprintf("\\x%02X", c)
}

// Verdict is whether one ESP8266 code path accepts the server, and why.
type Verdict struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason"`
	Log    string `json:"log,omitempty"` // what the Blynk serial log shows on failure
}

// Renewal says when a pinned leaf fingerprint stops working.
type Renewal struct {
	ShortLived   bool      `json:"short_lived"` // issued for <= 100 days (Let's Encrypt: 90)
	LetsEncrypt  bool      `json:"lets_encrypt"`
	NotAfter     time.Time `json:"not_after"`
	RenewBy      time.Time `json:"renew_by"` // when certbot renews: 30 days before expiry
	DaysLeft     int       `json:"days_left"`
	DaysToRenew  int       `json:"days_to_renew"`
	Advice       string    `json:"advice"`
	LifetimeDays int       `json:"lifetime_days"`
}

// ESP8266Report explains what an ESP8266 sketch will do with a server
// certificate when it connects as ConnectAs.
type ESP8266Report struct {
	ConnectAs   string      `json:"connect_as"`
	ConnectIsIP bool        `json:"connect_is_ip"`
	Fingerprint Fingerprint `json:"fingerprint"` // leaf SHA-1: the only hash the ESP8266 takes
	KeyType     string      `json:"key_type"`
	// AxTLS: Blynk 0.4.x / core <= 2.4, verify(fp, "name") with the name as
	// a string (Blynk.begin(auth, ssid, pass, "name", port, fp)).
	AxTLS Verdict `json:"axtls_verify"`
	// AxTLSIPAddress: the same sketch passing IPAddress(a,b,c,d): the
	// library hands axTLS no domain, so it never matches. Only set when
	// ConnectAs is an IP.
	AxTLSIPAddress *Verdict `json:"axtls_ipaddress,omitempty"`
	// BearSSLFingerprint: core >= 2.5 / Blynk 1.x with a fingerprint:
	// leaf SHA-1 only, no name, date or chain check.
	BearSSLFingerprint Verdict `json:"bearssl_fingerprint"`
	// AxTLSHandshake: whether the server accepts what axTLS offers at all
	// (filled by the caller from ProbeAxTLS; nil if not probed).
	AxTLSHandshake *Verdict `json:"axtls_handshake,omitempty"`
	Renewal        *Renewal `json:"renewal,omitempty"`
	Notes          []string `json:"notes,omitempty"`
}

// AxTLSNameMatch reports whether axTLS's _verifyDN accepts name for cert:
// lower-cased, against each dNSName SAN then the subject CN, exact or a
// "*." wildcard covering exactly the left-most label. IP SANs are never
// consulted. It returns what matched.
func AxTLSNameMatch(cert *x509.Certificate, name string) (bool, string) {
	d := strings.ToLower(name)
	for _, san := range cert.DNSNames {
		if axtlsMatchName(strings.ToLower(san), d) {
			return true, "DNS SAN " + san
		}
	}
	if cn := cert.Subject.CommonName; cn != "" && axtlsMatchName(strings.ToLower(cn), d) {
		return true, "CN " + cn
	}
	return false, ""
}

func axtlsMatchName(name, domain string) bool {
	w := strings.IndexByte(name, '*')
	if w < 0 {
		return name == domain
	}
	dot := strings.IndexByte(name, '.')
	if w != 0 || dot != 1 {
		return false
	}
	dd := strings.IndexByte(domain, '.')
	return dd >= 0 && domain[dd:] == name[dot:]
}

// KeyDescription is "RSA 2048", "ECDSA P-256", "Ed25519".
func KeyDescription(cert *x509.Certificate) string {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return cert.PublicKeyAlgorithm.String()
}

// ExplainESP8266 says what an ESP8266 does with leaf when its sketch
// connects as connectAs (a host name or an IP literal), at time now.
func ExplainESP8266(leaf *x509.Certificate, connectAs string, now time.Time) ESP8266Report {
	fp := SHA1Of(leaf)
	ip := net.ParseIP(connectAs)
	r := ESP8266Report{ConnectAs: connectAs, ConnectIsIP: ip != nil, Fingerprint: fp, KeyType: KeyDescription(leaf)}

	ok, what := AxTLSNameMatch(leaf, connectAs)
	names := describeNames(leaf)
	switch {
	case ok:
		r.AxTLS = Verdict{OK: true, Reason: fmt.Sprintf("fingerprint matches and %q matches the certificate's %s", connectAs, what)}
	case ip != nil && containsIP(leaf.IPAddresses, ip):
		r.AxTLS = Verdict{Reason: fmt.Sprintf("%s is in the certificate's IP SANs, but axTLS checks only DNS SANs and the CN (%s): it fails even with the right fingerprint; reissue with the IP also as a DNS name (blynkbridge cert new --ip %s) or connect by a name the certificate holds", connectAs, names, connectAs),
			Log: "Certificate doesn't match"}
	default:
		r.AxTLS = Verdict{Reason: fmt.Sprintf("%q is not among the certificate's DNS SANs or CN (%s): it fails even with the right fingerprint", connectAs, names),
			Log: "Certificate doesn't match"}
	}
	if ip != nil {
		r.AxTLSIPAddress = &Verdict{Reason: "a sketch that passes IPAddress(...) gives axTLS no domain name at all, so the name check never passes whatever the certificate holds: pass the address as a string instead",
			Log: "Certificate doesn't match (then Login timeout)"}
	}
	r.BearSSLFingerprint = Verdict{OK: true, Reason: "BearSSL's setFingerprint compares only the leaf's SHA-1: no name, date or chain check, so a matching fingerprint connects whatever name the sketch uses"}
	if now.After(leaf.NotAfter) {
		r.BearSSLFingerprint.Reason += " (it even accepts this expired certificate; trust-anchor mode would not)"
	}

	switch leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		if bits := leaf.PublicKey.(*rsa.PublicKey).N.BitLen(); bits > 4096 {
			r.AxTLS = Verdict{Reason: fmt.Sprintf("axTLS handles RSA keys up to 4096 bits; this one has %d: the handshake fails", bits), Log: "Connecting to ... (no further line)"}
		}
	default:
		r.AxTLS = Verdict{Reason: fmt.Sprintf("axTLS supports only RSA certificates; this one is %s: the handshake fails before any fingerprint check", r.KeyType), Log: "Connecting to ... (no further line)"}
	}

	r.Renewal = renewal(leaf, now)
	if now.After(leaf.NotAfter) {
		r.Notes = append(r.Notes, fmt.Sprintf("the certificate expired on %s", leaf.NotAfter.Format(time.DateOnly)))
	}
	if !r.Renewal.LetsEncrypt {
		// Reference 4.1: Blynk 1.x's default trust anchors are public roots.
		r.Notes = append(r.Notes, fmt.Sprintf("Blynk 1.x without a fingerprint trusts only its bundled public roots (ISRG Root X1; newer releases also Amazon Root CA 1, DigiCert Global Root G2); a certificate issued by %q needs the fingerprint, or your CA passed to setTrustAnchors", leaf.Issuer.CommonName))
	}
	if leaf.IsCA && leaf.CheckSignatureFrom(leaf) == nil {
		r.Notes = append(r.Notes, "the server sends a self-signed CA certificate as its leaf")
	}
	return r
}

func describeNames(c *x509.Certificate) string {
	var parts []string
	for _, d := range c.DNSNames {
		parts = append(parts, "DNS:"+d)
	}
	for _, ip := range c.IPAddresses {
		parts = append(parts, "IP:"+ip.String())
	}
	parts = append(parts, "CN="+c.Subject.CommonName)
	return strings.Join(parts, ", ")
}

func containsIP(ips []net.IP, ip net.IP) bool {
	for _, x := range ips {
		if x.Equal(ip) {
			return true
		}
	}
	return false
}

// renewWindow is how long before expiry certbot (and blynk-server's own
// Let's Encrypt client) renews, i.e. when a pinned leaf fingerprint changes.
const renewWindow = 30 * 24 * time.Hour

func renewal(leaf *x509.Certificate, now time.Time) *Renewal {
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	le := isLetsEncrypt(leaf)
	r := &Renewal{
		ShortLived:   life <= 100*24*time.Hour,
		LetsEncrypt:  le,
		NotAfter:     leaf.NotAfter,
		RenewBy:      leaf.NotAfter.Add(-renewWindow),
		DaysLeft:     daysUntil(now, leaf.NotAfter),
		DaysToRenew:  daysUntil(now, leaf.NotAfter.Add(-renewWindow)),
		LifetimeDays: int(life.Hours() / 24),
	}
	switch {
	case le || r.ShortLived:
		who := "This short-lived certificate"
		if le {
			who = "This Let's Encrypt certificate"
		}
		r.Advice = fmt.Sprintf("%s will be replaced at renewal, expected around %s (30 days before it expires on %s); its SHA-1 changes then even if the key is reused, and a sketch pinned to it stops connecting. Pin the CA instead (trust anchors, Blynk 1.x default), or plan to update the fingerprint by %s.",
			who, r.RenewBy.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly), r.RenewBy.Format(time.DateOnly))
	default:
		r.Advice = fmt.Sprintf("The fingerprint stays valid until the certificate is replaced; it expires on %s (%d days). Update the sketch when you renew it.",
			leaf.NotAfter.Format(time.DateOnly), r.DaysLeft)
	}
	return r
}

func isLetsEncrypt(c *x509.Certificate) bool {
	for _, o := range c.Issuer.Organization {
		if strings.Contains(o, "Let's Encrypt") {
			return true
		}
	}
	return false
}

// daysUntil counts whole days from now to t (negative once t is past).
func daysUntil(now, t time.Time) int {
	d := t.Sub(now)
	days := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days--
	}
	return days
}
