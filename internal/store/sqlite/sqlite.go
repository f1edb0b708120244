// Package sqlite is Precinct's embedded engine, the zero-setup default: one
// SQLite database file under the data directory, through the pure-Go driver
// modernc.org/sqlite (no cgo). It is the only package that imports it.
//
// The file runs in WAL mode, so readers never wait for the writer. Writes go
// through one connection, so they queue in Go rather than fail with
// SQLITE_BUSY; reads use a pool of read-only connections. Transactions begin
// IMMEDIATE (the write lock is taken at once), so a transaction that reads
// and then writes cannot be overtaken: every rule that reads before it
// writes holds under concurrency. Foreign keys are on; a busy timeout covers
// other processes (the admin commands) writing the same file.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store"
)

// FileName is the database file inside the data directory.
const FileName = "precinct.db"

// busyTimeout is how long a connection waits for another process's write
// lock before giving up with SQLITE_BUSY (then answered as 503).
const busyTimeout = 5 * time.Second

// Options say where the database is and how to open it.
type Options struct {
	// Path is the database file; ":memory:" is not supported (the read
	// and write connections must share a file).
	Path string
	// ReadConns bounds the read-only connections; 0 picks 2 x GOMAXPROCS,
	// at least 4.
	ReadConns int
	// OnStatement, when set, is called with the text of every statement
	// the engine runs (tests collect them to check their query plans).
	OnStatement func(sql string)
	// Announce logs every change of an existing record in the changes
	// table, for a server running on the same file to read (Watch). The
	// admin commands set it; the server does not need it for its own
	// changes.
	Announce bool
}

// Engine is the SQLite engine. It is safe for concurrent use.
type Engine struct {
	path   string
	w      *sql.DB // one connection: all writes and transactions
	r      *sql.DB // read-only connections
	onStmt func(string)
	// announce: see Options.Announce.
	announce bool
	// readOnly is what the write probe found when the engine opened: a
	// database that cannot be written (nil when it can). SQLite opens such
	// a file without a word and refuses every write afterwards.
	readOnly error
	// stmts: the read connections' prepared statements (stmtcache.go).
	stmts stmtCache

	mu     sync.Mutex
	closed bool
}

var _ store.Engine = (*Engine)(nil)

