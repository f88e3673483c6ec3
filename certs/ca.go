package certs

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// KeyBits is the RSA key size for every key we make.
//
// Why RSA 2048: the ESP8266's axTLS (core <= 2.4, Blynk library 0.4-0.6)
// speaks only RSA key exchange and RSA certificates - an ECDSA server
// certificate cannot be used by it at all - and handles RSA up to 4096 bits,
// but every doubling of the modulus costs the 80 MHz CPU roughly 4-8x in the
// handshake. BearSSL handles both; 2048 works with every client and stays
// within the acceptable-strength floor of current browsers and Java.
const KeyBits = 2048

// backdate moves NotBefore into the past so a board or phone whose clock is
// a little behind still accepts a certificate made a moment ago.
const backdate = time.Hour

// CA is a local certificate authority for a LAN Blynk server.
type CA struct {
	CertPEM []byte // the CA certificate, PEM
	KeyPEM  []byte // its private key, PKCS#8 PEM ("BEGIN PRIVATE KEY")
	Cert    *x509.Certificate
	key     crypto.Signer
}

// Issued is a server certificate and its key.
type Issued struct {
	// CertPEM is the leaf followed by the CA certificate: what
	// blynk-server's server.ssl.cert (and nginx, mosquitto...) expects.
	CertPEM []byte
	// KeyPEM is the unencrypted PKCS#8 key ("BEGIN PRIVATE KEY"), which
	// blynk-server (Netty) reads with server.ssl.key.pass left empty.
	KeyPEM []byte
	Cert   *x509.Certificate // the leaf
	TLS    tls.Certificate   // leaf + CA chain and key, ready for tls.Config
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// generateKey makes every new key; unit tests swap in pre-made keys
// because RSA generation is slow.
var generateKey = func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, KeyBits) }

