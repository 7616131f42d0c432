package checks

import (
	"strings"
	"testing"
)

func TestBloc(t *testing.T) {
	tests := []struct{ country, want string }{
		{"FR", BlocEU},
		{"fr", BlocEU},
		{" de ", BlocEU},
		{"IE", BlocEU},
		{"MT", BlocEU},
		{"GR", BlocEU},
		{"EL", BlocEU},
		{"RE", BlocEU}, // La Réunion, part of France
		{"NO", BlocEEA},
		{"IS", BlocEEA},
		{"li", BlocEEA},
		{"CH", BlocAdequate},
		{"GB", BlocAdequate},
		{"JP", BlocAdequate},
		{"KR", BlocAdequate},
		{"CA", BlocAdequate},
		{"NZ", BlocAdequate},
		{"IL", BlocAdequate},
		{"UY", BlocAdequate},
		{"US", BlocUS},
		{"us", BlocUS},
		{"CN", BlocOther},
		{"RU", BlocOther},
		{"IN", BlocOther},
		{"BR", BlocOther},
		{"UK", BlocOther}, // not an ISO code: the catalogue rejects it
		{"", ""},
		{"  ", ""},
	}
	for _, tt := range tests {
		if got := Bloc(tt.country); got != tt.want {
			t.Errorf("Bloc(%q) = %q, want %q", tt.country, got, tt.want)
		}
	}
}

func TestBlocValuesAreStable(t *testing.T) {
	// Reports and policy files carry these strings.
	for got, want := range map[string]string{
		BlocEU: "EU", BlocEEA: "EEA", BlocAdequate: "adequate",
		BlocUS: "US", BlocOther: "other",
	} {
		if got != want {
			t.Errorf("bloc constant %q, want %q", got, want)
		}
	}
}

func TestBlocNote(t *testing.T) {
	tests := []struct{ bloc, mention string }{
		{BlocEU, "GDPR"},
		{BlocEEA, "EEA"},
		{BlocAdequate, "Art. 45"},
		{BlocUS, "Data Privacy Framework"},
		{BlocUS, "certified"},
		{BlocOther, "Art. 46"},
	}
	for _, tt := range tests {
		if got := BlocNote(tt.bloc); !strings.Contains(got, tt.mention) {
			t.Errorf("BlocNote(%q) = %q, want it to mention %q", tt.bloc, got, tt.mention)
		}
	}
	if got := BlocNote(""); got != "" {
		t.Errorf("BlocNote(\"\") = %q", got)
	}
	if got := BlocNote("mars"); got != "" {
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
		got := AdequacyDecision(tt.country)
		if tt.mention == "" && got != "" || !strings.Contains(got, tt.mention) {
			t.Errorf("AdequacyDecision(%q) = %q, want it to mention %q", tt.country, got, tt.mention)
		}
	}
	// Every adequate country names its decision.
	for _, c := range []string{"AD", "AR", "CA", "FO", "GG", "IL", "IM", "JP", "JE", "NZ", "KR", "CH", "GB", "UY"} {
		if Bloc(c) != BlocAdequate || AdequacyDecision(c) == "" {
			t.Errorf("%s: bloc %q, decision %q", c, Bloc(c), AdequacyDecision(c))
		}
	}
}

func TestJudgeCountry(t *testing.T) {
	for _, tt := range []struct {
		country string
		want    Jurisdiction
	}{
		{" fr", Jurisdiction{Country: "FR", Bloc: BlocEU, Note: BlocNote(BlocEU)}},
		{"CH", Jurisdiction{Country: "CH", Bloc: BlocAdequate, Adequacy: AdequacyDecision("CH"), Note: BlocNote(BlocAdequate)}},
		{"US", Jurisdiction{Country: "US", Bloc: BlocUS, Adequacy: AdequacyDecision("US"), Note: BlocNote(BlocUS)}},
		{"", Jurisdiction{}},
	} {
		if got := JudgeCountry(tt.country); got != tt.want {
			t.Errorf("JudgeCountry(%q) = %+v, want %+v", tt.country, got, tt.want)
		}
	}
	if !JudgeCountry("NO").InEEA() || JudgeCountry("CH").InEEA() || JudgeCountry("").InEEA() {
		t.Error("InEEA wrong")
	}
}
