package batch

import (
	"strconv"
	"strings"
)

// Names the batch writes in its output folder, which no site's folder may take.
const (
	// ResultsFile is the results stream: one JSON line a finished site.
	ResultsFile = "results.jsonl"
	// partialDir holds the bundles being written; each is moved into place
	// when complete, so that a folder named for a site is always whole.
	partialDir = ".partial"
)

// reservedNames are the output folder's own files (the summary's included).
var reservedNames = map[string]bool{ResultsFile: true, partialDir: true,
	"summary.csv": true, "summary.json": true, "summary.html": true}

// AssignDirs names each site's bundle folder: its host, then host-2,
// host-3… for the later sites of one host, in list order — over the
// whole list, before any --shard, so that every shard names a site alike.
// A site whose URL recorded maps to a folder (an earlier run's, --resume)
// keeps it, and no other site takes it.
func AssignDirs(sites []Site, recorded map[string]string) {
	taken := map[string]bool{}
	for _, d := range recorded {
		taken[d] = true
	}
	next := map[string]int{}
	for i := range sites {
		s := &sites[i]
		if d, ok := recorded[s.URL]; ok {
			s.Dir = d
			continue
		}
		base := dirName(s.Host)
		for {
			n := next[base] + 1
			next[base] = n
			name := base
			if n > 1 {
				name += "-" + strconv.Itoa(n)
			}
			if !taken[name] && !reservedNames[name] {
				s.Dir, taken[name] = name, true
				break
			}
		}
	}
}

// dirName makes a host a folder name: lower-case letters, digits, dots
// and dashes; anything else (an IPv6 address's colons) becomes _.
func dirName(host string) string {
	s := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, strings.ToLower(host))
	s = strings.TrimLeft(s, ".")
	if s == "" {
		s = "site"
	}
	return s
}
