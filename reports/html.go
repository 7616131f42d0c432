package reports

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
)

//go:embed templates/report.html.tmpl templates/report.css
var templateFS embed.FS

// parseHTML parses the embedded template once.
var parseHTML = sync.OnceValues(func() (*template.Template, error) {
	style, err := templateFS.ReadFile("templates/report.css")
	if err != nil {
		return nil, err
	}
	return template.New("report.html.tmpl").Funcs(template.FuncMap{
		// t and tf are replaced per render by the report's language.
		"t":    func(string) string { return "" },
		"tf":   func(string, ...any) string { return "" },
		"join": strings.Join,
		// dataURL lets a data: URI vigie made itself (base64 of an image
		// it checked) through html/template's URL filter; nothing else
		// uses it.
		"dataURL": func(s string) template.URL {
			if strings.HasPrefix(s, "data:image/png;base64,") || strings.HasPrefix(s, "data:image/jpeg;base64,") {
				return template.URL(s)
			}
			return ""
		},
		"add": func(a, b int) int { return a + b },
		// css is vigie's own embedded style sheet.
		"css": func() template.CSS { return template.CSS(style) },
	}).ParseFS(templateFS, "templates/report.html.tmpl")
})

// HTMLOptions tunes the HTML report.
type HTMLOptions struct {
	// Lang is the language of the report's own text.
	Lang Lang
	// Files holds the bundle's artefacts by path, so that screenshots are
	// embedded (data: URIs) and the file stands alone; without them,
	// screenshots are linked relative to the bundle.
	Files map[string][]byte
}

// WriteHTML writes r as one self-contained HTML page: no script, no
// external resource, styles embedded, printable. Every string that comes
// from the scanned site, a mail or a registry is escaped by html/template.
func WriteHTML(w io.Writer, r *Report, o HTMLOptions) error {
	if o.Lang == "" {
		o.Lang = English
	}
	v := newView(r, o.Lang, o.Files)
	base, err := parseHTML()
	if err != nil {
		return fmt.Errorf("report.html template: %w", err)
	}
	t, err := base.Clone()
	if err != nil {
		return fmt.Errorf("report.html: %w", err)
	}
	t.Funcs(template.FuncMap{"t": o.Lang.T, "tf": o.Lang.Tf})
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return fmt.Errorf("report.html: %w", err)
	}
	// A last guard: no control or bidirectional character reaches the
	// page, whichever string carried it.
	_, err = io.WriteString(w, stripHostile(b.String()))
	return err
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
