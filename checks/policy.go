package checks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Policy is the organisation's rules for a scan (the YAML file given with
// --policy): what counts as first party, which jurisdictions and processors
// are acceptable, severity overrides, and ignores with reasons and expiries.
type Policy struct {
	// Organisation describes whose site this is.
	Organisation Organisation `yaml:"organisation" json:"organisation"`
	// Allowed lists acceptable jurisdictions and processors.
	Allowed Allowed `yaml:"allowed" json:"allowed"`
	// Severity overrides a check's default severity: check ID → severity.
	Severity map[string]Severity `yaml:"severity" json:"severity,omitempty"`
	// Ignore suppresses findings, each with a reason and an optional expiry.
	Ignore []Ignore `yaml:"ignore" json:"ignore,omitempty"`
}

// Organisation names the organisation responsible for the site.
type Organisation struct {
	Name string `yaml:"name" json:"name,omitempty"`
	// Domains are the organisation's own registrable domains: names in them
	// are first party. The scanned site's registrable domain always is.
	Domains []string `yaml:"domains" json:"domains,omitempty"`
}

// Allowed lists what the organisation accepts.
type Allowed struct {
	// Countries lists ISO 3166-1 alpha-2 codes and blocs (EU, EEA, adequate, US).
	Countries []string `yaml:"countries" json:"countries,omitempty"`
	// Processors lists catalogue keys or names of accepted processors.
	Processors []string `yaml:"processors" json:"processors,omitempty"`
}

// Ignore suppresses the findings of one check, optionally for one subject
// or fingerprint, until an optional expiry date.
type Ignore struct {
	Check string `yaml:"check" json:"check"`
	// Subject, when set, limits the ignore to findings with this subject.
	Subject string `yaml:"subject" json:"subject,omitempty"`
	// Fingerprint, when set, limits the ignore to one finding.
	Fingerprint string `yaml:"fingerprint" json:"fingerprint,omitempty"`
	// Reason is required: an ignore without a reason is an error.
	Reason string `yaml:"reason" json:"reason"`
	// Expires is a date (YYYY-MM-DD) after which the ignore no longer applies.
	Expires string `yaml:"expires" json:"expires,omitempty"`
}

// Matches reports whether the ignore applies to f (expiry aside).
func (ig *Ignore) Matches(f *Finding) bool {
	if ig.Check != f.ID {
		return false
	}
	if ig.Subject != "" && !strings.EqualFold(ig.Subject, f.Subject) {
		return false
	}
	return ig.Fingerprint == "" || ig.Fingerprint == f.Fingerprint
}

// Expired reports whether the ignore's expiry date is before now.
func (ig *Ignore) Expired(now time.Time) bool {
	if ig.Expires == "" {
		return false
	}
	d, err := time.Parse(time.DateOnly, ig.Expires)
	if err != nil {
		return false
	}
	return !now.Before(d.AddDate(0, 0, 1))
}

// maxPolicySize bounds the policy file.
const maxPolicySize = 1 << 20

// LoadPolicy reads and validates a policy file.
func LoadPolicy(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	p, err := ParsePolicy(f)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	return p, nil
}

var (
	countryCode = regexp.MustCompile(`^[A-Z]{2}$`)
	domainName  = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$`)
)

// Blocs accepted in Allowed.Countries besides ISO codes.
var policyBlocs = map[string]string{"EU": "EU", "EEA": "EEA", "ADEQUATE": "adequate", "US": "US"}

// ParsePolicy reads a policy strictly: unknown keys, unknown check IDs,
// ignores without a reason and malformed dates or countries are errors.
func ParsePolicy(r io.Reader) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPolicySize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPolicySize {
		return nil, fmt.Errorf("larger than %d bytes", maxPolicySize)
	}
	p := &Policy{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
		// yaml lists several problems on several lines: keep one line.
		return nil, fmt.Errorf("parse: %s", strings.Join(strings.Fields(err.Error()), " "))
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Policy) validate() error {
	for i, d := range p.Organisation.Domains {
		d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
		if !domainName.MatchString(d) {
			return fmt.Errorf("organisation.domains[%d]: %q is not a domain name", i, p.Organisation.Domains[i])
		}
		p.Organisation.Domains[i] = d
	}
	for i, c := range p.Allowed.Countries {
		u := strings.ToUpper(strings.TrimSpace(c))
		if b, ok := policyBlocs[u]; ok {
			p.Allowed.Countries[i] = b
			continue
		}
		if !countryCode.MatchString(u) {
			return fmt.Errorf("allowed.countries[%d]: %q is neither an ISO 3166-1 alpha-2 code nor a bloc (EU, EEA, adequate, US)", i, c)
		}
		p.Allowed.Countries[i] = u
	}
	for id := range p.Severity {
		if Lookup(id) == nil {
			return fmt.Errorf("severity: unknown check ID %q (see `vigie checks`)", id)
		}
	}
	for i, ig := range p.Ignore {
		if ig.Check == "" {
			return fmt.Errorf("ignore[%d]: check is required", i)
		}
		if Lookup(ig.Check) == nil {
			return fmt.Errorf("ignore[%d]: unknown check ID %q (see `vigie checks`)", i, ig.Check)
		}
		if strings.TrimSpace(ig.Reason) == "" {
			return fmt.Errorf("ignore[%d] (%s): a reason is required", i, ig.Check)
		}
		if ig.Expires != "" {
			if _, err := time.Parse(time.DateOnly, ig.Expires); err != nil {
				return fmt.Errorf("ignore[%d] (%s): expires %q is not a date (YYYY-MM-DD)", i, ig.Check, ig.Expires)
			}
		}
	}
	return nil
}

// AllowsCountry reports whether an operator in country (ISO code) whose
// bloc is bloc is acceptable under the policy.
func (p *Policy) AllowsCountry(country, bloc string) bool {
	if p == nil {
		return false
	}
	for _, a := range p.Allowed.Countries {
		switch {
		case a == country:
			return true
		case a == bloc && bloc != "":
			return true
		case a == "EEA" && bloc == "EU":
			return true
		}
	}
	return false
}
