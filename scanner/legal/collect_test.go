package legal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vigie-scan/vigie/scanner/entities"
)

// fakeLoader serves pages from a map; a missing URL is a 404.
type fakeLoader struct {
	pages map[string]Page
	errs  map[string]error
	mu    sync.Mutex
	asked []string
	ids   []string
}

func (f *fakeLoader) Load(_ context.Context, id, url string) (Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, url)
	f.ids = append(f.ids, id+" "+url)
	if err := f.errs[url]; err != nil {
		return Page{}, err
	}
	p, ok := f.pages[url]
	if !ok {
		return Page{URL: url, FinalURL: url, Status: 404, Text: "Not Found"}, nil
	}
	if p.Status == 0 {
		p.Status = 200
	}
	p.URL = url
	return p, nil
}

const (
	noticeText  = "Mentions légales\nÉditeur : Commune de Test, 1 place de la Mairie, 99999 Test\nHébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix, Tél. : 1007"
	privacyText = "Politique de confidentialité\nLa commune est responsable du traitement des données personnelles. Finalités : la consultation. Vos droits : accès, rectification. Nous utilisons Google Analytics."
	homeText    = "Accueil\nBienvenue sur le portail.\nMentions légales · Politique de confidentialité · Cookies"
)

func TestCollect(t *testing.T) {
	const site = "https://v.fr"
	l := &fakeLoader{
		pages: map[string]Page{
			site + "/legal":   {HTML: []byte(`<html lang=fr><script src="https://tag.example/t.js"></script><p onclick="t()">notice</p></html>`), Text: noticeText},
			site + "/privacy": {FinalURL: site + "/donnees", Text: privacyText},
			// the SPA answers every path with its home page
			site + "/cookies":           {Text: homeText},
			site + "/politique-cookies": {Text: homeText},
			site + "/legal-copy":        {FinalURL: site + "/legal", Text: noticeText},
			site + "/oops":              {Text: "Erreur 404 : page introuvable"},
		},
		errs: map[string]error{site + "/down": errors.New("connection refused")},
	}
	cands := []Candidate{
		{URL: site + "/legal", Kind: KindNotice, FoundBy: "link: Mentions légales"},
		{URL: site + "/legal-copy", Kind: KindNotice, FoundBy: "link: Informations légales"},
		{URL: site + "/down", Kind: KindPrivacy, FoundBy: "link: Données personnelles"},
		{URL: site + "/privacy", Kind: KindPrivacy, FoundBy: "link: Confidentialité"},
		{URL: site + "/oops", Kind: KindCookies, FoundBy: "link: Cookies"},
		{URL: site + "/mentions-legales", Kind: KindNotice, FoundBy: FoundByPath},
		{URL: site + "/cookies", Kind: KindCookies, FoundBy: FoundByPath},
		{URL: site + "/politique-cookies", Kind: KindCookies, FoundBy: FoundByPath},
		{URL: site + "/gestion-des-cookies", Kind: KindCookies, FoundBy: FoundByPath},
	}
	lg, files := Collect(context.Background(), l, cands, entities.Default(), 0)

	want := []struct{ url, errPrefix string }{
		{"/legal", ""},
		{"/legal-copy", "same page as legal/1"},
		{"/down", "load " + site + "/down: connection refused"},
		{"/privacy", ""},
		{"/oops", `a "not found" page`},
		{"/cookies", "does not read as a cookies page"},
		{"/politique-cookies", "does not read as a cookies page"}, // not "same text": /cookies was not kept
		{"/gestion-des-cookies", "HTTP status 404"},
	}
	if len(lg.Pages) != len(want) {
		t.Fatalf("%d pages, want %d: %+v", len(lg.Pages), len(want), lg.Pages)
	}
	for i, w := range want {
		p := lg.Pages[i]
		if p.URL != site+w.url || !strings.HasPrefix(p.Error, w.errPrefix) || (w.errPrefix == "") != (p.Error == "") {
			t.Errorf("page %d = %s %q, want %s %q", i+1, p.URL, p.Error, w.url, w.errPrefix)
		}
		if p.ID != "legal/"+string(rune('1'+i)) {
			t.Errorf("page %d ID %q", i+1, p.ID)
		}
		if p.Error != "" && (p.Text != "" || p.TextFile != "") {
			t.Errorf("error page %s keeps text", p.ID)
		}
	}
	if slices.Contains(l.asked, site+"/mentions-legales") {
		t.Error("a common path was loaded although a notice was already kept")
	}
	// Each load was given the ID of its record.
	for _, p := range lg.Pages {
		if !slices.Contains(l.ids, p.ID+" "+p.URL) {
			t.Errorf("page %s (%s) was not loaded under its ID: %v", p.ID, p.URL, l.ids)
		}
	}

	notice := lg.Pages[0]
	if notice.Lang != "fr" || notice.Kind != KindNotice || notice.Text != noticeText || notice.TextFile != "legal/1.txt" || notice.HTMLFile != "legal/1.html" {
		t.Errorf("notice record: %+v", notice)
	}
	if h := sha256.Sum256([]byte(noticeText)); notice.TextSHA256 != hex.EncodeToString(h[:]) {
		t.Error("text hash")
	}
	if lg.Pages[3].FinalURL != site+"/donnees" {
		t.Errorf("final URL not kept: %+v", lg.Pages[3])
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
		if f.Path == "legal/1.html" {
			if h := sha256.Sum256(f.Data); notice.HTMLSHA256 != hex.EncodeToString(h[:]) {
				t.Error("HTML hash does not hash the file")
			}
			// Saved inert: opening it runs nothing of the site's.
			if !bytes.Contains(f.Data, []byte(InertCSP)) || bytes.Contains(f.Data, []byte("<script")) ||
				bytes.Contains(f.Data, []byte("onclick")) || !bytes.Contains(f.Data, []byte("notice")) {
				t.Errorf("saved page not inert: %s", f.Data)
			}
		}
	}
	if !slices.Equal(paths, []string{"legal/1.txt", "legal/1.html", "legal/4.txt"}) {
		t.Errorf("files %v", paths)
	}
	if lg.Hoster == nil || lg.Hoster.Catalogue != "ovhcloud" || lg.Hoster.Phone != "1007" {
		t.Errorf("hoster %+v", lg.Hoster)
	}
	if lg.Publisher == nil || lg.Publisher.Name != "Commune de Test" {
		t.Errorf("publisher %+v", lg.Publisher)
	}
	var ents []string
	for _, m := range lg.Mentions {
		ents = append(ents, m.Span.Source+":"+m.Entity)
	}
	if !slices.Equal(ents, []string{"legal/1:ovhcloud", "legal/4:google-analytics"}) {
		t.Errorf("mentions %v", ents)
	}
}

