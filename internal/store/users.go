package store

import (
	"context"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type userRec struct {
	ID                  string    `json:"_id"`
	Username            string    `json:"username"`
	UsernameKey         string    `json:"usernameKey"`
	PasswordHash        string    `json:"passwordHash"`
	DiscordID           string    `json:"discordId,omitempty"` // absent, not "", so the unique index skips it
	DiscordUsername     string    `json:"discordUsername,omitempty"`
	Avatar              string    `json:"avatar,omitempty"`
	SuperAdmin          bool      `json:"superAdmin"`
	Disabled            bool      `json:"disabled"`
	GuildIDs            []string  `json:"guildIds,omitempty"`
	SecurityQuestion1   string    `json:"securityQuestion1,omitempty"`
	SecurityAnswer1Hash string    `json:"securityAnswer1Hash,omitempty"`
	SecurityQuestion2   string    `json:"securityQuestion2,omitempty"`
	SecurityAnswer2Hash string    `json:"securityAnswer2Hash,omitempty"`
	CreatedAt           time.Time `json:"createdAt"`
	UpdatedAt           time.Time `json:"updatedAt"`
	PasswordChangedAt   time.Time `json:"passwordChangedAt"`
}

func (r *userRec) DocID() string { return r.ID }

func (r *userRec) user() *cad.User {
	return &cad.User{
		ID: r.ID, Username: r.Username, UsernameKey: r.UsernameKey, PasswordHash: r.PasswordHash,
		DiscordID: r.DiscordID, DiscordUsername: r.DiscordUsername, Avatar: r.Avatar,
		SuperAdmin: r.SuperAdmin, Disabled: r.Disabled, GuildIDs: r.GuildIDs,
		SecurityQuestion1: r.SecurityQuestion1, SecurityAnswer1Hash: r.SecurityAnswer1Hash,
		SecurityQuestion2: r.SecurityQuestion2, SecurityAnswer2Hash: r.SecurityAnswer2Hash,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), PasswordChangedAt: r.PasswordChangedAt.UTC(),
	}
}

var (
	userTable       = table[userRec, *userRec]{users}
	errUserNotFound = cad.Errorf(cad.ENOTFOUND, "User not found")
)

// CreateUser stores a new user and fills in its ID and timestamps. A taken
// username or Discord id is a conflict: the unique indexes decide, so two
// concurrent registrations cannot both win.
func (s *Store) CreateUser(ctx context.Context, u *cad.User) error {
	now := Millis(time.Now())
	r := &userRec{
		ID: cad.NewID(), Username: u.Username, UsernameKey: cad.NormalizeUsername(u.Username),
		PasswordHash: u.PasswordHash, DiscordID: u.DiscordID, DiscordUsername: u.DiscordUsername, Avatar: u.Avatar,
		SuperAdmin: u.SuperAdmin, Disabled: u.Disabled, GuildIDs: u.GuildIDs,
		SecurityQuestion1: u.SecurityQuestion1, SecurityAnswer1Hash: u.SecurityAnswer1Hash,
		SecurityQuestion2: u.SecurityQuestion2, SecurityAnswer2Hash: u.SecurityAnswer2Hash,
		CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now,
	}
	if err := userTable.insert(ctx, s.e, r); err != nil {
		if cad.ErrorCode(err) == cad.ECONFLICT {
			return cad.Wrap(cad.ECONFLICT, err, "That username or Discord account is already registered")
		}
		return err
	}
	*u = *r.user()
	return nil
}

// UserByID returns a user, or not_found. It is part of the identity chain
// and cached.
func (s *Store) UserByID(ctx context.Context, id string) (*cad.User, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errUserNotFound
	}
	return cached(s, s.cache.users, id, func() (*cad.User, error) {
		return s.findUser(ctx, ID(id))
	}, s.cacheable(ctx))
}

func (s *Store) findUser(ctx context.Context, c Cond) (*cad.User, error) {
	return getOne(ctx, userTable, s.e, Where(c), errUserNotFound, (*userRec).user)
}

// UserByUsername returns the user with this username in any letter case.
func (s *Store) UserByUsername(ctx context.Context, username string) (*cad.User, error) {
	return s.findUser(ctx, Eq("usernameKey", cad.NormalizeUsername(username)))
}

// UserByDiscordID returns the user linked to a Discord account.
func (s *Store) UserByDiscordID(ctx context.Context, discordID string) (*cad.User, error) {
	if discordID == "" {
		return nil, errUserNotFound
	}
	return s.findUser(ctx, Eq("discordId", discordID))
}

// Users lists every account by username, a page at a time (limit 0 means
// 50), for the operator's list (precinct user list); the next cursor is
// empty on the last page. It walks the whole collection on purpose and is
// no request path's, so it is a bulk read.
func (s *Store) Users(ctx context.Context, after string, limit int) ([]*cad.User, string, error) {
	q := Query{Sort: []OrderKey{Order("usernameKey", false), Order(FieldID, false)}, Bulk: true}
	q, err := page(users, q, after, 0, limit)
	if err != nil {
		return nil, "", err
	}
	list, err := userTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, limit, func(r *userRec) []any { return []any{r.UsernameKey, r.ID} })
	out := make([]*cad.User, len(list))
	for i, r := range list {
		out[i] = r.user()
	}
	return out, next, nil
}

// UpdateUser applies the change to one user and returns the new state.
func (s *Store) UpdateUser(ctx context.Context, id string, up cad.UserUpdate) (*cad.User, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errUserNotFound
	}
	r, err := userTable.modify(ctx, s, Where(ID(id)), errUserNotFound, func(r *userRec) error {
		now := Millis(time.Now())
		r.UpdatedAt = now
		if up.PasswordHash != nil {
			r.PasswordHash, r.PasswordChangedAt = *up.PasswordHash, now
		}
		set(&r.SecurityQuestion1, up.SecurityQuestion1)
		set(&r.SecurityAnswer1Hash, up.SecurityAnswer1Hash)
		set(&r.SecurityQuestion2, up.SecurityQuestion2)
		set(&r.SecurityAnswer2Hash, up.SecurityAnswer2Hash)
		set(&r.Disabled, up.Disabled)
		set(&r.SuperAdmin, up.SuperAdmin)
		set(&r.DiscordUsername, up.DiscordUsername)
		set(&r.Avatar, up.Avatar)
		set(&r.GuildIDs, up.GuildIDs)
		set(&r.DiscordID, up.DiscordID)
		return nil
	})
	s.changed(ctx, func() { s.cache.users.drop(id) })
	if cad.ErrorCode(err) == cad.ECONFLICT && up.DiscordID != nil {
		// The unique index decides between two users linking one
		// Discord account at once (R85).
		return nil, cad.Wrap(cad.ECONFLICT, err, "That Discord account is linked to another user")
	}
	if err != nil {
		return nil, err
	}
	return r.user(), nil
}

// set copies *from into *to when from is not nil.
func set[T any](to *T, from *T) {
	if from != nil {
		*to = *from
	}
}

// normID accepts a 24-hex id in either letter case; anything else matches
// no record, so a malformed id answers like a missing one.
func normID(id string) (string, bool) {
	if !isHexID(id) {
		return "", false
	}
	return strings.ToLower(id), true
}

// normIDs keeps the well-formed ids of a list, normalised (none can match
// a malformed one).
func normIDs(ids []string) []string {
	var clean []string
	for _, id := range ids {
		if id, ok := normID(id); ok {
			clean = append(clean, id)
		}
	}
	return clean
}
