// Package checks turns evidence into findings.
//
// A Check is a documented value — ID, title, default severity, rationale,
// references, remediation, the kinds of evidence it needs and a pure Run
// function — registered in one explicit list (All). Checks never do I/O: they
// are tested with a hand-built evidence.Evidence value. Run applies every
// check, marks those whose evidence is missing as not-evaluated (never pass),
// applies the policy's severity overrides and ignores, and fingerprints each
// finding so that CI baselines can tell new findings from known ones.
package checks

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Check is one rule vigie applies to the evidence.
type Check struct {
	// ID is stable: users put it in ignore lists and CI rules.
	ID string
	// Title says in a few words what the check looks for.
	Title string
	// Severity is the default severity of its findings; the policy may override it.
	Severity Severity
	// Rationale explains why it matters, for the report's reader.
	Rationale string
	// Refs lists the legal texts, guidelines or standards it rests on.
	Refs []string
	// Remediation proposes a fix, with an open alternative where one exists.
	Remediation string
	// Needs lists the kinds of evidence without which it cannot run.
	Needs []evidence.Kind
	// Run inspects the evidence and returns the findings. It returns an
	// error made with NotEvaluated when the evidence it needs is absent in a
	// way Needs cannot express.
	Run func(p *Pass) ([]Finding, error)
}

// Pass is what a check's Run receives: the evidence, the policy, the run's
// clock and the facts derived from them once for every check.
type Pass struct {
	Evidence *evidence.Evidence
	Policy   *Policy
	// Now is the run's time: judgments that depend on the date (a
	// version's end of support, an ignore's expiry) use it, so that
	// re-checking saved evidence judges it as of today.
	Now time.Time

	facts *Facts
}

// Facts returns the facts derived from the pass's evidence, deriving them
// on first use (RunChecks derives them before any check runs).
func (p *Pass) Facts() *Facts {
	if p.facts == nil {
		p.facts = DeriveFacts(p.Evidence, p.Policy, p.Now)
	}
	return p.facts
}

// IsFirstParty reports whether host belongs to the organisation: the
// target's registrable domain or one of the policy's organisation domains
// (or a subdomain of one).
func (p *Pass) IsFirstParty(host string) bool {
	return p.Facts().IsFirstParty(host)
}

// Finding is one problem (or, at Info severity, one inventory item) found by a check.
type Finding struct {
	// ID is the ID of the check that produced it.
	ID string `json:"id"`
	// Severity is the check's (or the policy's); a check's Run may set a
	// higher one for a finding that deserves it (an outdated version).
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	// Subject is what the finding is about (a host name, a cookie, a mail):
	// with the check and the target it makes the fingerprint.
	Subject string `json:"subject"`
	// Summary says what was seen and why it matters, in one paragraph.
	Summary    string   `json:"summary"`
	References []string `json:"references"`
	// Remediation is the check's remediation, repeated for self-contained findings.
	Remediation string `json:"remediation,omitempty"`
	// Evidence lists the IDs of the evidence records behind the finding.
	Evidence []string `json:"evidence"`
	// Fingerprint identifies the finding across runs (no timestamps in it).
	Fingerprint string `json:"fingerprint"`
	// Ignore is the policy entry that suppresses it, if any.
	Ignore *Ignore `json:"ignored_by,omitempty"`
}

// Status is a check's outcome on one scan.
type Status string

// Statuses. A check whose evidence is missing is not-evaluated, never pass.
const (
	StatusPass         Status = "pass"
	StatusFail         Status = "fail"
	StatusNotEvaluated Status = "not-evaluated"
	StatusError        Status = "error"
)

// Result is one check's outcome, kept for passes too: a DPO's evidence
// needs what was checked and found fine, not only what failed.
type Result struct {
	Check    string   `json:"check"`
	Status   Status   `json:"status"`
	Severity Severity `json:"severity"`
	// Findings counts the findings, Ignored those the policy suppressed.
	Findings int `json:"findings,omitempty"`
	Ignored  int `json:"ignored,omitempty"`
	// Reason explains a not-evaluated or error status.
	Reason string `json:"reason,omitempty"`
}

type notEvaluated struct{ reason string }

func (e notEvaluated) Error() string { return e.reason }

// NotEvaluated returns an error that makes Run report the check as
// not-evaluated with the given reason.
func NotEvaluated(format string, args ...any) error {
	return notEvaluated{reason: fmt.Sprintf(format, args...)}
}

// IsNotEvaluated reports whether err was made by NotEvaluated.
func IsNotEvaluated(err error) bool {
	var ne notEvaluated
	return errors.As(err, &ne)
}

// Fingerprint identifies a finding from its check, the scanned target and
// its subject, so that the same problem on the same site has the same
// fingerprint in every run.
func Fingerprint(checkID, target, subject string) string {
	h := sha256.New()
	for _, s := range []string{checkID, target, subject} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}
