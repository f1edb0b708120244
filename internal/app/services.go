// Package app assembles Precinct: it builds each area's service and wires
// the areas to one another through the small interfaces each declares
// (community mints keys through auth, civil audits through community,
// dispatch asks civil for plates and images, the real-time gateway asks
// auth, community and dispatch). It is the one place that knows every
// area; cmd/precinct and internal/apitest build the application through
// it.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/discord"
	"github.com/precinct-cad/precinct/internal/dispatch"
	"github.com/precinct-cad/precinct/internal/metrics"
	"github.com/precinct-cad/precinct/internal/realtime"
	"github.com/precinct-cad/precinct/internal/store"
)

// Services are the areas' services, wired to one another.
type Services struct {
	Auth      *auth.Service
	Community *community.Service
	Civil     *civil.Service
	Dispatch  *dispatch.Service
	// Hub is the real-time gateway's hub; Run delivers the events.
	Hub *realtime.Hub
}

// Options adjust how the services are built.
type Options struct {
	Logger *slog.Logger
	// Metrics records what the services do; nil records nothing.
	Metrics *metrics.Metrics
	// Publisher carries dispatch's events to the hub (and to other
	// instances); nil publishes nothing.
	Publisher cad.Publisher
	// Now replaces the clock (tests); nil is the real one.
	Now func() time.Time
	// HashConcurrency and HashParams replace the configured hashing
	// (tests, where thousands of hashes at the real cost would be most of
	// the suite's time); zero values keep the configuration's.
	HashConcurrency int
	HashParams      auth.Params
}

// NewServices builds every area's service on db. Loading (or on the first
// start generating) the server keys reads the database within ctx.
func NewServices(ctx context.Context, cfg *config.Config, db *store.Store, o Options) (*Services, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	ac := AuthConfig(cfg)
	ac.Now = o.Now
	if o.HashConcurrency > 0 {
		ac.HashConcurrency = o.HashConcurrency
	}
	ac.HashParams = o.HashParams
	if o.Metrics != nil {
		ac.Metrics = o.Metrics
	}
	authSvc, err := auth.New(ctx, db, ac, o.Logger)
	if err != nil {
		return nil, fmt.Errorf("loading the server keys: %w", err)
	}
	com := community.New(db, authSvc, o.Logger)
	// Communities join from the user's guilds after a Discord sign-in.
	authSvc.OnDiscordSignIn = com.AutoJoin
	// A sign-up with an invite joins the invite's community.
	authSvc.Invites = com
	now := o.Now
	if now == nil {
		now = authSvc.Now
	}
	co := civil.Options{Logger: o.Logger, Now: now, PublicURL: cfg.PublicURL, Media: civil.MediaOptionsFrom(cfg)}
	if o.Metrics != nil {
		co.Observer = o.Metrics
	}
	civ := civil.New(db, com, co)
	dis := dispatch.New(db, civ, com, dispatch.Options{Logger: o.Logger, Now: now, Publisher: o.Publisher})
	hub := realtime.NewHub(authSvc, com, dis, realtime.Options{Logger: o.Logger, Now: o.Now, MapInterval: cfg.MapInterval,
		Revalidate: cfg.RevalidateInterval, CriticalGrace: cfg.SlowConsumerGrace})
	return &Services{Auth: authSvc, Community: com, Civil: civ, Dispatch: dis, Hub: hub}, nil
}

// StartJanitors runs every area's janitors, each on its own goroutine,
// until ctx ends: expired sessions, tokens and counters (and JWT keys
// rotated elsewhere) every minute, expired calls every 30 seconds, stored
// images from before normalisation and stale live positions every minute,
// and look-up entries past lookupRetention every hour.
func (s *Services) StartJanitors(ctx context.Context, lookupRetention time.Duration) {
	go s.Auth.RunJanitor(ctx, time.Minute)
	go s.Dispatch.RunJanitor(ctx, 30*time.Second)
	go s.Dispatch.RunMediaJanitor(ctx, time.Minute)
	go s.Dispatch.RunPositionSweep(ctx, time.Minute)
	go s.Community.RunLookupRetention(ctx, lookupRetention, time.Hour)
}

// AuthConfig is the auth service's configuration: the settings, and the
// Discord application's client when Discord sign-in is configured.
func AuthConfig(cfg *config.Config) auth.Config {
	ac := auth.ConfigFrom(cfg)
	if cfg.DiscordEnabled() {
		ac.Discord = discord.New(discord.Config{
			ClientID: cfg.DiscordClientID, ClientSecret: cfg.DiscordClientSecret,
			BaseURL: cfg.DiscordBaseURL, RedirectURL: cfg.DiscordRedirectURL(),
		})
	}
	return ac
}
