package checks

import "strings"

// This file judges where an organisation's country stands for transfers of
// personal data from the EU. The evidence keeps only the country (a fact);
// the blocs and adequacy decisions are vigie's reading of the law, kept
// here so that re-checking saved evidence applies today's table.

// Blocs group countries by the GDPR rules for sending personal data there (Chapter V): within
// the EU and EEA data moves freely; to a country with an adequacy decision (Art. 45) it moves
// without further safeguards; elsewhere the sender needs Art. 46 safeguards. The United States
// is its own bloc because its adequacy decision covers only certified organisations.
const (
	BlocEU       = "EU"
	BlocEEA      = "EEA"
	BlocAdequate = "adequate"
	BlocUS       = "US"
	BlocOther    = "other"
)

// euMembers are the 27 EU member states, plus the ISO codes of territories that are part of the
// EU although ISO 3166-1 lists them apart.
var euMembers = map[string]bool{
	"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true,
	"EE": true, "FI": true, "FR": true, "DE": true, "GR": true, "HU": true, "IE": true,
	"IT": true, "LV": true, "LT": true, "LU": true, "MT": true, "NL": true, "PL": true,
	"PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
	"EL": true, // Greece, as the EU itself writes it
	// Outermost regions and other parts of member states with their own ISO code.
	"GF": true, "GP": true, "MQ": true, "RE": true, "YT": true, "MF": true, // France
	"AX": true, // Åland Islands, Finland
}

// eeaOnly are the EEA members outside the EU.
var eeaOnly = map[string]bool{"IS": true, "LI": true, "NO": true}

// adequacyDecisions lists the countries and territories with a European Commission adequacy
// decision under GDPR Art. 45 (or the Directive 95/46/EC decisions it kept in force), as of
// 2026, with the decision each rests on. The United States is not here: its decision covers only
// organisations certified under the Data Privacy Framework (see BlocUS). Not countries and so
// not listed: the European Patent Organisation. Keep this list in step with the Commission's
// page "Adequacy decisions".
var adequacyDecisions = map[string]string{
	"AD": "Andorra: Commission Decision 2010/625/EU",
	"AR": "Argentina: Commission Decision 2003/490/EC",
	"CA": "Canada: Commission Decision 2002/2/EC (commercial organisations subject to PIPEDA only)",
	"FO": "Faroe Islands: Commission Decision 2010/146/EU",
	"GG": "Guernsey: Commission Decision 2003/821/EC",
	"IL": "Israel: Commission Decision 2011/61/EU",
	"IM": "Isle of Man: Commission Decision 2004/411/EC",
	"JP": "Japan: Commission Implementing Decision (EU) 2019/419 (private sector)",
	"JE": "Jersey: Commission Decision 2008/393/EC",
	"NZ": "New Zealand: Commission Decision 2013/65/EU",
	"KR": "Republic of Korea: Commission Implementing Decision (EU) 2022/254",
	"CH": "Switzerland: Commission Decision 2000/518/EC",
	"GB": "United Kingdom: Commission Implementing Decision (EU) 2021/1772, extended in 2025 pending renewal (check the decision in force)",
	"UY": "Uruguay: Commission Decision 2012/484/EU",
}

// Bloc returns the transfer bloc of an ISO 3166-1 alpha-2 country code: BlocEU for the 27 member
// states, BlocEEA for Iceland, Liechtenstein and Norway, BlocAdequate for a country with an EU
// adequacy decision, BlocUS for the United States, BlocOther for any other code, and "" for an
// empty one. Case and surrounding spaces are ignored.
func Bloc(country string) string {
	c := strings.ToUpper(strings.TrimSpace(country))
	switch {
	case c == "":
		return ""
	case euMembers[c]:
		return BlocEU
	case eeaOnly[c]:
		return BlocEEA
	case c == "US":
		return BlocUS
	case adequacyDecisions[c] != "":
		return BlocAdequate
	}
	return BlocOther
}

// AdequacyDecision names the adequacy decision covering a country, or "" when there is none.
// The United States gives the Data Privacy Framework decision, which covers certified
// organisations only.
func AdequacyDecision(country string) string {
	c := strings.ToUpper(strings.TrimSpace(country))
	if c == "US" {
		return usDecision
	}
	return adequacyDecisions[c]
}

const usDecision = "United States: Commission Implementing Decision (EU) 2023/1795 (EU-US Data Privacy Framework), for certified organisations only"

// Jurisdiction is vigie's reading of an organisation's country for
// transfers of personal data from the EU.
type Jurisdiction struct {
	// Country is the organisation's country (ISO 3166-1 alpha-2), from the evidence.
	Country string `json:"country"`
	// Bloc is EU, EEA, adequate, US or other.
	Bloc string `json:"bloc"`
	// Adequacy names the adequacy decision covering the country, if any.
	Adequacy string `json:"adequacy,omitempty"`
	// Note says what the bloc means for transfers, in one sentence.
	Note string `json:"note,omitempty"`
}

// InEEA reports whether the country is in the EU or the EEA, where the
// GDPR applies and no transfer rules are needed.
func (j Jurisdiction) InEEA() bool { return j.Bloc == BlocEU || j.Bloc == BlocEEA }

// JudgeCountry reads a country code (case and spaces ignored); an empty
// one gives the zero Jurisdiction.
func JudgeCountry(country string) Jurisdiction {
	c := strings.ToUpper(strings.TrimSpace(country))
	b := Bloc(c)
	if b == "" {
		return Jurisdiction{}
	}
	return Jurisdiction{Country: c, Bloc: b, Adequacy: AdequacyDecision(c), Note: BlocNote(b)}
}

// BlocNote explains, in one sentence for a report, what a bloc means for transfers of personal
// data from the EU. It returns "" for an unknown or empty bloc.
func BlocNote(bloc string) string {
	switch bloc {
	case BlocEU:
		return "EU member state: the GDPR applies directly; no transfer outside the EU"
	case BlocEEA:
		return "EEA member outside the EU: the GDPR applies through the EEA Agreement; no transfer rules beyond the GDPR"
	case BlocAdequate:
		return "EU adequacy decision (GDPR Art. 45): transfers need no further safeguards, within the decision's scope"
	case BlocUS:
		return "adequacy (EU-US Data Privacy Framework, 2023) covers only organisations certified under the DPF; others need Art. 46 safeguards, and US surveillance law (FISA s. 702) applies to US operators"
	case BlocOther:
		return "no adequacy decision: transfers need Art. 46 safeguards"
	}
	return ""
}
