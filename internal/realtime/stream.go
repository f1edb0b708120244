package realtime

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/precinct-cad/precinct/internal/cad"
)

// The plain WebSocket stream at /api/events, for clients that do not speak
// Socket.IO: the same credentials (the session cookie, a bearer token, or a
// game server's key, which joins its community at once), the same events,
// one JSON frame each: {"event": "call.created", "data": {...}}. The
// client sends {"type": "join" | "leave" | "watch-map" | "sync",
// "communityId": "..."}.

// Stream serves /api/events.
type Stream struct {
	hub      *Hub
	upgrader websocket.Upgrader
}

// NewStream returns the stream handler on hub. allowOrigin decides a
// browser's Origin (Precinct's own and the configured ones).
func NewStream(hub *Hub, allowOrigin func(origin string) bool) *Stream {
	return &Stream{hub: hub, upgrader: websocket.Upgrader{
		ReadBufferSize: 1024, WriteBufferSize: 4096,
		CheckOrigin: func(r *http.Request) bool {
			o := r.Header.Get("Origin")
			return o == "" || allowOrigin(o)
		},
	}}
}

// wsTransport writes JSON frames on a WebSocket. Writes come from the
// connection's writer; control replies from the reader share the lock.
type wsTransport struct {
	mu sync.Mutex
	ws *websocket.Conn
}

func (t *wsTransport) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return t.writeFrame(b)
}

// writeFrame writes one text frame; a client that takes none for 10 s
// fails the write.
func (t *wsTransport) writeFrame(b []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_ = t.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return t.ws.WriteMessage(websocket.TextMessage, b)
}

// Send sends an event under its canonical (dotted) name only: the aliases
// are for Socket.IO clients.
func (t *wsTransport) Send(m *message) error { return t.writeFrame(m.plain()) }

// TrySend never writes: a WebSocket write can block, so the stream's
// events always go through the connection's writer.
func (t *wsTransport) TrySend(*message) (bool, error) { return false, nil }

func (t *wsTransport) Close(reason string) {
	t.mu.Lock()
	_ = t.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, reason), time.Now().Add(time.Second))
	t.mu.Unlock()
	_ = t.ws.Close()
}

// Serve upgrades an authenticated request (p, nil when anonymous) to the
// stream and runs it until the client leaves.
func (st *Stream) Serve(w http.ResponseWriter, r *http.Request, p *cad.Principal, cl cad.Client) error {
	ws, err := st.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil // the upgrader answered
	}
	ws.SetReadLimit(4096)
	t := &wsTransport{ws: ws}
	conn := st.hub.Connect(t, p, cl)
	ctx := context.Background()
	if p.IsServer() {
		if id, err := conn.Join(ctx, p.APIKey.CommunityID); err == nil {
			_ = t.write(map[string]any{"event": "joined-community", "data": map[string]any{"ok": true, "communityId": id}})
		}
	}
	if ref := r.URL.Query().Get("communityId"); ref != "" {
		st.handle(ctx, conn, t, reqJoin, ref)
	}
	for {
		var msg struct {
			Type        string `json:"type"`
			CommunityID string `json:"communityId"`
		}
		_ = ws.SetReadDeadline(time.Now().Add(90 * time.Second))
		if err := ws.ReadJSON(&msg); err != nil {
			conn.Disconnected("client disconnected")
			_ = ws.Close()
			return nil
		}
		st.handle(ctx, conn, t, msg.Type, msg.CommunityID)
	}
}

func (st *Stream) handle(ctx context.Context, conn *Conn, t *wsTransport, typ, ref string) {
	reply := func(event string, body any) { _ = t.write(map[string]any{"event": event, "data": body}) }
	if typ == "ping" {
		reply("pong", map[string]any{"time": time.Now().UTC()})
		return
	}
	event, body, err := conn.Request(ctx, typ, ref)
	if err != nil {
		reply("error", refusal(ref, err))
		return
	}
	reply(event, body)
}
