package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/metrics"
	"github.com/precinct-cad/precinct/internal/realtime"
)

// realtimeRoutes mount Socket.IO at /socket.io/ and the stream at
// /api/events, and the announcements admins post to members' screens.
func (s *Server) realtimeRoutes() {
	s.add(http.MethodPost, "/api/community/:id/announcements", Admin, s.announce)
	if s.deps.Hub == nil {
		return
	}
	extract := ipExtractor(s.cfg.TrustedProxies)
	s.gateway = realtime.NewGateway(s.deps.Hub, func(r *http.Request) string { return extract(r) }, s.trustedOrigin)
	s.stream = realtime.NewStream(s.deps.Hub, s.trustedOrigin)
	hub := s.deps.Hub
	s.deps.Metrics.Gateway(func() metrics.GatewayStats {
		conns, rooms, watchers, disc := hub.Snapshot()
		st := hub.Stats()
		return metrics.GatewayStats{Connected: conns, Rooms: rooms, MapWatchers: watchers, EventsSent: st.EventsSent.Load(),
			EventsDropped: st.EventsDropped.Load(), Overflows: st.Overflows.Load(), MapBatches: st.Batches.Load(),
			EngineWrites: st.EngineWrites.Load(), Disconnects: disc}
	})
	// Socket.IO authenticates its handshake itself (cookie or auth.token);
	// polling and the upgrade are GET and POST on one path. Not limited
	// per request: a long-poll comes back every 25 s.
	s.add(http.MethodGet, "/socket.io/", Public, s.socketIO, limitGroup(GroupNone))
	s.add(http.MethodPost, "/socket.io/", Public, s.socketIO, limitGroup(GroupNone))
	s.add(http.MethodGet, "/api/events", Public, s.eventStream)
}

// unbound lifts the server's read and write deadlines for a connection
// that lives on (a WebSocket, a long poll).
func unbound(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
}

func (s *Server) socketIO(c *echo.Context) error {
	unbound(c.Response())
	return s.gateway.Serve(c.Response(), c.Request())
}

// eventStream authenticates as every route does (cookie, bearer or key;
// none is anonymous) and hands the connection to the stream.
func (s *Server) eventStream(c *echo.Context) error {
	p, err := s.deps.Auth.Authenticate(c.Request().Context(), c.Request(), clientOf(c))
	if err != nil {
		return err
	}
	unbound(c.Response())
	return s.stream.Serve(c.Response(), c.Request(), p, clientOf(c))
}

func (s *Server) announce(c *echo.Context) error {
	var in struct {
		Title    looseString `json:"title"`
		Message  looseString `json:"message"`
		Priority looseString `json:"priority"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, err := s.deps.Dispatch.Announce(c.Request().Context(), callerOf(c), in.Title.V, in.Message.V, in.Priority.V)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

// trustedOrigin reports whether a browser origin is Precinct's own or a
// configured one.
func (s *Server) trustedOrigin(origin string) bool {
	if origin == s.cfg.PublicURL {
		return true
	}
	for _, o := range s.cfg.CORSOrigins {
		if o == origin {
			return true
		}
	}
	return false
}
