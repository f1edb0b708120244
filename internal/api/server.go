// Package api registers every area's routes on the request pipeline
// (internal/httpx), one file per route area.
package api

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/auth/authhttp"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/civil/civilhttp"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/community/communityhttp"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/discord/discordhttp"
	"github.com/precinct-cad/precinct/internal/dispatch"
	"github.com/precinct-cad/precinct/internal/dispatch/dispatchhttp"
	"github.com/precinct-cad/precinct/internal/httpx"
	"github.com/precinct-cad/precinct/internal/metrics"
	"github.com/precinct-cad/precinct/internal/realtime"
	"github.com/precinct-cad/precinct/internal/realtime/realtimehttp"
)

// Deps is everything the HTTP layer needs. cmd/precinct builds it; tests
// build it on a throwaway database.
type Deps struct {
	Config    *config.Config
	Health    httpx.HealthChecker
	Auth      *auth.Service
	Community *community.Service
	Civil     *civil.Service
	Dispatch  *dispatch.Service
	// Hub delivers events to /socket.io/ and /api/events; nil leaves them
	// out.
	Hub     *realtime.Hub
	Logger  *slog.Logger
	Version string
	// Metrics records what /metrics serves; nil records nothing and
	// leaves /metrics answering 404.
	Metrics *metrics.Metrics
}

// Server is the HTTP application: the pipeline with every area's routes.
type Server struct {
	*httpx.Server
	deps    Deps
	records httpx.Records
}

// New builds the application. It registers every route; nothing is added
// after it returns, which keeps the router free of data races.
func New(d Deps) (*Server, error) {
	if d.Config == nil || d.Health == nil || d.Auth == nil || d.Community == nil || d.Civil == nil || d.Dispatch == nil {
		return nil, errors.New("api: Config, Health, Auth, Community, Civil and Dispatch are required")
	}
	srv, err := httpx.New(httpx.Deps{Config: d.Config, Health: d.Health, Auth: d.Auth, Tenancy: d.Community, Now: d.Auth.Now,
		Logger: d.Logger, Version: d.Version, Metrics: d.Metrics})
	if err != nil {
		return nil, err
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Server{Server: srv, deps: d, records: httpx.Records{MediaURL: d.Civil.MediaURL, Now: d.Auth.Now}}
	authhttp.Register(srv, d.Auth, d.Community)
	discordhttp.Register(srv, d.Auth)
	communityhttp.Register(srv, d.Community, d.Civil)
	civilhttp.Register(srv, d.Civil, d.Dispatch, d.Auth.Now)
	d.Metrics.Media(func() []metrics.MediaUsage {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		list, err := d.Civil.AllMediaUsage(ctx)
		if err != nil {
			d.Logger.WarnContext(ctx, "reading media usage for the metrics", "error", err.Error())
		}
		return httpx.MapList(list, func(m civil.CommunityMedia) metrics.MediaUsage {
			return metrics.MediaUsage{Community: m.Usage.CommunityID, Bytes: m.Usage.Bytes, ALPRBytes: m.Usage.ALPRBytes,
				Images: m.Usage.Images, QuotaBytes: m.Quota.Bytes}
		})
	})
	dispatchhttp.Register(srv, d.Dispatch, s.records, d.Auth.Now)
	if d.Hub != nil {
		hub := d.Hub
		d.Metrics.Gateway(func() metrics.GatewayStats {
			conns, rooms, watchers, disc := hub.Snapshot()
			st := hub.Stats()
			return metrics.GatewayStats{Connected: conns, Rooms: rooms, MapWatchers: watchers, EventsSent: st.EventsSent.Load(),
				EventsDropped: st.EventsDropped.Load(), Overflows: st.Overflows.Load(), MapBatches: st.Batches.Load(),
				EngineWrites: st.EngineWrites.Load(), Disconnects: disc}
		})
		realtimehttp.Register(srv, hub, d.Auth)
	}
	return s, nil
}
