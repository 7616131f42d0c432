package browser

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// TestBannerFixtures runs the detection on HTML fixtures in headless
// Chromium: known platforms' markup, the multilingual heuristic (light DOM,
// shadow DOM, a cross-site iframe) and pages that must not be read as a
// consent banner.
func TestBannerFixtures(t *testing.T) {
	b, w := shared(t)
	w.handle("banners.test", http.FileServer(http.Dir("testdata/banners")))
	w.handle("cmp.frame.banners.test", http.FileServer(http.Dir("testdata/banners")))
	tests := []struct {
		file    string
		engine  string // "" for no banner
		roles   []string
		linkRej bool // the reject control is styled as a text link
		frame   bool // the banner is in an iframe
	}{
		{"tarteaucitron.html", "tarteaucitron", []string{"reject", "accept", "settings"}, false, false},
		{"didomi.html", "didomi", []string{"reject", "accept", "settings"}, false, false},
		{"onetrust.html", "onetrust", []string{"reject", "accept", "settings"}, false, false},
		{"cookiebot.html", "cookiebot", []string{"reject", "accept", "settings"}, false, false},
		{"axeptio-shadow.html", "axeptio", []string{"reject", "accept", "settings"}, true, false},
		{"orestbida.html", "cookieconsent (orestbida)", []string{"reject", "accept", "settings"}, false, false},
		{"generic-fr-link.html", "generic", []string{"accept", "reject"}, true, false},
		{"generic-de.html", "generic", []string{"settings", "reject", "accept"}, false, false},
		{"generic-en-shadow.html", "generic", []string{"accept", "reject", "settings"}, false, false},
		{"generic-iframe.html", "generic", []string{"accept", "reject"}, false, true},
		{"generic-it.html", "generic", []string{"reject", "accept"}, false, false},
		{"generic-nl.html", "generic", []string{"reject", "accept", "settings"}, false, false},
		{"accept-only.html", "generic", []string{"accept"}, false, false},
		{"none-footer.html", "", nil, false, false},
		{"none-newsletter.html", "", nil, false, false},
		{"none-hidden.html", "", nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: "https://banners.test/" + tt.file})
			if res.Visit.Error != "" {
				t.Fatal(res.Visit.Error)
			}
			bn := res.Visit.Banner
			if tt.engine == "" {
				if bn != nil {
					t.Fatalf("found a banner where there is none: %+v", bn)
				}
				return
			}
			if bn == nil {
				t.Fatal("no banner found")
			}
			if bn.Engine != tt.engine || bn.Rule == "" || bn.Text == "" {
				t.Errorf("engine %q rule %q text %q", bn.Engine, bn.Rule, bn.Text)
			}
			if (bn.Frame != "") != tt.frame {
				t.Errorf("frame %q", bn.Frame)
			}
			var roles []string
			for _, btn := range bn.Buttons {
				if btn.Role != "other" {
					roles = append(roles, btn.Role)
				}
				if btn.Label == "" || btn.Box.W <= 0 || btn.Box.H <= 0 || btn.Color == "" || btn.Background == "" || btn.FontSize <= 0 || btn.Contrast < 1 {
					t.Errorf("button not measured: %+v", btn)
				}
				if btn.Role == "reject" && btn.IsLink != tt.linkRej {
					t.Errorf("reject control %q: is link %v, want %v", btn.Label, btn.IsLink, tt.linkRej)
				}
			}
			if !sameSet(roles, tt.roles) {
				t.Errorf("roles %v, want %v (buttons %+v)", roles, tt.roles, bn.Buttons)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestRulesCoverThePlatforms(t *testing.T) {
	want := []string{"tarteaucitron", "axeptio", "didomi", "onetrust", "cookiebot", "usercentrics", "sirdata", "klaro",
		"cookieconsent (orestbida)", "osano", "cookieconsent (Osano, Insites)", "complianz", "cookieyes", "iubenda"}
	var got []string
	for _, r := range Rules {
		got = append(got, r.Engine)
		if len(r.Container) == 0 || len(r.Accept) == 0 {
			t.Errorf("rule %s has no container or accept selector", r.Engine)
		}
	}
	for _, e := range want {
		if !slices.Contains(got, e) {
			t.Errorf("no rule for %s", e)
		}
	}
	// Wordings are stored normalised: what banner.js compares them with.
	for _, list := range [][]string{Words.Accept, Words.Reject, Words.Settings, Keywords} {
		for _, w := range list {
			if w != strings.ToLower(w) || strings.ContainsAny(w, "éèêàçôùî") {
				t.Errorf("wording %q is not normalised", w)
			}
		}
	}
}

func TestContrast(t *testing.T) {
	tests := []struct {
		fg, bg string
		want   float64
	}{
		{"rgb(0, 0, 0)", "rgb(255, 255, 255)", 21},
		{"rgb(255, 255, 255)", "rgb(255, 255, 255)", 1},
		{"rgb(187, 187, 187)", "rgb(255, 255, 255)", 1.92},
		{"rgb(255, 255, 255)", "rgb(0, 85, 255)", 5.61},
		{"rgba(0, 0, 0, 0.5)", "rgb(255, 255, 255)", 3.98},
		{"color(srgb 1 0 0)", "rgb(255, 255, 255)", 0},
		{"", "rgb(0, 0, 0)", 0},
	}
	for _, tt := range tests {
		if got := Contrast(tt.fg, tt.bg); got != tt.want {
			t.Errorf("Contrast(%q, %q) = %v, want %v", tt.fg, tt.bg, got, tt.want)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "chromium")
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("x"), 0o644)

	t.Setenv("PATH", dir)
	if got, err := Find(""); err != nil || got != exe {
		t.Errorf("Find on PATH = %q, %v", got, err)
	}
	if got, err := Find(exe); err != nil || got != exe {
		t.Errorf("Find(given) = %q, %v", got, err)
	}
	for _, bad := range []string{plain, dir, filepath.Join(dir, "missing")} {
		if _, err := Find(bad); err == nil {
			t.Errorf("Find(%s): no error", bad)
		}
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := Find(""); err != ErrNotFound || !strings.Contains(err.Error(), "--browser") {
		t.Errorf("nothing on PATH: %v", err)
	}
}
