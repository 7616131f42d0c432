package entities

import (
	"slices"
	"strings"
)

// DefaultErr exposes, to the external tests, why the embedded catalogue failed to load.
func DefaultErr() error {
	_, err := defaultCatalogue()
	return err
}

// Categories returns the category vocabulary in a stable order.
func Categories() []string { return slices.Clone(categories) }

// ByKey returns the entity with the given key.
func (c *Catalogue) ByKey(key string) (*Entity, bool) {
	if c == nil {
		return nil, false
	}
	return c.lookup(c.byKey, strings.ToLower(strings.TrimSpace(key)))
}
