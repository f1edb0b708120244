package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Transport is one client connection: Socket.IO or the plain stream.
type Transport interface {
	// Send writes one event, waiting while the client is behind; it is
	// called with the connection's send lock held.
	Send(m *message) error
	// TrySend writes one event if that cannot wait (false: use the queue),
	// with the connection's send lock held.
	TrySend(m *message) (bool, error)
	// Close ends the connection with a reason.
	Close(reason string)
}

// Options tune the hub.
type Options struct {
	Logger *slog.Logger
	// QueueSize bounds each connection's send queue (events).
	QueueSize int
	// CriticalGrace is how long a connection may stay unable to take a
	// critical event (a call, a panic) before it is disconnected.
	CriticalGrace time.Duration
	// MapInterval is how often live-map batches go out (at most).
	MapInterval time.Duration
	// Revalidate is how often every connection's credential and rooms are
	// checked again (logout, revocation, ban, role change, deletion).
	Revalidate time.Duration
	Now        func() time.Time
}

// Hub routes events to connections: rooms per community, permission
// filters, live-map batches, bounded queues.
type Hub struct {
	auth     Authenticator
	com      Tenancy
	dis      Dispatch
	log      *slog.Logger
	opts     Options
	stats    Stats
	mu       sync.RWMutex
	conns    map[*Conn]struct{}
	rooms    map[string]map[*Conn]struct{} // community id -> joined connections
	watchers map[string]map[*Conn]struct{} // community id -> map watchers
	pending  map[string]map[string]any     // community id -> unit -> latest position (or removal)
	pmu      sync.Mutex
}

// Stats are the gateway's counters (exported to /metrics).
type Stats struct {
	Connected     atomic.Int64
	EventsSent    atomic.Int64
	EventsDropped atomic.Int64
	Overflows     atomic.Int64
	Batches       atomic.Int64
	// EngineWrites counts Socket.IO events written through the library's
	// engine, packet by packet (long-polling, an upgrade under way, a
	// client behind), rather than as frames in one write.
	EngineWrites atomic.Int64
	Disconnects  sync.Map // reason -> *atomic.Int64
}

func (s *Stats) disconnected(reason string) {
	v, _ := s.Disconnects.LoadOrStore(reason, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// Authenticator resolves a connection's credential and checks it again
// later (auth.Service does).
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request, cl cad.Client) (*cad.Principal, error)
	Revalidate(ctx context.Context, p *cad.Principal) error
}

// Tenancy resolves the community a client joins and its standing there,
// and records a Super Admin's entry (community.Service does).
type Tenancy interface {
	Resolve(ctx context.Context, ref string) (*cad.Community, error)
	ProbeAbsent(ctx context.Context, p *cad.Principal)
	ScopeFor(ctx context.Context, p *cad.Principal, com *cad.Community) (*cad.Scope, error)
	Record(ctx context.Context, a cad.Actor, communityID, action, target string, before, after any)
}

// Dispatch is what a client catching up on a community is sent: open
// calls, units on duty and the live map (dispatch.Service does).
type Dispatch interface {
	Calls(ctx context.Context, c cad.Caller, f cad.CallFilter) ([]*cad.Call, string, error)
	Units(ctx context.Context, c cad.Caller) ([]*cad.Unit, error)
	LiveMap(communityID string, now time.Time) []cad.Position
}

// NewHub returns a hub; Run starts its work.
func NewHub(a Authenticator, com Tenancy, dis Dispatch, o Options) *Hub {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 256
	}
	if o.CriticalGrace <= 0 {
		o.CriticalGrace = 5 * time.Second
	}
	if o.MapInterval <= 0 {
		o.MapInterval = 500 * time.Millisecond
	}
	if o.Revalidate <= 0 {
		o.Revalidate = 500 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &Hub{auth: a, com: com, dis: dis, log: o.Logger, opts: o, conns: map[*Conn]struct{}{},
		rooms: map[string]map[*Conn]struct{}{}, watchers: map[string]map[*Conn]struct{}{}, pending: map[string]map[string]any{}}
	return h
}

