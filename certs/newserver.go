package certs

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"path/filepath"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// Defaults for NewServerFiles.
const (
	// DefaultServerDays: 825 days is the longest server-certificate life
	// Apple platforms accept, and long enough that a sketch pinned to the
	// fingerprint need not be reflashed often.
	DefaultServerDays = 825
	DefaultCADays     = 3650
	DefaultCAName     = "blynkbridge local CA"
)

// NewServerOptions describes a `cert new` run.
type NewServerOptions struct {
	Dir      string   // where to write; created if missing
	CADir    string   // reuse ca.crt + ca.key from here; "" = make a new CA in Dir
	CAName   string   // CN of a new CA; "" = DefaultCAName
	DNSNames []string //
	IPs      []net.IP //
	Days     int      // server certificate life; 0 = DefaultServerDays
	CADays   int      // new CA life; 0 = DefaultCADays
	IPsAsDNS bool     // see IssueRequest.IPsAsDNS
	Force    bool     // replace existing files
}

// NewServerResult is what NewServerFiles made.
type NewServerResult struct {
	CA       *CA
	CAReused bool
	Server   *Issued
	Files    []string // paths written, in order
}

// NewServerFiles makes (or reuses) a CA, issues a server certificate, and
// writes ca.crt/ca.key (new CA only) and server.crt/server.key into Dir.
func NewServerFiles(o NewServerOptions) (*NewServerResult, error) {
	if o.Dir == "" {
		return nil, bberr.New(bberr.Usage, "give --out DIR", "no output directory")
	}
	days, caDays := o.Days, o.CADays
	if days == 0 {
		days = DefaultServerDays
	}
	if caDays == 0 {
		caDays = DefaultCADays
	}
	if days < 0 || caDays < 0 {
		return nil, bberr.New(bberr.Usage, "give a positive number of days", "negative validity")
	}
	// Refuse before generating keys, which takes a while on small machines.
	names := []string{ServerCertFile, ServerKeyFile}
	if o.CADir == "" {
		names = append(names, CACertFile, CAKeyFile)
	}
	if err := CheckTargets(o.Dir, names, o.Force); err != nil {
		return nil, err
	}
	res := &NewServerResult{}
	var files []File
	if o.CADir != "" {
		cb, err := readCAFile(o.CADir, CACertFile)
		if err != nil {
			return nil, err
		}
		kb, err := readCAFile(o.CADir, CAKeyFile)
		if err != nil {
			return nil, err
		}
		ca, err := LoadCA(cb, kb)
		if err != nil {
			return nil, err
		}
		res.CA, res.CAReused = ca, true
	} else {
		name := o.CAName
		if name == "" {
			name = DefaultCAName
		}
		ca, err := NewCA(name, time.Duration(caDays)*24*time.Hour)
		if err != nil {
			return nil, err
		}
		res.CA = ca
		files = append(files,
			File{Name: CACertFile, Data: ca.CertPEM, Mode: 0o644},
			File{Name: CAKeyFile, Data: ca.KeyPEM, Mode: 0o600})
	}
	srv, err := res.CA.Issue(IssueRequest{DNSNames: o.DNSNames, IPs: o.IPs, IPsAsDNS: o.IPsAsDNS,
		ValidFor: time.Duration(days) * 24 * time.Hour})
	if err != nil {
		return nil, err
	}
	res.Server = srv
	files = append(files,
		File{Name: ServerCertFile, Data: srv.CertPEM, Mode: 0o644},
		File{Name: ServerKeyFile, Data: srv.KeyPEM, Mode: 0o600})
	if err := WriteFiles(o.Dir, files, o.Force); err != nil {
		return nil, err
	}
	for _, f := range files {
		res.Files = append(res.Files, filepath.Join(o.Dir, f.Name))
	}
	return res, nil
}

// readCAFile reads one file of a --ca-dir (a regular file of at most
// 1 MiB, by safeio), keeping its own hint for a missing one.
func readCAFile(dir, name string) ([]byte, error) {
	path := filepath.Join(dir, name)
	b, err := safeio.ReadFile(context.Background(), path, safeio.Cert)
	if err != nil && errors.Is(err, fs.ErrNotExist) {
		return nil, bberr.Wrap(err, bberr.BadInput, "--ca-dir must be a directory written by `blynkbridge cert new` (holding ca.crt and ca.key)", "cannot read %s", path)
	}
	return b, err
}
