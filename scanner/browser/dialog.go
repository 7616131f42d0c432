package browser

import (
	"context"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Bounds on the dialogs a visit records (a page can open them in a loop).
const (
	maxDialogs       = 50
	maxDialogMessage = 500
)

// Dialog answers.
const (
	dialogAccepted  = "accepted"
	dialogDismissed = "dismissed"
)

// dialogAnswer is how a visitor who does not engage closes a dialog: OK
// to an alert, leave to a beforeunload (the page is being left anyway),
// Cancel to a question (confirm, prompt). It reports whether to accept.
func dialogAnswer(typ page.DialogType) bool {
	switch typ {
	case page.DialogTypeAlert, page.DialogTypeBeforeunload:
		return true
	default:
		return false
	}
}

// onDialog closes a JavaScript dialog as soon as it opens — a dialog
// blocks the page's scripts, and a visit waiting on it would see nothing
// — and records it. It runs in the tab's event loop, so the answer is sent
// from another goroutine (a command sent from the loop would wait on it).
func (v *visit) onDialog(ev any) {
	e, ok := ev.(*page.EventJavascriptDialogOpening)
	if !ok {
		return
	}
	accept := dialogAnswer(e.Type)
	v.rec.dialog(e, accept)
	tctx := v.ctx
	go func() {
		ctx, cancel := context.WithTimeout(tctx, v.b.timing.Action)
		defer cancel()
		_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
	}()
}

// dialog records a dialog that opened, in the current page view and phase.
func (r *recorder) dialog(e *page.EventJavascriptDialogOpening, accept bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.dialogs) >= maxDialogs {
		return
	}
	answer := dialogDismissed
	if accept {
		answer = dialogAccepted
	}
	r.dialogs = append(r.dialogs, evidence.Dialog{
		Type: string(e.Type), Message: clipUTF8(e.Message, maxDialogMessage), URL: truncate(e.URL, maxURL),
		At: r.now().UTC(), PageView: r.view, Phase: r.phase, Answer: answer,
	})
}
