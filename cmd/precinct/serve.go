package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/precinct-cad/precinct/internal/api"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/store"
)

// startupTimeout bounds connecting to the database and preparing it, so a
// wrong URI fails the start instead of hanging it.
const startupTimeout = 15 * time.Second

// loadConfig parses the flags of a subcommand (every setting plus --config,
// plus the command's own, added by extra) and loads the configuration.
func loadConfig(name string, args []string, stderr io.Writer, extra ...func(*flag.FlagSet)) (*config.Config, error) {
	fs := flag.NewFlagSet("precinct "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, add := range extra {
		add(fs)
	}
	file := fs.String("config", os.Getenv(config.EnvPrefix+"CONFIG"), "YAML configuration file (env PRECINCT_CONFIG)")
	visited := config.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return config.Load(config.Source{File: *file, Flags: visited()})
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

// openStore opens the database the configuration names and says which
// setting to fix when it cannot.
func openStore(ctx context.Context, cfg *config.Config, logger *slog.Logger, shared bool) (*store.DB, error) {
	// The embedded database logs every failed command and closed
	// connection as a warning; only its errors belong in Precinct's log
	// unless debugging.
	dbLevel := slog.LevelError
	if cfg.LogLevel == "debug" {
		dbLevel = slog.LevelInfo
	}
	oc := store.OpenConfig{
		URI: cfg.MongoDBURI, Database: cfg.MongoDBDatabase, DataDir: cfg.DataDir, Timeout: cfg.RequestTimeout,
		Logger:   logger,
		DBLogger: slog.New(logHandler(os.Stderr, cfg.LogFormat, dbLevel)).With("component", "embedded-db"),
	}
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	open := store.Open
	if shared {
		open = store.OpenShared
	}
	db, err := open(ctx, oc)
	if err != nil {
		if cfg.MongoDBURI != "" {
			return nil, fmt.Errorf("%sMONGODB_URI: cannot use the database at %s: %w", config.EnvPrefix, cfg.RedactedMongoDBURI(), err)
		}
		return nil, fmt.Errorf("%sDATA_DIR: cannot start the embedded database in %s: %w", config.EnvPrefix, cfg.DataDir, err)
	}
	if err := db.EnsureIndexes(ctx); err != nil {
		_ = db.Close(context.Background())
		return nil, fmt.Errorf("preparing the database: %w", err)
	}
	return db, nil
}

// newAuth builds the authentication service, loading or generating the
// server keys.
func newAuth(ctx context.Context, cfg *config.Config, db *store.DB, logger *slog.Logger) (*auth.Service, error) {
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	svc, err := auth.New(ctx, db, auth.ConfigFrom(cfg), logger)
	if err != nil {
		return nil, fmt.Errorf("loading the server keys: %w", err)
	}
	return svc, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig("serve", args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "precinct: configuration:", err)
		return 2
	}
	logger := newLogger(stdout, cfg)
	if err := serveWith(ctx, cfg, logger); err != nil {
		logger.Error("precinct stopped", "error", err.Error())
		fmt.Fprintln(stderr, "precinct:", err)
		return 1
	}
	return 0
}

func serveWith(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	v := versionString()
	logger.Info("starting precinct", "version", v, "publicUrl", cfg.PublicURL)

	db, err := openStore(ctx, cfg, logger, false)
	if err != nil {
		return err
	}
	defer func() {
		// Disconnecting first lets the embedded database stop at once.
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.Close(cctx); err != nil {
			logger.Warn("closing the database", "error", err.Error())
		}
	}()
	caps := db.Capabilities()
	if cfg.MongoDBURI != "" {
		logger.Info("database: MongoDB", "uri", cfg.RedactedMongoDBURI(), "database", cfg.MongoDBDatabase)
	}
	logger.Info("database capabilities", "engine", caps.Engine, "version", caps.Version,
		"transactions", caps.Transactions, "ttlIndexes", caps.TTLIndexes, "changeStreams", caps.ChangeStreams,
		"atomicUpdates", caps.AtomicUpdates)

	authSvc, err := newAuth(ctx, cfg, db, logger)
	if err != nil {
		return err
	}
	srv, err := api.New(api.Deps{Config: cfg, Health: db, Auth: authSvc, Community: community.New(db, authSvc, logger), Logger: logger, Version: v})
	if err != nil {
		return err
	}
	jctx, stopJanitor := context.WithCancel(context.Background())
	defer stopJanitor()
	go authSvc.RunJanitor(jctx, time.Minute)
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
