package store

import (
	"context"
	"sync"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// committer writes records of one collection by group commit: a writer
// hands its record over and waits until it is stored, and every record
// handed over while a write is under way goes into the next one, so that
// concurrent writers share one transaction instead of queueing for the
// database's single writer one commit each. A lone record is written at
// once; while writers are concurrent, a batch waits up to a millisecond for
// more (gather).
type committer struct {
	e Engine
	c *Collection

	queue chan *pendingDoc
	start sync.Once
	// mu orders hand-overs before a stop: add holds it shared while it
	// hands over, stop exclusively when it marks the committer stopped.
	mu      sync.RWMutex
	stopped bool
	stop    chan struct{}
	done    chan struct{}
	// last is the size of the last batch (run's goroutine only).
	last int
}

type pendingDoc struct {
	doc  Doc
	done chan error // receives the write's outcome once
}

const (
	// commitQueue bounds the records waiting for a write; a writer that
	// finds it full waits (until its context ends) for room.
	commitQueue = 4096
	// commitBatch bounds the records of one write.
	commitBatch = 512
	// commitGap and commitLinger bound how long a batch waits for more
	// records when writers are concurrent (gather).
	commitGap    = 100 * time.Microsecond
	commitLinger = time.Millisecond
)

var errCommitterStopped = cad.Errorf(cad.EUNAVAILABLE, "The server is shutting down; try again in a moment")

func newCommitter(e Engine, c *Collection) *committer {
	return &committer{e: e, c: c, queue: make(chan *pendingDoc, commitQueue), stop: make(chan struct{}), done: make(chan struct{})}
}

// add stores d by the next write and returns the write's outcome. When ctx
// ends first, add returns at once; d is then still written if it was
// handed over.
func (g *committer) add(ctx context.Context, d Doc) error {
	// A caller already gone hands nothing over (select picks among ready
	// cases at random, so the queue's room would otherwise win at times).
	if err := ctx.Err(); err != nil {
		return Unavailable(err)
	}
	g.start.Do(func() { go g.run() })
	p := &pendingDoc{doc: d, done: make(chan error, 1)}
	g.mu.RLock()
	if g.stopped {
		g.mu.RUnlock()
		return errCommitterStopped
	}
	select {
	case g.queue <- p:
		g.mu.RUnlock()
	case <-ctx.Done():
		g.mu.RUnlock()
		return Unavailable(ctx.Err())
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return Unavailable(ctx.Err())
	}
}

// run writes what is handed over, batch after batch, until stopped; then
// it writes what is left and ends.
func (g *committer) run() {
	defer close(g.done)
	for {
		select {
		case p := <-g.queue:
			g.write(g.gather(g.take(p)))
		case <-g.stop:
			for batch := g.take(nil); len(batch) > 0; batch = g.take(nil) {
				g.write(batch)
			}
			return
		}
	}
}

// take is first (if any) and whatever else waits, up to commitBatch.
func (g *committer) take(first *pendingDoc) []*pendingDoc {
	batch := make([]*pendingDoc, 0, 16)
	if first != nil {
		batch = append(batch, first)
	}
	for len(batch) < commitBatch {
		select {
		case p := <-g.queue:
			batch = append(batch, p)
		default:
			return batch
		}
	}
	return batch
}

// gather waits a little for more records when writers are concurrent
// (the last write took more than one): until none has come for
// commitGap, at most commitLinger. Each write costs the database's single
// writer its pages and every reader its page cache (a commit empties the
// caches of SQLite's other connections), so fewer, larger writes are
// cheaper for everyone; a lone writer is not kept waiting.
func (g *committer) gather(batch []*pendingDoc) []*pendingDoc {
	concurrent := g.last > 1 || len(batch) > 1
	defer func() { g.last = len(batch) }()
	if !concurrent || len(batch) >= commitBatch {
		return batch
	}
	deadline := time.Now().Add(commitLinger)
	gap := time.NewTimer(commitGap)
	defer gap.Stop()
	for len(batch) < commitBatch {
		select {
		case p := <-g.queue:
			batch = append(batch, p)
			if time.Now().After(deadline) {
				return batch
			}
			gap.Reset(commitGap)
		case <-gap.C:
			return batch
		case <-g.stop:
			return batch
		}
	}
	return batch
}

// write stores a batch in one write. If the write fails, each record is
// tried alone, so that one bad record fails only its own writer.
func (g *committer) write(batch []*pendingDoc) {
	// No deadline: the driver would watch a cancellable context with a
	// goroutine per statement. A wait for another process's lock ends at
	// the busy timeout; writers stop waiting at their own deadlines.
	ctx := context.Background()
	docs := make([]Doc, len(batch))
	for i, p := range batch {
		docs[i] = p.doc
	}
	err := g.e.InsertMany(ctx, g.c, docs)
	if err != nil && len(batch) > 1 {
		for _, p := range batch {
			p.done <- g.e.Insert(ctx, g.c, p.doc)
		}
		return
	}
	for _, p := range batch {
		p.done <- err
	}
}

// drain writes what was handed over and stops the committer; later adds
// are refused. It returns when the last write is done or ctx ends.
func (g *committer) drain(ctx context.Context) error {
	g.mu.Lock()
	already := g.stopped
	g.stopped = true
	g.mu.Unlock()
	if !already {
		close(g.stop)
	}
	g.start.Do(func() { go g.run() })
	select {
	case <-g.done:
		return nil
	case <-ctx.Done():
		return Unavailable(ctx.Err())
	}
}
