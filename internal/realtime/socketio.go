package realtime

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gws "github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Gateway is the Socket.IO v4 server, on Precinct's own HTTP server at
// /socket.io/ (WebSocket and long-polling, and the upgrade between them).
type Gateway struct {
	hub *Hub
	io  *socket.Server
	h   http.Handler
	// clientIP is how Precinct reads a request's client address (the
	// trusted-proxy rule of the HTTP layer).
	clientIP func(*http.Request) string
	// allowOrigin decides a browser's Origin when the session cookie is
	// the credential (Precinct's own and the configured ones).
	allowOrigin func(origin string) bool
	engines     sync.Map // Engine.IO connection id -> *engineCount
}

// NewGateway builds the Socket.IO server on hub. clientIP reads a
// request's client address as the HTTP layer does; allowOrigin decides a
// browser's Origin when the credential is the session cookie.
func NewGateway(hub *Hub, clientIP func(*http.Request) string, allowOrigin func(origin string) bool) *Gateway {
	opts := socket.DefaultServerOptions()
	opts.SetPingInterval(25 * time.Second)
	opts.SetPingTimeout(20 * time.Second)
	opts.SetMaxHttpBufferSize(64 << 10)
	opts.SetConnectTimeout(10 * time.Second)
	// No CORS: the dashboard is served from Precinct's own origin (or a
	// configured one that proxies); a cross-site page gets no grant.
	opts.SetServeClient(false)
	// Long-polling as the library makes it; WebSocket with the hub's
	// frames encoded once and every waiting packet in one write
	// (iowebsocket.go).
	opts.SetTransports(types.NewSet[transports.TransportCtor](engine.Polling, wsBuilder{}))
	g := &Gateway{hub: hub, clientIP: clientIP, allowOrigin: allowOrigin}
	g.io = socket.NewServer(nil, opts)
	g.io.Use(g.authenticate)
	_ = g.io.On("connection", func(args ...any) {
		if s, ok := args[0].(*socket.Socket); ok {
			g.connected(s)
		}
	})
	g.h = g.io.ServeHandler(opts)
	return g
}

// Serve serves /socket.io/. A browser may open a WebSocket from the
// address it is on (same origin), Precinct's own origin or a configured
// one; another origin is refused (a cad error, nothing written). The
// cookie still counts only from Precinct's own or a configured origin
// (authenticate).
func (g *Gateway) Serve(w http.ResponseWriter, r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" && gws.IsWebSocketUpgrade(r) {
		u, err := url.Parse(o)
		switch {
		case err != nil:
			return errOrigin
		case strings.EqualFold(u.Host, r.Host):
			// Same origin: the library's upgrader takes it as it is.
		case g.allowOrigin(o):
			// The library's upgrader takes only an Origin of the request's
			// own Host: a configured origin, or a proxy that passes its own
			// Host, would leave every browser on long-polling without a
			// word.
			r = r.WithContext(r.Context())
			r.Host = u.Host
		default:
			return errOrigin
		}
	}
	g.h.ServeHTTP(w, r)
	return nil
}

var errOrigin = cad.Errorf(cad.EFORBIDDEN, "This origin may not open a WebSocket here: open Precinct from its own address")

// Close ends the server.
func (g *Gateway) Close() { g.io.Close(nil) }

// handshakeRequest is a request made of the handshake, for the
// authentication service: the cookie the browser sent, and the handshake's
// auth.token as a bearer.
func handshakeRequest(s *socket.Socket) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "/socket.io/", nil)
	hs := s.Handshake()
	for k, v := range hs.Headers {
		if !strings.EqualFold(k, "cookie") {
			continue
		}
		switch vv := v.(type) {
		case []string:
			for _, x := range vv {
				r.Header.Add("Cookie", x)
			}
		case string:
			r.Header.Add("Cookie", vv)
		}
	}
	if tok, ok := hs.Auth["token"].(string); ok && tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	return r
}

