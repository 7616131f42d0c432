package reports

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/vigie-scan/vigie/schemas"
)

// WriteJSON writes r as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("report.json: %w", err)
	}
	return nil
}

// maxReportSize bounds a report.json read back (vigie check, --baseline,
// vigie diff).
const maxReportSize = 256 << 20

// ReadJSON reads a report.json. It must conform to the published schema
// (schemas/report.schema.json): a file it rejects — a null target, a key
// vigie never writes — is an error naming the problems, never evidence to
// judge. Keys earlier versions wrote and this one no longer does are
// accepted and ignored.
func ReadJSON(rd io.Reader) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(rd, maxReportSize+1))
	if err != nil {
		return nil, fmt.Errorf("report.json: %w", err)
	}
	if len(data) > maxReportSize {
		return nil, fmt.Errorf("report.json: larger than %d MiB", maxReportSize>>20)
	}
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("report.json: %w", err)
	}
	if head.Schema != Schema {
		return nil, fmt.Errorf("report.json: schema %q, want %q", head.Schema, Schema)
	}
	if err := schemas.ValidateReport(data); err != nil {
		return nil, fmt.Errorf("report.json: %w", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("report.json: %w", err)
	}
	if r.Evidence == nil {
		return nil, fmt.Errorf("report.json: no evidence")
	}
	return &r, nil
}
