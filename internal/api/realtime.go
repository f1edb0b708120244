package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/httpx"
	"github.com/precinct-cad/precinct/internal/metrics"
	"github.com/precinct-cad/precinct/internal/realtime"
)

// realtimeRoutes mount Socket.IO at /socket.io/ and the stream at
// /api/events.
func (s *Server) realtimeRoutes() {
	if s.deps.Hub == nil {
		return
	}
	gateway := realtime.NewGateway(s.deps.Hub, s.ClientIP, s.TrustedOrigin)
	s.OnClose(gateway.Close)
	stream := realtime.NewStream(s.deps.Hub, s.TrustedOrigin)
	hub := s.deps.Hub
	s.deps.Metrics.Gateway(func() metrics.GatewayStats {
		conns, rooms, watchers, disc := hub.Snapshot()
		st := hub.Stats()
		return metrics.GatewayStats{Connected: conns, Rooms: rooms, MapWatchers: watchers, EventsSent: st.EventsSent.Load(),
			EventsDropped: st.EventsDropped.Load(), Overflows: st.Overflows.Load(), MapBatches: st.Batches.Load(),
			EngineWrites: st.EngineWrites.Load(), Disconnects: disc}
	})
	socketIO := func(c *echo.Context) error {
		unbound(c.Response())
		return gateway.Serve(c.Response(), c.Request())
	}
	// eventStream authenticates as every route does (cookie, bearer or
	// key; none is anonymous) and hands the connection to the stream.
	eventStream := func(c *echo.Context) error {
		p, err := s.deps.Auth.Authenticate(c.Request().Context(), c.Request(), httpx.ClientOf(c))
		if err != nil {
			return err
		}
		unbound(c.Response())
		return stream.Serve(c.Response(), c.Request(), p, httpx.ClientOf(c))
	}
	// Socket.IO authenticates its handshake itself (cookie or auth.token);
	// polling and the upgrade are GET and POST on one path. Not limited
	// per request: a long-poll comes back every 25 s.
	s.Add(http.MethodGet, "/socket.io/", httpx.Public, socketIO, httpx.Limit(httpx.GroupNone), httpx.LongLived())
	s.Add(http.MethodPost, "/socket.io/", httpx.Public, socketIO, httpx.Limit(httpx.GroupNone), httpx.LongLived())
	s.Add(http.MethodGet, "/api/events", httpx.Public, eventStream, httpx.LongLived())
}

// unbound lifts the server's read and write deadlines for a connection
// that lives on (a WebSocket, a long poll).
func unbound(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
}
