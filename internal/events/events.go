// Package events carries domain events (cad.Event) from the services that
// make them to whoever delivers them (the real-time gateway). Publishing
// never blocks and never fails: a subscriber that does not keep up loses
// events, which are counted.
//
// Bus is the one interface; Local is the in-process bus of one instance
// (SQLite, or tests), and the MongoDB engine's bus carries events between
// instances through a change stream (internal/store/mongo).
package events

import (
	"sync"
	"sync/atomic"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Bus publishes events to every subscriber, on this instance and, for a
// shared bus, on every other.
type Bus interface {
	cad.Publisher
	cad.Subscriber
	// Dropped counts events lost to subscribers without room (and, for a
	// shared bus, events it could not carry).
	Dropped() int64
}

// Local is the in-process Bus.
type Local struct {
	mu      sync.RWMutex
	subs    map[int]chan cad.Event
	next    int
	dropped atomic.Int64
}

var _ Bus = (*Local)(nil)

// NewLocal returns a bus with no subscribers.
func NewLocal() *Local { return &Local{subs: map[int]chan cad.Event{}} }

// Publish hands e to every subscriber that has room for it.
func (b *Local) Publish(e cad.Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, ch := range b.subs {
		select {
		case ch <- e:
		default:
			b.dropped.Add(1)
		}
	}
}

// Subscribe returns a channel of the events published from now on (buffer
// of size) and the function that ends the subscription.
func (b *Local) Subscribe(size int) (<-chan cad.Event, func()) {
	ch := make(chan cad.Event, size)
	b.mu.Lock()
	id := b.next
	b.next++
	b.subs[id] = ch
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, id)
			b.mu.Unlock()
		})
	}
}

// Dropped counts the events a subscriber had no room for.
func (b *Local) Dropped() int64 { return b.dropped.Load() }
