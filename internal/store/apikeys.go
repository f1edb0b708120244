package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// API keys are stored under the SHA-256 of the key as _id (R68), so the
// look-up on every game-server request is an _id look-up (and cached); the
// public id names a key in the admin routes.
type apiKeyRec struct {
	Hash        string     `json:"_id"`
	ID          string     `json:"keyId"`
	CommunityID string     `json:"communityId"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"`
	Scopes      []string   `json:"scopes"`
	CreatedAt   time.Time  `json:"createdAt"`
	CreatedBy   string     `json:"createdBy"`
	LastUsedAt  *time.Time `json:"lastUsedAt,omitempty"`
}

func (r *apiKeyRec) DocID() string        { return r.Hash }
func (r *apiKeyRec) DocCommunity() string { return r.CommunityID }

func (r *apiKeyRec) key() *cad.APIKey {
	k := &cad.APIKey{ID: r.ID, Hash: r.Hash, CommunityID: r.CommunityID, Name: r.Name, Prefix: r.Prefix,
		Scopes: r.Scopes, CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy}
	if r.LastUsedAt != nil {
		t := r.LastUsedAt.UTC()
		k.LastUsedAt = &t
	}
	return k
}

var (
	apiKeyTable    = table[apiKeyRec, *apiKeyRec]{apiKeys}
	errKeyNotFound = cad.Errorf(cad.ENOTFOUND, "API key not found")
)

// CreateAPIKey stores a key (by its hash) and fills in its public id.
func (s *Store) CreateAPIKey(ctx context.Context, k *cad.APIKey) error {
	r := &apiKeyRec{Hash: k.Hash, ID: cad.NewID(), CommunityID: k.CommunityID, Name: k.Name, Prefix: k.Prefix,
		Scopes: k.Scopes, CreatedAt: Millis(time.Now()), CreatedBy: k.CreatedBy}
	if err := apiKeyTable.insert(ctx, s.e, r); err != nil {
		return err
	}
	*k = *r.key()
	return nil
}

// APIKeyByHash returns the key stored under hash, or not_found. It is the
// first read of every game-server request, so it is cached.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*cad.APIKey, error) {
	return cached(s, s.cache.keys, hash, func() (*cad.APIKey, error) {
		// The key's community is what the key says; no tenant to filter
		// on yet, so this one look-up crosses communities, by _id.
		return getOne(ctx, apiKeyTable, s.e, Query{Where: []Cond{ID(hash)}, AllTenants: true}, errKeyNotFound, (*apiKeyRec).key)
	}, s.cacheable(ctx))
}

// APIKeys lists a community's keys, newest first.
func (s *Store) APIKeys(ctx context.Context, communityID string) ([]*cad.APIKey, error) {
	return findAll(ctx, apiKeyTable, s.e, Where(Community(communityID)).SortBy(Order("createdAt", true), Order(FieldID, true)), (*apiKeyRec).key)
}

// APIKey returns one key of a community by its public id.
func (s *Store) APIKey(ctx context.Context, communityID, id string) (*cad.APIKey, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errKeyNotFound
	}
	return getOne(ctx, apiKeyTable, s.e, Where(Community(communityID), Eq("keyId", id)), errKeyNotFound, (*apiKeyRec).key)
}

// DeleteAPIKey revokes a key of a community: it is gone, and this instance
// forgets it at once.
func (s *Store) DeleteAPIKey(ctx context.Context, communityID, hash string) error {
	n, err := apiKeyTable.delete(ctx, s.e, Where(Community(communityID), ID(hash)))
	s.changed(ctx, func() { s.cache.keys.drop(hash) })
	if err != nil {
		return err
	}
	if n == 0 {
		return errKeyNotFound
	}
	return nil
}

// TouchAPIKey records when a key was last used.
func (s *Store) TouchAPIKey(ctx context.Context, hash string, at time.Time) error {
	_, err := apiKeyTable.modify(ctx, s, Query{Where: []Cond{ID(hash)}, AllTenants: true}, errKeyNotFound, func(r *apiKeyRec) error {
		t := Millis(at)
		r.LastUsedAt = &t
		return nil
	})
	s.changed(ctx, func() { s.cache.keys.drop(hash) })
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return nil
	}
	return err
}
