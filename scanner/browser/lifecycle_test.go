package browser

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// A scan whose context is cancelled mid-visit leaves no Chromium process of
// its profile and no temporary directory; on the way, the third-party
// cookie policy "block" records the refused cookie with its reason.
func TestCancelCleansUpAndBlockPolicy(t *testing.T) {
	exe := requireBrowser(t)
	w, err := newWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	recordingSite(w)
	hung := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	w.handle("slow.cancel.test", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			rw.WriteHeader(http.StatusNoContent)
			return
		}
		rw.Header().Set("Content-Type", "text/html")
		io.WriteString(rw, `<html><body><img src="/never.png">`)
		rw.(http.Flusher).Flush()
		select {
		case hung <- struct{}{}:
		default:
		}
		<-release // the page never finishes loading
	}))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := Start(ctx, Config{Exec: exe, Proxy: w.proxy.Addr().String(), TrustCerts: []string{w.caFile},
		ThirdPartyCookies: ThirdPartyBlock, Timing: testTiming})
	if err != nil {
		t.Fatal(err)
	}
	if info := b.Info(); !strings.HasPrefix(info.ThirdPartyCookies, "blocked") || info.Version == "" || strings.Contains(info.UserAgent, "Headless") {
		t.Errorf("browser info %+v", info)
	}
	dir, profile := b.Dir(), b.Profile()
	if len(ProfileProcesses(profile)) == 0 {
		t.Fatal("no process found for the running browser's profile: the test could not see a leak")
	}

	res := b.Visit(ctx, VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: "https://portal.rec.test/", Name: "initial"})
	var blocked *evidence.Cookie
	for i, c := range res.Visit.Cookies {
		if c.Name == "uid" {
			blocked = &res.Visit.Cookies[i]
		}
	}
	if blocked == nil || blocked.Blocked == "" || blocked.SetBy == nil || blocked.SetBy.Request == "" {
		t.Errorf("third-party cookie under the block policy: %+v", blocked)
	}

	done := make(chan *VisitResult)
	go func() {
		done <- b.Visit(ctx, VisitSpec{ID: "visit/reject", State: evidence.StateReject, URL: "https://slow.cancel.test/", Action: ActionReject})
	}()
	<-hung
	cancel() // as Ctrl-C or the scan's timeout would
	r := <-done
	if r.Visit.Error == "" {
		t.Error("a cancelled visit reports no error")
	}
	<-b.Done()
	if err := b.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if pids := ProfileProcesses(profile); len(pids) > 0 {
		t.Errorf("Chromium processes left after cancel: %v", pids)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temporary directory %s left behind (%v)", dir, err)
	}
}

func TestStartFails(t *testing.T) {
	if _, err := Start(t.Context(), Config{}); err == nil {
		t.Error("no binary: no error")
	}
	f := t.TempDir() + "/not-a-browser"
	os.WriteFile(f, []byte("#!/bin/sh\nexit 1\n"), 0o755)
	td := t.TempDir()
	if _, err := Start(t.Context(), Config{Exec: f, TempDir: td, StartTimeout: 20 * time.Second}); err == nil {
		t.Error("a binary that exits at once: no error")
	}
	if left, _ := os.ReadDir(td); len(left) > 0 {
		t.Errorf("a failed start left %d temporary file(s)", len(left))
	}
}
