package legal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// A labPage is a page of the lab sites: the lab's own page file name of
// host (scantest.Page), or, when host is "", the file name of testdata/lab
// (the portals' home pages, reduced to their footers).
type labPage struct{ host, name string }

func (p labPage) read() ([]byte, error) {
	if p.host == "" {
		return os.ReadFile(filepath.Join("testdata", "lab", p.name))
	}
	return scantest.Page(p.host, p.name)
}

// labPages maps the lab sites' paths to their pages (see testdata/lab's
// README for the lab URL of each). Every other path is a 404.
var labPages = map[string]map[string]labPage{
	"founding": {
		"/":         {"", "founding/home.html"},
		"/legal":    {scantest.HostFounding, "legal.html"},
		"/cookies":  {scantest.HostFounding, "cookies.html"},
		"/en/legal": {scantest.HostFounding, "en/legal.html"},
	},
	"clean": {
		"/":                             {"", "clean/home.html"},
		"/mentions-legales":             {scantest.HostClean, "mentions-legales.html"},
		"/politique-de-confidentialite": {scantest.HostClean, "politique-de-confidentialite.html"},
		"/en/legal-notice":              {scantest.HostClean, "en/legal-notice.html"},
		"/de/impressum":                 {scantest.HostClean, "de/impressum.html"},
		"/de/datenschutz":               {scantest.HostClean, "de/datenschutz.html"},
	},
	"nohoster": {
		"/mentions-legales": {scantest.HostCity, "mentions-legales.html"},
		"/de/impressum":     {scantest.HostCity, "de/impressum.html"},
	},
}

