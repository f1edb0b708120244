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
	// keyTouchEvery bounds how often last-used is written.
	keyTouchEvery = time.Minute
	// Failed key attempts per client IP (R72), counted apart from the
	// sign-in failures so that a misconfigured game server cannot lock
	// its host's people out.
	KeyFailureLimit  = 20
	KeyFailureWindow = 15 * time.Minute
)

// keyTouches remembers when each key's last use was written, so that a
// busy game server costs one write a minute, not one a request. (The key
// itself is cached by the store, which drops it at once on revocation.)
type keyTouches struct {
	mu      sync.Mutex
	touched map[string]time.Time
}

func newKeyTouches() *keyTouches { return &keyTouches{touched: map[string]time.Time{}} }

// needsTouch reports whether last-used should be written now, and notes it.
func (c *keyTouches) needsTouch(hash string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.touched[hash]) < keyTouchEvery {
		return false
	}
	if len(c.touched) > 100_000 { // a bound, not a policy: start over
		c.touched = map[string]time.Time{}
	}
	c.touched[hash] = now
	return true
}

func (c *keyTouches) drop(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.touched, hash)
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

// authenticateKey resolves a game server's key. A valid key is always
// served (its own per-key limit applies later); a malformed or unknown key
// is 401, counted against the client address, and once the address is over
// its limit such keys get 429. So a misconfigured game server cannot lock
// out another server behind the same address (R72).
func (s *Service) authenticateKey(ctx context.Context, key string, cl cad.Client) (*cad.Principal, error) {
	now := s.now()
	if !wellFormedKey(key) {
		return nil, s.badKey(ctx, cl, "malformed key")
	}
	hash := hashToken(key)
	k, err := s.db.APIKeyByHash(ctx, hash)
	if err != nil {
		if cad.ErrorCode(err) != cad.ENOTFOUND {
			return nil, err
		}
		return nil, s.badKey(ctx, cl, "unknown key "+key[:len(APIKeyPrefix)+8])
	}
	if s.keys.needsTouch(hash, now) {
		if err := s.db.TouchAPIKey(ctx, hash, now); err != nil {
			s.log.WarnContext(ctx, "recording an API key's use", "error", err.Error())
		}
	}
	return &cad.Principal{Kind: cad.PrincipalServer, APIKey: k}, nil
}

// badKey refuses a key that is not one: 429 when the address is over its
// limit of failures (no more events written for it), else 401, counted.
func (s *Service) badKey(ctx context.Context, cl cad.Client, detail string) error {
	if err := keyLimiter.check(ctx, s, cl, 0); err != nil {
		return err
	}
	keyLimiter.failed(ctx, s, cl)
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventAPIKeyFail, Outcome: cad.OutcomeFailure, Detail: detail})
	return errBadKey
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
// once (R70): the store drops it from its cache.
func (s *Service) RevokeAPIKey(ctx context.Context, communityID string, k *cad.APIKey) error {
	s.keys.drop(k.Hash)
	return s.db.DeleteAPIKey(ctx, communityID, k.Hash)
}

// keyLimiter limits failed API-key attempts per client IP.
var keyLimiter = limiter{prefix: "keyfail", limit: KeyFailureLimit, window: KeyFailureWindow, what: "API key attempts", policy: "api-key-failures"}
