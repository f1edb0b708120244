package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/precinct-cad/precinct/internal/app"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/events"
	"github.com/precinct-cad/precinct/internal/metrics"
	"github.com/precinct-cad/precinct/internal/store"
	"github.com/precinct-cad/precinct/internal/store/mongo"
	"github.com/precinct-cad/precinct/internal/store/sqlite"
)

// startupTimeout bounds connecting to the database and preparing it, so a
// wrong URI fails the start instead of hanging it.
const startupTimeout = 15 * time.Second

// configFlags adds --config and the flags of the named settings (every
// setting when none is named) to fs. The function it returns loads the
// configuration once fs is parsed: defaults, the file, the environment, then
// the flags given, then validation (internal/config). Help shows these
// flags apart from the command's own.
func configFlags(fs *pflag.FlagSet, names ...string) func() (*config.Config, error) {
	own := map[string]bool{}
	fs.VisitAll(func(f *pflag.Flag) { own[f.Name] = true })
	file := fs.String("config", "", "YAML configuration file (env "+config.EnvPrefix+"CONFIG)")
	visited := config.RegisterFlags(fs, names...)
	fs.VisitAll(func(f *pflag.Flag) {
		if !own[f.Name] {
			_ = fs.SetAnnotation(f.Name, settingFlag, []string{"true"})
		}
	})
	return func() (*config.Config, error) {
		src := config.Source{File: *file, Flags: visited()}
		if !fs.Changed("config") {
			src.File = os.Getenv(config.EnvPrefix + "CONFIG")
		}
		return config.Load(src)
	}
}

// newLogger writes structured logs to w in the configured format.
func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	return slog.New(logHandler(w, cfg.LogFormat, parseLevel(cfg.LogLevel)))
}

func logHandler(w io.Writer, format string, level slog.Leveler) slog.Handler {
	opts := &slog.HandlerOptions{Level: level}
	if format == "text" {
		return slog.NewTextHandler(w, opts)
	}
	return slog.NewJSONHandler(w, opts)
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(s))
	return l
}

// db is an open store and what closing it takes.
type db struct {
	*store.Store
	close func()
}

// newBus is the event bus: in process on SQLite (one instance); on
// MongoDB, shared by every instance through a change stream on the events
// collection (docs/realtime.md). run, when not nil, must run for the bus
// to carry events between instances.
func newBus(ctx context.Context, db *db, logger *slog.Logger, m *metrics.Metrics) (events.Bus, func(context.Context), error) {
	local := func() (events.Bus, func(context.Context), error) {
		bus := events.NewLocal()
		m.Bus(func() metrics.BusStats { return metrics.BusStats{Dropped: bus.Dropped()} })
		return bus, nil, nil
	}
	me, ok := db.Engine().(*mongo.Engine)
	if !ok {
		return local()
	}
	if !me.Capabilities().ChangeStreams {
		logger.Warn("the database has no change streams: real-time events reach only the sockets of this instance; run one instance, or MongoDB as a replica set")
		return local()
	}
	mb, err := mongo.NewBus(ctx, me, mongo.BusOptions{Logger: logger})
	if err != nil {
		return nil, nil, fmt.Errorf("the shared event bus: %w", err)
	}
	logger.Info("real-time events are shared with every instance through the events collection", "origin", mb.Origin())
	m.Bus(func() metrics.BusStats {
		st := mb.Stats()
		return metrics.BusStats{Written: st.Written.Load(), WriteErrors: st.WriteErrors.Load(), Received: st.Received.Load(),
			Duplicates: st.Duplicates.Load(), StreamBreaks: st.StreamBreaks.Load(), Gaps: st.Gaps.Load(), Dropped: mb.Dropped()}
	})
	return mb, mb.Run, nil
}

// openMode says who opens the database.
type openMode int

const (
	// forServe takes the data directory for the one server on it.
	forServe openMode = iota
	// forAdmin works beside a running server and logs what it changes,
	// so that the server drops it from its caches at once.
	forAdmin
	// forBulk works beside a running server and only adds records
	// (seed, import), which nothing can have cached: nothing to log.
	forBulk
)