// sessionData is what the handshake established, kept in the socket's
// data until the connection starts.
type sessionData struct {
	principal *cad.Principal
	client    cad.Client
	transport *ioTransport
}

// authenticate resolves the handshake's credential: none connects as
// anonymous (receiving nothing private), a bad one is refused.
func (g *Gateway) authenticate(s *socket.Socket, next func(*socket.ExtendedError)) {
	req := handshakeRequest(s)
	// A WebSocket is not bound by CORS, and a same-site page gets the
	// cookie sent along: the cookie counts only from a trusted Origin
	// (cross-site WebSocket hijacking). A token is no ambient credential.
	if o := headerOf(s, "Origin"); o != "" && req.Header.Get("Authorization") == "" && req.Header.Get("Cookie") != "" && !g.allowOrigin(o) {
		next(socket.NewExtendedError("unauthorized", map[string]any{"message": "This origin may not use the session cookie: open Precinct from its own address"}))
		return
	}
	cl := cad.Client{IP: g.addressOf(s), UserAgent: headerOf(s, "User-Agent")}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := g.hub.Authenticate(ctx, req, cl)
	if err != nil {
		next(socket.NewExtendedError("unauthorized", map[string]any{"message": "The credential is not valid; sign in again"}))
		return
	}
	aliases, set := s.Handshake().Auth["aliases"].(bool)
	lean := set && !aliases
	t := &ioTransport{s: s, lean: lean, engine: g.engineCountOf(s), engineWrites: &g.hub.stats.EngineWrites}
	s.SetData(&sessionData{principal: p, client: cl, transport: t})
	next(nil)
}

func headerOf(s *socket.Socket, name string) string {
	for k, v := range s.Handshake().Headers {
		if strings.EqualFold(k, name) {
			switch vv := v.(type) {
			case []string:
				if len(vv) > 0 {
					return vv[0]
				}
			case string:
				return vv
			}
		}
	}
	return ""
}

func (g *Gateway) addressOf(s *socket.Socket) string {
	if g.clientIP != nil {
		if ctx := s.Request(); ctx != nil && ctx.Request() != nil {
			return g.clientIP(ctx.Request())
		}
	}
	host, _, err := net.SplitHostPort(s.Handshake().Address)
	if err != nil {
		return s.Handshake().Address
	}
	return host
}

// ioTransport sends on a Socket.IO socket.
type ioTransport struct {
	s      *socket.Socket
	lean   bool // the first name only, not the aliases
	engine *engineCount
	// engineWrites counts the events that took the engine's path.
	engineWrites *atomic.Int64
}

// engineCount follows one Engine.IO connection's write buffer: packets
// made and not yet handed to the transport. The engine buffers without
// bound while a client does not read, so a sender waits past
// maxEngineBuffer instead, which fills the connection's own bounded queue
// and lets the hub cut it off; and an event is written straight to the
// WebSocket only while the engine holds nothing, so it never overtakes a
// packet there. One per connection, shared by the Socket.IO sockets on it
// (a client may connect, leave and connect again on one connection), its
// listeners added once.
type engineCount struct {
	buffered atomic.Int64
	flushing int64 // packets of the engine's flush under way (its lock held)
	// flushed is signalled when the engine or the WebSocket has written.
	flushed chan struct{}
}

// maxEngineBuffer is how many packets may wait in the engine for one
// socket before Send waits; engineWait how long it waits at most.
const (
	maxEngineBuffer = 64
	engineWait      = 10 * time.Second
)