// Stats are the hub's counters.
func (h *Hub) Stats() *Stats { return &h.stats }

// Run delivers events from sub, sends live-map batches and revalidates
// connections until ctx ends.
func (h *Hub) Run(ctx context.Context, sub cad.Subscriber) {
	events, stop := sub.Subscribe(65536)
	defer stop()
	// Revalidation reads the identities of every connection: on its own
	// goroutine, so that an event never waits for a sweep.
	go func() {
		check := time.NewTicker(h.opts.Revalidate)
		defer check.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-check.C:
				h.revalidate(ctx)
			}
		}
	}()
	mapTick := time.NewTicker(h.opts.MapInterval)
	defer mapTick.Stop()
	for {
		select {
		case <-ctx.Done():
			h.closeAll("server shutting down")
			return
		case e := <-events:
			h.route(e)
		case <-mapTick.C:
			h.flushMap()
		}
	}
}

// Conn is one connection's state in the hub.
type Conn struct {
	hub       *Hub
	t         Transport
	principal *cad.Principal // nil: anonymous (nothing private)
	client    cad.Client
	queue     chan *message
	mapSlot   atomic.Pointer[message] // the newest map batch not sent yet
	wake      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	blocked   atomic.Int64 // unix nano since a critical event found no room; 0 when none
	missed    atomic.Bool  // an event was dropped: sync.required goes out once the queue is drained
	// sendMu orders writes; pending counts messages queued and not yet
	// sent, so that a direct write never overtakes one.
	sendMu  sync.Mutex
	pending atomic.Int64

	mu     sync.Mutex
	scopes map[string]*cad.Scope // joined communities
}

// Connect registers a connection for principal (nil when anonymous) and
// starts its writer. The transport decides the names an event goes out
// under (Socket.IO: every alias; the plain stream: the canonical one).
func (h *Hub) Connect(t Transport, p *cad.Principal, cl cad.Client) *Conn {
	c := &Conn{hub: h, t: t, principal: p, client: cl, queue: make(chan *message, h.opts.QueueSize), wake: make(chan struct{}, 1),
		done: make(chan struct{}), scopes: map[string]*cad.Scope{}}
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
	h.stats.Connected.Add(1)
	go c.writer()
	return c
}

// Disconnected is called by the transport when the client went away: the
// connection leaves every room.
func (c *Conn) Disconnected(reason string) { c.end(reason, false) }

// end removes the connection from the hub once, closing the transport
// when the hub ends it. The transport closes on its own goroutine: closing
// may call back into Disconnected (which must not wait on this end), and a
// stuck client must not hold up the hub.
func (c *Conn) end(reason string, closeTransport bool) {
	first := false
	c.closeOnce.Do(func() {
		first = true
		h := c.hub
		ids := c.joined()
		h.mu.Lock()
		delete(h.conns, c)
		for _, id := range ids {
			h.leave(id, c)
		}
		h.mu.Unlock()
		h.stats.Connected.Add(-1)
		h.stats.disconnected(reason)
		close(c.done)
		if reason == reasonSlow {
			h.log.Warn("a real-time client could not take events for the grace and was disconnected; it can reconnect and sync",
				append(c.who(), "ip", c.client.IP)...)
		}
	})
	if first && closeTransport {
		go c.t.Close(reason)
	}
}

// reasonSlow is the disconnect reason of a client that could not keep up.
const reasonSlow = "slow consumer"

// who names a connection's credential for the logs (ids, never secrets).
func (c *Conn) who() []any {
	switch {
	case c.principal.IsUser():
		return []any{"userId", c.principal.User.ID}
	case c.principal.IsServer():
		return []any{"apiKeyId", c.principal.APIKey.ID}
	}
	return []any{"anonymous", true}
}

