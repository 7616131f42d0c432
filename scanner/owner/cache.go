package owner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// diskCache keeps answers across runs in one JSON file per scope (the set
// of servers asked). A nil *diskCache is a valid, disabled cache.
type diskCache struct {
	path string
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	data    cacheFile
	changed bool
}

type cacheFile struct {
	Scope    string                  `json:"scope"`
	Networks []cachedNetwork         `json:"networks"`
	Domains  map[string]cachedDomain `json:"domains"`
}

type cachedNetwork struct {
	Saved  time.Time      `json:"saved"`
	Record *NetworkRecord `json:"record"`
}

type cachedDomain struct {
	Saved  time.Time     `json:"saved"`
	Record *DomainRecord `json:"record"`
}

// maxCacheFile bounds the cache file read back.
const maxCacheFile = 64 << 20

func openDiskCache(dir, scope string, ttl time.Duration, now func() time.Time) (*diskCache, error) {
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("owner cache: %w", err)
	}
	sum := sha256.Sum256([]byte(scope))
	c := &diskCache{path: filepath.Join(dir, "owner-"+hex.EncodeToString(sum[:8])+".json"), ttl: ttl, now: now}
	c.data = cacheFile{Scope: scope, Domains: map[string]cachedDomain{}}
	b, err := os.ReadFile(c.path)
	switch {
	case os.IsNotExist(err):
		return c, nil
	case err != nil:
		return nil, fmt.Errorf("owner cache: %w", err)
	case len(b) > maxCacheFile:
		return c, nil // start afresh rather than load a runaway file
	}
	var f cacheFile
	if json.Unmarshal(b, &f) == nil && f.Scope == scope {
		if f.Domains == nil {
			f.Domains = map[string]cachedDomain{}
		}
		c.data = f
	}
	return c, nil
}

func (c *diskCache) fresh(saved time.Time) bool { return c.now().Sub(saved) < c.ttl }

func (c *diskCache) network(ip netip.Addr) *NetworkRecord {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var nets []*NetworkRecord
	for _, n := range c.data.Networks {
		if n.Record != nil && c.fresh(n.Saved) {
			nets = append(nets, n.Record)
		}
	}
	return mostSpecific(nets, ip)
}

func (c *diskCache) putNetwork(n *NetworkRecord) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.data.Networks = append(c.data.Networks, cachedNetwork{Saved: c.now(), Record: n})
	c.changed = true
}

func (c *diskCache) domain(d string) *DomainRecord {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.data.Domains[d]; ok && e.Record != nil && c.fresh(e.Saved) {
		return e.Record
	}
	return nil
}

func (c *diskCache) putDomain(d *DomainRecord) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.data.Domains[d.Domain] = cachedDomain{Saved: c.now(), Record: d}
	c.changed = true
}

// save writes the cache, dropping expired entries, atomically.
func (c *diskCache) save() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.changed {
		return nil
	}
	kept := c.data.Networks[:0]
	for _, n := range c.data.Networks {
		if c.fresh(n.Saved) {
			kept = append(kept, n)
		}
	}
	c.data.Networks = kept
	for k, d := range c.data.Domains {
		if !c.fresh(d.Saved) {
			delete(c.data.Domains, k)
		}
	}
	b, err := json.Marshal(c.data)
	if err != nil {
		return fmt.Errorf("owner cache: %w", err)
	}
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("owner cache: %w", err)
	}
	if err := os.Rename(tmp, c.path); err != nil {
		return fmt.Errorf("owner cache: %w", err)
	}
	c.changed = false
	return nil
}