// Open opens (creating if needed) the database file. The directory is made
// private (0700) when Open creates it. Open does not migrate; Prepare does.
func Open(ctx context.Context, o Options) (*Engine, error) {
	if o.Path == "" || o.Path == ":memory:" {
		return nil, errors.New("sqlite: a database file path is required")
	}
	path, err := filepath.Abs(o.Path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// The first connection switches the file to WAL (a lasting change) and
	// creates it with private permissions. Two processes opening a new
	// file at the same moment can find the switch locked (SQLITE_BUSY is
	// returned then without waiting): try again for as long as the busy
	// timeout.
	for deadline := time.Now().Add(busyTimeout); ; {
		err := w.PingContext(ctx)
		if err == nil {
			break
		}
		if cad.ErrorCode(mapErr(err)) != cad.EUNAVAILABLE || isReadOnly(err) || time.Now().After(deadline) || ctx.Err() != nil {
			_ = w.Close()
			return nil, fmt.Errorf("opening %s: %w", path, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = os.Chmod(path, 0o600)
	n := o.ReadConns
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	// Read connections stay open: each keeps its prepared statements.
	e := &Engine{path: path, w: w, r: r, onStmt: o.OnStatement, announce: o.Announce}
	e.readOnly = e.probeWrite(ctx)
	return e, nil
}

// probeWrite finds a database that cannot be written (the file, its
// directory or its mount read-only): it creates a table in a transaction
// and rolls it back, so nothing changes. Taking the write lock alone is not
// enough: SQLite grants it on a read-only file and refuses only the first
// page written. Any other failure (another process holding the write lock
// past the busy timeout) is no finding.
func (e *Engine) probeWrite(ctx context.Context) error {
	tx, err := e.w.BeginTx(ctx, nil)
	if err != nil {
		if isReadOnly(err) {
			return mapErr(err)
		}
		return nil
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "CREATE TABLE precinct_write_probe (x INTEGER)"); isReadOnly(err) {
		return mapErr(err)
	}
	return nil
}

// Writable reports what the write probe found when the engine opened: nil,
// or an error with ReadOnlyMessage when the database cannot be written.
func (e *Engine) Writable() error { return e.readOnly }

// dsn is the driver's connection string: the pragmas every connection
// needs, applied when it opens.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "1")
	q.Set("_journal_mode", "WAL")
	// NORMAL is durable across application crashes in WAL mode; a power
	// loss may lose the last transactions, never corrupt the file.
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	if readOnly {
		q.Set("_query_only", "1")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Path is the database file.
func (e *Engine) Path() string { return e.path }

// Kind names the engine.
func (e *Engine) Kind() string { return "sqlite" }

// Atomic reports that transactions are real.
func (e *Engine) Atomic() bool { return true }

// Ping checks that the file answers a query within ctx, and that it could
// be written when the engine opened (readiness reports a read-only
// database: it answers reads, and refuses every write with 503).
func (e *Engine) Ping(ctx context.Context) error {
	if e.readOnly != nil {
		return e.readOnly
	}
	var one int
	if err := e.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return mapErr(err)
	}
	return nil
}

// Close closes every connection; WAL is checkpointed by the last one.
func (e *Engine) Close(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	e.stmts.close()
	return errors.Join(e.r.Close(), e.w.Close())
}

// txKey carries the open transaction in a context.
type txKey struct{}

// Tx runs fn in an IMMEDIATE transaction on the write connection, or joins
// the one ctx carries. Everything fn does through the engine with the ctx it
// is given runs in it. fn must not write through a context without it:
// the write connection is busy with the transaction until it ends.
func (e *Engine) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	if e.InTx(ctx) {
		return fn(ctx)
	}
	tx, err := e.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	return mapErr(tx.Commit())
}

// InTx reports whether ctx carries a transaction.
func (e *Engine) InTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*sql.Tx)
	return ok
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// read runs fn where a read belongs: in the transaction ctx carries, else
// on a read-only connection.
//
// A statement on a request path is served by an index and takes
// microseconds, so it runs without ctx's cancellation: the driver would
// otherwise start a goroutine per call to watch ctx, which measured a
// quarter of a JWT-authenticated request's cost. The wait for a connection
// still ends at ctx's deadline (the pool honours it), a wait for another
// process's lock ends at busy_timeout, and an ended ctx is refused before
// anything runs. Bulk statements (export, Dump) read whole collections, so
// they keep ctx's cancellation.
func (e *Engine) read(ctx context.Context, bulk bool, fn func(ctx context.Context, q querier) error) error {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(ctx, tx)
	}
	if bulk {
		return fn(ctx, e.r)
	}
	return onConn(ctx, e.r, fn)
}

// prepared reports whether a read runs a kept prepared statement
// (readPrepared): outside a transaction, and not in bulk.
func (e *Engine) prepared(ctx context.Context, bulk bool) bool {
	_, inTx := ctx.Value(txKey{}).(*sql.Tx)
	return !inTx && !bulk
}

// write runs fn where a write belongs: in the transaction ctx carries, else
// on the write connection (autocommit), as read does.
func (e *Engine) write(ctx context.Context, bulk bool, fn func(ctx context.Context, q querier) error) error {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(ctx, tx)
	}
	if bulk {
		return fn(ctx, e.w)
	}
	return onConn(ctx, e.w, fn)
}

// onConn takes a connection of db under ctx's deadline and runs fn on it
// with ctx's values but not its cancellation.
func onConn(ctx context.Context, db *sql.DB, fn func(ctx context.Context, q querier) error) error {
	if err := ctx.Err(); err != nil {
		return mapErr(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer conn.Close()
	return fn(context.WithoutCancel(ctx), conn)
}

// writer is where a write runs inside or outside a transaction; for the
// change log, whose writes join the statement they log.
func (e *Engine) writer(ctx context.Context) querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return e.w
}

func (e *Engine) record(q string) {
	if e.onStmt != nil {
		e.onStmt(q)
	}
}

// Backup writes a consistent copy of the database to path while the engine
// runs (VACUUM INTO): a snapshot of one moment, compacted. It reads in a
// transaction of its own, so writers go on meanwhile. path must not exist.
func (e *Engine) Backup(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("%s exists already; choose a new file", abs)
	}
	db, err := sql.Open("sqlite", dsn(e.path, false))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
		return fmt.Errorf("backup to %s: %w", abs, err)
	}
	return os.Chmod(abs, 0o600)
}

// Version reports the SQLite library's version, for the start-up log.
func (e *Engine) Version(ctx context.Context) string {
	var v string
	_ = e.r.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v)
	return v
}
