// Package trustcert loads the certificates a user trusts in addition to the
// system's roots (--trust-cert: a staging CA, a TLS-inspecting proxy's CA,
// the test lab's CA). Every loader of vigie that verifies TLS uses it, so
// that a file is accepted or refused the same way everywhere: a file that
// holds no certificate is an error, never silently nothing.
package trustcert

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// ErrNoCertificate is wrapped by the error for a file that holds no PEM
// certificate (an empty file, a key, a DER file).
var ErrNoCertificate = errors.New("no PEM certificate in it")

// Load returns the certificates of the PEM files, in file order. Blocks
// other than CERTIFICATE (a key next to it) are skipped; a file without a
// certificate, or with one that does not parse, is an error naming it.
func Load(files []string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--trust-cert: %w", err)
		}
		n := 0
		for {
			var blk *pem.Block
			blk, data = pem.Decode(data)
			if blk == nil {
				break
			}
			if blk.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("--trust-cert %s: %w", f, err)
			}
			out = append(out, c)
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("--trust-cert %s: %w", f, ErrNoCertificate)
		}
	}
	return out, nil
}

// Pool returns the system's roots plus the certificates of the files, for
// a tls.Config's RootCAs; nil (the system's roots) when no file is given.
func Pool(files []string) (*x509.CertPool, error) {
	if len(files) == 0 {
		return nil, nil
	}
	certs, err := Load(files)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
