package events

import (
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Publishing never blocks: a subscriber without room loses the event,
// which is counted; the others get it.
func TestPublishNeverBlocks(t *testing.T) {
	b := NewLocal()
	slow, stopSlow := b.Subscribe(1)
	defer stopSlow()
	fast, stopFast := b.Subscribe(10)
	done := make(chan struct{})
	go func() {
		for i := 0; i < 5; i++ {
			b.Publish(cad.Event{Type: "call.created", ID: string(rune('a' + i))})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Publish blocked on a full subscriber")
	}
	if len(slow) != 1 || len(fast) != 5 || b.Dropped() != 4 {
		t.Fatalf("slow %d, fast %d, dropped %d", len(slow), len(fast), b.Dropped())
	}
	stopFast()
	stopFast() // twice is fine
	b.Publish(cad.Event{Type: "x"})
	if len(fast) != 5 {
		t.Fatal("an ended subscription still receives")
	}
}
