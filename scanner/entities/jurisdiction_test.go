package entities_test

import (
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/entities"
)

func TestBloc(t *testing.T) {
	tests := []struct{ country, want string }{
		{"FR", entities.BlocEU},
		{"fr", entities.BlocEU},
		{" de ", entities.BlocEU},
		{"IE", entities.BlocEU},
		{"MT", entities.BlocEU},
		{"GR", entities.BlocEU},
		{"EL", entities.BlocEU},
		{"RE", entities.BlocEU}, // La Réunion, part of France
		{"NO", entities.BlocEEA},
		{"IS", entities.BlocEEA},
		{"li", entities.BlocEEA},
		{"CH", entities.BlocAdequate},
		{"GB", entities.BlocAdequate},
		{"JP", entities.BlocAdequate},
		{"KR", entities.BlocAdequate},
		{"CA", entities.BlocAdequate},
		{"NZ", entities.BlocAdequate},
		{"IL", entities.BlocAdequate},
		{"UY", entities.BlocAdequate},
		{"US", entities.BlocUS},
		{"us", entities.BlocUS},
		{"CN", entities.BlocOther},
		{"RU", entities.BlocOther},
		{"IN", entities.BlocOther},
		{"BR", entities.BlocOther},
		{"UK", entities.BlocOther}, // not an ISO code: the catalogue rejects it
		{"", ""},
		{"  ", ""},
	}
	for _, tt := range tests {
		if got := entities.Bloc(tt.country); got != tt.want {
			t.Errorf("Bloc(%q) = %q, want %q", tt.country, got, tt.want)
		}
	}
}

func TestBlocValuesAreStable(t *testing.T) {
	// Reports and policy files carry these strings.
	for got, want := range map[string]string{
		entities.BlocEU: "EU", entities.BlocEEA: "EEA", entities.BlocAdequate: "adequate",
		entities.BlocUS: "US", entities.BlocOther: "other",
	} {
		if got != want {
			t.Errorf("bloc constant %q, want %q", got, want)
		}
	}
}

func TestBlocNote(t *testing.T) {
	tests := []struct{ bloc, mention string }{
		{entities.BlocEU, "GDPR"},
		{entities.BlocEEA, "EEA"},
		{entities.BlocAdequate, "Art. 45"},
		{entities.BlocUS, "Data Privacy Framework"},
		{entities.BlocUS, "certified"},
		{entities.BlocOther, "Art. 46"},
	}
	for _, tt := range tests {
		if got := entities.BlocNote(tt.bloc); !strings.Contains(got, tt.mention) {
			t.Errorf("BlocNote(%q) = %q, want it to mention %q", tt.bloc, got, tt.mention)
		}
	}
	if got := entities.BlocNote(""); got != "" {
		t.Errorf("BlocNote(\"\") = %q", got)
	}
	if got := entities.BlocNote("mars"); got != "" {
		t.Errorf("BlocNote(unknown) = %q", got)
	}
}

func TestAdequacyDecision(t *testing.T) {
	tests := []struct{ country, mention string }{
		{"CH", "2000/518/EC"},
		{"gb", "2021/1772"},
		{"JP", "2019/419"},
		{"KR", "2022/254"},
		{"US", "2023/1795"},
		{"FR", ""},
		{"CN", ""},
	}
	for _, tt := range tests {
		got := entities.AdequacyDecision(tt.country)
		if tt.mention == "" && got != "" || !strings.Contains(got, tt.mention) {
			t.Errorf("AdequacyDecision(%q) = %q, want it to mention %q", tt.country, got, tt.mention)
		}
	}
	// Every adequate country names its decision.
	for _, c := range []string{"AD", "AR", "CA", "FO", "GG", "IL", "IM", "JP", "JE", "NZ", "KR", "CH", "GB", "UY"} {
		if entities.Bloc(c) != entities.BlocAdequate || entities.AdequacyDecision(c) == "" {
			t.Errorf("%s: bloc %q, decision %q", c, entities.Bloc(c), entities.AdequacyDecision(c))
		}
	}
}
