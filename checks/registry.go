package checks

// registry is the one explicit list of checks, in report order. A check is
// added here and nowhere else; TestRegistry validates every entry.
var registry = concat(
	[]*Check{
		hostingThirdPartyCNAME,
		hostingCDNProxy,
		hostingOperatorOutsideEEA,
		dnsDanglingCNAME,
		dnsNoDNSSEC,
	},
	WebChecks,
	MailChecks,
	LegalChecks,
	SurveyChecks,
)

func concat(lists ...[]*Check) []*Check {
	var out []*Check
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// All returns every registered check, in report order.
func All() []*Check {
	out := make([]*Check, len(registry))
	copy(out, registry)
	return out
}

// Lookup returns the check with the given ID, or nil.
func Lookup(id string) *Check {
	for _, c := range registry {
		if c.ID == id {
			return c
		}
	}
	return nil
}
