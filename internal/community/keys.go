package community

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/precinct-cad/precinct/internal/cad"
)

// maxKeys bounds a community's API keys (R66).
const maxKeys = 25

// CreateKey makes a game-server key for the scoped community; the key is
// returned this once.
func (s *Service) CreateKey(ctx context.Context, a cad.Actor, sc *cad.Scope, name string) (string, *cad.APIKey, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 64 {
		return "", nil, cad.Errorf(cad.EINVALID, "name must be 1 to 64 characters")
	}
	keys, err := s.db.APIKeys(ctx, sc.Community.ID)
	if err != nil {
		return "", nil, err
	}
	if len(keys) >= maxKeys {
		return "", nil, cad.Errorf(cad.EINVALID, "A community has at most %d API keys; revoke one first", maxKeys)
	}
	key, k, err := s.keys.CreateAPIKey(ctx, sc.Community.ID, name, a.UserID)
	if err != nil {
		return "", nil, err
	}
	s.audit(ctx, a, sc.Community.ID, "apikey.created", k.ID, nil, map[string]any{"name": k.Name, "prefix": k.Prefix})
	return key, k, nil
}

// Keys lists the scoped community's keys (never the keys themselves).
func (s *Service) Keys(ctx context.Context, sc *cad.Scope) ([]*cad.APIKey, error) {
	return s.db.APIKeys(ctx, sc.Community.ID)
}

// RevokeKey revokes a key; the next request with it is refused.
func (s *Service) RevokeKey(ctx context.Context, a cad.Actor, sc *cad.Scope, id string) error {
	k, err := s.db.APIKey(ctx, sc.Community.ID, id)
	if err != nil {
		return err
	}
	if err := s.keys.RevokeAPIKey(ctx, sc.Community.ID, k); err != nil {
		return err
	}
	s.audit(ctx, a, sc.Community.ID, "apikey.revoked", k.ID, map[string]any{"name": k.Name, "prefix": k.Prefix}, nil)
	return nil
}

// RotateKey issues a replacement with the same name and revokes the old
// key.
func (s *Service) RotateKey(ctx context.Context, a cad.Actor, sc *cad.Scope, id string) (string, *cad.APIKey, error) {
	old, err := s.db.APIKey(ctx, sc.Community.ID, id)
	if err != nil {
		return "", nil, err
	}
	key, k, err := s.keys.CreateAPIKey(ctx, sc.Community.ID, old.Name, a.UserID)
	if err != nil {
		return "", nil, err
	}
	if err := s.keys.RevokeAPIKey(ctx, sc.Community.ID, old); err != nil {
		return "", nil, err
	}
	s.audit(ctx, a, sc.Community.ID, "apikey.rotated", k.ID, map[string]any{"id": old.ID, "prefix": old.Prefix}, map[string]any{"id": k.ID, "prefix": k.Prefix})
	return key, k, nil
}
