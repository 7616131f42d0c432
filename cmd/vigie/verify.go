package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/reports"
)

// errTampered reports a bundle that does not verify (exit 1).
func errTampered(err error) error { return &exitError{code: exitFindings, err: err} }

func newVerifyCmd(stdout, stderr io.Writer) *cobra.Command {
	var pubFile string
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check a report bundle against its MANIFEST.sha256 and signature",
		Long: "Hash every file of a report bundle and compare with its MANIFEST.sha256, naming every file\n" +
			"changed, added or missing. With --pub, also check MANIFEST.sha256.sig, the Ed25519 signature\n" +
			"written by `vigie scan --sign-key`.\n\n" +
			"Exit codes: 0 the bundle is intact (and, with --pub, validly signed); 1 it is not: a file\n" +
			"changed, was added or is missing, the manifest is gone, or the signature is missing or bad;\n" +
			"2 usage error (no such directory, unreadable key).",
		Args: exactArgs(1, "one bundle directory"),
		RunE: func(_ *cobra.Command, args []string) error {
			dir := args[0]
			var pub ed25519.PublicKey
			if pubFile != "" {
				data, err := os.ReadFile(pubFile)
				if err != nil {
					return usage(fmt.Errorf("--pub: %w", err))
				}
				if pub, err = reports.ParsePublicKey(data); err != nil {
					return usage(fmt.Errorf("--pub %s: %w", pubFile, err))
				}
			}
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				if err == nil {
					err = fmt.Errorf("%s is not a directory", dir)
				}
				return usage(err)
			}
			v, err := reports.VerifyBundle(dir, pub)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return errTampered(fmt.Errorf("%s has no %s: not a vigie bundle, or its manifest was removed", dir, reports.ManifestName))
				}
				return errTampered(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "vigie verify: %s: %d file(s) listed in %s\n", dir, v.Files, reports.ManifestName)
			for _, part := range []struct {
				name  string
				files []string
			}{{"changed", v.Changed}, {"added", v.Added}, {"missing", v.Missing}} {
				for _, f := range part.files {
					fmt.Fprintf(&b, "%-8s %s\n", part.name+":", oneLine(f))
				}
			}
			switch v.Signature {
			case reports.SignatureValid:
				fmt.Fprintf(&b, "signature: valid (%s, key %s)\n", reports.SignatureName, pubFile)
			case reports.SignatureInvalid:
				fmt.Fprintf(&b, "signature: INVALID: %s does not match %s under the key %s\n", reports.SignatureName, reports.ManifestName, pubFile)
			case reports.SignatureMissing:
				fmt.Fprintf(&b, "signature: MISSING: --pub was given but the bundle has no %s\n", reports.SignatureName)
			case reports.SignatureNotChecked:
				fmt.Fprintf(&b, "signature: present, not checked (give the signer's public key with --pub)\n")
			default:
				fmt.Fprintf(&b, "signature: none\n")
			}
			if _, err := io.WriteString(stdout, b.String()); err != nil {
				return err
			}
			if !v.OK() {
				return errTampered(fmt.Errorf("%s does not verify: %d changed, %d added, %d missing, signature %s",
					dir, len(v.Changed), len(v.Added), len(v.Missing), v.Signature))
			}
			fmt.Fprintf(stdout, "OK: every file is as listed\n")
			return nil
		},
	}
	cmd.Flags().StringVar(&pubFile, "pub", "", "Ed25519 public key `FILE` (PEM) that must have signed the manifest")
	return cmd
}
