// Package realtimehttp is the HTTP of the real-time gateway: the
// Socket.IO endpoint and the server-sent event stream, which hold their
// connections past any request deadline.
package realtimehttp

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/httpx"
	"github.com/precinct-cad/precinct/internal/realtime"
)

// Authenticator resolves the event stream's credential (auth.Service
// does).
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request, cl cad.Client) (*cad.Principal, error)
}

// Register mounts Socket.IO at /socket.io/ and the event stream at
// /api/events on s, both delivering hub's events; the Socket.IO server
// ends when s closes.
func Register(s *httpx.Server, hub *realtime.Hub, auth Authenticator) {
	gateway := realtime.NewGateway(hub, s.ClientIP, s.TrustedOrigin)
	s.OnClose(gateway.Close)
	stream := realtime.NewStream(hub, s.TrustedOrigin)
	socketIO := func(c *echo.Context) error {
		unbound(c.Response())
		return gateway.Serve(c.Response(), c.Request())
	}
	// eventStream authenticates as every route does (cookie, bearer or
	// key; none is anonymous) and hands the connection to the stream.
	eventStream := func(c *echo.Context) error {
		p, err := auth.Authenticate(c.Request().Context(), c.Request(), httpx.ClientOf(c))
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
