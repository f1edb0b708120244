package mongo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/events"
)

// The shared event bus of several Precinct instances on one MongoDB. An
// event published on an instance reaches that instance's subscribers at
// once, in process, and is written to the events collection; every other
// instance reads it from a change stream on that collection and hands it
// to its own subscribers, marked Remote. So a dispatcher connected to
// instance A sees the 911 that arrived on instance B.
//
// Live positions are too many to write one by one (thousands a second):
// they are coalesced per community, the latest of each unit, and written
// as one batch document every PositionInterval.
//
// The collection keeps documents for Retention (a TTL index): long enough
// for a stream that broke to resume where it was. Order: one instance's
// events are written in the order they were published, by one writer, and
// a change stream reads them in that order. A stream that breaks is opened
// again after the last event it delivered (its resume token), and every
// document id delivered lately is remembered, so no event reaches a
// subscriber twice. A stream that cannot resume (the collection no longer
// holds its place) starts from now and delivers cad.EventGap, so that
// clients ask for a sync.

// EventsCollection is the collection the bus writes to and watches.
const EventsCollection = "events"

// BusOptions tune the bus.
type BusOptions struct {
	// Origin names this instance in the documents it writes; empty picks
	// a random one.
	Origin string
	// PositionInterval is how often coalesced positions are written.
	PositionInterval time.Duration
	// Retention is how long documents stay in the collection.
	Retention time.Duration
	// QueueSize bounds the events waiting to be written; past it they are
	// dropped (and counted): publishing never blocks.
	QueueSize int
	Logger    *slog.Logger
}

// BusStats are the bus's counters.
type BusStats struct {
	Written      atomic.Int64 // documents written
	WriteErrors  atomic.Int64 // failed writes (their events reached only this instance)
	Received     atomic.Int64 // events delivered from other instances
	Duplicates   atomic.Int64 // documents seen twice and skipped
	StreamBreaks atomic.Int64 // change streams that broke and were opened again
	Gaps         atomic.Int64 // streams that could not resume
	Dropped      atomic.Int64 // events not written: the queue was full
}

// Bus is the events.Bus of instances sharing a MongoDB database.
type Bus struct {
	local  *events.Local
	opts   BusOptions
	stats  BusStats
	insert func(ctx context.Context, docs []any) error
	open   func(ctx context.Context, resumeAfter bson.Raw) (changeStream, error)
	queue  chan cad.Event
	pmu    sync.Mutex
	pos    map[string]map[string]any // community -> unit -> latest payload
	seen   *recent
}

var _ events.Bus = (*Bus)(nil)

// changeStream is what the bus reads of a change stream (*mongo.ChangeStream
// in production, a fake in tests).
type changeStream interface {
	Next(ctx context.Context) bool
	Decode(v any) error
	ResumeToken() bson.Raw
	Err() error
	Close(ctx context.Context) error
}

// eventDoc is one document of the events collection: an event, or a batch
// of positions (Type "unit.positions", Payload unit id -> position).
type eventDoc struct {
	ID          bson.ObjectID `bson:"_id,omitempty"`
	Origin      string        `bson:"origin"`
	Type        string        `bson:"type"`
	CommunityID string        `bson:"communityId"`
	EventID     string        `bson:"eventId,omitempty"`
	Time        time.Time     `bson:"time"`
	Payload     string        `bson:"payload"` // JSON
	At          time.Time     `bson:"at"`      // the TTL index's field
}

// positionsBatch is the Type of a document of coalesced positions.
const positionsBatch = "unit.positions"

// maxBatchUnits bounds one community's coalesced positions between two
// writes.
const maxBatchUnits = 10000

