package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/reports"
)

func newKeygenCmd(stdout io.Writer) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Make an Ed25519 key pair to sign report bundles (--sign-key) and check them (verify --pub)",
		Long: "Write a new Ed25519 private key (PEM PKCS#8, mode 0600) to PREFIX.key and its public key\n" +
			"(PEM) to PREFIX.pub. Existing files are never overwritten. The same keys can be made with\n" +
			"  openssl genpkey -algorithm ed25519 -out vigie.key\n" +
			"  openssl pkey -in vigie.key -pubout -out vigie.pub",
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, key, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return fmt.Errorf("keygen: %w", err)
			}
			priv, pub, err := reports.MarshalKeyPair(key)
			if err != nil {
				return err
			}
			keyFile, pubFile := out+".key", out+".pub"
			for _, f := range []string{keyFile, pubFile} {
				if _, err := os.Stat(f); err == nil {
					return usage(fmt.Errorf("%s exists: refusing to overwrite it", f))
				} else if !errors.Is(err, fs.ErrNotExist) {
					return usage(err)
				}
			}
			if err := writeNew(keyFile, priv, 0o600); err != nil {
				return err
			}
			if err := writeNew(pubFile, pub, 0o644); err != nil {
				return err
			}
			_, err = fmt.Fprintf(stdout, "private key: %s (keep it secret; vigie scan --sign-key %s)\npublic key:  %s (vigie verify DIR --pub %s)\n", keyFile, keyFile, pubFile, pubFile)
			return err
		},
	}
	cmd.Flags().StringVar(&out, "out", "vigie", "`PREFIX` of the key files (PREFIX.key, PREFIX.pub)")
	return cmd
}

// writeNew creates a file that must not exist yet.
func writeNew(name string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return usage(err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("keygen: %w", err)
	}
	return f.Close()
}
