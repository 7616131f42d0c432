package owner

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParseIPWhois measures the whois parser over the fixtures of the
// five registries.
func BenchmarkParseIPWhois(b *testing.B) {
	files, _ := filepath.Glob("testdata/whois/*.txt")
	var answers [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		answers = append(answers, raw)
	}
	if len(answers) == 0 {
		b.Skip("no whois fixtures")
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, a := range answers {
			_, _ = ParseIPWhois(a)
		}
	}
}