func newKey() (*rsa.PrivateKey, []byte, error) {
	k, err := generateKey()
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, nil, err
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// NewCA makes a self-signed CA certificate with a new RSA key.
func NewCA(commonName string, validFor time.Duration) (*CA, error) {
	if validFor <= 0 {
		return nil, bberr.New(bberr.Usage, "give a positive validity, e.g. --days 3650", "CA validity %s is not positive", validFor)
	}
	k, keyPEM, err := newKey()
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"blynkbridge local CA"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(validFor),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true, // it signs server certificates only, never other CAs
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{CertPEM: certPEM(der), KeyPEM: keyPEM, Cert: c, key: k}, nil
}

// LoadCA reads a CA made by NewCA (or any CA certificate with a PKCS#8,
// PKCS#1 or EC key) back from PEM.
func LoadCA(certPEMBytes, keyPEMBytes []byte) (*CA, error) {
	cb, _ := pem.Decode(certPEMBytes)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, bberr.New(bberr.BadInput, "give the ca.crt written by `blynkbridge cert new`", "CA certificate file holds no PEM CERTIFICATE")
	}
	c, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, bberr.Wrap(err, bberr.BadInput, "", "CA certificate")
	}
	if !c.IsCA {
		return nil, bberr.New(bberr.BadInput, "give the CA certificate (ca.crt), not a server certificate", "certificate %q is not a CA", c.Subject.CommonName)
	}
	kb, _ := pem.Decode(keyPEMBytes)
	if kb == nil {
		return nil, bberr.New(bberr.BadInput, "give the ca.key written by `blynkbridge cert new`", "CA key file holds no PEM block")
	}
	var key any
	switch kb.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(kb.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(kb.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(kb.Bytes)
	default:
		err = fmt.Errorf("PEM type %q (encrypted keys are not supported: decrypt it with openssl pkcs8 first)", kb.Type)
	}
	if err != nil {
		return nil, bberr.Wrap(err, bberr.BadInput, "", "CA key")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, bberr.New(bberr.BadInput, "", "CA key of type %T cannot sign", key)
	}
	if !publicKeysEqual(signer.Public(), c.PublicKey) {
		return nil, bberr.New(bberr.BadInput, "ca.key and ca.crt must come from the same `cert new` run", "CA key does not match the CA certificate")
	}
	return &CA{CertPEM: certPEM(c.Raw), KeyPEM: keyPEMBytes, Cert: c, key: signer}, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// IssueServer makes a server certificate for the given names. See
// IssueRequest for how names are placed; this is Issue with IPsAsDNS off.
func (ca *CA) IssueServer(dnsNames []string, ips []net.IP, validFor time.Duration) (*Issued, error) {
	return ca.Issue(IssueRequest{DNSNames: dnsNames, IPs: ips, ValidFor: validFor})
}

// IssueRequest says what a server certificate is for.
type IssueRequest struct {
	DNSNames []string
	IPs      []net.IP
	ValidFor time.Duration
	// IPsAsDNS also writes each IP as a dNSName SAN. Standard clients
	// ignore that (they match IPs against IP SANs only), but axTLS's
	// verify(fp, "192.168.1.10") and BearSSL's name check compare the
	// connect string with dNSName SANs and the CN only, so a sketch that
	// connects by an IP string passes only this way.
	IPsAsDNS bool
}

// Issue makes a server certificate signed by ca with a new RSA key. The
// subject CN is the first DNS name, else the first IP (axTLS also matches
// the CN). Key usage suits RSA key exchange (axTLS) and ECDHE (BearSSL).
func (ca *CA) Issue(req IssueRequest) (*Issued, error) {
	if len(req.DNSNames) == 0 && len(req.IPs) == 0 {
		return nil, bberr.New(bberr.Usage, "give at least one --ip or --dns: the address the board connects to", "no names for the server certificate")
	}
	if req.ValidFor <= 0 {
		return nil, bberr.New(bberr.Usage, "give a positive validity, e.g. --days 825", "validity %s is not positive", req.ValidFor)
	}
	for _, ip := range req.IPs {
		if ip == nil || (ip.To4() == nil && len(ip) != net.IPv6len) {
			return nil, bberr.New(bberr.Usage, "give IP addresses like 192.168.1.10", "invalid IP address %v", ip)
		}
	}
	dns := append([]string(nil), req.DNSNames...)
	if req.IPsAsDNS {
		for _, ip := range req.IPs {
			dns = append(dns, ip.String())
		}
	}
	cn := ""
	if len(req.DNSNames) > 0 {
		cn = req.DNSNames[0]
	} else {
		cn = req.IPs[0].String()
	}
	now := time.Now()
	notAfter := now.Add(req.ValidFor)
	if notAfter.After(ca.Cert.NotAfter) {
		// A leaf outliving its CA fails chain checks on the day the CA
		// expires; better to say so now than be surprised then.
		return nil, bberr.New(bberr.Usage, "make a new CA (omit --ca-dir) or ask for fewer --days",
			"server certificate would expire %s, after its CA (%s)", notAfter.Format(time.DateOnly), ca.Cert.NotAfter.Format(time.DateOnly))
	}
	k, keyPEM, err := newKey()
	if err != nil {
		return nil, fmt.Errorf("generate server key: %w", err)
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"blynkbridge local server"}},
		NotBefore:    now.Add(-backdate),
		NotAfter:     notAfter,
		// KeyEncipherment: axTLS uses RSA key exchange, where the client
		// encrypts the premaster secret with this key.
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           req.IPs,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &k.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("create server certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	chain := append(certPEM(der), ca.CertPEM...)
	tc, err := tls.X509KeyPair(chain, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("server key pair: %w", err)
	}
	tc.Leaf = leaf
	return &Issued{CertPEM: chain, KeyPEM: keyPEM, Cert: leaf, TLS: tc}, nil
}

// ReadCertificates returns every CERTIFICATE block of a PEM file, in order.
func ReadCertificates(pemBytes []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := bytes.TrimSpace(pemBytes)
	for len(rest) > 0 {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, bberr.Wrap(err, bberr.BadInput, "", "certificate %d", len(out)+1)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, bberr.New(bberr.BadInput, "give a PEM file with -----BEGIN CERTIFICATE-----", "no certificate found")
	}
	return out, nil
}

// Pool makes a certificate pool of list, e.g. to verify against a local CA.
func Pool(list []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range list {
		p.AddCert(c)
	}
	return p
}
