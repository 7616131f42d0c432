package owner

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/openrdap/rdap"
)

// rdapNeeds says which contacts a lookup wants, for following entity
// links.
type rdapNeeds struct {
	orgRoles []string // roles whose name is the holder, in order of preference
	abuse    bool     // the abuse e-mail is wanted
}

var (
	rdapNetworkNeeds = rdapNeeds{orgRoles: []string{"registrant", "administrative"}, abuse: true}
	rdapDomainNeeds  = rdapNeeds{orgRoles: []string{"registrant"}}
)

// followEntities fetches the entities of the answer a that the answer only
// names (a handle and a link) while the holder or the abuse contact is
// still unknown, at most c.maxFetches of them, and merges them in place.
// A failed fetch only leaves the entity as it was; only ctx ending is an
// error.
func (c *RDAPClient) followEntities(ctx context.Context, a *rdapAnswer, ents []rdap.Entity, needs rdapNeeds) error {
	tried := make(map[*rdap.Entity]bool)
	fetched := make(map[string]bool) // URLs
	room := maxRDAPEntities          // nested entities that merges may add
	for len(fetched) < c.maxFetches {
		e := rdapNextEntity(ents, needs, tried)
		if e == nil {
			return nil
		}
		tried[e] = true
		u := c.entityURL(e, a)
		if u == nil || fetched[u.String()] {
			continue
		}
		fetched[u.String()] = true
		got, err := c.fetchEntity(ctx, u, a)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		room = rdapMergeEntity(e, got, room)
	}
	return nil
}

// fetchEntity fetches and decodes the entity at u, adding the raw answer
// to a's.
func (c *RDAPClient) fetchEntity(ctx context.Context, u *url.URL, a *rdapAnswer) (*rdap.Entity, error) {
	body, final, err := c.fetch(ctx, u)
	if err != nil {
		return nil, err
	}
	a.raw = append(a.raw, RawAnswer{URL: final.String(), Body: body})
	obj, err := decodeRDAP(body)
	if err != nil {
		return nil, err
	}
	e, ok := obj.(*rdap.Entity)
	if !ok {
		return nil, fmt.Errorf("%s answered %s, not an entity", final, rdapObjectKind(obj))
	}
	return e, nil
}

// entityURL is where to fetch e: its self or related link when that is on
// the host that answered, else /entity/<handle> on that server; nil when e
// has neither. Links to any other host are never followed.
func (c *RDAPClient) entityURL(e *rdap.Entity, a *rdapAnswer) *url.URL {
	ref, err := url.Parse(a.raw[0].URL)
	if err != nil {
		ref = a.base
	}
	for _, l := range e.Links {
		if l.Rel != "self" && l.Rel != "related" {
			continue
		}
		if l.Type != "" && !strings.Contains(strings.ToLower(l.Type), "json") {
			continue
		}
		u, err := ref.Parse(strings.TrimSpace(l.Href))
		if err != nil || u.User != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		if a.base.Scheme == "https" && u.Scheme != "https" {
			continue
		}
		if rdapHostPort(u) == rdapHostPort(a.base) {
			u.Fragment = ""
			return u
		}
	}
	h := strings.TrimSpace(e.Handle)
	if h == "" || len(h) > maxRDAPHandleLen {
		return nil
	}
	u, err := rdapRequestURL(a.base, rdap.EntityRequest, h)
	if err != nil {
		return nil
	}
	return u
}

// rdapHostPort is u's host and port, the port defaulted from the scheme, in
// lower case: two URLs with the same rdapHostPort reach the same server.
func rdapHostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// rdapNextEntity returns the first entity not yet tried whose fetch
// could give what is still unknown: a holder's name, or the abuse e-mail.
func rdapNextEntity(ents []rdap.Entity, needs rdapNeeds, tried map[*rdap.Entity]bool) *rdap.Entity {
	untried := func(role string, lacks func(*rdap.Entity) bool) *rdap.Entity {
		var found *rdap.Entity
		rdapWalkEntities(ents, func(e *rdap.Entity, _ int) bool {
			if rdapHasRole(e, role) && lacks(e) && !tried[e] {
				found = e
				return false
			}
			return true
		})
		return found
	}
	if _, ok := rdapHolder(ents, needs.orgRoles); !ok {
		for _, role := range needs.orgRoles {
			if e := untried(role, func(e *rdap.Entity) bool { return rdapContactOf(e).name == "" }); e != nil {
				return e
			}
		}
	}
	if needs.abuse && rdapAbuseEmail(ents) == "" {
		if e := untried("abuse", func(e *rdap.Entity) bool { return rdapVCardEmail(e.VCard) == "" }); e != nil {
			return e
		}
	}
	return nil
}

