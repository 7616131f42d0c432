package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

func TestChooseLang(t *testing.T) {
	tests := []struct {
		name      string
		asked     Lang
		env       map[string]string
		site      string
		want      LangChoice
		wantFrFR  string // Describe(French) contains this
		wantEnDes string // Describe(English) contains this
	}{
		{"asked wins over all", French, map[string]string{"LANG": "en_US.UTF-8"}, "en",
			LangChoice{French, LangAsked, "--lang fr"}, "comme demandé (--lang fr)", "as asked (--lang fr)"},
		{"English locale", "", map[string]string{"LANG": "en_US.UTF-8"}, "fr",
			LangChoice{English, LangLocale, "LANG=en_US.UTF-8"}, "d'après la locale (LANG=en_US.UTF-8)", "from the locale"},
		{"LC_ALL before LANG", "", map[string]string{"LC_ALL": "fr_FR.UTF-8", "LANG": "en_GB"}, "",
			LangChoice{French, LangLocale, "LC_ALL=fr_FR.UTF-8"}, "LC_ALL=fr_FR.UTF-8", "LC_ALL=fr_FR.UTF-8"},
		{"C locale, French site", "", map[string]string{"LANG": "C"}, "fr-FR",
			LangChoice{French, LangSite, `<html lang="fr-FR">`}, "langue du site", "the site's own language"},
		{"LC_ALL=C hides a French LANG, French site", "", map[string]string{"LC_ALL": "C", "LANG": "fr_FR"}, "FR",
			LangChoice{French, LangSite, `<html lang="FR">`}, "langue du site", "site's own language"},
		{"no locale, French site", "", nil, "fr", LangChoice{French, LangSite, `<html lang="fr">`}, "", ""},
		{"German locale, German site", "", map[string]string{"LANG": "de_DE.UTF-8"}, "de",
			LangChoice{English, LangDefault, ""}, "par défaut", "by default"},
		{"C locale, English site: default, not site", "", map[string]string{"LANG": "C"}, "en",
			LangChoice{English, LangDefault, ""}, "", ""},
		{"no locale, no site", "", nil, "", LangChoice{English, LangDefault, ""}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := ""
			if tt.asked != "" {
				from = "--lang " + string(tt.asked)
			}
			var getenv func(string) string
			if tt.env != nil {
				getenv = func(k string) string { return tt.env[k] }
			}
			got := ChooseLang(tt.asked, from, getenv, tt.site)
			if got != tt.want {
				t.Fatalf("ChooseLang = %+v, want %+v", got, tt.want)
			}
			if d := got.Describe(French); !strings.Contains(d, tt.wantFrFR) || strings.Contains(d, "%!") {
				t.Errorf("Describe(fr) = %q, want it to contain %q", d, tt.wantFrFR)
			}
			if d := got.Describe(English); !strings.Contains(d, tt.wantEnDes) || strings.Contains(d, "%!") {
				t.Errorf("Describe(en) = %q, want it to contain %q", d, tt.wantEnDes)
			}
		})
	}
}

func TestSiteLang(t *testing.T) {
	ev := &evidence.Evidence{Browser: &evidence.Browser{Visits: []evidence.Visit{
		{ID: "visit/initial", Error: "net::ERR_FAILED", Lang: "de"},
		{ID: "visit/reject", Lang: "fr"},
	}}}
	if got := SiteLang(ev); got != "fr" {
		t.Errorf("SiteLang = %q, want the first loaded visit's, fr", got)
	}
	if got := SiteLang(&evidence.Evidence{}); got != "" {
		t.Errorf("SiteLang without browser = %q", got)
	}
}

// TestReportSaysItsLanguage checks that the HTML and Markdown reports say
// which rule chose their language, and that a hostile <html lang> is
// escaped.
func TestReportSaysItsLanguage(t *testing.T) {
	r := fullReport()
	c := ChooseLang("", "", nil, `fr"><script>x</script>`)
	if c.Rule != LangDefault {
		t.Fatalf("a hostile lang %q was taken for French: %+v", `fr"><script>`, c)
	}
	c = ChooseLang("", "", nil, "fr-CA")
	r.Language = &c
	var b bytes.Buffer
	if err := WriteHTML(&b, r, HTMLOptions{Lang: c.Lang}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Langue du rapport") || !strings.Contains(b.String(), "langue du site lui-même (&lt;html lang=&#34;fr-CA&#34;&gt;)") {
		t.Errorf("report.html does not say why it is in French")
	}
	b.Reset()
	if err := WriteMarkdown(&b, r, c.Lang); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Langue du rapport") {
		t.Errorf("report.md does not say why it is in French:\n%s", b.String()[max(0, b.Len()-400):])
	}
}