func TestCollectBounds(t *testing.T) {
	l := &fakeLoader{pages: map[string]Page{}}
	var cands []Candidate
	for i := range 40 {
		u := "https://v.fr/p" + strings.Repeat("x", i)
		l.pages[u] = Page{Text: privacyText + strings.Repeat(" données", i)} // distinct texts
		cands = append(cands, Candidate{URL: u, Kind: KindPrivacy, FoundBy: "link: x"})
	}
	lg, _ := Collect(context.Background(), l, cands, nil, 0)
	if len(lg.Pages) != MaxPages || len(l.asked) != MaxPages {
		t.Errorf("kept %d, loaded %d; want %d", len(lg.Pages), len(l.asked), MaxPages)
	}

	l = &fakeLoader{}
	cands = cands[:0]
	for i := range 40 {
		cands = append(cands, Candidate{URL: "https://v.fr/missing" + strings.Repeat("x", i), Kind: KindNotice, FoundBy: "link: x"})
	}
	lg, _ = Collect(context.Background(), l, cands, nil, 0)
	if len(l.asked) != MaxLoads || len(lg.Pages) != MaxLoads {
		t.Errorf("loaded %d, recorded %d; want %d", len(l.asked), len(lg.Pages), MaxLoads)
	}

	huge := strings.Repeat("Mentions légales. Hébergeur : OVH SAS. ", MaxTextBytes/30)
	l = &fakeLoader{pages: map[string]Page{"https://v.fr/legal": {Text: huge}}}
	lg, files := Collect(context.Background(), l, []Candidate{{URL: "https://v.fr/legal", Kind: KindNotice, FoundBy: FoundByGiven}}, nil, 0)
	if len(lg.Pages[0].Text) > MaxTextBytes || len(files[0].Data) != len(huge) {
		t.Errorf("text kept %d bytes (max %d), file %d bytes (want the whole %d)", len(lg.Pages[0].Text), MaxTextBytes, len(files[0].Data), len(huge))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l = &fakeLoader{}
	if lg, _ := Collect(ctx, l, cands, nil, 0); len(l.asked) != 0 || lg == nil {
		t.Error("a cancelled context still loads")
	}
}

func TestCollectGivenKind(t *testing.T) {
	l := &fakeLoader{pages: map[string]Page{
		"https://v.fr/page-1": {Text: privacyText},
		"https://v.fr/page-2": {Text: noticeText},
		"https://v.fr/page-3": {Text: "Quelques mots sans rapport."},
	}}
	lg, _ := Collect(context.Background(), l, Given([]string{"https://v.fr/page-1", "https://v.fr/page-2", "https://v.fr/page-3"}), nil, 0)
	var kinds []string
	for _, p := range lg.Pages {
		kinds = append(kinds, p.Kind)
	}
	if !slices.Equal(kinds, []string{KindPrivacy, KindNotice, KindNotice}) {
		t.Errorf("kinds %v", kinds)
	}
}

func TestRenderText(t *testing.T) {
	tests := []struct{ html, want string }{
		{`<p>Hébergement</p><p>OVH SAS<br>2 rue Kellermann</p>`, "Hébergement\nOVH SAS\n2 rue Kellermann"},
		{`<div>Assuré   par
		<b>OVH</b>cloud</div>`, "Assuré par OVHcloud"},
		{`<script>var x="Hébergeur : Evil"</script><style>p{}</style><noscript>Activez JavaScript</noscript><p>Texte</p>`, "Texte"},
		{`<table><tr><td>_ga</td><td>Google Analytics</td></tr></table>`, "_ga\tGoogle Analytics"},
		{`<p>a &amp; b&nbsp;c</p>`, "a & b\u00a0c"},
		{`<head><title>Titre</title></head><body><h1>Mentions</h1>légales</body>`, "Mentions\nlégales"},
		// What the page hides by its own attributes is not read: an old
		// hoster left in the page, hidden, is not what it declares.
		{`<p>Hébergeur : OVH</p><div style="display: none"><p>Hébergeur : <div>Ancien</div> Hébergeur</p></div><p>Fin</p>`, "Hébergeur : OVH\nFin"},
		{`<p>A</p><section hidden><section>B</section>C</section><p>D</p>`, "A\nD"},
		{`<p>A<span style="VISIBILITY:hidden">B</span>C</p><img hidden src=x><p>D</p>`, "AC\nD"},
	}
	for _, tt := range tests {
		if got := RenderText([]byte(tt.html)); got != tt.want {
			t.Errorf("RenderText(%q) = %q, want %q", tt.html, got, tt.want)
		}
	}
}

func TestHTTPLoader(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/legal", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Language") == "" {
			t.Error("no Accept-Language")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<html lang="fr"><p>Hébergeur : OVH SAS</p></html>`))
	})
	mux.Handle("/old", http.RedirectHandler("/legal", http.StatusMovedPermanently))
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write([]byte("%PDF-1.7"))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(make([]byte, 2*MaxHTMLBytes))
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	l := HTTPLoader{Client: srv.Client()}
	ctx := context.Background()

	p, err := l.Load(ctx, "legal/1", srv.URL+"/old")
	if err != nil || p.Status != 200 || p.FinalURL != srv.URL+"/legal" || p.Text != "Hébergeur : OVH SAS" {
		t.Errorf("redirected load: %+v %v", p, err)
	}
	if _, err := l.Load(ctx, "legal/1", srv.URL+"/loop"); err == nil || !strings.Contains(err.Error(), "10 redirects") {
		t.Errorf("redirect loop: %v", err)
	}
	if p, _ := l.Load(ctx, "legal/1", srv.URL+"/missing"); p.Status != 404 {
		t.Errorf("missing page status %d", p.Status)
	}
	if p, _ := l.Load(ctx, "legal/1", srv.URL+"/pdf"); p.Text != "" || p.ContentType != "application/pdf" {
		t.Errorf("pdf: %+v", p)
	}
	if p, _ := l.Load(ctx, "legal/1", srv.URL+"/big"); len(p.HTML) != MaxHTMLBytes {
		t.Errorf("big page read %d bytes", len(p.HTML))
	}
	lg, _ := Collect(ctx, l, []Candidate{{URL: srv.URL + "/pdf", Kind: KindNotice, FoundBy: FoundByGiven}}, nil, 0)
	if lg.Pages[0].Error != "not an HTML page (application/pdf)" {
		t.Errorf("pdf page: %+v", lg.Pages[0])
	}
}

// TestCollectWaveNotNeeded: candidates loaded at the same time are judged
// in order; a page found by path whose kind an earlier page of the same
// wave turned out to be is recorded, not kept.
func TestCollectWaveNotNeeded(t *testing.T) {
	const site = "https://v.fr"
	l := &fakeLoader{pages: map[string]Page{
		site + "/mentions-legales": {Text: noticeText},
		site + "/legal-notice":     {Text: noticeText + "\nAutre texte."},
	}}
	lg, _ := Collect(context.Background(), l, []Candidate{
		{URL: site + "/mentions-legales", Kind: KindNotice, FoundBy: FoundByPath},
		{URL: site + "/legal-notice", Kind: KindNotice, FoundBy: FoundByPath},
	}, nil, 0)
	if len(lg.Pages) != 2 || lg.Pages[0].Error != "" || !strings.HasPrefix(lg.Pages[1].Error, "not needed") || lg.Pages[1].Text != "" {
		t.Errorf("pages %+v", lg.Pages)
	}
	// One at a time, the second is not even loaded.
	l.asked = nil
	lg, _ = Collect(context.Background(), l, []Candidate{
		{URL: site + "/mentions-legales", Kind: KindNotice, FoundBy: FoundByPath},
		{URL: site + "/legal-notice", Kind: KindNotice, FoundBy: FoundByPath},
	}, nil, 1)
	if len(lg.Pages) != 1 || len(l.asked) != 1 {
		t.Errorf("one at a time: pages %+v, asked %v", lg.Pages, l.asked)
	}
}
