package batch

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is the i-th of n stable parts of a list (--shard i/n), so that
// many machines share one list: a site's part depends on its normalised
// URL alone, never on the list's order or length, and the n parts cover
// the list exactly once. The zero Shard is the whole list.
type Shard struct {
	// Index is from 1 to Count.
	Index, Count int
}

// maxShards bounds n in --shard i/n.
const maxShards = 100000

// ParseShard reads "i/n", 1 ≤ i ≤ n; "" is the whole list.
func ParseShard(s string) (Shard, error) {
	if strings.TrimSpace(s) == "" {
		return Shard{}, nil
	}
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("--shard %q: want i/n, such as 2/8", s)
	}
	if n < 1 || n > maxShards || i < 1 || i > n {
		return Shard{}, fmt.Errorf("--shard %q: want 1 ≤ i ≤ n ≤ %d", s, maxShards)
	}
	return Shard{Index: i, Count: n}, nil
}

// Has reports whether the site of normalised URL url is in the shard:
// FNV-1a (64 bits) of the URL, modulo n, is i-1.
func (s Shard) Has(url string) bool {
	if s.Count <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(url))
	return h.Sum64()%uint64(s.Count) == uint64(s.Index-1)
}

// String is "i/n", or "" for the whole list.
func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Of returns the list's sites in the shard, in order.
func (s Shard) Of(sites []Site) []Site {
	var out []Site
	for _, site := range sites {
		if s.Has(site.URL) {
			out = append(out, site)
		}
	}
	return out
}
