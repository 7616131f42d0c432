package webapp

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"

	"github.com/vigie-scan/vigie/audit"
	"github.com/vigie-scan/vigie/reports"
)

// zip streams a finished scan's bundle as a .zip: every regular file of
// the bundle, MANIFEST.sha256 included, under one folder named like the
// command line's bundles. The files are read through an os.Root, and
// anything but a regular file (a symbolic link) is left out.
func (s *Server) zip(w http.ResponseWriter, r *http.Request) {
	j := s.finishedReport(w, r)
	if j == nil {
		return
	}
	rec := j.snapshot()
	root, err := os.OpenRoot(j.bundleDir())
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer root.Close()
	if _, err := root.Stat(reports.ManifestName); err != nil {
		http.NotFound(w, r)
		return
	}
	folder := path.Base(audit.DefaultDir(rec.Host, rec.Created))
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.zip"`, folder))
	w.Header().Set("Cache-Control", "no-store")
	if err := writeZip(w, root.FS(), folder); err != nil {
		// The headers are gone: the client sees a truncated archive.
		s.log.Error("zip", "id", rec.ID, "err", err)
	}
}

// writeZip writes every regular file of fsys into a zip under folder.
func writeZip(w io.Writer, fsys fs.FS, folder string) error {
	zw := zip.NewWriter(w)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		hdr.Name, hdr.Method = path.Join(folder, p), zip.Deflate
		dst, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(dst, f)
		return err
	})
	if err != nil {
		return fmt.Errorf("bundle zip: %w", err)
	}
	return zw.Close()
}
