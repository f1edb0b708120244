package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/precinct-cad/precinct/internal/cad"
)

// The shared bus's logic, on a fake change stream: ordering, resuming
// after a dropped stream, no duplicate delivery, its own documents
// skipped, a gap reported when the stream cannot resume, positions
// coalesced, and publishing that never blocks. The real change stream is
// tested against a replica set (bus_test.go).

var quiet = slog.New(slog.DiscardHandler)

// fakeItem is one thing a fake stream yields: a document, or an error
// that ends the stream.
type fakeItem struct {
	doc eventDoc
	err error
}

type fakeStream struct {
	items []fakeItem
	at    int // next item
	token bson.Raw
	err   error
	base  int // the index of items[0] in the whole history (for tokens)
}

func tokenOf(i int) bson.Raw {
	b, _ := bson.Marshal(bson.D{{Key: "n", Value: int32(i)}})
	return b
}

func indexOf(t bson.Raw) int {
	return int(t.Lookup("n").Int32())
}

func (s *fakeStream) Next(ctx context.Context) bool {
	if s.at >= len(s.items) {
		// A quiet stream: wait for the end of the test.
		<-ctx.Done()
		s.err = ctx.Err()
		return false
	}
	it := s.items[s.at]
	if it.err != nil {
		s.err = it.err
		s.at++
		return false
	}
	s.token = tokenOf(s.base + s.at)
	s.at++
	return true
}

func (s *fakeStream) Decode(v any) error {
	raw, err := bson.Marshal(bson.D{{Key: "fullDocument", Value: s.items[s.at-1].doc}})
	if err != nil {
		return err
	}
	return bson.Unmarshal(raw, v)
}

func (s *fakeStream) ResumeToken() bson.Raw       { return s.token }
func (s *fakeStream) Err() error                  { return s.err }
func (s *fakeStream) Close(context.Context) error { return nil }

// history is the whole collection in order; streams are opened on it from
// a token (after that item) or from the start; failAt lists the history
// positions where a stream breaks once, before that item.
type history struct {
	mu      sync.Mutex
	docs    []eventDoc
	failAt  map[int]bool
	opens   []int // where each stream started (-1: from now)
	openErr []error
}

func (h *history) open(ctx context.Context, resumeAfter bson.Raw) (changeStream, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	from := 0
	if resumeAfter != nil {
		from = indexOf(resumeAfter) + 1
		h.opens = append(h.opens, from)
	} else {
		h.opens = append(h.opens, -1)
	}
	if len(h.openErr) > 0 {
		err := h.openErr[0]
		h.openErr = h.openErr[1:]
		if err != nil {
			return nil, err
		}
	}
	s := &fakeStream{base: from}
	for i := from; i < len(h.docs); i++ {
		if h.failAt[i] {
			delete(h.failAt, i)
			s.items = append(s.items, fakeItem{err: errors.New("connection reset")})
			break
		}
		s.items = append(s.items, fakeItem{doc: h.docs[i]})
	}
	return s, nil
}

func doc(origin, typ, id string, payload string) eventDoc {
	return eventDoc{ID: bson.NewObjectID(), Origin: origin, Type: typ, CommunityID: "c1", EventID: id, Time: time.Now().UTC(),
		Payload: payload, At: time.Now().UTC()}
}

// testBus is a bus named "A" reading h, writing nowhere.
func testBus(t *testing.T, h *history) (*Bus, <-chan cad.Event) {
	t.Helper()
	b := newBus(BusOptions{Origin: "A", PositionInterval: 10 * time.Millisecond, Logger: quiet}.withDefaults())
	b.open = h.open
	b.insert = func(context.Context, []any) error { return nil }
	ch, stop := b.Subscribe(1024)
	t.Cleanup(stop)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return b, ch
}

// take reads n events or fails after a while.
func take(t *testing.T, ch <-chan cad.Event, n int) []cad.Event {
	t.Helper()
	var out []cad.Event
	for len(out) < n {
		select {
		case e := <-ch:
			out = append(out, e)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d events of %d: %+v", len(out), n, out)
		}
	}
	return out
}

