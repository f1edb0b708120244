package sqlite

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/store"
)

// The change log lets a server on this file learn what the admin commands
// changed beside it (Options.Announce), so that revoking a session or
// disabling a user from the command line takes effect on the running
// server within a poll, not after its cache lifetime.

// pollEvery is how often a server reads the change log.
const pollEvery = 100 * time.Millisecond

// changeLogKeep is how long logged changes are kept for a server to read.
const changeLogKeep = time.Hour

func (e *Engine) announceChanges(ctx context.Context, c *store.Collection, ids ...string) error {
	if !e.announce || len(ids) == 0 {
		return nil
	}
	now := time.Now().UTC().Format(store.TimeLayout)
	for _, id := range ids {
		if _, err := e.writer(ctx).ExecContext(ctx, `INSERT INTO changes (collection, doc_id, at) VALUES (?, ?, ?)`, c.Name, id, now); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

var _ store.Watcher = (*Engine)(nil)

// Watch reads the change log every pollEvery and reports each change made
// since Watch began (store.Watcher). Entries older than changeLogKeep are
// deleted as it goes.
func (e *Engine) Watch(ctx context.Context, colls []*store.Collection, changed func(coll, id string)) (<-chan error, error) {
	var last int64
	if err := e.r.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&last); err != nil {
		return nil, mapErr(err)
	}
	watched := map[string]bool{}
	for _, c := range colls {
		watched[c.Name] = true
	}
	done := make(chan error, 1)
	go func() {
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		trimmed := time.Time{}
		for {
			select {
			case <-ctx.Done():
				done <- ctx.Err()
				return
			case <-t.C:
			}
			next, err := e.readChanges(ctx, last, func(coll, id string) {
				if watched[coll] {
					changed(coll, id)
				}
			})
			if err != nil {
				if ctx.Err() == nil {
					done <- err
				}
				return
			}
			last = next
			if time.Since(trimmed) > time.Minute {
				trimmed = time.Now()
				cut := time.Now().Add(-changeLogKeep).UTC().Format(store.TimeLayout)
				_, _ = e.w.ExecContext(ctx, `DELETE FROM changes WHERE seq <= ? AND at < ?`, last, cut)
			}
		}
	}()
	return done, nil
}

func (e *Engine) readChanges(ctx context.Context, after int64, fn func(coll, id string)) (int64, error) {
	rows, err := e.r.QueryContext(ctx, `SELECT seq, collection, doc_id FROM changes WHERE seq > ? ORDER BY seq`, after)
	if err != nil {
		return after, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var coll, id string
		if err := rows.Scan(&after, &coll, &id); err != nil {
			return after, mapErr(err)
		}
		fn(coll, id)
	}
	return after, mapErr(rows.Err())
}
