package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// API key format and handling (R67-R72).
const (
	APIKeyPrefix = "fvm_"
	apiKeyHexLen = 64 // 256 random bits, lowercase hex: the reference's format
	// keyCacheTTL bounds how long a key found in the database is trusted
	// without asking again (architecture rule 5). Revocation on this
	// instance clears it at once; another instance's revocation takes at
	// most this long to be seen here.
	keyCacheTTL = 5 * time.Second
	// keyTouchEvery bounds how often last-used is written.
	keyTouchEvery = time.Minute
	// Failed key attempts per client IP (R72), counted apart from the
	// sign-in failures so that a misconfigured game server cannot lock
	// its host's people out.
	KeyFailureLimit  = 20
	KeyFailureWindow = 15 * time.Minute
)

// keyCache holds recently used keys by hash.
type keyCache struct {
	mu      sync.Mutex
	entries map[string]keyCacheEntry
	touched map[string]time.Time
}

type keyCacheEntry struct {
	key *cad.APIKey
	at  time.Time
}

func newKeyCache() *keyCache {
	return &keyCache{entries: map[string]keyCacheEntry{}, touched: map[string]time.Time{}}
}

func (c *keyCache) get(hash string, now time.Time) (*cad.APIKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || now.Sub(e.at) > keyCacheTTL {
		return nil, false
	}
	return e.key, true
}

func (c *keyCache) put(k *cad.APIKey, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 10000 { // a bound, not a policy: start over
		c.entries = map[string]keyCacheEntry{}
	}
	c.entries[k.Hash] = keyCacheEntry{key: k, at: now}
}

func (c *keyCache) drop(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, hash)
	delete(c.touched, hash)
}

// needsTouch reports whether last-used should be written now, and notes it.
func (c *keyCache) needsTouch(hash string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.touched[hash]) < keyTouchEvery {
		return false
	}
	c.touched[hash] = now
	return true
}

// NewAPIKey makes a key: "fvm_" + 64 lowercase hex characters. It returns
// the key, shown once, and the record to store (its hash and prefix).
func NewAPIKey(communityID, name, createdBy string) (string, *cad.APIKey, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	key := APIKeyPrefix + hex.EncodeToString(b)
	return key, &cad.APIKey{
		Hash: hashToken(key), CommunityID: communityID, Name: name, Prefix: key[len(APIKeyPrefix) : len(APIKeyPrefix)+8],
		Scopes: []string{cad.ScopeFiveM}, CreatedBy: createdBy,
	}, nil
}

// wellFormedKey checks the format before any database work (R67).
func wellFormedKey(k string) bool {
	if len(k) != len(APIKeyPrefix)+apiKeyHexLen || !strings.HasPrefix(k, APIKeyPrefix) {
		return false
	}
	for i := len(APIKeyPrefix); i < len(k); i++ {
		c := k[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// apiKeyFrom reads a key from x-api-key (any letter case; Go canonicalises
// header names) or "Authorization: Bearer fvm_…"; never from the query
// string (R71).
func apiKeyFrom(r *http.Request) (string, bool) {
	if v := r.Header.Get("X-Api-Key"); v != "" {
		return strings.TrimSpace(v), true
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") && strings.HasPrefix(strings.TrimSpace(h[7:]), APIKeyPrefix) {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

// authenticateKey resolves a game server's key. A malformed or unknown key
// is 401, counted against the client IP; an IP over its limit is refused
// before any look-up.
func (s *Service) authenticateKey(ctx context.Context, key string, cl Client) (*cad.Principal, error) {
	// Checked, then counted on failure: counting every key request in
	// advance would add a write to the hot path of every game server.
	if err := keyLimiter.check(ctx, s, cl, 0); err != nil {
		return nil, err
	}
	now := s.now()
	if !wellFormedKey(key) {
		keyLimiter.failed(ctx, s, cl)
		s.event(ctx, cl, cad.AuthEvent{Type: cad.EventAPIKeyFail, Outcome: cad.OutcomeFailure, Detail: "malformed key"})
		return nil, errBadKey
	}
	hash := hashToken(key)
	k, ok := s.keys.get(hash, now)
	if !ok {
		var err error
		k, err = s.db.APIKeyByHash(ctx, hash)
		if err != nil {
			if cad.ErrorCode(err) != cad.ENOTFOUND {
				return nil, err
			}
			keyLimiter.failed(ctx, s, cl)
			s.event(ctx, cl, cad.AuthEvent{Type: cad.EventAPIKeyFail, Outcome: cad.OutcomeFailure, Detail: "unknown key " + key[:len(APIKeyPrefix)+8]})
			return nil, errBadKey
		}
		s.keys.put(k, now)
	}
	if s.keys.needsTouch(hash, now) {
		if err := s.db.TouchAPIKey(ctx, hash, now); err != nil {
			s.log.WarnContext(ctx, "recording an API key's use", "error", err.Error())
		}
	}
	return &cad.Principal{Kind: cad.PrincipalServer, APIKey: k}, nil
}

var errBadKey = cad.Errorf(cad.EUNAUTHORIZED, "Invalid API key")

// CreateAPIKey makes and stores a key for a community; the key is returned
// this once.
func (s *Service) CreateAPIKey(ctx context.Context, communityID, name, createdBy string) (string, *cad.APIKey, error) {
	key, k, err := NewAPIKey(communityID, name, createdBy)
	if err != nil {
		return "", nil, err
	}
	if err := s.db.CreateAPIKey(ctx, k); err != nil {
		return "", nil, err
	}
	return key, k, nil
}

// RevokeAPIKey deletes a key of a community; this instance forgets it at
// once (R70).
func (s *Service) RevokeAPIKey(ctx context.Context, communityID string, k *cad.APIKey) error {
	s.keys.drop(k.Hash)
	err := s.db.DeleteAPIKey(ctx, communityID, k.Hash)
	s.keys.drop(k.Hash)
	return err
}

// keyLimiter limits failed API-key attempts per client IP.
var keyLimiter = limiter{prefix: "keyfail", limit: KeyFailureLimit, window: KeyFailureWindow, what: "API key attempts"}
