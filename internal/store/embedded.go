package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Files of the embedded database inside the data directory.
const (
	embeddedDBDir   = "db"            // SQLite files, one per database
	embeddedSocket  = "embedded.sock" // the Unix socket FerretDB listens on
	embeddedURIFile = "embedded.uri"  // the socket's URI, present while a server runs
	embeddedLock    = "embedded.lock" // held by the one process that runs the database
)

// maxSocketPath is the longest Unix socket path every supported OS accepts
// (sockaddr_un.sun_path is 104 bytes on macOS and BSD, 108 on Linux, both
// counting the terminating NUL).
const maxSocketPath = 103

// Embedded is a FerretDB server (SQLite handler) running inside this process,
// reachable only through a Unix socket in the data directory.
type Embedded struct {
	dir     string
	uri     string
	cancel  context.CancelFunc
	done    chan struct{}
	unlock  func() error
	logger  *slog.Logger
	stopped bool
}

// ErrDataDirInUse is returned when another process already runs the embedded
// database of a data directory.
var ErrDataDirInUse = errors.New("another Precinct process is using this data directory")

// StartEmbedded starts the embedded database on dataDir. Its files live in
// dataDir/db, the directory is made private (0700), and no TCP port is
// opened. Only one process may run it per data directory.
func StartEmbedded(dataDir string, logger *slog.Logger) (*Embedded, error) {
	if logger == nil {
		logger = slog.Default()
	}
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	socket := filepath.Join(dir, embeddedSocket)
	if len(socket) > maxSocketPath {
		return nil, fmt.Errorf("the data directory path is too long for the embedded database's socket "+
			"(%d bytes, at most %d): choose a shorter data directory", len(socket), maxSocketPath)
	}
	if err := os.MkdirAll(filepath.Join(dir, embeddedDBDir), 0o700); err != nil {
		return nil, err
	}
	// The socket is unauthenticated: the directory's permissions are what
	// keeps other local users out.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	unlock, err := lockFile(filepath.Join(dir, embeddedLock))
	if err != nil {
		return nil, err
	}
	// We hold the lock, so a socket file left behind is a crashed run's.
	if err := os.Remove(socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		_ = unlock()
		return nil, err
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: socket},
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.Join(dir, embeddedDBDir) + "/",
		Logger:    logger,
	})
	if err != nil {
		_ = unlock()
		return nil, fmt.Errorf("starting the embedded database: %w", err)
	}
	// FerretDB created the socket in New; only its owner may use it (the
	// private directory already keeps others out, this is a second line).
	if err := os.Chmod(socket, 0o600); err != nil {
		_ = unlock()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Embedded{dir: dir, cancel: cancel, done: make(chan struct{}), unlock: unlock, logger: logger}
	go func() {
		defer close(e.done)
		_ = f.Run(ctx)
	}()
	e.uri = f.MongoDBURI()
	if err := os.WriteFile(filepath.Join(dir, embeddedURIFile), []byte(e.uri+"\n"), 0o600); err != nil {
		_ = e.Stop(context.Background())
		return nil, err
	}
	return e, nil
}

// URI is the connection string of the embedded database.
func (e *Embedded) URI() string { return e.uri }

// SocketPath is the Unix socket the embedded database listens on.
func (e *Embedded) SocketPath() string { return filepath.Join(e.dir, embeddedSocket) }

// Dir is the absolute data directory.
func (e *Embedded) Dir() string { return e.dir }

// Stop closes the listener and every connection, closes the SQLite files,
// removes the URI file and releases the data directory. Close the clients
// first: FerretDB waits for open connections to go idle.
func (e *Embedded) Stop(ctx context.Context) error {
	if e.stopped {
		return nil
	}
	e.stopped = true
	_ = os.Remove(filepath.Join(e.dir, embeddedURIFile))
	e.cancel()
	var err error
	select {
	case <-e.done:
	case <-ctx.Done():
		err = fmt.Errorf("the embedded database did not stop in time: %w", ctx.Err())
	}
	return errors.Join(err, e.unlock())
}

// RunningEmbeddedURI returns the URI that a running server wrote into
// dataDir, or "" when there is none.
func RunningEmbeddedURI(dataDir string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, embeddedURIFile))
	if err != nil {
		return ""
	}
	return string(trimSpace(b))
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// OpenConfig is what Open needs to know.
type OpenConfig struct {
	URI      string // empty: the embedded database in DataDir
	Database string
	DataDir  string
	Timeout  time.Duration
	Logger   *slog.Logger // Precinct's logger
	DBLogger *slog.Logger // the embedded database's own logger; nil means Logger
}

// Open connects to the configured MongoDB, or starts the embedded database
// and connects to it. Close on the returned DB also stops the embedded
// database. It is what `precinct serve` uses.
func Open(ctx context.Context, cfg OpenConfig) (*DB, error) {
	opts := Options{URI: cfg.URI, Database: cfg.Database, Timeout: cfg.Timeout, Logger: cfg.Logger}
	if cfg.URI != "" {
		return Connect(ctx, opts)
	}
	dbLogger := cfg.DBLogger
	if dbLogger == nil {
		dbLogger = cfg.Logger
	}
	emb, err := StartEmbedded(cfg.DataDir, dbLogger)
	if err != nil {
		return nil, err
	}
	opts.URI = emb.URI()
	db, err := Connect(ctx, opts)
	if err != nil {
		_ = emb.Stop(context.Background())
		return nil, err
	}
	db.closers = append(db.closers, emb.Stop)
	if cfg.Logger != nil {
		cfg.Logger.Info("database: embedded FerretDB (SQLite)", "database", cfg.Database,
			"dataDir", emb.Dir(), "files", filepath.Join(emb.Dir(), embeddedDBDir), "socket", filepath.Join(emb.Dir(), embeddedSocket))
	}
	return db, nil
}

// OpenShared is Open for admin commands that may run beside a server: with
// no URI it first tries the embedded database of a server running on the
// same data directory, and starts its own only when none runs.
func OpenShared(ctx context.Context, cfg OpenConfig) (*DB, error) {
	if cfg.URI == "" {
		if uri := RunningEmbeddedURI(cfg.DataDir); uri != "" {
			shared := cfg
			shared.URI = uri
			db, err := Connect(ctx, Options{URI: uri, Database: cfg.Database, Timeout: cfg.Timeout, Logger: cfg.Logger})
			if err == nil {
				return db, nil
			}
			// A URI file without a live server behind it is a crashed
			// run's; starting our own below takes the lock, so it can't
			// race a server that is starting.
		}
	}
	return Open(ctx, cfg)
}
