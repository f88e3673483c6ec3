package blynktest

import (
	"crypto/x509"
	"net"
	"time"

	"github.com/blynkbridge/blynkbridge/certs"
)

// NewCert issues a server certificate for dnsNames and ips from a fresh local
// CA (certs.NewCA), valid for a year. The subject CN is the first DNS name,
// which is what axTLS's name check also consults.
func NewCert(dnsNames []string, ips []net.IP) (*certs.Issued, error) {
	ca, err := certs.NewCA("blynkbridge test CA", 2*365*24*time.Hour)
	if err != nil {
		return nil, err
	}
	return ca.IssueServer(dnsNames, ips, 365*24*time.Hour)
}

// Leaf returns the server's leaf certificate, or nil for plain TCP.
func (s *Server) Leaf() *x509.Certificate {
	if s.opts.TLS == nil || len(s.opts.TLS.Certificate) == 0 {
		return nil
	}
	if s.opts.TLS.Leaf != nil {
		return s.opts.TLS.Leaf
	}
	c, err := x509.ParseCertificate(s.opts.TLS.Certificate[0])
	if err != nil {
		return nil
	}
	return c
}

// Fingerprint is the leaf's SHA-1 in the ESP8266 form ("AA BB …"), what a
// sketch pins; "" for plain TCP.
func (s *Server) Fingerprint() string {
	l := s.Leaf()
	if l == nil {
		return ""
	}
	return certs.SHA1Of(l).ESP8266()
}
