package reports

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// SignatureName is the name of the manifest's detached signature: the 64
// raw bytes of an Ed25519 signature of MANIFEST.sha256, so that
// `openssl pkeyutl -verify -rawin` checks it too.
const SignatureName = ManifestName + ".sig"

// maxKeySize bounds a key file.
const maxKeySize = 64 << 10

// ParsePrivateKey reads an Ed25519 private key in PEM-encoded PKCS#8, as
// `openssl genpkey -algorithm ed25519` writes it.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	der, err := pemBlock(data, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key: %T, want an Ed25519 key", k)
	}
	return ek, nil
}

// ParsePublicKey reads an Ed25519 public key in PEM-encoded PKIX
// (SubjectPublicKeyInfo), as `openssl pkey -pubout` writes it.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	der, err := pemBlock(data, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key: %T, want an Ed25519 key", k)
	}
	return ek, nil
}

// MarshalKeyPair encodes key as PEM PKCS#8 and its public half as PEM PKIX.
func MarshalKeyPair(key ed25519.PrivateKey) (private, public []byte, err error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("private key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, nil, fmt.Errorf("public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), nil
}

func pemBlock(data []byte, want string) ([]byte, error) {
	if len(data) > maxKeySize {
		return nil, fmt.Errorf("key file larger than %d bytes", maxKeySize)
	}
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, fmt.Errorf("no PEM %q block found", want)
		}
		if b.Type == want {
			return b.Bytes, nil
		}
	}
}

// SignManifest writes MANIFEST.sha256.sig in dir: the Ed25519 signature of
// the manifest's bytes.
func SignManifest(dir string, key ed25519.PrivateKey) error {
	m, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return fmt.Errorf("sign bundle: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, SignatureName), ed25519.Sign(key, m), 0o644); err != nil {
		return fmt.Errorf("sign bundle: %w", err)
	}
	return nil
}

// Signature states reported by VerifyBundle.
const (
	SignatureValid      = "valid"       // the signature matches the manifest and the key
	SignatureInvalid    = "invalid"     // it does not: the manifest or the signature changed, or another key signed
	SignatureMissing    = "missing"     // a key was given but the bundle has no signature
	SignatureNotChecked = "not-checked" // the bundle is signed but no key was given
	SignatureNone       = "none"        // neither signature nor key
)

// Verification is the outcome of checking a bundle against its manifest.
type Verification struct {
	// Changed lists the files whose hash differs from the manifest's.
	Changed []string
	// Added lists the files (or links, devices …) the manifest does not list.
	Added []string
	// Missing lists the files the manifest lists that are gone.
	Missing []string
	// Signature is valid, invalid, missing, not-checked or none.
	Signature string
	// Files counts the files the manifest lists.
	Files int
}

// OK reports whether the bundle is intact: every file as listed, nothing
// added or missing, and a valid signature when a key was given.
func (v *Verification) OK() bool {
	return len(v.Changed) == 0 && len(v.Added) == 0 && len(v.Missing) == 0 &&
		v.Signature != SignatureInvalid && v.Signature != SignatureMissing
}

// VerifyBundle checks every file of the bundle in dir against its
// MANIFEST.sha256 and, when pub is not nil, the manifest's signature. It
// returns an error when the bundle cannot be read at all (no directory, no
// or malformed manifest); the files themselves are only hashed, never
// interpreted, and paths from the manifest are never opened.
func VerifyBundle(dir string, pub ed25519.PublicKey) (*Verification, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("verify: %s is not a directory", dir)
	}
	manifest, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	listed, err := ReadManifest(bytes.NewReader(manifest))
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", ManifestName, err)
	}
	actual, err := HashTree(dir)
	if err != nil {
		return nil, err
	}
	v := &Verification{Files: len(listed)}
	for p, sum := range listed {
		got, ok := actual[p]
		switch {
		case !ok:
			v.Missing = append(v.Missing, p)
		case got != sum:
			v.Changed = append(v.Changed, p)
		}
	}
	for p := range actual {
		if _, ok := listed[p]; !ok {
			v.Added = append(v.Added, p)
		}
	}
	odd, err := irregularFiles(dir)
	if err != nil {
		return nil, err
	}
	v.Added = append(v.Added, odd...)
	slices.Sort(v.Changed)
	slices.Sort(v.Added)
	slices.Sort(v.Missing)

	sig, err := os.ReadFile(filepath.Join(dir, SignatureName))
	hasSig := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("verify: %w", err)
	}
	switch {
	case pub == nil && hasSig:
		v.Signature = SignatureNotChecked
	case pub == nil:
		v.Signature = SignatureNone
	case !hasSig:
		v.Signature = SignatureMissing
	case len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, manifest, sig):
		v.Signature = SignatureValid
	default:
		v.Signature = SignatureInvalid
	}
	return v, nil
}

// irregularFiles lists what is neither a directory nor a regular file
// (symbolic links, devices, sockets): a bundle holds none, and HashTree
// does not follow them.
func irregularFiles(dir string) ([]string, error) {
	var odd []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		odd = append(odd, filepath.ToSlash(rel)+" (not a regular file)")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", dir, err)
	}
	return odd, nil
}