// errNotAllowed is the one answer to a join the caller may not make,
// whether the community exists or not.
var errNotAllowed = cad.Errorf(cad.EFORBIDDEN, "Not allowed: sign in as a member of that community")

// Join puts the connection in a community's room: a member only (a Super
// Admin too, audited); a game server only its own community. It returns
// the community's id.
func (c *Conn) Join(ctx context.Context, ref string) (string, error) {
	if c.principal == nil || len(ref) == 0 || len(ref) > 64 {
		return "", errNotAllowed
	}
	com, err := c.hub.com.Resolve(ctx, ref)
	if err != nil {
		c.hub.com.ProbeAbsent(ctx, c.principal)
		return "", errNotAllowed
	}
	sc, err := c.hub.com.ScopeFor(ctx, c.principal, com)
	if err != nil {
		return "", errNotAllowed
	}
	if sc.SuperAdmin && sc.Membership == nil {
		c.hub.com.Record(ctx, cad.ActorOf(c.principal, sc, c.client), com.ID, "superadmin.socket_join", com.ID, nil, nil)
	}
	c.mu.Lock()
	c.scopes[com.ID] = sc
	c.mu.Unlock()
	h := c.hub
	h.mu.Lock()
	if h.rooms[com.ID] == nil {
		h.rooms[com.ID] = map[*Conn]struct{}{}
	}
	h.rooms[com.ID][c] = struct{}{}
	h.mu.Unlock()
	return com.ID, nil
}

// Leave takes the connection out of a community's room (and its map).
func (c *Conn) Leave(ctx context.Context, ref string) {
	id := c.joinedID(ref)
	if id == "" {
		return
	}
	c.mu.Lock()
	delete(c.scopes, id)
	c.mu.Unlock()
	h := c.hub
	h.mu.Lock()
	h.leave(id, c)
	h.mu.Unlock()
}

// leave takes c out of a community's room and map, dropping what is left
// empty; h.mu is held.
func (h *Hub) leave(id string, c *Conn) {
	delete(h.rooms[id], c)
	if len(h.rooms[id]) == 0 {
		delete(h.rooms, id)
	}
	h.unwatch(id, c)
}

// unwatch takes c off a community's map watchers; h.mu is held.
func (h *Hub) unwatch(id string, c *Conn) {
	delete(h.watchers[id], c)
	if len(h.watchers[id]) == 0 {
		delete(h.watchers, id)
	}
}

// joinedID finds a joined community by id or guild id.
func (c *Conn) joinedID(ref string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, sc := range c.scopes {
		if id == ref || sc.Community.GuildID == ref {
			return id
		}
	}
	return ""
}

// Client requests, by their plain-stream names (Socket.IO's are
// join-community and leave-community for the first two).
const (
	reqJoin     = "join"
	reqLeave    = "leave"
	reqWatchMap = "watch-map"
	reqSync     = "sync"
)

// Request answers a client's request about community ref: the reply
// event and its body, or the refusal (a cad error for the client).
func (c *Conn) Request(ctx context.Context, req, ref string) (string, any, error) {
	switch req {
	case reqJoin:
		id, err := c.Join(ctx, ref)
		if err != nil {
			return "", nil, err
		}
		return "joined-community", map[string]any{"ok": true, "communityId": id}, nil
	case reqLeave:
		c.Leave(ctx, ref)
		return "left-community", map[string]any{"ok": true, "communityId": ref}, nil
	case reqWatchMap:
		if err := c.WatchMap(ctx, ref); err != nil {
			return "", nil, err
		}
		return "watching-map", map[string]any{"ok": true, "communityId": ref}, nil
	case reqSync:
		out, err := c.Sync(ctx, ref)
		if err != nil {
			return "", nil, err
		}
		return "sync", out, nil
	}
	return "", nil, cad.Errorf(cad.EINVALID, "type must be join, leave, watch-map, sync or ping")
}