// NewBus returns the bus on e's database. It needs change streams (a
// replica set); Run starts it.
func NewBus(ctx context.Context, e *Engine, o BusOptions) (*Bus, error) {
	if !e.caps.ChangeStreams {
		return nil, errors.New("this server has no change streams: run MongoDB as a replica set")
	}
	o = o.withDefaults()
	coll := e.db.Collection(EventsCollection)
	_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "at", Value: 1}},
		Options: options.Index().SetName("ttl_at").SetExpireAfterSeconds(int32(o.Retention / time.Second)),
	})
	if err != nil {
		return nil, mapErr(err)
	}
	b := newBus(o)
	b.insert = func(ctx context.Context, docs []any) error {
		_, err := coll.InsertMany(ctx, docs)
		return err
	}
	origin := o.Origin
	b.open = func(ctx context.Context, resumeAfter bson.Raw) (changeStream, error) {
		pipeline := mongo.Pipeline{{{Key: "$match", Value: bson.D{
			{Key: "operationType", Value: "insert"},
			{Key: "fullDocument.origin", Value: bson.D{{Key: "$ne", Value: origin}}},
		}}}}
		opts := options.ChangeStream().SetMaxAwaitTime(time.Second)
		if resumeAfter != nil {
			opts.SetResumeAfter(resumeAfter)
		}
		return coll.Watch(ctx, pipeline, opts)
	}
	return b, nil
}

func (o BusOptions) withDefaults() BusOptions {
	if o.Origin == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		o.Origin = hex.EncodeToString(b[:])
	}
	if o.PositionInterval <= 0 {
		o.PositionInterval = 250 * time.Millisecond
	}
	if o.Retention <= 0 {
		o.Retention = 10 * time.Minute
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 8192
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

func newBus(o BusOptions) *Bus {
	return &Bus{local: events.NewLocal(), opts: o, queue: make(chan cad.Event, o.QueueSize),
		pos: map[string]map[string]any{}, seen: newRecent(4096)}
}

// Stats are the bus's counters.
func (b *Bus) Stats() *BusStats { return &b.stats }

// Origin is this instance's name in the documents it writes.
func (b *Bus) Origin() string { return b.opts.Origin }

// Publish delivers e to this instance's subscribers now and queues it for
// the other instances. It never blocks.
func (b *Bus) Publish(e cad.Event) {
	b.local.Publish(e)
	if e.Remote {
		return
	}
	if e.Type == "unit.position" {
		b.pmu.Lock()
		m := b.pos[e.CommunityID]
		if m == nil {
			m = map[string]any{}
			b.pos[e.CommunityID] = m
		}
		if _, ok := m[e.ID]; ok || len(m) < maxBatchUnits {
			m[e.ID] = e.Payload
		} else {
			b.stats.Dropped.Add(1)
		}
		b.pmu.Unlock()
		return
	}
	select {
	case b.queue <- e:
	default:
		b.stats.Dropped.Add(1)
	}
}

// Subscribe hands out every event, this instance's and the others'.
func (b *Bus) Subscribe(size int) (<-chan cad.Event, func()) { return b.local.Subscribe(size) }

// Dropped counts events lost: subscribers without room, and events that
// could not be queued for the other instances.
func (b *Bus) Dropped() int64 { return b.local.Dropped() + b.stats.Dropped.Load() }

// Run writes and reads the collection until ctx ends.
func (b *Bus) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); b.writeLoop(ctx) }()
	go func() { defer wg.Done(); b.readLoop(ctx) }()
	wg.Wait()
}

// writeLoop writes queued events as they come (many at once when many
// wait) and the coalesced positions every PositionInterval.
func (b *Bus) writeLoop(ctx context.Context) {
	tick := time.NewTicker(b.opts.PositionInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-b.queue:
			docs := []any{b.doc(e)}
			for len(docs) < 256 {
				select {
				case e := <-b.queue:
					docs = append(docs, b.doc(e))
					continue
				default:
				}
				break
			}
			b.write(ctx, docs)
		case <-tick.C:
			if docs := b.positionDocs(); len(docs) > 0 {
				b.write(ctx, docs)
			}
		}
	}
}

func (b *Bus) write(ctx context.Context, docs []any) {
	if err := b.insert(ctx, docs); err != nil {
		b.stats.WriteErrors.Add(1)
		b.opts.Logger.Warn("events could not be written for the other instances; they reached this one only",
			"events", len(docs), "error", err.Error())
		return
	}
	b.stats.Written.Add(int64(len(docs)))
}

func (b *Bus) doc(e cad.Event) eventDoc {
	p, err := json.Marshal(e.Payload)
	if err != nil {
		p = []byte("null")
	}
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	return eventDoc{ID: bson.NewObjectID(), Origin: b.opts.Origin, Type: e.Type, CommunityID: e.CommunityID, EventID: e.ID,
		Time: t.UTC(), Payload: string(p), At: time.Now().UTC()}
}

