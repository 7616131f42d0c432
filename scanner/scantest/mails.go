package scantest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// The lab's mails, in scantest/mails: the founding case's and the clean
// town's, and messages in the header shapes of the email service providers
// vigie recognises, modelled on their documented formats. Every address,
// host and IP in them is the lab's or reserved (example.net, RFC 5737 and
// RFC 3849 ranges); provider host names are the providers' real ones, which
// the lab's DNS does not serve: a scan of these mails reaches nothing.
const (
	// MailFounding is the founding case's account-confirmation mail: "Ville
	// de Ville-Exemple" on the vendor's address, relayed by Mandrill, bounces
	// on track.participation-vendor.com, a click-tracked confirmation link
	// (destination encoded in the link), an open pixel, and the recipient's
	// name beside a personal participation code.
	MailFounding = "founding.eml"
	// MailClean is the clean town's mail: its own domain and servers, a
	// DKIM signature that verifies against the lab zone's key (selector
	// CleanDKIMSelector), SPF/DKIM/DMARC pass, no tracking, no code.
	MailClean = "clean.eml"
	// MailMbox holds three messages, the second of them malformed.
	MailMbox = "several.mbox"
)

// MailProviderShapes maps each provider shape's fixture to the catalogue
// key of the provider it shows; proton.eml is a ProtonMail message whose
// X-Pm-Message-Id header must not be taken for Postmark's.
var MailProviderShapes = map[string]string{
	"sendgrid.eml":  "sendgrid",
	"mailgun.eml":   "mailgun",
	"ses.eml":       "amazon-ses",
	"brevo.eml":     "brevo",
	"mailjet.eml":   "mailjet",
	"postmark.eml":  "postmark",
	"sparkpost.eml": "sparkpost",
	"m365.eml":      "microsoft-365",
	"google.eml":    "google-workspace",
	"mailchimp.eml": "mailchimp",
	"proton.eml":    "proton",
}

//go:embed mails
var mails embed.FS

// Mails returns the names of the lab's mail fixtures, sorted.
func Mails() []string {
	entries, _ := fs.ReadDir(mails, "mails") // embedded: cannot fail
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

// MailFixture returns the content of the lab mail fixture name (one of
// Mails()).
func MailFixture(name string) ([]byte, error) {
	b, err := mails.ReadFile("mails/" + name)
	if err != nil {
		return nil, fmt.Errorf("lab mail %q: %w", name, err)
	}
	return b, nil
}

// WriteMailFixture writes the lab mail fixture name into dir and returns
// its path, for commands that read files (vigie mail, --mail).
func WriteMailFixture(dir, name string) (string, error) {
	b, err := MailFixture(name)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, filepath.Base(name))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return "", fmt.Errorf("lab mail: %w", err)
	}
	return p, nil
}

// CleanDKIMSelector is the selector of the clean town's DKIM key, published
// in the lab zone at CleanDKIMSelector._domainkey.commune-propre.fr.
const CleanDKIMSelector = "lab2023"

// CleanDKIMKey returns the clean town's lab DKIM signing key (Ed25519),
// derived from a fixed seed: a lab key, public in this source, that signs
// the MailClean fixture and nothing else.
func CleanDKIMKey() ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("vigie lab: commune-propre.fr DKIM key " + CleanDKIMSelector))
	return ed25519.NewKeyFromSeed(seed[:])
}

// CleanDKIMRecord is the TXT record publishing CleanDKIMKey's public half.
func CleanDKIMRecord() string {
	pub := CleanDKIMKey().Public().(ed25519.PublicKey)
	return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
}