// rdapMergeEntity completes e with what its fetch returned, adding at
// most room nested entities; it returns the room left.
func rdapMergeEntity(e, fetched *rdap.Entity, room int) int {
	if fetched.VCard != nil {
		e.VCard = fetched.VCard
	}
	if len(e.Roles) == 0 {
		e.Roles = fetched.Roles
	}
	n := max(0, min(room, len(fetched.Entities)))
	e.Entities = append(e.Entities, fetched.Entities[:n]...)
	return room - n
}

// rdapWalkEntities calls fn on the entities and their nested entities,
// breadth first, down to maxRDAPEntityDepth levels and maxRDAPEntities
// entities, until fn returns false. depth is 0 for ents themselves.
func rdapWalkEntities(ents []rdap.Entity, fn func(e *rdap.Entity, depth int) bool) {
	level := make([]*rdap.Entity, 0, min(len(ents), maxRDAPEntities))
	for i := range ents {
		if len(level) < maxRDAPEntities {
			level = append(level, &ents[i])
		}
	}
	visited := 0
	for depth := 0; depth < maxRDAPEntityDepth && len(level) > 0; depth++ {
		var next []*rdap.Entity
		for _, e := range level {
			if visited++; visited > maxRDAPEntities {
				return
			}
			if !fn(e, depth) {
				return
			}
			for i := range e.Entities {
				if len(next) < maxRDAPEntities {
					next = append(next, &e.Entities[i])
				}
			}
		}
		level = next
	}
}

// rdapNormaliseVCards gives every entity whose vCard openrdap rejected (one
// bad property spoils the whole card) what its valid properties say.
func rdapNormaliseVCards(ents []rdap.Entity) {
	rdapWalkEntities(ents, func(e *rdap.Entity, _ int) bool {
		rdapNormaliseVCard(e)
		return true
	})
}

func rdapNormaliseVCard(e *rdap.Entity) {
	if e.VCard != nil || e.DecodeData == nil {
		return
	}
	raw := e.DecodeData.Value("vcardArray")
	if raw == nil {
		return
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return
	}
	if v, err := rdap.NewVCardWithOptions(b, rdap.VCardOptions{IgnoreInvalidProperties: true}); err == nil {
		e.VCard = v
	}
}

func rdapHasRole(e *rdap.Entity, role string) bool {
	return slices.ContainsFunc(e.Roles, func(r string) bool {
		return strings.EqualFold(strings.TrimSpace(r), role)
	})
}

// rdapContact is what an entity's vCard says of its holder.
type rdapContact struct {
	name, kind, address, country string
}

// rdapContactOf reads e's vCard: the organisation, else the formatted name.
func rdapContactOf(e *rdap.Entity) rdapContact {
	v := e.VCard
	if v == nil {
		return rdapContact{}
	}
	c := rdapContact{name: rdapVCardOrg(v), kind: strings.ToLower(rdapVCardText(v, "kind"))}
	if c.name == "" {
		c.name = rdapVCardText(v, "fn")
	}
	c.address, c.country = rdapVCardAddress(v)
	return c
}

// rdapHolder returns the holder of an object: the first entity with a name
// among those of the first role in roles that has one, organisations
// before individuals. Roles after the first are only looked for at the top
// level: nested entities are the first role's contacts (ARIN nests an
// organisation's administrative, technical and abuse teams in it).
func rdapHolder(ents []rdap.Entity, roles []string) (rdapContact, bool) {
	for i, role := range roles {
		var best, first rdapContact
		rdapWalkEntities(ents, func(e *rdap.Entity, depth int) bool {
			if i > 0 && depth > 0 {
				return false
			}
			if !rdapHasRole(e, role) {
				return true
			}
			c := rdapContactOf(e)
			if c.name == "" {
				return true
			}
			if c.kind == "org" {
				best = c
				return false
			}
			if first.name == "" {
				first = c
			}
			return true
		})
		if best.name != "" {
			return best, true
		}
		if first.name != "" {
			return first, true
		}
	}
	return rdapContact{}, false
}

// rdapAbuseEmail returns the e-mail of the first abuse contact, at any depth.
func rdapAbuseEmail(ents []rdap.Entity) string {
	var email string
	rdapWalkEntities(ents, func(e *rdap.Entity, _ int) bool {
		if rdapHasRole(e, "abuse") {
			email = rdapVCardEmail(e.VCard)
		}
		return email == ""
	})
	return email
}
