package dnsinfo

import (
	"slices"
	"testing"
)

func TestWalkUp(t *testing.T) {
	tests := []struct {
		host, domain string
		want         []string
	}{
		{"a.b.example.fr", "example.fr", []string{"a.b.example.fr", "b.example.fr", "example.fr"}},
		{"example.fr", "example.fr", []string{"example.fr"}},
		{"", "example.fr", []string{"example.fr"}},
		{"other.org", "example.fr", []string{"example.fr"}},
		{"notexample.fr", "example.fr", []string{"example.fr"}},
	}
	for _, tt := range tests {
		if got := walkUp(tt.host, tt.domain); !slices.Equal(got, tt.want) {
			t.Errorf("walkUp(%q, %q) = %q, want %q", tt.host, tt.domain, got, tt.want)
		}
	}
}

func TestHasTag(t *testing.T) {
	tests := []struct {
		txt, tag string
		want     bool
	}{
		{"v=spf1 mx -all", "v=spf1", true},
		{"V=SPF1 -all", "v=spf1", true},
		{"v=spf1", "v=spf1", true},
		{"v=spf10 -all", "v=spf1", false},
		{"google-site-verification=x", "v=spf1", false},
		{"v=DMARC1; p=reject", "v=DMARC1", true},
		{"v=DMARC1;p=reject", "v=DMARC1", true},
		{"v=", "v=DMARC1", false},
	}
	for _, tt := range tests {
		if got := hasTag(tt.txt, tt.tag); got != tt.want {
			t.Errorf("hasTag(%q, %q) = %v", tt.txt, tt.tag, got)
		}
	}
}
