// Package survey recognises consultation and survey platforms, observes a
// participation form's controls, and recognises block and challenge pages —
// passively: it only ever reads pages (GET or HEAD) and never submits an
// answer to a live consultation.
//
// Everything here works on an Observation, one page load as a visitor's
// browser saw it. A Loader produces observations: the scanner's browser in a
// scan, HTTPLoader in tests and for the direct-versus-proxy comparison.
// Recognise names the platform (with its version when the page exposes it,
// judged against a dated table of supported versions), Controls describes
// what stands between a visitor and the form (login, per-participant token,
// captcha, duplicate control), and Challenge names a block or challenge page
// (Cloudflare, Akamai, Imperva, DataDome, Sucuri, plain 403/429). Analyse
// puts them together for one URL.
//
// Every input comes from the scanned site and is hostile: sizes and counts
// are bounded, nothing panics, and nothing is executed.
package survey

import (
	"context"
	"errors"
	"net/http"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Observation is one page load as a visitor saw it, without interaction.
type Observation struct {
	// URL is the URL asked for; FinalURL where the load ended after redirects.
	URL      string
	FinalURL string
	// Status is the main document's HTTP status.
	Status int
	// Headers are the main document's response headers.
	Headers http.Header
	// HTML is the main document's body (bounded by the loader).
	HTML []byte
	// Cookies lists the cookies present after the load; only names matter here.
	Cookies []evidence.Cookie
	// Requests lists the URLs the page loaded (the browser's requests, or
	// the redirect chain for a plain HTTP load).
	Requests []string
}

// Loader loads pages. Implementations only ever read: they refuse any
// method other than GET or HEAD with ErrMethodNotAllowed, so that vigie can
// never submit an answer to a consultation, and they load each page in a
// fresh context (no cookie from an earlier load).
type Loader interface {
	Load(ctx context.Context, method, url string) (Observation, error)
}

// ErrMethodNotAllowed is returned by a Loader asked for a method other than
// GET or HEAD.
var ErrMethodNotAllowed = errors.New("survey: only GET and HEAD are allowed")

// readOnly reports whether method is one a Loader may use.
func readOnly(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}
