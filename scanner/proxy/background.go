package proxy

import (
	"path"
	"strings"
)

// backgroundHosts lists the hosts Chromium contacts on its own (component
// and extension updates, Safe Browsing, the optimisation guide, variations,
// sign-in, push messaging), not on a page's behalf. vigie starts the browser
// with the background-networking switches off, so these should not appear;
// a connection to one of them that slips through is marked Background.
//
// A pattern is a host name whose labels may hold path.Match wildcards, one
// label per label: "clients*.google.com" matches clients2.google.com, not
// a.b.google.com. A page can contact some of these hosts too (Sign in with
// Google loads accounts.google.com): Background is a hint that the browser
// collector cross-checks with the page's own requests (the same goes for
// translate.googleapis.com and the Google Translate widget).
var backgroundHosts = []struct {
	pattern, service string
}{
	{"update.googleapis.com", "component updater"},
	{"*.update.googleapis.com", "component updater"},
	{"edgedl.me.gvt1.com", "component downloads"},
	{"*.gvt1.com", "component downloads"},
	{"dl.google.com", "component downloads"},
	{"redirector.gvt1.com", "component downloads"},
	{"safebrowsing.googleapis.com", "Safe Browsing"},
	{"safebrowsing.google.com", "Safe Browsing"},
	{"safebrowsingohttpgateway.googleapis.com", "Safe Browsing"},
	{"sb-ssl.google.com", "Safe Browsing"},
	{"optimizationguide-pa.googleapis.com", "optimisation guide"},
	{"content-autofill.googleapis.com", "autofill"},
	{"clientservices.googleapis.com", "variations"},
	{"passwordsleakcheck-pa.googleapis.com", "password leak check"},
	{"chromesyncpasswords-pa.googleapis.com", "sync"},
	{"chromewebstore.googleapis.com", "web store"},
	{"translate-pa.googleapis.com", "translate"},
	{"translate.googleapis.com", "translate"},
	{"clients*.google.com", "updates, sync, metrics"},
	{"clients*.googleusercontent.com", "extension updates"},
	{"accounts.google.com", "sign-in"},
	{"android.clients.google.com", "sign-in"},
	{"mtalk.google.com", "push messaging"},
}

// IsBackground reports whether host is one of the well-known hosts that
// Chromium contacts by itself (backgroundHosts).
func IsBackground(host string) bool {
	host = normaliseHost(host)
	for _, b := range backgroundHosts {
		if matchHost(b.pattern, host) {
			return true
		}
	}
	return false
}

// matchHost matches host against pattern label by label.
func matchHost(pattern, host string) bool {
	pl, hl := strings.Split(pattern, "."), strings.Split(host, ".")
	if len(pl) != len(hl) {
		return false
	}
	for i := range pl {
		if ok, err := path.Match(pl[i], hl[i]); err != nil || !ok {
			return false
		}
	}
	return true
}
