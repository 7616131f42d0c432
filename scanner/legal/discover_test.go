package legal

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestDiscover(t *testing.T) {
	const page = "https://jeparticipe.ville-exemple.fr/projets/budget"
	tests := []struct {
		name string
		html string
		max  int
		want []string // "kind url found-by"
	}{
		{"French footer", `<footer><a href="/mentions-legales">Mentions légales</a> | <a href="/donnees-personnelles">Données personnelles</a> | <a href="/cookies">Gestion des cookies</a></footer>`, 0,
			[]string{"notice https://jeparticipe.ville-exemple.fr/mentions-legales link: Mentions légales",
				"privacy https://jeparticipe.ville-exemple.fr/donnees-personnelles link: Données personnelles",
				"cookies https://jeparticipe.ville-exemple.fr/cookies link: Gestion des cookies"}},
		{"consent-manager and fragment links are not pages",
			`<a href="javascript:tarteaucitron.userInterface.openPanel();">Gestion des cookies</a><a href="#cookies">Cookies</a><a href="mailto:dpo@ville.fr">Données personnelles</a>`, 0, nil},
		{"a link back to the page itself", `<a href="/projets/budget#legal">Mentions légales</a>`, 0, nil},
		{"URL names the page, text does not", `<a href="/fr/legal">En savoir plus</a>`, 0,
			[]string{"notice https://jeparticipe.ville-exemple.fr/fr/legal link: En savoir plus"}},
		{"platform vendor's notice, named by its text", `<a href="https://cap-collectif.com/mentions-legales">Mentions légales</a>`, 0,
			[]string{"notice https://cap-collectif.com/mentions-legales link: Mentions légales"}},
		{"another site's page named only by its URL", `<a href="https://vendor.example.com/privacy">Read more</a>`, 0, nil},
		{"regulators and big platforms are not the site's pages",
			`<a href="https://www.cnil.fr/fr/cookies-et-autres-traceurs">Cookies et traceurs : que dit la loi ?</a><a href="https://policies.google.com/privacy">Privacy Policy</a>`, 0, nil},
		{"rel=privacy-policy", `<head><link rel="privacy-policy" href="/privacy"></head>`, 0,
			[]string{"privacy https://jeparticipe.ville-exemple.fr/privacy link: /privacy"}},
		{"German", `<a href="/impressum">Impressum</a><a href="/datenschutzerklaerung">Datenschutzerklärung</a>`, 0,
			[]string{"notice https://jeparticipe.ville-exemple.fr/impressum link: Impressum",
				"privacy https://jeparticipe.ville-exemple.fr/datenschutzerklaerung link: Datenschutzerklärung"}},
		{"English", `<a href="/legal-notice">Legal notice</a><a href="/cookie-policy">Cookie policy</a><a href="/privacy-policy">Privacy policy</a>`, 0,
			[]string{"notice https://jeparticipe.ville-exemple.fr/legal-notice link: Legal notice",
				"privacy https://jeparticipe.ville-exemple.fr/privacy-policy link: Privacy policy",
				"cookies https://jeparticipe.ville-exemple.fr/cookie-policy link: Cookie policy"}},
		{"base href", `<head><base href="https://jeparticipe.ville-exemple.fr/app/"></head><a href="legal">Mentions légales</a>`, 0,
			[]string{"notice https://jeparticipe.ville-exemple.fr/app/legal link: Mentions légales"}},
		{"duplicates and fragments", `<a href="/legal#haut">Mentions légales</a><a href="/legal">Informations légales</a><a href="/legal#cookies">Cookies</a>`, 0,
			[]string{"notice https://jeparticipe.ville-exemple.fr/legal link: Mentions légales"}},
		{"text match beats URL match; kinds in turn; bounded",
			`<a href="/mentions">Crédits</a><a href="/a">Mentions légales</a><a href="/b">Confidentialité</a><a href="/c">Cookies</a><a href="/d">Mentions légales (archive)</a>`, 4,
			[]string{"notice https://jeparticipe.ville-exemple.fr/a link: Mentions légales",
				"privacy https://jeparticipe.ville-exemple.fr/b link: Confidentialité",
				"cookies https://jeparticipe.ville-exemple.fr/c link: Cookies",
				"notice https://jeparticipe.ville-exemple.fr/d link: Mentions légales (archive)"}},
		{"a paragraph is not a link text", `<a href="/x">` + strings.Repeat("Lire nos mentions légales et notre politique ", 5) + `</a>`, 0, nil},
		{"image alt and aria-label", `<a href="/ml"><img src="x.png" alt="Mentions légales"></a><a href="/pc" aria-label="Politique de confidentialité"><svg></svg></a>`, 0,
			[]string{"notice https://jeparticipe.ville-exemple.fr/ml link: Mentions légales",
				"privacy https://jeparticipe.ville-exemple.fr/pc link: Politique de confidentialité"}},
		{"links written by scripts are not read", `<script>document.write('<a href="/evil">Mentions légales</a>')</script><template><a href="/t">Cookies</a></template>`, 0, nil},
		{"link to the site's other subdomain", `<a href="https://www.ville-exemple.fr/mentions-legales">Mentions légales</a>`, 0,
			[]string{"notice https://www.ville-exemple.fr/mentions-legales link: Mentions légales"}},
		{"not http", `<a href="ftp://ville-exemple.fr/legal">Mentions légales</a><a href="data:text/html,x">Cookies</a>`, 0, nil},
		{"broken HTML", `<a href="/mentions-legales">Mentions <b>légales</a><a href="/cookies"`, 0,
			[]string{"notice https://jeparticipe.ville-exemple.fr/mentions-legales link: Mentions légales"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range Discover(page, []byte(tt.html), tt.max) {
				got = append(got, c.Kind+" "+c.URL+" "+c.FoundBy)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestDiscoverBadPageURL(t *testing.T) {
	for _, u := range []string{"", "not a url", "ftp://x.fr/", "https://"} {
		if got := Discover(u, []byte(`<a href="/mentions-legales">Mentions légales</a>`), 0); got != nil {
			t.Errorf("Discover(%q) = %v", u, got)
		}
	}
}

func TestDiscoverBounded(t *testing.T) {
	var b strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&b, `<a href="/mentions-legales-%d">Mentions légales</a>`, i)
	}
	got := Discover("https://v.fr/", []byte(b.String()), 1000)
	if len(got) != MaxCandidates {
		t.Errorf("%d candidates, want the cap %d", len(got), MaxCandidates)
	}
}

func TestCommonPaths(t *testing.T) {
	got := CommonPaths("https://Jeparticipe.Ville-Exemple.fr:8443/projets?x=1#top")
	if len(got) == 0 || got[0].URL != "https://jeparticipe.ville-exemple.fr:8443/mentions-legales" || got[0].Kind != KindNotice || got[0].FoundBy != FoundByPath {
		t.Fatalf("first = %+v", got)
	}
	seen := map[string]bool{}
	for _, c := range got {
		seen[c.Kind] = true
		if !strings.HasPrefix(c.URL, "https://jeparticipe.ville-exemple.fr:8443/") {
			t.Errorf("candidate on another host: %s", c.URL)
		}
	}
	if !seen[KindNotice] || !seen[KindPrivacy] || !seen[KindCookies] {
		t.Errorf("kinds %v", seen)
	}
	if CommonPaths("mailto:x@y.fr") != nil || CommonPaths("") != nil {
		t.Error("paths for a non-http base")
	}
}

func TestGiven(t *testing.T) {
	got := Given([]string{"https://v.fr/mentions-legales", " https://v.fr/mentions-legales#top ", "https://v.fr/page-42", "javascript:alert(1)", "https://V.fr"})
	want := []Candidate{
		{URL: "https://v.fr/mentions-legales", Kind: KindNotice, FoundBy: FoundByGiven},
		{URL: "https://v.fr/page-42", Kind: "", FoundBy: FoundByGiven},
		{URL: "https://v.fr/", Kind: "", FoundBy: FoundByGiven},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestMerge(t *testing.T) {
	links := []Candidate{{URL: "https://v.fr/legal", Kind: KindNotice, FoundBy: "link: Mentions légales"}}
	got := Merge(links, CommonPaths("https://v.fr/"))
	// /legal is both a link and a common path: kept once, as the link.
	if got[0] != links[0] || len(got) != len(commonPaths) {
		t.Fatalf("merge: %d candidates, first %+v", len(got), got[0])
	}
	dup := Merge(links, links)
	if len(dup) != 1 {
		t.Errorf("duplicates kept: %+v", dup)
	}
	var many []Candidate
	for i := range 100 {
		many = append(many, Candidate{URL: fmt.Sprintf("https://v.fr/%d", i)})
	}
	if n := len(Merge(many)); n != MaxCandidates {
		t.Errorf("merge kept %d, want %d", n, MaxCandidates)
	}
}
