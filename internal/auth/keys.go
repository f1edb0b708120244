package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Key purposes: one key per purpose (R39), so that a secret of one kind can
// never verify a token of another.
const (
	purposeJWT    = "jwt"
	purposeCookie = "cookie"
	purposeDecoy  = "decoy"
)

// MinSecretLen is the shortest configured secret accepted (256 bits, R39).
const MinSecretLen = 32

// keyRing holds the keys of one purpose: the newest signs, all verify. It is
// reloaded from the database now and then and whenever a token names a key
// it does not know, so that keys made by another instance or by
// `precinct jwt rotate` are picked up without a restart.
type keyRing struct {
	db      cad.ServerKeyStore
	purpose string
	fixed   bool // from configuration: never reloaded

	mu         sync.RWMutex
	keys       []cad.ServerKey // newest first
	lastReload time.Time
}

// reloadEvery bounds how often a ring reads the database, both on schedule
// and for unknown key ids (which an attacker can send at will).
const reloadEvery = 30 * time.Second

// loadRing returns the ring for purpose. With a configured secret the ring
// holds just that key (its id derived from it); otherwise it holds the keys
// in the database, and one is generated on first start.
func loadRing(ctx context.Context, db cad.ServerKeyStore, purpose string, configured []byte, now time.Time) (*keyRing, error) {
	r := &keyRing{db: db, purpose: purpose}
	if len(configured) > 0 {
		if len(configured) < MinSecretLen {
			return nil, fmt.Errorf("the %s secret must be at least %d bytes", purpose, MinSecretLen)
		}
		sum := sha256.Sum256(append([]byte(purpose+":"), configured...))
		r.keys = []cad.ServerKey{{ID: "cfg-" + hex.EncodeToString(sum[:6]), Purpose: purpose, Secret: configured, CreatedAt: now}}
		r.fixed = true
		return r, nil
	}
	keys, err := db.ServerKeys(ctx, purpose)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		k, err := newKey(purpose, now)
		if err != nil {
			return nil, err
		}
		if err := db.AddServerKey(ctx, k); err != nil {
			return nil, err
		}
		// Another instance may have made one at the same moment; read
		// back so that every instance agrees on the newest.
		if keys, err = db.ServerKeys(ctx, purpose); err != nil {
			return nil, err
		}
	}
	r.keys, r.lastReload = keys, now
	return r, nil
}

func newKey(purpose string, now time.Time) (cad.ServerKey, error) {
	secret := make([]byte, 32)
	id := make([]byte, 8)
	if _, err := rand.Read(secret); err != nil {
		return cad.ServerKey{}, err
	}
	if _, err := rand.Read(id); err != nil {
		return cad.ServerKey{}, err
	}
	return cad.ServerKey{ID: hex.EncodeToString(id), Purpose: purpose, Secret: secret, CreatedAt: now.UTC()}, nil
}

// current is the key that signs.
func (r *keyRing) current() cad.ServerKey {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.keys[0]
}

// all returns every key, newest first.
func (r *keyRing) all() []cad.ServerKey {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]cad.ServerKey(nil), r.keys...)
}

// get returns the key with id kid, reloading once (at most every
// reloadEvery) when it is unknown.
func (r *keyRing) get(ctx context.Context, kid string, now time.Time) (cad.ServerKey, bool) {
	if k, ok := r.find(kid); ok {
		return k, true
	}
	if err := r.maybeReload(ctx, now); err != nil {
		return cad.ServerKey{}, false
	}
	return r.find(kid)
}

func (r *keyRing) find(kid string) (cad.ServerKey, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, k := range r.keys {
		if k.ID == kid {
			return k, true
		}
	}
	return cad.ServerKey{}, false
}

// maybeReload reads the keys again if the last read is old enough.
func (r *keyRing) maybeReload(ctx context.Context, now time.Time) error {
	if r.fixed {
		return nil
	}
	r.mu.Lock()
	if now.Sub(r.lastReload) < reloadEvery {
		r.mu.Unlock()
		return nil
	}
	r.lastReload = now
	r.mu.Unlock()
	keys, err := r.db.ServerKeys(ctx, r.purpose)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return errors.New("no keys")
	}
	r.mu.Lock()
	r.keys = keys
	r.mu.Unlock()
	return nil
}