// none fails if an event arrives within a short while.
func none(t *testing.T, ch <-chan cad.Event) {
	t.Helper()
	select {
	case e := <-ch:
		t.Fatalf("an unexpected event: %+v", e)
	case <-time.After(100 * time.Millisecond):
	}
}

func ids(es []cad.Event) string {
	s := ""
	for _, e := range es {
		s += e.ID + " "
	}
	return s
}

func TestBusDeliversOtherInstancesEventsInOrderOnce(t *testing.T) {
	d1 := doc("B", "call.created", "1", `{"incidentNumber":"26-1"}`)
	h := &history{docs: []eventDoc{
		d1,
		doc("A", "call.created", "own", `{}`), // this instance's: delivered in process already
		doc("C", "call.updated", "2", `{"status":"enroute"}`),
		d1, // the same document again
		doc("B", "panic", "3", `{"unitId":"u1"}`),
	}}
	b, ch := testBus(t, h)
	got := take(t, ch, 3)
	if ids(got) != "1 2 3 " {
		t.Fatalf("order: %s", ids(got))
	}
	for _, e := range got {
		if !e.Remote || e.CommunityID != "c1" {
			t.Fatalf("not marked remote: %+v", e)
		}
	}
	if p, _ := got[0].Payload.(map[string]any); p["incidentNumber"] != "26-1" {
		t.Fatalf("payload %#v", got[0].Payload)
	}
	none(t, ch)
	if b.Stats().Duplicates.Load() != 1 || b.Stats().Received.Load() != 3 {
		t.Fatalf("duplicates %d, received %d", b.Stats().Duplicates.Load(), b.Stats().Received.Load())
	}
}

func TestBusResumesAfterTheLastEventDelivered(t *testing.T) {
	var docs []eventDoc
	for i := 0; i < 6; i++ {
		docs = append(docs, doc("B", "call.updated", fmt.Sprint(i), `{}`))
	}
	// The stream breaks before the third document and before the fifth.
	h := &history{docs: docs, failAt: map[int]bool{2: true, 4: true}}
	b, ch := testBus(t, h)
	got := take(t, ch, 6)
	if ids(got) != "0 1 2 3 4 5 " {
		t.Fatalf("order: %s", ids(got))
	}
	none(t, ch)
	h.mu.Lock()
	opens := fmt.Sprint(h.opens)
	h.mu.Unlock()
	// From now, then after item 1 (token of 1 -> 2), then after 3.
	if opens != "[-1 2 4]" {
		t.Fatalf("streams opened at %s", opens)
	}
	if b.Stats().StreamBreaks.Load() != 2 || b.Stats().Duplicates.Load() != 0 {
		t.Fatalf("breaks %d, duplicates %d", b.Stats().StreamBreaks.Load(), b.Stats().Duplicates.Load())
	}
}

func TestBusReportsAGapWhenTheStreamCannotResume(t *testing.T) {
	docs := []eventDoc{doc("B", "call.created", "1", `{}`), doc("B", "call.created", "2", `{}`)}
	lost := mongo.CommandError{Code: 286, Message: "Resume of change stream was not possible"}
	// The first stream breaks after one document; resuming is refused
	// (history lost); the bus starts again from now.
	h := &history{docs: docs, failAt: map[int]bool{1: true}, openErr: []error{nil, lost}}
	b, ch := testBus(t, h)
	// Opened from "now" again, the fake replays its whole history: the
	// first document again, which is not delivered twice.
	got := take(t, ch, 3)
	if got[0].ID != "1" || got[1].Type != cad.EventGap || got[2].ID != "2" {
		t.Fatalf("events: %+v", got)
	}
	none(t, ch)
	if b.Stats().Gaps.Load() != 1 || b.Stats().Duplicates.Load() != 1 {
		t.Fatalf("gaps %d, duplicates %d", b.Stats().Gaps.Load(), b.Stats().Duplicates.Load())
	}
	h.mu.Lock()
	opens := fmt.Sprint(h.opens)
	h.mu.Unlock()
	if opens != "[-1 1 -1]" {
		t.Fatalf("streams opened at %s", opens)
	}
}

