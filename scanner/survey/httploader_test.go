package survey

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestHTTPLoaderRefusesWrites(t *testing.T) {
	lab := startLab(t)
	loader := &HTTPLoader{Transport: lab.transport()}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodConnect, http.MethodOptions, "post", ""} {
		_, err := loader.Load(context.Background(), m, "https://"+labSurveyHost+"/index.php/123456")
		if !errors.Is(err, ErrMethodNotAllowed) {
			t.Errorf("Load(%q): error %v, want ErrMethodNotAllowed", m, err)
		}
	}
	if reqs := lab.requests(); len(reqs) != 0 {
		t.Errorf("refused loads still reached the server: %q", reqs)
	}
}

// countingTransport counts the requests that reach it.
type countingTransport struct{ n int }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n++
	return nil, errors.New("not reached")
}

func TestRecordingTransportRefusesWrites(t *testing.T) {
	next := &countingTransport{}
	rt := &recordingTransport{next: next}
	req, err := http.NewRequest(http.MethodPost, "https://s.example/index.php/123456", strings.NewReader("answer=1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.RoundTrip(req); !errors.Is(err, ErrMethodNotAllowed) {
		t.Errorf("POST through the transport: %v, want ErrMethodNotAllowed", err)
	}
	if next.n != 0 {
		t.Error("a POST reached the underlying transport")
	}
}

func TestHTTPLoader(t *testing.T) {
	lab := startLab(t)
	loader := &HTTPLoader{Transport: lab.transport()}
	ctx := context.Background()

	obs, err := loader.Load(ctx, http.MethodGet, "https://"+labSurveyHost+"/redirect")
	if err != nil {
		t.Fatal(err)
	}
	if obs.Status != 200 || obs.FinalURL != "https://"+labSurveyHost+"/index.php/123456?lang=fr" {
		t.Errorf("status %d final %q", obs.Status, obs.FinalURL)
	}
	if !slices.Equal(obs.Requests, []string{"https://" + labSurveyHost + "/redirect", "https://" + labSurveyHost + "/index.php/123456?lang=fr"}) {
		t.Errorf("requests %q", obs.Requests)
	}
	var names []string
	for _, c := range obs.Cookies {
		names = append(names, c.Name)
		if c.Domain != labSurveyHost || c.Path != "/" || c.ID != "cookie/survey/"+labSurveyHost+"//"+c.Name {
			t.Errorf("cookie %+v", c)
		}
	}
	if !slices.Equal(names, []string{"LS-ZNIDJBOXUNKXWTIP", "YII_CSRF_TOKEN"}) {
		t.Errorf("cookies %v", names)
	}
	if !strings.Contains(string(obs.HTML), `id="limesurvey"`) || obs.Headers.Get("Content-Type") == "" {
		t.Error("body or headers missing")
	}
	for _, r := range lab.requests() {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("request %q", r)
		}
	}

	// A fresh cookie jar per load: the second load sends no cookie,
	// although the first one's redirect target set two.
	if _, err := loader.Load(ctx, http.MethodHead, "https://"+labSurveyHost+"/index.php/123456"); err != nil {
		t.Fatal(err)
	}
	if reqs := lab.requests(); reqs[len(reqs)-1] != "HEAD "+labSurveyHost+"/index.php/123456" {
		t.Errorf("second load: %q, want a HEAD without cookies", reqs[len(reqs)-1])
	}

	// The body is bounded.
	small := &HTTPLoader{Transport: lab.transport(), MaxBody: 1000}
	obs, err = small.Load(ctx, http.MethodGet, "https://"+labSurveyHost+"/big")
	if err != nil || len(obs.HTML) != 1000 {
		t.Errorf("bounded body: %d bytes, %v", len(obs.HTML), err)
	}

	// Only http(s) URLs.
	for _, u := range []string{"file:///etc/passwd", "ftp://x.example/", "not a url", "https://"} {
		if _, err := loader.Load(ctx, http.MethodGet, u); err == nil {
			t.Errorf("Load(%q) succeeded", u)
		}
	}
}
