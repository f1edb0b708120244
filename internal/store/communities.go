package store

import (
	"context"
	"sort"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type communityRec struct {
	ID          string                `json:"_id"`
	Name        string                `json:"name"`
	GuildID     string                `json:"guildId"`
	Settings    cad.CommunitySettings `json:"settings"`
	MemberCount int                   `json:"memberCount"`
	AdminCount  int                   `json:"adminCount"`
	Limits      cad.CommunityLimits   `json:"limits"`
	CreatedAt   time.Time             `json:"createdAt"`
	DeletedAt   *time.Time            `json:"deletedAt,omitempty"`
}

func (r *communityRec) DocID() string { return r.ID }

func (r *communityRec) community() *cad.Community {
	c := &cad.Community{ID: r.ID, Name: r.Name, GuildID: r.GuildID, Settings: r.Settings,
		MemberCount: r.MemberCount, AdminCount: r.AdminCount, Limits: r.Limits, CreatedAt: r.CreatedAt.UTC(), DeletedAt: r.DeletedAt}
	if c.DeletedAt != nil {
		d := c.DeletedAt.UTC()
		c.DeletedAt = &d
	}
	if c.Settings.CADSettings == nil {
		c.Settings.CADSettings = map[string]any{}
	}
	if c.Settings.StatusCodes == nil {
		c.Settings.StatusCodes = []cad.StatusCode{}
	}
	return c
}

func cloneCommunity(c *cad.Community) *cad.Community {
	v := *c
	v.Settings.CADSettings = make(map[string]any, len(c.Settings.CADSettings))
	for k, x := range c.Settings.CADSettings {
		v.Settings.CADSettings[k] = x
	}
	v.Settings.StatusCodes = append([]cad.StatusCode{}, c.Settings.StatusCodes...)
	if c.DeletedAt != nil {
		d := *c.DeletedAt
		v.DeletedAt = &d
	}
	return &v
}

var (
	communityTable       = table[communityRec, *communityRec]{communities}
	errCommunityNotFound = cad.Errorf(cad.ENOTFOUND, "Community not found")
)

// CreateCommunity stores a new community; a guild that already has one is
// a conflict.
func (s *Store) CreateCommunity(ctx context.Context, c *cad.Community) error {
	r := &communityRec{ID: cad.NewID(), Name: c.Name, GuildID: c.GuildID, Settings: c.Settings, CreatedAt: Millis(time.Now())}
	err := communityTable.insert(ctx, s.e, r)
	s.changed(ctx, func() {
		s.cache.absent.drop("id:" + r.ID)
		s.cache.absent.drop("g:" + r.GuildID)
	})
	if err != nil {
		if cad.ErrorCode(err) == cad.ECONFLICT {
			return cad.Wrap(cad.ECONFLICT, err, "That Discord server already has a community")
		}
		return err
	}
	*c = *r.community()
	return nil
}

// Community finds a community by its 24-hex id or its Discord guild id.
// Deleted communities are found only with includeDeleted. Every scoped
// request asks, so the answer is cached.
func (s *Store) Community(ctx context.Context, idOrGuild string, includeDeleted bool) (*cad.Community, error) {
	id, isID := normID(idOrGuild)
	ref := "id:" + id
	if !isID {
		if !isSnowflake(idOrGuild) {
			return nil, errCommunityNotFound
		}
		ref = "g:" + idOrGuild
	}
	// A community that does not exist is remembered as absent, so that
	// asking for one costs what asking for one that exists costs.
	cacheable := s.cacheable(ctx)
	var agen uint64
	if cacheable {
		_, gen, hit := s.cache.absent.get(ref, absentTTL)
		s.obs.Cache(s.cache.absent.kind, hit)
		if hit {
			return nil, errCommunityNotFound
		}
		agen = gen
	}
	c, err := s.community(ctx, idOrGuild, id, isID)
	if cad.ErrorCode(err) == cad.ENOTFOUND && cacheable {
		absent := true
		s.cache.absent.put(ref, &absent, agen, absentTTL)
	}
	if err != nil {
		return nil, err
	}
	if c.DeletedAt != nil && !includeDeleted {
		return nil, errCommunityNotFound
	}
	return c, nil
}

// community reads a community by id or guild through the cache.
func (s *Store) community(ctx context.Context, idOrGuild, id string, isID bool) (*cad.Community, error) {
	if !isID {
		gid, err := cached(s, s.cache.guilds, idOrGuild, func() (*string, error) {
			r, err := communityTable.get(ctx, s.e, Where(Eq("guildId", idOrGuild)), errCommunityNotFound)
			if err != nil {
				return nil, err
			}
			return &r.ID, nil
		}, s.cacheable(ctx))
		if err != nil {
			return nil, err
		}
		id = *gid
	}
	return cached(s, s.cache.communities, id, func() (*cad.Community, error) {
		return getOne(ctx, communityTable, s.e, Where(ID(id)), errCommunityNotFound, (*communityRec).community)
	}, s.cacheable(ctx))
}

// isSnowflake reports whether s looks like a Discord id: 5 to 20 digits.
func isSnowflake(s string) bool {
	if len(s) < 5 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CommunitiesByGuilds returns the live communities of the given guilds, by
// name.
func (s *Store) CommunitiesByGuilds(ctx context.Context, guildIDs []string) ([]*cad.Community, error) {
	if len(guildIDs) == 0 {
		return nil, nil
	}
	return s.liveCommunities(ctx, In("guildId", guildIDs))
}

// CommunitiesByIDs returns the live communities with the given ids, by
// name.
func (s *Store) CommunitiesByIDs(ctx context.Context, ids []string) ([]*cad.Community, error) {
	clean := normIDs(ids)
	if len(clean) == 0 {
		return nil, nil
	}
	return s.liveCommunities(ctx, In(FieldID, clean))
}

// liveCommunities reads the communities c selects, leaves out deleted ones,
// and sorts by name in memory: the set is one user's or one guild list's,
// small, and sorting it in the database would need a sort of every match.
func (s *Store) liveCommunities(ctx context.Context, c Cond) ([]*cad.Community, error) {
	list, err := communityTable.find(ctx, s.e, Where(c))
	if err != nil {
		return nil, err
	}
	var out []*cad.Community
	for _, r := range list {
		if r.DeletedAt == nil {
			out = append(out, r.community())
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// UpdateCommunity replaces a live community's name and settings.
func (s *Store) UpdateCommunity(ctx context.Context, id, name string, st cad.CommunitySettings) (*cad.Community, error) {
	return s.modifyCommunity(ctx, id, func(r *communityRec) error {
		if r.DeletedAt != nil {
			return errCommunityNotFound
		}
		r.Name, r.Settings = name, st
		return nil
	})
}

// SetCommunityLimits replaces a live community's own FiveM limits.
func (s *Store) SetCommunityLimits(ctx context.Context, id string, l cad.CommunityLimits) (*cad.Community, error) {
	return s.modifyCommunity(ctx, id, func(r *communityRec) error {
		if r.DeletedAt != nil {
			return errCommunityNotFound
		}
		r.Limits = l
		return nil
	})
}

// MarkCommunityDeleted sets or clears the deletion mark.
func (s *Store) MarkCommunityDeleted(ctx context.Context, id string, at *time.Time) (*cad.Community, error) {
	return s.modifyCommunity(ctx, id, func(r *communityRec) error {
		r.DeletedAt = millisPtr(at)
		return nil
	})
}

func (s *Store) modifyCommunity(ctx context.Context, id string, fn func(*communityRec) error) (*cad.Community, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errCommunityNotFound
	}
	r, err := communityTable.modify(ctx, s, Where(ID(id)), errCommunityNotFound, fn)
	s.changed(ctx, func() { s.cache.communities.drop(id) })
	if err != nil {
		return nil, err
	}
	return r.community(), nil
}