// What one bus writes, another reads back as the same events; positions
// are coalesced per community, the latest of each unit; this instance's
// subscribers get everything at once, before any write.
func TestBusWritesWhatAnotherReads(t *testing.T) {
	var mu sync.Mutex
	var written []eventDoc
	a := newBus(BusOptions{Origin: "A", PositionInterval: 20 * time.Millisecond, Logger: quiet}.withDefaults())
	a.open = (&history{}).open
	a.insert = func(_ context.Context, docs []any) error {
		mu.Lock()
		defer mu.Unlock()
		for _, d := range docs {
			written = append(written, d.(eventDoc))
		}
		return nil
	}
	local, stop := a.Subscribe(256)
	defer stop()
	call := &cad.Call{ID: "call1", CommunityID: "c1", IncidentNumber: "26-7", Description: "Shots fired"}
	a.Publish(cad.Event{Type: "call.created", CommunityID: "c1", ID: "call1", Time: time.Now(), Payload: call})
	for i := 0; i < 100; i++ {
		a.Publish(cad.Event{Type: "unit.position", CommunityID: "c1", ID: fmt.Sprint("u", i%3), Time: time.Now(),
			Payload: map[string]any{"unitId": fmt.Sprint("u", i%3), "x": i}})
	}
	a.Publish(cad.Event{Type: "unit.position", CommunityID: "c2", ID: "v", Payload: map[string]any{"unitId": "v", "status": "offline"}})
	if got := take(t, local, 102); got[0].Type != "call.created" || got[0].Remote {
		t.Fatalf("local delivery: %+v", got[0])
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(written)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	mu.Lock()
	docs := append([]eventDoc(nil), written...)
	mu.Unlock()
	// One call, one batch for c1 (3 units), one for c2.
	if len(docs) != 3 || docs[0].Type != "call.created" || docs[0].Origin != "A" {
		t.Fatalf("written: %+v", docs)
	}

	h := &history{docs: docs}
	b := newBus(BusOptions{Origin: "B", Logger: quiet}.withDefaults())
	b.open = h.open
	b.insert = func(context.Context, []any) error { return nil }
	ch, stopB := b.Subscribe(64)
	defer stopB()
	bctx, bcancel := context.WithCancel(context.Background())
	bdone := make(chan struct{})
	go func() { b.Run(bctx); close(bdone) }()
	defer func() { bcancel(); <-bdone }()
	got := take(t, ch, 5)
	var back cad.Call
	raw, _ := json.Marshal(got[0].Payload)
	_ = json.Unmarshal(raw, &back)
	if got[0].Type != "call.created" || back.IncidentNumber != "26-7" || back.Description != "Shots fired" || !got[0].Remote {
		t.Fatalf("the call read back: %+v", got[0])
	}
	latest := map[string]float64{}
	for _, e := range got[1:] {
		if e.Type != "unit.position" || !e.Remote {
			t.Fatalf("position read back: %+v", e)
		}
		p := e.Payload.(map[string]any)
		if e.CommunityID == "c1" {
			latest[e.ID] = p["x"].(float64)
		} else if p["status"] != "offline" {
			t.Fatalf("the removal read back: %+v", p)
		}
	}
	if latest["u0"] != 99 || latest["u1"] != 97 || latest["u2"] != 98 {
		t.Fatalf("not the latest positions: %v", latest)
	}
}

// Publishing never blocks, even with nothing writing: past the queue,
// events are dropped for the other instances (counted) but still reach
// this one's subscribers.
func TestBusPublishNeverBlocks(t *testing.T) {
	b := newBus(BusOptions{Origin: "A", QueueSize: 2, Logger: quiet}.withDefaults())
	ch, stop := b.Subscribe(16)
	defer stop()
	done := make(chan struct{})
	go func() {
		for i := 0; i < 10; i++ {
			b.Publish(cad.Event{Type: "call.updated", CommunityID: "c1", ID: fmt.Sprint(i)})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Publish blocked")
	}
	if len(ch) != 10 || b.Stats().Dropped.Load() != 8 || b.Dropped() != 8 {
		t.Fatalf("local %d, dropped %d", len(ch), b.Stats().Dropped.Load())
	}
}
