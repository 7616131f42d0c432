package survey

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// maxEmbeds bounds the embedded survey forms (iframes) loaded from one page.
const maxEmbeds = 3

// ChallengeError is returned by Analyse when the page answered a block or
// challenge page instead of the consultation: nothing could be observed.
type ChallengeError struct {
	URL     string
	Status  int
	Name    string
	Signals []string
}

func (e *ChallengeError) Error() string {
	return fmt.Sprintf("%s answered a block or challenge page (%s, HTTP %d: %s)", e.URL, e.Name, e.Status, strings.Join(e.Signals, "; "))
}

// StatusError is returned by Analyse when the page answered an error status.
type StatusError struct {
	URL    string
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s answered HTTP %d", e.URL, e.Status)
}

// Analyse loads target with l (GET only) and returns the platforms it
// recognises and the participation forms it shows, with their controls.
// When target carries a participant token, the page is loaded again without
// it: what matters is whether the form opens without one. When the page
// itself shows no form but embeds a known survey platform's form (an
// iframe), up to three such forms are loaded and examined too. A block or
// challenge page is a *ChallengeError, an error status a *StatusError.
func Analyse(ctx context.Context, l Loader, target string) (*evidence.Survey, error) {
	obs, err := l.Load(ctx, http.MethodGet, target)
	if err != nil {
		return nil, fmt.Errorf("survey: %w", err)
	}
	return AnalyseObservation(ctx, l, obs)
}

// AnalyseObservation is Analyse for a page already loaded — the browser's
// first visit, in a scan — with l loading only what else is needed (the
// page without its token, embedded forms); a nil l loads nothing more.
func AnalyseObservation(ctx context.Context, l Loader, obs Observation) (*evidence.Survey, error) {
	target := obs.URL
	if err := usable(obs); err != nil {
		return nil, fmt.Errorf("survey: %w", err)
	}
	s := &evidence.Survey{}
	p := parsePage(obs.HTML)
	s.Platforms = recognise(obs, p)

	ctlObs, ctlPage := obs, p
	var note []string
	stripped, hasToken := withoutToken(target)
	if hasToken && l == nil {
		return s, fmt.Errorf("survey: %s carries a participant token and nothing may load it without: participation controls not observed", printable(redactToken(target), 200))
	}
	if hasToken {
		o2, err := l.Load(ctx, http.MethodGet, stripped)
		if err != nil {
			return s, fmt.Errorf("survey: loading the page without its token: %w", err)
		}
		note = append(note, "loaded again without the URL's participant token: "+printable(stripped, 200))
		// A plain refusal without the token is the token gate itself; a
		// vendor's challenge page says nothing about the form.
		err2 := usable(o2)
		var ce *ChallengeError
		refused := o2.Status == http.StatusUnauthorized || (errors.As(err2, &ce) && ce.Name == ChallengeForbidden)
		switch {
		case refused:
			s.Forms = append(s.Forms, evidence.Form{
				URL: redactToken(pageURL(o2)), TokenRequired: true, DuplicateControl: DuplicateToken,
				Signals: append(note, "token: without its token parameter the page answers HTTP "+strconv.Itoa(o2.Status)),
			})
			numberForms(s)
			return s, nil
		case err2 != nil:
			return s, fmt.Errorf("survey: loading the page without its token: %w", err2)
		}
		ctlObs, ctlPage = o2, parsePage(o2.HTML)
		s.Platforms = mergePlatforms(s.Platforms, recognise(ctlObs, ctlPage))
	}
	if f, ok := controls(ctlObs, ctlPage); ok {
		f.Signals = append(note, f.Signals...)
		s.Forms = append(s.Forms, f)
	} else if l != nil {
		var errs []error
		for _, src := range embeddedForms(pageURL(ctlObs), ctlPage) {
			eo, err := l.Load(ctx, http.MethodGet, src)
			if err == nil {
				err = usable(eo)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("survey: embedded form: %w", err))
				continue
			}
			ep := parsePage(eo.HTML)
			s.Platforms = mergePlatforms(s.Platforms, recognise(eo, ep))
			if f, ok := controls(eo, ep); ok {
				f.Signals = append([]string{"embedded in " + printable(redactToken(pageURL(ctlObs)), 200)}, f.Signals...)
				s.Forms = append(s.Forms, f)
			}
		}
		if err := errors.Join(errs...); err != nil {
			numberForms(s)
			return s, err
		}
	}
	numberForms(s)
	return s, nil
}

// usable returns why an observation cannot be analysed: a block or
// challenge page, or an error status other than 401 (a login is a control).
func usable(obs Observation) error {
	if name, signals := Challenge(obs.Status, obs.Headers, obs.HTML); name != "" {
		return &ChallengeError{URL: pageURL(obs), Status: obs.Status, Name: name, Signals: signals}
	}
	if obs.Status >= 400 && obs.Status != http.StatusUnauthorized {
		return &StatusError{URL: pageURL(obs), Status: obs.Status}
	}
	return nil
}

// embeddedForms returns the absolute URLs of the page's iframes that a
// platform signature recognises as an embedded form, at most maxEmbeds.
func embeddedForms(base string, p *page) []string {
	b, err := url.Parse(base)
	if err != nil {
		return nil
	}
	var out []string
	for _, src := range p.iframes {
		u, err := b.Parse(src)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		abs := u.String()
		if slices.Contains(out, abs) || !embedsPlatform(abs) {
			continue
		}
		out = append(out, abs)
		if len(out) == maxEmbeds {
			break
		}
	}
	return out
}

// embedsPlatform reports whether a URL is one of a known platform's forms.
func embedsPlatform(u string) bool {
	host := hostOf(u)
	for _, sig := range signatures {
		for _, s := range sig.Signals {
			if s.Weight < strong {
				continue
			}
			if (s.Kind == inRef || s.Kind == inPageURL) && s.Pattern.MatchString(u) {
				return true
			}
			if s.Kind == inHost && s.Pattern.MatchString(host) {
				return true
			}
		}
	}
	return false
}

// mergePlatforms adds the platforms of more to those of into, merging the
// signals of a platform seen twice.
func mergePlatforms(into, more []evidence.Platform) []evidence.Platform {
	for _, m := range more {
		i := slices.IndexFunc(into, func(p evidence.Platform) bool { return p.ID == m.ID })
		if i < 0 {
			into = append(into, m)
			continue
		}
		for _, s := range m.Signals {
			if !slices.Contains(into[i].Signals, s) {
				into[i].Signals = append(into[i].Signals, s)
			}
		}
		if into[i].Version == "" && m.Version != "" {
			into[i].Version = m.Version
		}
	}
	return into
}

// Merge adds the platforms and forms of more (another page's analysis) to
// into: a platform seen again gains its signals (and version), and the
// forms are renumbered.
func Merge(into, more *evidence.Survey) {
	if more == nil {
		return
	}
	into.Platforms = mergePlatforms(into.Platforms, more.Platforms)
	into.Forms = append(into.Forms, more.Forms...)
	numberForms(into)
}

func numberForms(s *evidence.Survey) {
	for i := range s.Forms {
		s.Forms[i].ID = "survey/form/" + strconv.Itoa(i+1)
	}
}
