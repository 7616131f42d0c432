package legal

import (
	"strings"
	"testing"
)

func TestServed(t *testing.T) {
	// A notice long enough to stand alone: publisher, hoster, director.
	notice := "<h1>Mentions légales</h1><h2>Éditeur</h2><p>Commune de Test, 1 place de la Mairie, 99999 Test. " +
		"SIRET 123 456 789 00012.</p><h2>Directeur de la publication</h2><p>Le maire.</p>" +
		"<h2>Hébergement</h2><p>OVH SAS, 2 rue Kellermann, 59100 Roubaix, France. Téléphone : 1007.</p>" +
		"<p>" + strings.Repeat("Le présent site est édité par la commune pour informer ses habitants. ", 5) + "</p>"
	privacy := "<h1>Politique de confidentialité</h1><p>La commune est responsable du traitement de vos données personnelles. " +
		"Finalités : la consultation. Base légale : la mission d'intérêt public. Vos droits d'accès et d'opposition s'exercent auprès du DPO. " +
		strings.Repeat("Les données sont conservées pour la durée de la consultation. ", 5) + "</p>"
	tests := []struct {
		name, page, kind string
		ok               bool
		why              string
	}{
		{"notice served whole", "<html><body>" + notice + "</body></html>", KindNotice, true, ""},
		{"given page: its kind from its text", "<html><body>" + privacy + "</body></html>", "", true, ""},
		{"SSR content inside the mount point", `<div id="__next">` + notice + `</div><script src="/app.js"></script>`, KindNotice, true, ""},
		{"noscript of a tag manager is not a sign", "<body><noscript><iframe src=\"https://www.googletagmanager.com/ns.html\"></iframe></noscript>" + notice + "</body>", KindNotice, true, ""},
		{"shell: little text", `<body><nav><a href="/">Accueil</a></nav><div id="root"></div></body>`, KindNotice, false, "little text"},
		{"the wrong kind", "<body>" + privacy + "</body>", KindNotice, false, "does not read as a notice page"},
		{"empty mount point beside server text", "<body>" + notice + `<div id="app">  </div></body>`, KindNotice, false, `empty <div id="app">`},
		{"self-closed mount point", "<body>" + notice + `<app-root/></body>`, KindNotice, false, "empty <app-root>"},
		{"empty app-root", "<body>" + notice + `<app-root></app-root></body>`, KindNotice, false, "empty <app-root>"},
		{"noscript asking for JavaScript", "<body><noscript>Veuillez activer <b>JavaScript</b>.</noscript>" + notice + "</body>", KindNotice, false, "asks for JavaScript"},
		{"mount point with a placeholder child only", "<body>" + notice + `<div id="root"><div class="spinner"></div></div></body>`, KindNotice, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := Served([]byte(tt.page), RenderText([]byte(tt.page)), tt.kind)
			if ok != tt.ok || !strings.Contains(why, tt.why) || (tt.ok && why != "") {
				t.Errorf("Served = %v, %q; want %v, %q", ok, why, tt.ok, tt.why)
			}
		})
	}
}

// The lab's legal pages served whole are read as served; its page
// assembled by JavaScript is left to the browser.
func TestServedLab(t *testing.T) {
	kinds := map[string]string{"/legal": KindNotice, "/cookies": KindCookies, "/en/legal": KindNotice,
		"/mentions-legales": KindNotice, "/politique-de-confidentialite": KindPrivacy, "/en/legal-notice": KindNotice,
		"/de/impressum": KindNotice, "/de/datenschutz": KindPrivacy}
	for site, pages := range labPages {
		for path, page := range pages {
			if path == "/" {
				continue
			}
			b, err := page.read()
			if err != nil {
				t.Fatal(err)
			}
			ok, why := Served(b, RenderText(b), kinds[path])
			if want := path != "/en/legal"; ok != want {
				t.Errorf("%s %s: Served = %v (%s), want %v", site, path, ok, why, want)
			}
		}
	}
}