// serveLab serves one lab site's pages over HTTPS on loopback.
func serveLab(t *testing.T, site string) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, ok := labPages[site][r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := page.read()
		if err != nil {
			t.Error(err)
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// scanLab does what the scan stage will do, with plain HTTP instead of the
// browser: load the home page, discover its legal links, add the common
// paths, collect.
func scanLab(t *testing.T, site string) (*evidence.Legal, []File) {
	t.Helper()
	srv := serveLab(t, site)
	l := HTTPLoader{Client: srv.Client()}
	home, err := l.Load(context.Background(), "legal/0", srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	cands := Merge(Discover(home.FinalURL, home.HTML, 0), CommonPaths(home.FinalURL))
	return Collect(context.Background(), l, cands, entities.Default(), 0)
}

func keptPages(lg *evidence.Legal) map[string]evidence.LegalPage {
	out := map[string]evidence.LegalPage{}
	for _, p := range lg.Pages {
		if p.Error == "" {
			out[p.URL[strings.Index(p.URL[8:], "/")+8:]] = p
		}
	}
	return out
}

func mentionKeys(lg *evidence.Legal) []string {
	var out []string
	for _, m := range lg.Mentions {
		if !slices.Contains(out, m.Entity) {
			out = append(out, m.Entity)
		}
	}
	return out
}

func TestLabFounding(t *testing.T) {
	lg, files := scanLab(t, "founding")
	kept := keptPages(lg)
	for path, kind := range map[string]string{"/legal": KindNotice, "/cookies": KindCookies} {
		p, ok := kept[path]
		if !ok || p.Kind != kind || !strings.HasPrefix(p.FoundBy, "link: ") {
			t.Errorf("%s: %+v (kept: %v)", path, p, lg.Pages)
		}
	}
	compareOrg(t, "hoster", lg.Hoster, org("SAS OVH", "2 rue Kellermann", "59100", "Roubaix", "", "ovhcloud"))
	if lg.Hoster != nil && !strings.Contains(lg.Hoster.Span.Text, "Assuré par OVH") {
		t.Errorf("hoster span %q", lg.Hoster.Span.Text)
	}
	if lg.Director == nil || lg.Director.Text != "M. Jean Exemple" {
		t.Errorf("director %+v", lg.Director)
	}
	if lg.Publisher == nil || lg.Publisher.Name != "Ville d'Exemple" || lg.Publisher.Postcode != "99990" {
		t.Errorf("publisher %+v", lg.Publisher)
	}
	if got := mentionKeys(lg); !slices.Equal(got, []string{"ovhcloud"}) {
		t.Errorf("the founding pages name %v; they name no processor but their hoster", got)
	}
	if len(files) == 0 {
		t.Error("no files kept")
	}
	// The English notice is assembled by JavaScript: plain HTTP reads no hoster in it.
	if p, ok := kept["/en/legal"]; ok && strings.Contains(p.Text, "Kellermann") {
		t.Errorf("the JavaScript page reads without a browser: %q", p.Text)
	}
}

// jsRendered is what a browser's innerText gives for the founding portal's
// English notice (/en/legal) once its script has run: what the browser-backed Loader must return.
const jsRendered = "Home Projects\nLegal notice\nPublisher\nVille d'Exemple, 1 place de la République, 99990 Ville-Exemple\n" +
	"Publication director\nJean Exemple, Mayor\nHosting\nProvided by OVH\nSAS OVH,\n2 rue Kellermann\n59100 Roubaix\nFrance\n" +
	"Mentions légales Gestion des cookies"

func TestLabJavaScriptPage(t *testing.T) {
	b, err := scantest.Page(scantest.HostFounding, "en/legal.html")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Kellermann") || strings.Contains(string(b), "OVH") {
		t.Fatal("the JavaScript page's source names the hoster: it must only exist once rendered")
	}
	plain := Extract([]evidence.LegalPage{{ID: "legal/1", Kind: KindNotice, Text: RenderText(b)}}, entities.Default())
	if plain.Hoster != nil {
		t.Errorf("hoster read without running the script: %+v", plain.Hoster)
	}
	rendered := Extract([]evidence.LegalPage{{ID: "legal/1", Kind: KindNotice, Text: jsRendered}}, entities.Default())
	compareOrg(t, "hoster", rendered.Hoster, org("SAS OVH", "2 rue Kellermann", "59100", "Roubaix", "", "ovhcloud"))
	if rendered.Director == nil || rendered.Director.Text != "Jean Exemple" {
		t.Errorf("director %+v", rendered.Director)
	}
}

func TestLabClean(t *testing.T) {
	lg, _ := scanLab(t, "clean")
	kept := keptPages(lg)
	for path, kind := range map[string]string{
		"/mentions-legales": KindNotice, "/politique-de-confidentialite": KindPrivacy,
		"/en/legal-notice": KindNotice, "/de/impressum": KindNotice, "/de/datenschutz": KindPrivacy,
	} {
		if p, ok := kept[path]; !ok || p.Kind != kind {
			t.Errorf("%s: %+v", path, p)
		}
	}
	compareOrg(t, "hoster", lg.Hoster, org("OVH SAS", "2 rue Kellermann", "59100", "Roubaix", "+33 9 72 10 10 07", "ovhcloud"))
	if lg.Director == nil || lg.Director.Text != "Mme Claire Exemple" {
		t.Errorf("director %+v", lg.Director)
	}
	if got := mentionKeys(lg); !slices.Equal(got, []string{"ovhcloud"}) {
		t.Errorf("mentions %v", got)
	}
}

func TestLabNoHoster(t *testing.T) {
	srv := serveLab(t, "nohoster")
	cands := Given([]string{srv.URL + "/mentions-legales", srv.URL + "/de/impressum"})
	lg, _ := Collect(context.Background(), HTTPLoader{Client: srv.Client()}, cands, entities.Default(), 0)
	if n := len(keptPages(lg)); n != 2 {
		t.Fatalf("%d pages kept: %+v", n, lg.Pages)
	}
	if lg.Hoster != nil {
		t.Errorf("hoster %+v, want none", lg.Hoster)
	}
	if lg.Publisher == nil || lg.Publisher.Name != "Ville d'Exemple" || lg.Publisher.Phone == "" {
		t.Errorf("publisher %+v", lg.Publisher)
	}
}

// TestLabLanguages reads each language variant on its own.
func TestLabLanguages(t *testing.T) {
	ovhWithPhone := org("OVH SAS", "2 rue Kellermann", "59100", "Roubaix", "+33 9 72 10 10 07", "ovhcloud")
	tests := []struct {
		page      labPage
		hoster    *evidence.DeclaredOrg
		publisher string
		director  string
	}{
		{labPages["clean"]["/mentions-legales"], ovhWithPhone, "Commune de Commune-Propre", "Mme Claire Exemple"},
		{labPages["clean"]["/en/legal-notice"], ovhWithPhone, "Commune de Commune-Propre", "Claire Exemple"},
		{labPages["clean"]["/de/impressum"], ovhWithPhone, "Commune de Commune-Propre", "Claire Exemple"},
		{labPages["clean"]["/de/datenschutz"], org("OVH SAS", "2 rue Kellermann", "59100", "Roubaix", "", "ovhcloud"), "", ""},
		{labPages["founding"]["/legal"], org("SAS OVH", "2 rue Kellermann", "59100", "Roubaix", "", "ovhcloud"), "Ville d'Exemple", "M. Jean Exemple"},
		{labPages["nohoster"]["/mentions-legales"], nil, "Ville d'Exemple", "M. Jean Exemple"},
		{labPages["nohoster"]["/de/impressum"], nil, "Ville d'Exemple", "Jean Exemple"},
	}
	for _, tt := range tests {
		t.Run(tt.page.host+"/"+tt.page.name, func(t *testing.T) {
			b, err := tt.page.read()
			if err != nil {
				t.Fatal(err)
			}
			pages := []evidence.LegalPage{{ID: "legal/1", Kind: KindNotice, Text: RenderText(b)}}
			d := Extract(pages, entities.Default())
			checkSpans(t, pages, d)
			compareOrg(t, "hoster", d.Hoster, tt.hoster)
			pub, dir := "", ""
			if d.Publisher != nil {
				pub = d.Publisher.Name
			}
			if d.Director != nil {
				dir = d.Director.Text
			}
			if pub != tt.publisher || dir != tt.director {
				t.Errorf("publisher %q director %q, want %q %q", pub, dir, tt.publisher, tt.director)
			}
		})
	}
}
