// Package store is Precinct's MongoDB layer: connecting (to a configured
// server or to the embedded one), the capability probe, every index, and the
// mapping of driver errors onto cad.Error. It is the only package that
// imports the MongoDB driver.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// Options says how to reach the database.
type Options struct {
	// URI is a MongoDB connection string.
	URI string
	// Database is the database name inside the server.
	Database string
	// Timeout bounds every operation of the client (the driver's client-side
	// operation timeout). A request's own deadline, when shorter, wins.
	Timeout time.Duration
	// Logger receives connection events; nil means slog.Default().
	Logger *slog.Logger
}

// DB is a connection to Precinct's database. It is safe for concurrent use.
type DB struct {
	client   *mongo.Client
	db       *mongo.Database
	caps     Capabilities
	logger   *slog.Logger
	closers  []func(context.Context) error // run by Close, last first
	ownsConn bool
	// rmw serialises this process's read-modify-write updates ($inc and
	// the like) when the server does not apply them atomically; nil when
	// it does. See serialize.
	rmw *sync.Mutex
}

// serverSelectionTimeout is how long an operation waits for a usable server.
// It is kept well below the request deadline so that an outage answers 503
// while the client is still waiting, instead of the request timing out.
func serverSelectionTimeout(timeout time.Duration) time.Duration {
	return min(2*time.Second, timeout/2)
}

// Connect opens a client to opts.URI, checks that the server answers within
// the server-selection timeout, and probes what it supports.
func Connect(ctx context.Context, opts Options) (*DB, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	sst := serverSelectionTimeout(opts.Timeout)
	co := options.Client().
		ApplyURI(opts.URI).
		SetAppName("precinct").
		SetTimeout(opts.Timeout).
		SetServerSelectionTimeout(sst).
		SetConnectTimeout(sst).
		SetHeartbeatInterval(5 * time.Second)
	if err := co.Validate(); err != nil {
		return nil, fmt.Errorf("invalid connection string: %w", err)
	}
	client, err := mongo.Connect(co)
	if err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, sst+time.Second)
	defer cancel()
	if err := client.Ping(pctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("the database does not answer: %w", err)
	}
	db := &DB{client: client, db: client.Database(opts.Database), logger: logger, ownsConn: true}
	caps, err := probe(ctx, client)
	if err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("probing the database: %w", err)
	}
	db.caps = caps
	if !caps.AtomicUpdates {
		db.rmw = &sync.Mutex{}
	}
	return db, nil
}

// serialize runs fn alone among this process's read-modify-write updates
// when the server cannot apply them atomically. The embedded FerretDB runs
// $inc as a read and then a write: 50 concurrent increments of one counter
// were measured to leave it at 7 to 9. Only one process may run the
// embedded database (the data directory's lock), so a process-wide lock
// makes its updates whole again; MongoDB needs none.
func (db *DB) serialize(fn func() error) error {
	if db.rmw != nil {
		db.rmw.Lock()
		defer db.rmw.Unlock()
	}
	return fn()
}

// WithDatabase returns a DB on another database of the same server, sharing
// the connection pool. Closing it leaves the shared connection open.
func (db *DB) WithDatabase(name string) *DB {
	return &DB{client: db.client, db: db.client.Database(name), caps: db.caps, logger: db.logger, rmw: db.rmw}
}

// Name is the database name.
func (db *DB) Name() string { return db.db.Name() }

// Capabilities reports what the connected server supports.
func (db *DB) Capabilities() Capabilities { return db.caps }

// Ping checks that the database answers, within ctx's deadline. It returns a
// cad.Error with code unavailable when it does not.
func (db *DB) Ping(ctx context.Context) error {
	return mapErr(db.client.Ping(ctx, readpref.Primary()))
}

// Drop deletes the whole database. Tests use it; nothing in the server does.
func (db *DB) Drop(ctx context.Context) error {
	return mapErr(db.db.Drop(ctx))
}

// Close disconnects the client (when this DB owns it) and then stops whatever
// was started for it, such as the embedded database.
func (db *DB) Close(ctx context.Context) error {
	var errs []error
	if db.ownsConn {
		if err := db.client.Disconnect(ctx); err != nil && !errors.Is(err, mongo.ErrClientDisconnected) {
			errs = append(errs, err)
		}
	}
	for i := len(db.closers) - 1; i >= 0; i-- {
		if err := db.closers[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	db.closers = nil
	return errors.Join(errs...)
}

// collection returns a handle on one collection of the database.
func (db *DB) collection(name string) *mongo.Collection { return db.db.Collection(name) }
