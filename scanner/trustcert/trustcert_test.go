package trustcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned returns a PEM certificate named cn.
func selfSigned(t *testing.T, cn string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	a, b := selfSigned(t, "CA A"), selfSigned(t, "CA B")
	key := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte("not read")})
	tests := []struct {
		name    string
		files   [][]byte
		want    []string // subjects' common names
		wantErr string   // in the error; "" for none
		noCert  bool     // the error wraps ErrNoCertificate
	}{
		{"none", nil, nil, "", false},
		{"one", [][]byte{a}, []string{"CA A"}, "", false},
		{"two in one file, a key skipped", [][]byte{append(append(a, key...), b...)}, []string{"CA A", "CA B"}, "", false},
		{"two files", [][]byte{a, b}, []string{"CA A", "CA B"}, "", false},
		{"empty file", [][]byte{{}}, nil, "no PEM certificate in it", true},
		{"text", [][]byte{[]byte("not a certificate")}, nil, "no PEM certificate in it", true},
		{"a key only", [][]byte{key}, nil, "no PEM certificate in it", true},
		{"one good file, one without a certificate", [][]byte{a, key}, nil, "no PEM certificate in it", true},
		{"a block that does not parse", [][]byte{pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}})}, nil, "x509", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []string
			for i, data := range tt.files {
				files = append(files, write(t, string(rune('a'+i))+".pem", data))
			}
			certs, err := Load(files)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "--trust-cert "+files[len(files)-1]) {
					t.Fatalf("error %v, want one naming the file and saying %q", err, tt.wantErr)
				}
				if errors.Is(err, ErrNoCertificate) != tt.noCert {
					t.Errorf("errors.Is(err, ErrNoCertificate) = %v", !tt.noCert)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range certs {
				got = append(got, c.Subject.CommonName)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := Load([]string{filepath.Join(t.TempDir(), "missing.pem")}); err == nil || !strings.HasPrefix(err.Error(), "--trust-cert: ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestPool(t *testing.T) {
	if p, err := Pool(nil); p != nil || err != nil {
		t.Errorf("no file: %v, %v; want nil, nil (the system's roots)", p, err)
	}
	ca := selfSigned(t, "Lab CA")
	p, err := Pool([]string{write(t, "ca.pem", ca)})
	if err != nil || p == nil {
		t.Fatalf("Pool: %v", err)
	}
	blk, _ := pem.Decode(ca)
	c, _ := x509.ParseCertificate(blk.Bytes)
	if _, err := c.Verify(x509.VerifyOptions{Roots: p}); err != nil {
		t.Errorf("the pool does not trust its certificate: %v", err)
	}
	if _, err := Pool([]string{write(t, "empty.pem", nil)}); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("empty file: %v, want ErrNoCertificate", err)
	}
}
