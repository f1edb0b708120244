package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// DefaultCacheTTL is how long an identity record (API key, session, user,
// membership, community) read from the database is trusted without asking
// again. A change made through this Store drops it at once; the lifetime
// only bounds how late this instance sees a change made by another process
// that it was not told of.
const DefaultCacheTTL = 5 * time.Second

// WatchedCacheTTL is the lifetime when the engine reports other processes'
// changes (MongoDB change streams): entries are dropped on change, and the
// lifetime is only a backstop.
const WatchedCacheTTL = time.Minute

// Options tune a Store.
type Options struct {
	// CacheTTL is the identity cache's lifetime; 0 means DefaultCacheTTL
	// and a negative value turns the cache off.
	CacheTTL time.Duration
	Logger   *slog.Logger
	// Observer, when set, hears every engine operation and cache look-up.
	Observer Observer
}

// Store implements every store interface of internal/cad on an engine.
type Store struct {
	e     Engine // the engine, observed when an Observer is set
	raw   Engine // the engine as given
	log   *slog.Logger
	cache *identityCache
	obs   Observer
	// lookups writes look-up entries by group commit.
	lookups *committer
}

var _ cad.Store = (*Store)(nil)

// New returns a Store on e. The engine must be prepared (Prepare).
func New(e Engine, o Options) *Store {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	ttl := o.CacheTTL
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	s := &Store{e: e, raw: e, log: o.Logger, cache: newIdentityCache(ttl), obs: o.Observer}
	if o.Observer != nil {
		s.e = observed{Engine: e, obs: o.Observer, kind: e.Kind()}
	} else {
		s.obs = noObserver{}
	}
	s.lookups = newCommitter(s.e, lookups)
	return s
}

type noObserver struct{}

func (noObserver) DBOp(string, string, time.Duration, string) {}
func (noObserver) Cache(string, bool)                         {}

// Engine is the engine under the store, as given to New (so that callers
// can reach what only one engine offers, such as SQLite's Backup).
func (s *Store) Engine() Engine { return s.raw }

// Ping answers whether the database is reachable within ctx.
func (s *Store) Ping(ctx context.Context) error { return s.e.Ping(ctx) }

// Drain writes the look-up entries waiting for their group commit and
// refuses new ones (503): the last thing a server does before it closes
// the database, so that every answered look-up's entry is stored.
func (s *Store) Drain(ctx context.Context) error { return s.lookups.drain(ctx) }

// Close drains the store and closes the engine.
func (s *Store) Close(ctx context.Context) error {
	err := s.Drain(ctx)
	return errors.Join(err, s.e.Close(ctx))
}

// Watch keeps the identity cache true to changes other processes make, for
// as long as ctx lives, when the engine can report them: the cache then
// drops a changed record at once and may keep entries for WatchedCacheTTL.
// It returns false at once when the engine cannot report changes; the
// cache then relies on its lifetime (DefaultCacheTTL). A stream that breaks
// empties the cache, falls back to the short lifetime and is opened again.
func (s *Store) Watch(ctx context.Context) bool {
	w, ok := s.raw.(Watcher)
	if !ok {
		return false
	}
	colls := []*Collection{users, sessions, apiKeys, members, communities, departments, bolos}
	done, err := w.Watch(ctx, colls, s.cache.dropDoc)
	if err != nil {
		s.log.Info("the database reports no changes; cached identities live at most their lifetime",
			"lifetime", s.cache.lifetime().String(), "reason", err.Error())
		return false
	}
	short := s.cache.lifetime()
	s.cache.setTTL(WatchedCacheTTL)
	go func() {
		backoff := time.Second
		for {
			select {
			case <-ctx.Done():
				return
			case err := <-done:
				if ctx.Err() != nil {
					return
				}
				s.cache.setTTL(short)
				s.cache.reset()
				s.log.Warn("the change stream broke; cached identities live at most their lifetime until it is back",
					"error", fmt.Sprint(err))
			}
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
				if done, err = w.Watch(ctx, colls, s.cache.dropDoc); err == nil {
					s.cache.reset() // changes may have been missed meanwhile
					s.cache.setTTL(WatchedCacheTTL)
					backoff = time.Second
					break
				}
				backoff = min(2*backoff, time.Minute)
			}
		}
	}()
	return true
}

// txKey carries the store's own transaction state in a context.
type txKey struct{}

type txState struct {
	drops []func() // cache drops to repeat once the transaction ends
}

// Tx runs fn in one transaction (cad.Transactor). Cache entries that fn's
// writes drop are dropped again when it ends, so that no reader can cache
// what the transaction replaced while it was open.
func (s *Store) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*txState); ok {
		return s.e.Tx(ctx, fn)
	}
	st := &txState{}
	err := s.e.Tx(context.WithValue(ctx, txKey{}, st), fn)
	for _, d := range st.drops {
		d()
	}
	return err
}

// InTx reports whether ctx carries a transaction (cad.CivilStore).
func (s *Store) InTx(ctx context.Context) bool { return s.e.InTx(ctx) }

// changed is called after a write of a cached record: it drops the entry
// now and, inside a transaction, again when the transaction ends (until
// then, readers outside it still see, and may cache, the old record).
func (s *Store) changed(ctx context.Context, drop func()) {
	drop()
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		st.drops = append(st.drops, drop)
	}
}

// cacheable reports whether a read may use the cache: never inside a
// transaction, which must see the database itself.
func (s *Store) cacheable(ctx context.Context) bool { return !s.e.InTx(ctx) }

// isHexID reports whether s looks like an id cad.NewID makes.
func isHexID(s string) bool {
	if len(s) != 24 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