// positionDocs takes the coalesced positions: one document per community.
func (b *Bus) positionDocs() []any {
	b.pmu.Lock()
	pos := b.pos
	b.pos = map[string]map[string]any{}
	b.pmu.Unlock()
	docs := make([]any, 0, len(pos))
	now := time.Now().UTC()
	for community, units := range pos {
		p, err := json.Marshal(units)
		if err != nil {
			continue
		}
		docs = append(docs, eventDoc{ID: bson.NewObjectID(), Origin: b.opts.Origin, Type: positionsBatch, CommunityID: community,
			Time: now, Payload: string(p), At: now})
	}
	return docs
}

// readLoop follows the other instances' documents, opening the stream
// again after the last document it delivered whenever it breaks.
func (b *Bus) readLoop(ctx context.Context) {
	var token bson.Raw
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		st, err := b.open(ctx, token)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if token != nil && historyLost(err) {
				b.gap(err)
				token = nil
				continue
			}
			b.opts.Logger.Warn("the event stream cannot be opened; retrying", "error", err.Error(), "retryIn", backoff.String())
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		for st.Next(ctx) {
			var ch struct {
				FullDocument eventDoc `bson:"fullDocument"`
			}
			if err := st.Decode(&ch); err == nil {
				b.deliver(ch.FullDocument)
			}
			token = st.ResumeToken()
		}
		err = st.Err()
		_ = st.Close(context.WithoutCancel(ctx))
		if ctx.Err() != nil {
			return
		}
		b.stats.StreamBreaks.Add(1)
		if token != nil && historyLost(err) {
			b.gap(err)
			token = nil
			continue
		}
		b.opts.Logger.Warn("the event stream broke; resuming after the last event delivered", "error", errString(err))
	}
}

// gap reports that events may have been lost.
func (b *Bus) gap(err error) {
	b.stats.Gaps.Add(1)
	b.opts.Logger.Warn("the event stream could not resume where it was; starting from now and telling clients to sync",
		"error", errString(err))
	b.local.Publish(cad.Event{Type: cad.EventGap, Time: time.Now().UTC(), Remote: true})
}

// deliver hands another instance's document to this instance's
// subscribers, once.
func (b *Bus) deliver(d eventDoc) {
	if d.Origin == b.opts.Origin {
		return
	}
	if !b.seen.add(d.ID) {
		b.stats.Duplicates.Add(1)
		return
	}
	if d.Type == positionsBatch {
		var units map[string]any
		if json.Unmarshal([]byte(d.Payload), &units) != nil {
			return
		}
		for unit, p := range units {
			b.stats.Received.Add(1)
			b.local.Publish(cad.Event{Type: "unit.position", CommunityID: d.CommunityID, ID: unit, Time: d.Time, Payload: p, Remote: true})
		}
		return
	}
	var payload any
	if json.Unmarshal([]byte(d.Payload), &payload) != nil {
		return
	}
	b.stats.Received.Add(1)
	b.local.Publish(cad.Event{Type: d.Type, CommunityID: d.CommunityID, ID: d.EventID, Time: d.Time, Payload: payload, Remote: true})
}

// historyLost reports whether a stream cannot resume from its token.
func historyLost(err error) bool {
	var se mongo.ServerError
	if errors.As(err, &se) {
		// ChangeStreamHistoryLost, ChangeStreamFatalError,
		// InvalidResumeToken.
		return se.HasErrorCode(286) || se.HasErrorCode(280) || se.HasErrorCode(260)
	}
	return false
}

func errString(err error) string {
	if err == nil {
		return "the stream ended"
	}
	return err.Error()
}

// recent remembers the last n document ids.
type recent struct {
	mu   sync.Mutex
	set  map[bson.ObjectID]struct{}
	ring []bson.ObjectID
	next int
}

func newRecent(n int) *recent {
	return &recent{set: make(map[bson.ObjectID]struct{}, n), ring: make([]bson.ObjectID, n)}
}

// add reports whether id is new, remembering it.
func (r *recent) add(id bson.ObjectID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.set[id]; ok {
		return false
	}
	if old := r.ring[r.next]; !old.IsZero() {
		delete(r.set, old)
	}
	r.ring[r.next] = id
	r.set[id] = struct{}{}
	r.next = (r.next + 1) % len(r.ring)
	return true
}
