// Package events carries domain events (cad.Event) from the services that
// make them to whoever delivers them (the real-time gateway). Publishing
// never blocks and never fails: a subscriber that does not keep up loses
// events, which are counted.
package events

import (
	"sync"
	"sync/atomic"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Bus is an in-process cad.Publisher with subscribers.
type Bus struct {
	mu      sync.RWMutex
	subs    map[int]chan cad.Event
	next    int
	dropped atomic.Int64
}

// New returns a bus with no subscribers.
func New() *Bus { return &Bus{subs: map[int]chan cad.Event{}} }

// Publish hands e to every subscriber that has room for it.
func (b *Bus) Publish(e cad.Event) {
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
func (b *Bus) Subscribe(size int) (<-chan cad.Event, func()) {
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
func (b *Bus) Dropped() int64 { return b.dropped.Load() }
