package checks

import (
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// TestNamedIn is declared-vs-observed at the company's level: a page naming
// the company, its EU establishment, its group or any of its products
// declares the observed product, and the Naming keeps what the page wrote;
// false friends declare nothing.
func TestNamedIn(t *testing.T) {
	ga := &evidence.Organisation{ID: "org/google-analytics", Name: "Google Analytics", LegalEntity: "Google LLC",
		EUEstablishment: "Google Ireland Limited", Parent: "Alphabet Inc.", Country: "US", Categories: []string{"analytics"}, Catalogue: "google-analytics"}
	linkedin := &evidence.Organisation{ID: "org/linkedin", Name: "LinkedIn", LegalEntity: "LinkedIn Corporation",
		EUEstablishment: "LinkedIn Ireland Unlimited Company", Parent: "Microsoft Corporation", Catalogue: "linkedin"}
	clarity := &evidence.Organisation{ID: "org/microsoft-clarity", Name: "Microsoft Clarity", LegalEntity: "Microsoft Corporation",
		EUEstablishment: "Microsoft Ireland Operations Limited", Catalogue: "microsoft-clarity"}
	hotjar := &evidence.Organisation{ID: "org/hotjar", Name: "Hotjar", LegalEntity: "Hotjar Ltd", Parent: "Contentsquare SAS", Catalogue: "hotjar"}
	registry := &evidence.Organisation{ID: "org/conseil-departemental", Name: "Conseil départemental de la Manche", LegalEntity: "Conseil départemental de la Manche"}
	google := func(entity, name, as string) evidence.Mention {
		return evidence.Mention{Entity: entity, Name: name, As: as, LegalEntity: "Google LLC", EUEstablishment: "Google Ireland Limited",
			Parent: "Alphabet Inc.", Span: evidence.Span{Source: "legal/2", Text: "… " + name + " …"}}
	}
	microsoft := evidence.Mention{Entity: "microsoft", Name: "Microsoft", As: evidence.MentionName, LegalEntity: "Microsoft Corporation",
		EUEstablishment: "Microsoft Ireland Operations Limited", Span: evidence.Span{Source: "legal/2"}}
	li := evidence.Mention{Entity: "linkedin", Name: "LinkedIn", As: evidence.MentionName, LegalEntity: "LinkedIn Corporation",
		EUEstablishment: "LinkedIn Ireland Unlimited Company", Parent: "Microsoft Corporation", Span: evidence.Span{Source: "legal/2"}}
	github := evidence.Mention{Entity: "github", Name: "GitHub", As: evidence.MentionName, LegalEntity: "GitHub, Inc.",
		Parent: "Microsoft Corporation", Span: evidence.Span{Source: "legal/2"}}
	tests := []struct {
		name     string
		observed *evidence.Organisation
		mentions []evidence.Mention
		how, as  string
	}{
		{"the product itself", ga, []evidence.Mention{google("google-analytics", "Google Analytics", evidence.MentionName)}, NamedMention, "Google Analytics"},
		{"the company's legal entity", ga, []evidence.Mention{google("google", "Google LLC", evidence.MentionLegalEntity)}, NamedCompany, "Google LLC"},
		{"the company's EU establishment", ga, []evidence.Mention{google("google", "Google Ireland Limited", evidence.MentionEUEstablishment)}, NamedCompany, "Google Ireland Limited"},
		{"the company by its usual name", ga, []evidence.Mention{google("google", "Google", evidence.MentionName)}, NamedCompany, "Google"},
		{"another product of the company", ga, []evidence.Mention{google("youtube", "YouTube", evidence.MentionName)}, NamedSameCompany, "YouTube"},
		// "Google" inside "Google Fonts" names the company Google LLC,
		// the recipient of the analytics too; the Naming says it was Fonts.
		{"Google Fonts names Google", ga, []evidence.Mention{google("google-fonts", "Google Fonts", evidence.MentionName)}, NamedSameCompany, "Google Fonts"},
		{"the group", ga, []evidence.Mention{google("google", "Alphabet Inc.", evidence.MentionGroup)}, NamedGroup, "Alphabet Inc."},
		{"the closest naming wins", ga, []evidence.Mention{
			google("youtube", "YouTube", evidence.MentionName),
			google("google", "Google Ireland Limited", evidence.MentionEUEstablishment),
			google("google-analytics", "Google Analytics", evidence.MentionName),
		}, NamedMention, "Google Analytics"},
		{"the group's head company names its subsidiary", linkedin, []evidence.Mention{microsoft}, NamedGroup, "Microsoft"},
		{"a group company's parent named by its legal entity", hotjar, []evidence.Mention{{Entity: "contentsquare", Name: "Contentsquare SAS",
			As: evidence.MentionLegalEntity, LegalEntity: "Contentsquare SAS", Span: evidence.Span{Source: "legal/2"}}}, NamedGroup, "Contentsquare SAS"},
		{"a registry-named organisation by its name", registry, []evidence.Mention{{Entity: "x", Name: "Conseil Départemental de la Manche", As: evidence.MentionName, Span: evidence.Span{Source: "legal/2"}}}, NamedMention, "Conseil Départemental de la Manche"},
		// False friends.
		{"a subsidiary does not name its sister company", clarity, []evidence.Mention{li}, "", ""},
		{"a sister company does not name another", linkedin, []evidence.Mention{github}, "", ""},
		{"a subsidiary does not name its parent", clarity, []evidence.Mention{github}, "", ""},
		{"another company of another group", ga, []evidence.Mention{microsoft, li}, "", ""},
		{"a group mention names only the group", clarity, []evidence.Mention{{Entity: "linkedin", Name: "Alphabet", As: evidence.MentionGroup,
			LegalEntity: "Microsoft Corporation", Parent: "Alphabet Inc."}}, "", ""},
		{"empty companies do not match", &evidence.Organisation{ID: "org/x", Name: "X"}, []evidence.Mention{{Entity: "y", Name: "Y", As: evidence.MentionName}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lg := &evidence.Legal{Pages: []evidence.LegalPage{{ID: "legal/2", Kind: "privacy"}}, Mentions: tt.mentions}
			n := namedIn(lg, tt.observed)
			switch {
			case tt.how == "" && n != nil:
				t.Errorf("named %+v, want not named", *n)
			case tt.how == "":
			case n == nil:
				t.Errorf("not named, want %s as %q", tt.how, tt.as)
			case n.How != tt.how || n.As != tt.as || n.Page != "privacy" || n.Span.Source != "legal/2":
				t.Errorf("named %+v, want %s as %q on the privacy page legal/2", *n, tt.how, tt.as)
			}
		})
	}
}