// openStore opens the database the configuration names (MongoDB when a URI
// is set, else the SQLite file in the data directory), brings its schema up
// to date and says which setting to fix when it cannot.
func openStore(ctx context.Context, cfg *config.Config, logger *slog.Logger, mode openMode, obs ...store.Observer) (*db, error) {
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	var e store.Engine
	var closers []func() error
	fail := func(err error) (*db, error) {
		for i := len(closers) - 1; i >= 0; i-- {
			_ = closers[i]()
		}
		return nil, err
	}
	if cfg.MongoDBURI != "" {
		me, err := mongo.Open(ctx, mongo.Options{URI: cfg.MongoDBURI, Database: cfg.MongoDBDatabase, Timeout: cfg.RequestTimeout,
			AllowNoTransactions: cfg.MongoDBUnsafeNoTransactions, Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("%sMONGODB_URI: cannot use the database at %s: %w", config.EnvPrefix, cfg.RedactedMongoDBURI(), err)
		}
		closers = append(closers, func() error { return me.Close(context.Background()) })
		caps := me.Capabilities()
		if !caps.Transactions {
			logger.Warn("the database has no transactions (" + config.EnvPrefix + "MONGODB_UNSAFE_NO_TRANSACTIONS): concurrent changes can break the rules; for tests only")
		}
		logger.Info("database: MongoDB", "uri", cfg.RedactedMongoDBURI(), "database", cfg.MongoDBDatabase,
			"engine", caps.Engine, "version", caps.Version, "transactions", caps.Transactions, "changeStreams", caps.ChangeStreams)
		e = me
	} else {
		if err := sqlite.CheckDataDir(cfg.DataDir); err != nil {
			return nil, fmt.Errorf("%sDATA_DIR: %w", config.EnvPrefix, err)
		}
		if mode == forServe {
			unlock, err := sqlite.LockDataDir(cfg.DataDir)
			if err != nil {
				return nil, fmt.Errorf("%sDATA_DIR: cannot use %s: %w", config.EnvPrefix, cfg.DataDir, err)
			}
			closers = append(closers, unlock)
		}
		se, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(cfg.DataDir, sqlite.FileName), Announce: mode == forAdmin})
		if err != nil {
			return fail(fmt.Errorf("%sDATA_DIR: cannot open the database in %s: %w", config.EnvPrefix, cfg.DataDir, err))
		}
		closers = append(closers, func() error { return se.Close(context.Background()) })
		logger.Info("database: SQLite", "file", se.Path(), "sqlite", se.Version(ctx))
		if err := se.Writable(); err != nil {
			// Reads go on; readiness reports it and every write is a 503.
			logger.Error("database: the file cannot be written (check its owner and mode, its directory's, and the mount); "+
				"readiness answers 503 and every write is refused until it is writable and Precinct restarted", "file", se.Path(), "error", err.Error())
		}
		e = se
	}
	if err := e.Prepare(ctx, store.Collections()); err != nil {
		return fail(fmt.Errorf("preparing the database: %w", err))
	}
	so := store.Options{Logger: logger}
	if len(obs) > 0 {
		so.Observer = obs[0]
	}
	st := store.New(e, so)
	return &db{Store: st, close: func() {
		// Every look-up answered has its entry written before the
		// database closes.
		dctx, cancel := context.WithTimeout(context.Background(), startupTimeout)
		if err := st.Drain(dctx); err != nil {
			logger.Warn("writing the last look-up entries", "error", err.Error())
		}
		cancel()
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i](); err != nil {
				logger.Warn("closing the database", "error", err.Error())
			}
		}
	}}, nil
}

// newAuth builds the authentication service, loading or generating the
// server keys.
func newAuth(ctx context.Context, cfg *config.Config, db cad.AuthStore, logger *slog.Logger, obs ...auth.Observer) (*auth.Service, error) {
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	ac := app.AuthConfig(cfg)
	if len(obs) > 0 {
		ac.Metrics = obs[0]
	}
	svc, err := auth.New(ctx, db, ac, logger)
	if err != nil {
		return nil, fmt.Errorf("loading the server keys: %w", err)
	}
	return svc, nil
}

func serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "serve",
		Short:   "Run the HTTP server",
		GroupID: "server",
		Long: `Run the HTTP server: the API, the browser routes, the game servers' routes and
real time. It brings the database's schema up to date first.

Every setting is a flag here, an environment variable (PRECINCT_*) or a key of
the YAML file named by --config; later sources win in the order file,
environment, flags. See config/precinct.example.yaml.`,
	}
	load := configFlags(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := load()
		if err != nil {
			return &usageError{msg: "configuration: " + err.Error()}
		}
		logger := newLogger(cmd.OutOrStdout(), cfg)
		if err := serveWith(cmd.Context(), cfg, logger); err != nil {
			logger.Error("precinct stopped", "error", err.Error())
			return failed(cmd, err)
		}
		return nil
	}
	return cmd
}

func serveWith(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	v := versionString()
	logger.Info("starting precinct", "version", v, "publicUrl", cfg.PublicURL)

	m := metrics.New(v)
	db, err := openStore(ctx, cfg, logger, forServe, m)
	if err != nil {
		return err
	}
	defer db.close()
	wctx, stopWatching := context.WithCancel(context.Background())
	defer stopWatching()
	if db.Watch(wctx) {
		logger.Info("identity cache: changes made by other processes are dropped as they arrive", "engine", db.Engine().Kind())
	}

	bus, runBus, err := newBus(ctx, db, logger, m)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, startupTimeout)
	svc, err := app.NewServices(sctx, cfg, db.Store, app.Options{Logger: logger, Metrics: m, Publisher: bus})
	cancel()
	if err != nil {
		return err
	}
	srv, err := app.New(app.Deps{Config: cfg, Health: db, Services: svc, Logger: logger, Version: v, Metrics: m})
	if err != nil {
		return err
	}
	jctx, stopJanitor := context.WithCancel(context.Background())
	defer stopJanitor()
	svc.StartJanitors(jctx, cfg.LookupRetention)
	go svc.Hub.Run(jctx, bus)
	if runBus != nil {
		go runBus(jctx)
		go svc.Dispatch.FollowRemote(jctx, bus)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("%sHTTP_ADDR: %w", config.EnvPrefix, err)
	}
	logger.Info("listening", "addr", ln.Addr().String())
	if err := srv.Serve(ctx, ln); err != nil {
		return err
	}
	logger.Info("shut down cleanly")
	return nil
}