// refusal is the body of the error event a refused request gets.
func refusal(ref string, err error) map[string]any {
	return map[string]any{"ok": false, "communityId": ref, "message": cad.ErrorMessage(err)}
}

// joined lists the communities the connection is in.
func (c *Conn) joined() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, 0, len(c.scopes))
	for id := range c.scopes {
		ids = append(ids, id)
	}
	return ids
}

// scope is the connection's standing in a joined community, or nil.
func (c *Conn) scope(id string) *cad.Scope {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.scopes[id]
}

// WatchMap subscribes the connection to a joined community's live map
// (responders only) and sends the full snapshot at once.
func (c *Conn) WatchMap(ctx context.Context, ref string) error {
	id := c.joinedID(ref)
	sc := c.scope(id)
	if sc == nil || !cad.Responder(sc) {
		return errNotAllowed
	}
	h := c.hub
	h.mu.Lock()
	if h.watchers[id] == nil {
		h.watchers[id] = map[*Conn]struct{}{}
	}
	h.watchers[id][c] = struct{}{}
	h.mu.Unlock()
	c.setMap(h.fullMap(id, h.opts.Now()))
	return nil
}

// Sync is what a client that reconnects (or fell behind) needs to catch up
// on a joined community: open calls, units on duty and, for responders,
// positions.
func (c *Conn) Sync(ctx context.Context, ref string) (map[string]any, error) {
	id := c.joinedID(ref)
	sc := c.scope(id)
	if sc == nil {
		return nil, errNotAllowed
	}
	caller := cad.Caller{Scope: sc, Actor: cad.ActorOf(c.principal, sc, c.client)}
	if c.principal.IsUser() {
		caller.UserID = c.principal.User.ID
	}
	out := map[string]any{"communityId": id, "calls": []any{}, "units": []any{}, "positions": []any{},
		"timestamp": c.hub.opts.Now().UTC().Format(time.RFC3339Nano)}
	calls, _, err := c.hub.dis.Calls(ctx, caller, cad.CallFilter{OpenOnly: true, Limit: 100})
	if err == nil {
		out["calls"] = calls
	} else if cad.ErrorCode(err) != cad.EFORBIDDEN {
		return nil, err
	}
	if cad.Responder(sc) {
		if units, err := c.hub.dis.Units(ctx, caller); err == nil {
			out["units"] = units
		}
		out["positions"] = c.hub.dis.LiveMap(id, c.hub.opts.Now())
	}
	return out, nil
}

// enqueue hands a message to the connection without blocking. A critical
// message that finds the queue full starts the grace clock; one that still
// finds no room after CriticalGrace disconnects the client, which can
// reconnect and sync.
func (c *Conn) enqueue(f *message) {
	c.pending.Add(1)
	select {
	case c.queue <- f:
		c.blocked.Store(0)
		return
	default:
	}
	c.pending.Add(-1)
	h := c.hub
	h.stats.Overflows.Add(1)
	h.stats.EventsDropped.Add(1)
	c.missed.Store(true)
	if !f.critical {
		return
	}
	now := h.opts.Now().UnixNano()
	since := c.blocked.Load()
	if since == 0 {
		c.blocked.CompareAndSwap(0, now)
		return
	}
	if time.Duration(now-since) >= h.opts.CriticalGrace {
		go c.end(reasonSlow, true)
	}
}

// deliver sends m at once when nothing is queued before it and the
// transport can take it without waiting (no goroutine hop: most sockets,
// most of the time), else queues it.
func (c *Conn) deliver(m *message) {
	if c.pending.Load() == 0 && c.sendMu.TryLock() {
		sent, err := false, error(nil)
		if c.pending.Load() == 0 {
			sent, err = c.t.TrySend(m)
		}
		c.sendMu.Unlock()
		if err != nil {
			go c.end(failure(err), true)
			return
		}
		if sent {
			c.hub.stats.EventsSent.Add(1)
			return
		}
	}
	c.enqueue(m)
}

