package reports

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func testKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// signedBundle writes the full report with every format and the
// screenshots into a fresh directory, signed with key.
func signedBundle(t *testing.T, key ed25519.PrivateKey) string {
	t.Helper()
	dir := t.TempDir()
	if err := Write(dir, fullReport(), Options{Formats: Formats, SignKey: key}, fullArtifacts(t)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestVerifyBundle(t *testing.T) {
	key := testKey(t)
	pub := key.Public().(ed25519.PublicKey)
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	otherPub := otherKey.Public().(ed25519.PublicKey)

	for _, tc := range []struct {
		name    string
		tamper  func(t *testing.T, dir string)
		pub     ed25519.PublicKey
		ok      bool
		changed []string
		added   []string
		missing []string
		sig     string
	}{
		{name: "intact", pub: pub, ok: true, sig: SignatureValid},
		{name: "intact, no key given", ok: true, sig: SignatureNotChecked},
		{name: "one byte changed", pub: pub, changed: []string{"screenshots/reject-after.png"}, sig: SignatureValid,
			tamper: func(t *testing.T, dir string) { flipByte(t, filepath.Join(dir, "screenshots/reject-after.png"), 40) }},
		{name: "report.json changed", pub: pub, changed: []string{"report.json"}, sig: SignatureValid,
			tamper: func(t *testing.T, dir string) { flipByte(t, filepath.Join(dir, "report.json"), 100) }},
		{name: "file added", pub: pub, added: []string{"screenshots/extra.png"}, sig: SignatureValid,
			tamper: func(t *testing.T, dir string) { write(t, filepath.Join(dir, "screenshots/extra.png"), "x") }},
		{name: "file removed", pub: pub, missing: []string{"junit.xml"}, sig: SignatureValid,
			tamper: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "junit.xml")) }},
		{name: "manifest edited to match a changed file", pub: pub, sig: SignatureInvalid,
			tamper: func(t *testing.T, dir string) {
				flipByte(t, filepath.Join(dir, "report.md"), 10)
				sums, err := HashTree(dir)
				if err != nil {
					t.Fatal(err)
				}
				if err := WriteManifest(dir, sums); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "signature changed", pub: pub, sig: SignatureInvalid,
			tamper: func(t *testing.T, dir string) { flipByte(t, filepath.Join(dir, SignatureName), 3) }},
		{name: "signature removed", pub: pub, sig: SignatureMissing,
			tamper: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, SignatureName)) }},
		{name: "another key", pub: otherPub, sig: SignatureInvalid},
		{name: "symbolic link added", pub: pub, added: []string{"evil (not a regular file)"}, sig: SignatureValid,
			tamper: func(t *testing.T, dir string) {
				if err := os.Symlink("/etc/hostname", filepath.Join(dir, "evil")); err != nil {
					t.Skip(err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := signedBundle(t, key)
			if tc.tamper != nil {
				tc.tamper(t, dir)
			}
			v, err := VerifyBundle(dir, tc.pub)
			if err != nil {
				t.Fatal(err)
			}
			if v.OK() != (tc.ok) || v.Signature != tc.sig || !slices.Equal(v.Changed, tc.changed) || !slices.Equal(v.Added, tc.added) || !slices.Equal(v.Missing, tc.missing) {
				t.Errorf("got ok=%v sig=%s changed=%v added=%v missing=%v; want ok=%v sig=%s changed=%v added=%v missing=%v",
					v.OK(), v.Signature, v.Changed, v.Added, v.Missing, tc.ok, tc.sig, tc.changed, tc.added, tc.missing)
			}
		})
	}
}

func TestVerifyBundleErrors(t *testing.T) {
	if _, err := VerifyBundle(filepath.Join(t.TempDir(), "none"), nil); err == nil {
		t.Error("a missing directory verified")
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "report.json"), "{}")
	if _, err := VerifyBundle(dir, nil); err == nil || !strings.Contains(err.Error(), ManifestName) {
		t.Errorf("a bundle without manifest: %v", err)
	}
	write(t, filepath.Join(dir, ManifestName), "not a manifest\n")
	if _, err := VerifyBundle(dir, nil); err == nil {
		t.Error("a malformed manifest verified")
	}
}

func TestUnsignedRewriteRemovesStaleSignature(t *testing.T) {
	dir := signedBundle(t, testKey(t))
	if err := Write(dir, fullReport(), Options{Force: true}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, SignatureName)); !os.IsNotExist(err) {
		t.Errorf("a stale signature was left behind: %v", err)
	}
}

func TestKeys(t *testing.T) {
	key := testKey(t)
	priv, pub, err := MarshalKeyPair(key)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := ParsePrivateKey(priv)
	if err != nil || !k2.Equal(key) {
		t.Fatalf("private key round trip: %v", err)
	}
	p2, err := ParsePublicKey(pub)
	if err != nil || !p2.Equal(key.Public()) {
		t.Fatalf("public key round trip: %v", err)
	}
	for name, bad := range map[string][]byte{"empty": nil, "public as private": pub, "garbage": []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")} {
		if _, err := ParsePrivateKey(bad); err == nil {
			t.Errorf("ParsePrivateKey(%s) accepted", name)
		}
	}
	if _, err := ParsePublicKey(priv); err == nil {
		t.Error("ParsePublicKey accepted a private key")
	}
}

// TestOpenSSLInterop checks that keys made by openssl sign bundles and
// that openssl verifies vigie's signature: the README documents both.
func TestOpenSSLInterop(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	keyFile, pubFile := filepath.Join(dir, "vigie.key"), filepath.Join(dir, "vigie.pub")
	if out, err := exec.Command(openssl, "genpkey", "-algorithm", "ed25519", "-out", keyFile).CombinedOutput(); err != nil {
		t.Skipf("this openssl cannot make Ed25519 keys: %v %s", err, out)
	}
	if out, err := exec.Command(openssl, "pkey", "-in", keyFile, "-pubout", "-out", pubFile).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	pem, _ := os.ReadFile(keyFile)
	key, err := ParsePrivateKey(pem)
	if err != nil {
		t.Fatalf("an openssl key is refused: %v", err)
	}
	bundle := signedBundle(t, key)
	pubPEM, _ := os.ReadFile(pubFile)
	pub, err := ParsePublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := VerifyBundle(bundle, pub); err != nil || !v.OK() || v.Signature != SignatureValid {
		t.Fatalf("verify with the openssl public key: %+v %v", v, err)
	}
	cmd := exec.Command(openssl, "pkeyutl", "-verify", "-pubin", "-inkey", pubFile, "-rawin",
		"-in", filepath.Join(bundle, ManifestName), "-sigfile", filepath.Join(bundle, SignatureName))
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("Success")) {
		t.Errorf("openssl does not verify vigie's signature: %v %s", err, out)
	}
}

func flipByte(t *testing.T, p string, at int) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[at%len(b)] ^= 0x01
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
