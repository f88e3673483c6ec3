package relay

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// PinKind is what a Pin is a digest of.
type PinKind int

const (
	PinSHA1   PinKind = iota + 1 // SHA-1 of the leaf certificate (what an ESP8266 pins)
	PinSHA256                    // SHA-256 of the leaf certificate
	PinSPKI                      // SHA-256 of the leaf's SubjectPublicKeyInfo (survives renewals that keep the key)
)

func (k PinKind) String() string {
	switch k {
	case PinSHA1:
		return "SHA-1"
	case PinSHA256:
		return "SHA-256"
	case PinSPKI:
		return "SPKI SHA-256"
	}
	return "none"
}

// Pin is a pinned server certificate or key.
type Pin struct {
	Kind  PinKind
	Bytes []byte
}

// IsZero reports an empty pin.
func (p Pin) IsZero() bool { return p.Kind == 0 }

// String shows the pin in the form it was given (hex pairs, or sha256/base64).
func (p Pin) String() string {
	if p.Kind == PinSPKI {
		return "sha256/" + base64.StdEncoding.EncodeToString(p.Bytes)
	}
	return certs.Fingerprint{Alg: p.hash(), Bytes: p.Bytes}.ESP8266()
}

func (p Pin) hash() certs.Hash {
	if p.Kind == PinSHA1 {
		return certs.SHA1
	}
	return certs.SHA256
}

// ParsePin reads --fingerprint: a SHA-1 or SHA-256 certificate fingerprint
// in any form certs.ParseFingerprint takes (which reports invisible and
// look-alike characters instead of silently dropping them), or an SPKI pin
// "sha256/BASE64" (curl's "sha256//BASE64" too).
func ParsePin(s string) (Pin, error) {
	t := strings.TrimSpace(s)
	low := strings.ToLower(t)
	if strings.HasPrefix(low, "sha256/") {
		// A pin is base64 and may itself begin with '/' (1 in 64): take
		// curl's extra '/' off only while the rest is longer than a pin.
		b64 := t[len("sha256/"):]
		for len(b64) > base64.StdEncoding.EncodedLen(sha256.Size) && b64[0] == '/' {
			b64 = b64[1:]
		}
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(b) != sha256.Size {
			return Pin{}, bberr.New(bberr.BadInput,
				"an SPKI pin is sha256/ followed by 44 base64 characters (blynkbridge cert fingerprint HOST:PORT prints it)",
				"--fingerprint %q is not a valid SPKI pin", s)
		}
		return Pin{Kind: PinSPKI, Bytes: b}, nil
	}
	fp, err := certs.ParseFingerprint(t)
	if err != nil {
		// certs' errors carry their own exit code and hint.
		return Pin{}, bberr.Wrap(err, bberr.CodeOf(err), bberr.HintOf(err), "--fingerprint")
	}
	k := PinSHA1
	if fp.Alg == certs.SHA256 {
		k = PinSHA256
	}
	return Pin{Kind: k, Bytes: fp.Bytes}, nil
}

// digest computes the pin's kind of digest for a DER certificate.
func (p Pin) digest(der []byte) ([]byte, error) {
	switch p.Kind {
	case PinSHA1:
		d := sha1.Sum(der)
		return d[:], nil
	case PinSHA256:
		d := sha256.Sum256(der)
		return d[:], nil
	case PinSPKI:
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		d := sha256.Sum256(c.RawSubjectPublicKeyInfo)
		return d[:], nil
	}
	return nil, errors.New("no pin")
}

// PinMismatchError is the handshake failure when the server's leaf does not
// match --fingerprint. It names what the server presented (public data),
// so the user can compare.
type PinMismatchError struct {
	Want Pin
	Got  Pin
}

func (e *PinMismatchError) Error() string {
	return fmt.Sprintf("server certificate does not match --fingerprint: pinned %s %s, server has %s",
		e.Want.Kind, e.Want, e.Got)
}

// verifyPin is the VerifyPeerCertificate for TLSPinned: only the leaf is
// compared, in constant time.
func verifyPin(want Pin) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("server sent no certificate")
		}
		got, err := want.digest(raw[0])
		if err != nil {
			return err
		}
		if len(got) != len(want.Bytes) || subtle.ConstantTimeCompare(got, want.Bytes) != 1 {
			return &PinMismatchError{Want: want, Got: Pin{Kind: want.Kind, Bytes: got}}
		}
		return nil
	}
}

// tlsConfig builds the client configuration for host (SNI and name check
// from the host name; an IP literal is checked against IP SANs and sends no
// SNI, as crypto/tls does).
func tlsConfig(o *Options, host string) (*tls.Config, error) {
	c := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	switch o.TLS {
	case TLSVerify:
		if o.CA != nil {
			// Given: it must hold PEM certificates. An empty or DER file
			// never silently means "the system's CAs".
			list, err := certs.ReadCertificates(o.CA)
			if err != nil || len(list) == 0 || !bytes.Contains(o.CA, []byte("-----BEGIN CERTIFICATE-----")) {
				what := "holds no PEM certificate"
				if len(bytes.TrimSpace(o.CA)) == 0 {
					what = "is empty"
				}
				return nil, bberr.New(bberr.BadInput, "give a PEM file with the server's CA certificate (-----BEGIN CERTIFICATE-----); blynkbridge cert new writes one", "--ca %s", what)
			}
			c.RootCAs = certs.Pool(list)
		}
	case TLSPinned:
		if o.Pin.IsZero() {
			return nil, bberr.New(bberr.Usage, "pass --fingerprint", "pinned TLS without a fingerprint")
		}
		// The chain is not verified: the pin is the trust decision.
		c.InsecureSkipVerify = true
		c.VerifyPeerCertificate = verifyPin(o.Pin)
	case TLSInsecure:
		c.InsecureSkipVerify = true
	}
	if net.ParseIP(host) != nil && o.TLS != TLSVerify {
		c.ServerName = "" // no SNI for an address
	}
	return c, nil
}

// classifyDialErr turns a connect/handshake failure into a *bberr.Error and
// reports whether retrying cannot help without a configuration change
// (certificate verification).
func classifyDialErr(addr string, err error) (*bberr.Error, bool) {
	var pm *PinMismatchError
	if errors.As(err, &pm) {
		return bberr.Wrap(err, bberr.Network,
			"if the server's certificate changed on purpose, pin the new one (blynkbridge cert fingerprint "+addr+")",
			"TLS to %s refused", addr), true
	}
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	var ce x509.CertificateInvalidError
	var ve *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ue), errors.As(err, &he), errors.As(err, &ce), errors.As(err, &ve):
		return bberr.Wrap(err, bberr.Network,
			"pass --ca with the server's CA, or pin it with --fingerprint (blynkbridge cert fingerprint "+addr+" shows the chain)",
			"TLS to %s: certificate not trusted", addr), true
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		return bberr.Wrap(err, bberr.Network,
			"the port does not speak TLS: use the server's TLS port (443, 9443), or --no-tls for a plain port (80, 8080, 8442)",
			"TLS to %s failed", addr), true
	}
	return bberr.Wrap(err, bberr.Network, "check that the server runs and the address is right; the relay keeps retrying",
		"cannot reach %s", addr), false
}
