package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Counters back the sign-in limits and locks. They live in the database so
// that every instance shares them (R12); each is one record under its key,
// changed in a transaction, so concurrent changes are never lost.
type counterRec struct {
	ID          string    `json:"_id"`
	Count       int64     `json:"count"`
	Lockouts    int64     `json:"lockouts"`
	LockedUntil time.Time `json:"lockedUntil"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

func (r *counterRec) DocID() string { return r.ID }

func (r *counterRec) counter() cad.Counter {
	return cad.Counter{Count: r.Count, Lockouts: r.Lockouts, LockedUntil: r.LockedUntil.UTC()}
}

var counterTable = table[counterRec, *counterRec]{counters}

// AddCounter adds delta to key and returns the new state. A counter that
// expired counts from zero again.
func (s *Store) AddCounter(ctx context.Context, key string, delta int64, expiresAt time.Time) (cad.Counter, error) {
	r, err := counterTable.upsert(ctx, s, key, func() *counterRec { return &counterRec{ID: key} }, func(r *counterRec, fresh bool) error {
		if !fresh && !r.ExpiresAt.After(time.Now()) {
			*r = counterRec{ID: key}
		}
		r.Count += delta
		if e := Millis(expiresAt); e.After(r.ExpiresAt) {
			r.ExpiresAt = e
		}
		return nil
	})
	if err != nil {
		return cad.Counter{}, err
	}
	return r.counter(), nil
}

// Counters returns the state of each key; a missing or expired key is left
// out (reads as zero).
func (s *Store) Counters(ctx context.Context, now time.Time, keys ...string) (map[string]cad.Counter, error) {
	list, err := counterTable.find(ctx, s.e, Where(In(FieldID, keys), Gt("expiresAt", now)))
	if err != nil {
		return nil, err
	}
	out := make(map[string]cad.Counter, len(list))
	for _, r := range list {
		out[r.ID] = r.counter()
	}
	return out, nil
}

// LockCounter locks key until until, sets its count back to zero and counts
// the lockout, only while the count is still at least atLeast.
func (s *Store) LockCounter(ctx context.Context, key string, atLeast int64, until, expiresAt time.Time) (bool, error) {
	locked := false
	_, err := counterTable.modify(ctx, s, Where(ID(key), Gte("count", atLeast)), nil, func(r *counterRec) error {
		r.Count, r.LockedUntil = 0, Millis(until)
		r.Lockouts++
		if e := Millis(expiresAt); e.After(r.ExpiresAt) {
			r.ExpiresAt = e
		}
		locked = true
		return nil
	})
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return false, nil
	}
	return locked, err
}

// DeleteCounter forgets key.
func (s *Store) DeleteCounter(ctx context.Context, key string) error {
	_, err := counterTable.delete(ctx, s.e, Where(ID(key)))
	return err
}
