package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/precinct-cad/precinct/internal/auth/authhttp"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/civil/civilhttp"
	"github.com/precinct-cad/precinct/internal/community/communityhttp"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/discord/discordhttp"
	"github.com/precinct-cad/precinct/internal/dispatch/dispatchhttp"
	"github.com/precinct-cad/precinct/internal/httpx"
	"github.com/precinct-cad/precinct/internal/metrics"
	"github.com/precinct-cad/precinct/internal/realtime/realtimehttp"
	"github.com/precinct-cad/precinct/web"
)

// Deps is what the HTTP application is built from. cmd/precinct builds it;
// tests build it on a throwaway database.
type Deps struct {
	Config   *config.Config
	Health   httpx.HealthChecker
	Services *Services
	Logger   *slog.Logger
	Version  string
	// Metrics records what /metrics serves; nil records nothing and
	// leaves /metrics answering 404.
	Metrics *metrics.Metrics
	// Dashboard is the browser app; nil serves the embedded one
	// (web.Default).
	Dashboard httpx.Dashboard
}

// New builds the HTTP application: the request pipeline with every area's
// routes. Nothing is added after it returns, which keeps the router free
// of data races. A nil Services.Hub leaves the real-time gateway
// (/socket.io/ and /api/events) out.
func New(d Deps) (*httpx.Server, error) {
	sv := d.Services
	if d.Config == nil || d.Health == nil || sv == nil || sv.Auth == nil || sv.Community == nil || sv.Civil == nil || sv.Dispatch == nil {
		return nil, errors.New("app: Config, Health and the Auth, Community, Civil and Dispatch services are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Dashboard == nil {
		d.Dashboard = web.Default()
	}
	srv, err := httpx.New(httpx.Deps{Config: d.Config, Health: d.Health, Auth: sv.Auth, Tenancy: sv.Community, Now: sv.Auth.Now,
		Logger: d.Logger, Version: d.Version, Metrics: d.Metrics, Dashboard: d.Dashboard})
	if err != nil {
		return nil, err
	}
	now := sv.Auth.Now
	authhttp.Register(srv, sv.Auth, sv.Community)
	discordhttp.Register(srv, sv.Auth)
	communityhttp.Register(srv, sv.Community, sv.Civil)
	civilhttp.Register(srv, sv.Civil, sv.Dispatch, now)
	dispatchhttp.Register(srv, sv.Dispatch, httpx.Records{MediaURL: sv.Civil.MediaURL, Now: now}, now)
	d.Metrics.Media(func() []metrics.MediaUsage {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		list, err := sv.Civil.AllMediaUsage(ctx)
		if err != nil {
			d.Logger.WarnContext(ctx, "reading media usage for the metrics", "error", err.Error())
		}
		return httpx.MapList(list, func(m civil.CommunityMedia) metrics.MediaUsage {
			return metrics.MediaUsage{Community: m.Usage.CommunityID, Bytes: m.Usage.Bytes, ALPRBytes: m.Usage.ALPRBytes,
				Images: m.Usage.Images, QuotaBytes: m.Quota.Bytes}
		})
	})
	if hub := sv.Hub; hub != nil {
		d.Metrics.Gateway(func() metrics.GatewayStats {
			conns, rooms, watchers, disc := hub.Snapshot()
			st := hub.Stats()
			return metrics.GatewayStats{Connected: conns, Rooms: rooms, MapWatchers: watchers, EventsSent: st.EventsSent.Load(),
				EventsDropped: st.EventsDropped.Load(), Overflows: st.Overflows.Load(), MapBatches: st.Batches.Load(),
				EngineWrites: st.EngineWrites.Load(), Disconnects: disc}
		})
		realtimehttp.Register(srv, hub, sv.Auth)
	}
	return srv, nil
}
