// Package realtime delivers domain events (cad.Event) to browsers and
// clients: a Socket.IO v4 gateway at /socket.io/ and a plain WebSocket
// stream at /api/events, both with community rooms, permission filters, a
// coalesced live map, and a bounded queue per connection so that no slow
// client slows anyone else (docs/realtime.md).
package realtime

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Audience says who in a community receives an event.
type Audience int

const (
	// Members: every member joined to the community (calls, announcements).
	Members Audience = iota + 1
	// Responders: members with the dispatch, LEO, fire or EMS permission,
	// and game servers (panic, unit status, BOLOs, ALPR hits).
	Responders
	// MapWatchers: sockets that asked for the live map (positions, coalesced).
	MapWatchers
)

// route is how one domain event is delivered: the names it is emitted
// under (the first is the canonical one; the rest are aliases old clients
// listen for), who receives it, and whether a client that cannot take it
// must be disconnected (critical) rather than skip it.
type route struct {
	names    []string
	audience Audience
	critical bool
}

// routes maps every domain event to its delivery. CDE fires three names
// for a new call; its names are not public, so Precinct chooses and
// documents them (docs/realtime.md).
var routes = map[string]route{
	"call.created": {[]string{"call:new", "newCall", "call-created", "call.created"}, Members, true},
	"call.updated": {[]string{"call:updated", "callUpdated", "call-updated", "call.updated"}, Members, true},
	"call.closed":  {[]string{"call:closed", "callClosed", "call-closed", "call.closed"}, Members, true},
	// CDE deletes a call when it expires; Precinct keeps it (history) and
	// tells clients under its own names and under the deleted family
	// CDE-era clients listen for to take a call off their board.
	"call.expired": {[]string{"call:expired", "callExpired", "call-expired", "call.expired",
		"call:deleted", "callDeleted", "call-deleted", "call.deleted"}, Members, true},
	"unit.status":   {[]string{"unit:status", "unitStatus", "unit.status"}, Responders, false},
	"panic":         {[]string{"panic", "panicAlert", "panic-alert", "panic.created"}, Responders, true},
	"bolo.created":  {[]string{"bolo:new", "boloCreated", "bolo-created", "bolo.created"}, Responders, false},
	"bolo.resolved": {[]string{"bolo:resolved", "boloResolved", "bolo-resolved", "bolo.resolved"}, Responders, false},
	"alpr.hit":      {[]string{"alpr:hit", "alprHit", "alpr.hit"}, Responders, false},
	"announcement":  {[]string{"announcement", "announcement.created"}, Members, false},
}

// MapEvent is the name of a live-map batch.
const MapEvent = "map:positions"

var (
	mapNames    = []string{MapEvent}
	resyncNames = []string{"sync:required", "sync.required"}
)

// message is an event ready to send to any number of connections: its
// payload is encoded once, and each transport's wire form once, on first
// use, whatever the number of receivers (1,000 dispatchers cost one
// encoding, not 4,000).
type message struct {
	names    []string
	payload  []byte // JSON
	critical bool

	ioOnce    sync.Once
	ioPackets [][]byte // Socket.IO event packets, one per name
	ioFrames  []byte   // the same as Engine.IO messages in WebSocket frames, one after the other
	ioFirst   int      // the length of the first frame (the first name's)
	wsOnce    sync.Once
	wsFrame   []byte // the plain stream's frame, canonical name only
}

func newMessage(names []string, payload []byte, critical bool) *message {
	return &message{names: names, payload: payload, critical: critical}
}

// socketIO is the message as Socket.IO v4 EVENT packets on the default
// namespace, one per name: "2" followed by the JSON array [name, payload]
// (socket.io-parser's encoding of a packet without binary or ack id).
func (m *message) socketIO() [][]byte {
	m.ioOnce.Do(func() {
		for _, n := range m.names {
			name, _ := json.Marshal(n)
			b := make([]byte, 0, len(m.payload)+len(name)+4)
			b = append(append(append(append(append(b, "2["...), name...), ','), m.payload...), ']')
			m.ioPackets = append(m.ioPackets, b)
			m.ioFrames = appendTextFrame(m.ioFrames, "4", b)
			if m.ioFirst == 0 {
				m.ioFirst = len(m.ioFrames)
			}
		}
	})
	return m.ioPackets
}

// webSocket is the message as the WebSocket frames of its Socket.IO
// packets, ready to write: every name, or the first only (lean).
func (m *message) webSocket(lean bool) []byte {
	m.socketIO()
	if lean {
		return m.ioFrames[:m.ioFirst:m.ioFirst]
	}
	return m.ioFrames
}

// plain is the message as one plain-stream frame: {"event", "data"} under
// the canonical (dotted) name.
func (m *message) plain() []byte {
	m.wsOnce.Do(func() {
		name, _ := json.Marshal(canonical(m.names))
		b := make([]byte, 0, len(m.payload)+len(name)+20)
		b = append(append(append(append(append(b, `{"event":`...), name...), `,"data":`...), m.payload...), '}')
		m.wsFrame = b
	})
	return m.wsFrame
}

// canonical is the one name the plain stream sends of an event: the
// dotted one, else the first.
func canonical(names []string) string {
	for _, n := range names {
		if strings.Contains(n, ".") {
			return n
		}
	}
	return names[0]
}

// payloadOf is what every event carries: the record's _id, the community
// and a timestamp, beside the record's own fields.
func payloadOf(e cad.Event) []byte {
	body := map[string]any{}
	if b, err := json.Marshal(e.Payload); err == nil {
		_ = json.Unmarshal(b, &body)
	}
	if body == nil {
		body = map[string]any{}
	}
	body["_id"], body["communityId"], body["timestamp"], body["type"] = e.ID, e.CommunityID, e.Time.UTC().Format(time.RFC3339Nano), e.Type
	out, _ := json.Marshal(body)
	return out
}
