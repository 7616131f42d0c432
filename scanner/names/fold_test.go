package names

import "testing"

func TestFoldAlnum(t *testing.T) {
	for in, want := range map[string]string{
		"Ville de Ville-Exemple":      "villedevilleexemple",
		"Mairie d'Évry-Courcouronnes": "mairiedevrycourcouronnes",
		"Straße 5":                    "strasse5",
		"<script>":                    "script",
		"":                            "",
	} {
		if got := FoldAlnum(in); got != want {
			t.Errorf("FoldAlnum(%q) = %q, want %q", in, got, want)
		}
	}
}