// engineCountOf is the count of s's Engine.IO connection, made with its
// listeners on the connection's first socket. It must be made before the
// socket's CONNECT packet is (in the handshake middleware), so that no
// packet goes uncounted.
func (g *Gateway) engineCountOf(s *socket.Socket) *engineCount {
	eng := s.Conn()
	id := eng.Id()
	if c, ok := g.engines.Load(id); ok {
		return c.(*engineCount)
	}
	c := &engineCount{flushed: make(chan struct{}, 1)}
	if prev, loaded := g.engines.LoadOrStore(id, c); loaded {
		return prev.(*engineCount)
	}
	_ = eng.Once("close", func(...any) { g.engines.Delete(id) })
	if eng.ReadyState() == "closed" {
		g.engines.Delete(id)
	}
	_ = eng.On("packetCreate", func(...any) { c.buffered.Add(1) })
	// A flush is counted out once the transport has the packets ("drain"
	// follows Send in the engine's flush).
	_ = eng.On("flush", func(args ...any) {
		if w, ok := args[0].([]*packet.Packet); ok {
			c.flushing = int64(len(w))
		}
	})
	_ = eng.On("drain", func(...any) {
		c.buffered.Add(-c.flushing)
		c.flushing = 0
		select {
		case c.flushed <- struct{}{}:
		default:
		}
	})
	return c
}

// Send writes the message, waiting (engineWait at most) while the client
// is behind.
func (t *ioTransport) Send(m *message) error {
	deadline := time.Now().Add(engineWait)
	for {
		sent, err := t.TrySend(m)
		if sent || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return errStalled
		}
		select {
		case <-t.engine.flushed:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TrySend writes the message unless the client is behind. On a WebSocket
// with nothing held in the engine, the frames encoded once for every
// socket go straight to the transport's writer; otherwise (long-polling,
// an upgrade under way) each name is a packet through the engine.
func (t *ioTransport) TrySend(m *message) (bool, error) {
	conn := t.s.Client().Conn()
	if conn.ReadyState() != "open" {
		return false, errClosed
	}
	held := t.engine.buffered.Load()
	if ws, ok := conn.Transport().(*ioWebSocket); ok && held == 0 {
		return ws.sendFrames(m.webSocket(t.lean), t.engine.flushed)
	}
	if held > maxEngineBuffer {
		return false, nil
	}
	pkts := m.socketIO()
	if t.lean {
		pkts = pkts[:1]
	}
	for _, p := range pkts {
		conn.Write(types.NewStringBuffer(p), &packet.Options{}, nil)
	}
	t.engineWrites.Add(1)
	return true, nil
}

var errStalled = errors.New("the client has read nothing for too long")

var errClosed = errors.New("the connection is closed")

func (t *ioTransport) Close(reason string) { t.s.Disconnect(true) }

// refArg reads a community reference sent as a bare string or
// {communityId}.
func refArg(args []any) string {
	if len(args) == 0 {
		return ""
	}
	switch v := args[0].(type) {
	case string:
		return strings.TrimSpace(v)
	case map[string]any:
		if id, ok := v["communityId"].(string); ok {
			return strings.TrimSpace(id)
		}
	}
	return ""
}

// ackOf is the acknowledgement callback a client passed last, if any.
func ackOf(args []any) func([]any, error) {
	if len(args) == 0 {
		return nil
	}
	if f, ok := args[len(args)-1].(func([]any, error)); ok {
		return f
	}
	return nil
}

func (g *Gateway) connected(s *socket.Socket) {
	d, _ := s.Data().(*sessionData)
	if d == nil {
		s.Disconnect(true)
		return
	}
	conn := g.hub.Connect(d.transport, d.principal, d.client)
	for name, req := range map[string]string{"join-community": reqJoin, "leave-community": reqLeave, "watch-map": reqWatchMap, "sync": reqSync} {
		_ = s.On(name, func(args ...any) {
			ref := refArg(args)
			ack := ackOf(args)
			event, body, err := conn.Request(context.Background(), req, ref)
			if err != nil {
				// The error event first, then the acknowledgement.
				body = refusal(ref, err)
				_ = s.Emit("error", body)
			} else if ack == nil {
				_ = s.Emit(event, body)
			}
			if ack != nil {
				ack([]any{body}, nil)
			}
		})
	}
	_ = s.On("disconnect", func(args ...any) {
		reason := "client disconnected"
		if len(args) > 0 {
			if r, ok := args[0].(string); ok && r != "" {
				reason = r
			}
		}
		conn.Disconnected(reason)
	})
}