// setMap replaces the pending map batch (a newer one makes an older one
// worthless) and wakes the writer.
func (c *Conn) setMap(m *message) {
	c.mapSlot.Store(m)
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// writer sends the connection's frames, one at a time, on its own
// goroutine: a slow client holds up only itself.
func (c *Conn) writer() {
	h := c.hub
	for {
		select {
		case <-c.done:
			return
		case m := <-c.queue:
			c.sendMu.Lock()
			err := c.t.Send(m)
			c.pending.Add(-1)
			c.sendMu.Unlock()
			if err != nil {
				go c.end(failure(err), true)
				return
			}
			h.stats.EventsSent.Add(1)
			if len(c.queue) == 0 && c.missed.Swap(false) {
				// Caught up after a loss: tell the client to sync.
				c.sendMu.Lock()
				err := c.t.Send(h.missedMessage())
				c.sendMu.Unlock()
				if err != nil {
					go c.end(failure(err), true)
					return
				}
			}
		case <-c.wake:
			if m := c.mapSlot.Swap(nil); m != nil {
				c.sendMu.Lock()
				err := c.t.Send(m)
				c.sendMu.Unlock()
				if err != nil {
					go c.end(failure(err), true)
					return
				}
				h.stats.Batches.Add(1)
			}
		}
	}
}

// fullMap is a community's whole live map as one batch.
func (h *Hub) fullMap(id string, now time.Time) *message {
	b, _ := json.Marshal(map[string]any{"communityId": id, "full": true, "positions": h.dis.LiveMap(id, now),
		"removed": []string{}, "timestamp": now.UTC().Format(time.RFC3339Nano)})
	return newMessage(mapNames, b, false)
}

// resync tells every connection with a joined community that events may
// have been lost (the shared bus could not resume): it should ask for a
// sync.
func (h *Hub) resync(e cad.Event) {
	b, _ := json.Marshal(map[string]any{"timestamp": e.Time.UTC().Format(time.RFC3339Nano),
		"message": "Some real-time events may have been missed: ask for a sync"})
	m := newMessage(resyncNames, b, true)
	for _, c := range h.copyOf(func() map[*Conn]struct{} { return h.conns }) {
		if len(c.joined()) > 0 {
			c.deliver(m)
		}
	}
}

// missedMessage tells one client that it missed events (its queue was
// full) and should ask for a sync.
func (h *Hub) missedMessage() *message {
	b, _ := json.Marshal(map[string]any{"timestamp": h.opts.Now().UTC().Format(time.RFC3339Nano),
		"message": "Some real-time events were dropped while this client was behind: ask for a sync"})
	return newMessage(resyncNames, b, false)
}

// failure is the disconnect reason of a failed send.
func failure(err error) string {
	if errors.Is(err, errStalled) {
		return reasonSlow
	}
	return "write failed"
}

// route delivers one domain event to the connections that may have it.
func (h *Hub) route(e cad.Event) {
	if e.Type == "unit.position" {
		h.pmu.Lock()
		m := h.pending[e.CommunityID]
		if m == nil {
			m = map[string]any{}
			h.pending[e.CommunityID] = m
		}
		m[e.ID] = e.Payload
		h.pmu.Unlock()
		return
	}
	if e.Type == cad.EventGap {
		h.resync(e)
		return
	}
	r, ok := routes[e.Type]
	if !ok {
		return
	}
	f := newMessage(r.names, payloadOf(e), r.critical)
	for _, c := range h.copyOf(func() map[*Conn]struct{} { return h.rooms[e.CommunityID] }) {
		sc := c.scope(e.CommunityID)
		if sc == nil || (r.audience == Responders && !cad.Responder(sc)) {
			continue
		}
		c.deliver(f)
	}
}

// flushMap sends each watched community's changed positions as one batch,
// at most once an interval; a connection that has not sent the last batch
// gets the new one in its place (with the full state, never a gap).
func (h *Hub) flushMap() {
	h.pmu.Lock()
	pending := h.pending
	h.pending = map[string]map[string]any{}
	h.pmu.Unlock()
	now := h.opts.Now()
	for id, changes := range pending {
		targets := h.copyOf(func() map[*Conn]struct{} { return h.watchers[id] })
		if len(targets) == 0 {
			continue
		}
		positions, removed := []any{}, []string{}
		for unit, p := range changes {
			if m, ok := p.(map[string]any); ok && m["status"] == "offline" {
				removed = append(removed, unit)
				continue
			}
			positions = append(positions, p)
		}
		b, _ := json.Marshal(map[string]any{"communityId": id, "full": false, "positions": positions, "removed": removed,
			"timestamp": now.UTC().Format(time.RFC3339Nano)})
		delta := newMessage(mapNames, b, false)
		var full *message
		for _, c := range targets {
			if c.mapSlot.Load() != nil {
				// Behind: replace the unsent batch by the whole map.
				if full == nil {
					full = h.fullMap(id, now)
				}
				c.setMap(full)
				continue
			}
			c.setMap(delta)
		}
	}
}

// revalidate closes connections whose credential no longer holds and
// takes them out of rooms they may no longer be in (a ban, a role or
// department change, a deleted community).
func (h *Hub) revalidate(ctx context.Context) {
	for _, c := range h.copyOf(func() map[*Conn]struct{} { return h.conns }) {
		if c.principal == nil {
			continue
		}
		if err := h.auth.Revalidate(ctx, c.principal); err != nil {
			if cad.ErrorCode(err) == cad.EUNAUTHORIZED {
				c.end("credential ended", true)
			}
			continue
		}
		for _, id := range c.joined() {
			com, err := h.com.Resolve(ctx, id)
			var sc *cad.Scope
			if err == nil {
				sc, err = h.com.ScopeFor(ctx, c.principal, com)
			}
			switch {
			case err == nil:
				c.mu.Lock()
				c.scopes[id] = sc
				c.mu.Unlock()
				if !cad.Responder(sc) {
					h.mu.Lock()
					h.unwatch(id, c)
					h.mu.Unlock()
				}
			case cad.ErrorCode(err) == cad.EFORBIDDEN || cad.ErrorCode(err) == cad.ENOTFOUND:
				c.Leave(ctx, id)
				b, _ := json.Marshal(map[string]any{"communityId": id, "message": "You no longer have access to this community"})
				c.enqueue(newMessage([]string{"left-community"}, b, false))
			}
		}
	}
}

// closeAll ends every connection.
func (h *Hub) closeAll(reason string) {
	for _, c := range h.copyOf(func() map[*Conn]struct{} { return h.conns }) {
		c.end(reason, true)
	}
}

// Authenticate resolves a connection's credential from a request made of
// the handshake (its cookie header, an Authorization bearer, or x-api-key).
// No credential is an anonymous connection (nil, nil); a bad one an error.
func (h *Hub) Authenticate(ctx context.Context, r *http.Request, cl cad.Client) (*cad.Principal, error) {
	return h.auth.Authenticate(ctx, r, cl)
}

// copyOf is a copy of a set of connections pick names, taken under the
// hub's lock, to work on without holding it.
func (h *Hub) copyOf(pick func() map[*Conn]struct{}) []*Conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	m := pick()
	out := make([]*Conn, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	return out
}

// Snapshot is the hub's numbers now.
func (h *Hub) Snapshot() (connected, rooms, watchers int64, disconnects map[string]int64) {
	h.mu.RLock()
	rooms = int64(len(h.rooms)) // empty rooms are dropped
	for _, w := range h.watchers {
		watchers += int64(len(w))
	}
	h.mu.RUnlock()
	disconnects = map[string]int64{}
	h.stats.Disconnects.Range(func(k, v any) bool {
		disconnects[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return h.stats.Connected.Load(), rooms, watchers, disconnects
}
