package store

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// identityCache holds the records every authenticated request reads (the
// identity chain: API key, session, user, membership, community), so that a
// request reads the database once at most instead of four or five times.
//
// Entries are copies: callers may change what they get. A write through the
// Store drops the entry it changes; a read that raced such a write does not
// put its (older) answer back, because every drop advances a generation that
// the read took before asking the database.
type identityCache struct {
	ttl      atomic.Int64 // nanoseconds; <= 0: off
	users    *ttlMap[cad.User]
	sessions *ttlMap[cad.Session]
	keys     *ttlMap[cad.APIKey]
	members  *ttlMap[cad.Membership]
	// userMembers: a user's memberships in every community (GET
	// /api/auth/me), by user id. Every change of a membership drops its
	// user's entry, as it drops the membership's own.
	userMembers *ttlMap[[]*cad.Membership]
	communities *ttlMap[cad.Community]
	guilds      *ttlMap[string] // guild id -> community id
	// departments: a community's departments, which make a member's
	// permissions on every scoped request and every socket revalidation.
	departments *ttlMap[[]*cad.Department]
	// activeBOLOs: a community's active BOLOs, which every plate look-up
	// (a radar locks one every few seconds per player) checks. Dropped on
	// every BOLO write; nil for a community with more than
	// maxCachedBOLOs, which are then read by index each time.
	activeBOLOs *ttlMap[[]*cad.BOLO]
	// absent remembers community ids and guild ids that name no community,
	// so that asking for a missing community costs what asking for one
	// that exists costs (no timing tells them apart). Its entries live
	// absentTTL whatever the other lifetime, since another process's new
	// community is not reported by every engine.
	absent *ttlMap[bool]
}

// absentTTL bounds how long a community id found to name nothing is
// believed: a community made by another process is found within it.
const absentTTL = 5 * time.Second

// maxEntries bounds each map; past it the map starts over. A bound, not a
// policy: a deployment's hot set is far smaller.
const maxEntries = 100_000

func newIdentityCache(ttl time.Duration) *identityCache {
	c := &identityCache{
		users:    newTTLMap("user", func(u *cad.User) *cad.User { v := *u; v.GuildIDs = append([]string(nil), u.GuildIDs...); return &v }),
		sessions: newTTLMap("session", func(s *cad.Session) *cad.Session { v := *s; return &v }),
		keys:     newTTLMap("key", func(k *cad.APIKey) *cad.APIKey { v := *k; v.Scopes = append([]string(nil), k.Scopes...); return &v }),
		members: newTTLMap("member", func(m *cad.Membership) *cad.Membership {
			v := *m
			v.Departments = append([]string{}, m.Departments...)
			return &v
		}),
		userMembers: newTTLMap("user-members", func(l *[]*cad.Membership) *[]*cad.Membership {
			v := make([]*cad.Membership, len(*l))
			for i, m := range *l {
				c := *m
				c.Departments = append([]string{}, m.Departments...)
				v[i] = &c
			}
			return &v
		}),
		communities: newTTLMap("community", cloneCommunity),
		guilds:      newTTLMap("guild", func(s *string) *string { v := *s; return &v }),
		departments: newTTLMap("departments", func(l *[]*cad.Department) *[]*cad.Department {
			v := make([]*cad.Department, len(*l))
			for i, d := range *l {
				c := *d
				v[i] = &c
			}
			return &v
		}),
		activeBOLOs: newTTLMap("active-bolos", func(l *[]*cad.BOLO) *[]*cad.BOLO {
			if *l == nil {
				return l
			}
			v := make([]*cad.BOLO, len(*l))
			for i, b := range *l {
				c := *b
				v[i] = &c
			}
			return &v
		}),
		absent: newTTLMap("absent-community", func(b *bool) *bool { v := *b; return &v }),
	}
	c.setTTL(ttl)
	return c
}

func (c *identityCache) setTTL(d time.Duration) { c.ttl.Store(int64(d)) }

func (c *identityCache) lifetime() time.Duration { return time.Duration(c.ttl.Load()) }

// dropDoc drops whatever is cached for a record of coll, for change reports.
func (c *identityCache) dropDoc(coll, id string) {
	switch coll {
	case users.Name:
		c.users.drop(id)
	case sessions.Name:
		c.sessions.drop(id)
	case apiKeys.Name:
		c.keys.drop(id)
	case members.Name:
		c.dropMember(id)
	case communities.Name:
		c.communities.drop(id)
		c.absent.drop(id)
	case departments.Name:
		// A report names the department, not its community: drop all
		// (departments change seldom).
		c.departments.clear()
	case bolos.Name:
		c.activeBOLOs.clear()
	}
}

// dropMember drops a membership (its _id, communityId:userId) and its
// user's list of memberships.
func (c *identityCache) dropMember(id string) {
	c.members.drop(id)
	if _, userID, ok := strings.Cut(id, ":"); ok {
		c.userMembers.drop(userID)
	}
}

// reset drops everything.
func (c *identityCache) reset() {
	c.users.clear()
	c.sessions.clear()
	c.keys.clear()
	c.members.clear()
	c.userMembers.clear()
	c.communities.clear()
	c.guilds.clear()
	c.departments.clear()
	c.activeBOLOs.clear()
	c.absent.clear()
}

type ttlMap[T any] struct {
	kind  string // for metrics
	mu    sync.Mutex
	gen   uint64
	m     map[string]ttlItem[T]
	clone func(*T) *T
}

type ttlItem[T any] struct {
	v  *T
	at time.Time
}

func newTTLMap[T any](kind string, clone func(*T) *T) *ttlMap[T] {
	return &ttlMap[T]{kind: kind, m: map[string]ttlItem[T]{}, clone: clone}
}

// get returns a copy of a fresh entry, and the generation to hand to put
// after reading the database on a miss.
func (m *ttlMap[T]) get(key string, ttl time.Duration) (*T, uint64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.m[key]
	if !ok || ttl <= 0 || time.Since(it.at) > ttl {
		return nil, m.gen, false
	}
	return m.clone(it.v), m.gen, true
}

// put stores a copy of v unless something was dropped since gen.
func (m *ttlMap[T]) put(key string, v *T, gen uint64, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gen != gen {
		return
	}
	if len(m.m) >= maxEntries {
		m.m = map[string]ttlItem[T]{}
	}
	m.m[key] = ttlItem[T]{v: m.clone(v), at: time.Now()}
}

func (m *ttlMap[T]) drop(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	delete(m.m, key)
}

func (m *ttlMap[T]) clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	m.m = map[string]ttlItem[T]{}
}

// cached reads key through m: a fresh entry, or load's answer, which is
// kept unless a write raced it. Inside a transaction the cache is skipped.
func cached[T any](s *Store, m *ttlMap[T], key string, load func() (*T, error), ctxCacheable bool) (*T, error) {
	ttl := s.cache.lifetime()
	if !ctxCacheable {
		return load()
	}
	v, gen, ok := m.get(key, ttl)
	s.obs.Cache(m.kind, ok)
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return nil, err
	}
	m.put(key, v, gen, ttl)
	return v, nil
}
