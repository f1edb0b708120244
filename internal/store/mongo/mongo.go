// Package mongo is Precinct's MongoDB engine, for more than one machine:
// MongoDB 6 or newer, run as a replica set (Atlas works). It is the only
// package that imports the MongoDB driver.
//
// Records are stored as BSON documents under the same field names as the
// SQLite engine's JSON (the driver reads the json struct tags), so a record
// is the same on both. Indexes come from the collection declarations and
// are created at start. Every rule that reads before it writes runs in a
// multi-document transaction; MongoDB aborts the later of two transactions
// that write the same document, and the driver retries it, so no update is
// lost. That is why a replica set is required: a standalone server has no
// transactions, and Open refuses it.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/precinct-cad/precinct/internal/store"
)

// Options say how to reach the database.
type Options struct {
	// URI is a MongoDB connection string.
	URI string
	// Database is the database name inside the server.
	Database string
	// Timeout bounds every operation (the driver's client-side operation
	// timeout); a request's own deadline, when shorter, wins.
	Timeout time.Duration
	// AllowNoTransactions accepts a server without transactions (a
	// standalone server, or FerretDB in tests). Rules that read before
	// they write are then not safe under concurrency: tests only.
	AllowNoTransactions bool
	Logger              *slog.Logger
}

// Engine is the MongoDB engine. It is safe for concurrent use.
type Engine struct {
	client   *mongo.Client
	db       *mongo.Database
	caps     Capabilities
	log      *slog.Logger
	ownsConn bool
}

var _ store.Engine = (*Engine)(nil)

// serverSelectionTimeout is how long an operation waits for a usable
// server, kept well below the request deadline so that an outage answers
// 503 while the client still waits.
func serverSelectionTimeout(timeout time.Duration) time.Duration {
	return min(2*time.Second, timeout/2)
}

// Open connects to o.URI, checks that the server answers, probes what it
// supports and refuses one without transactions (unless allowed).
func Open(ctx context.Context, o Options) (*Engine, error) {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	sst := serverSelectionTimeout(o.Timeout)
	co := options.Client().
		ApplyURI(o.URI).
		SetAppName("precinct").
		SetTimeout(o.Timeout).
		SetServerSelectionTimeout(sst).
		SetConnectTimeout(sst).
		SetHeartbeatInterval(5 * time.Second).
		SetBSONOptions(&options.BSONOptions{
			// One set of field names for both engines: the json tags.
			UseJSONStructTags: true,
			// Untyped sub-documents (audit states, CAD settings) read
			// back as plain maps, as from JSON.
			DefaultDocumentMap: true,
			BinaryAsSlice:      true,
		})
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
	caps, err := probe(ctx, client)
	if err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("probing the database: %w", err)
	}
	if !caps.Transactions && !o.AllowNoTransactions {
		_ = client.Disconnect(context.Background())
		return nil, errors.New("the server has no transactions: run MongoDB as a replica set (a one-node replica set will do; Atlas is one)")
	}
	return &Engine{client: client, db: client.Database(o.Database), caps: caps, log: o.Logger, ownsConn: true}, nil
}

// WithDatabase returns an engine on another database of the same server,
// sharing the connection pool; closing it leaves the connection open.
func (e *Engine) WithDatabase(name string) *Engine {
	return &Engine{client: e.client, db: e.client.Database(name), caps: e.caps, log: e.log}
}

// Kind names the engine.
func (e *Engine) Kind() string { return "mongodb" }

// Atomic reports whether the server runs transactions.
func (e *Engine) Atomic() bool { return e.caps.Transactions }

// Name is the database name.
func (e *Engine) Name() string { return e.db.Name() }

// Capabilities reports what the server supports.
func (e *Engine) Capabilities() Capabilities { return e.caps }

// Ping checks that the server answers within ctx.
func (e *Engine) Ping(ctx context.Context) error {
	return mapErr(e.client.Ping(ctx, readpref.Primary()))
}

// Drop deletes the whole database. Tests use it; nothing in the server does.
func (e *Engine) Drop(ctx context.Context) error { return mapErr(e.db.Drop(ctx)) }

// Close disconnects, when this engine owns the connection.
func (e *Engine) Close(ctx context.Context) error {
	if !e.ownsConn {
		return nil
	}
	if err := e.client.Disconnect(ctx); err != nil && !errors.Is(err, mongo.ErrClientDisconnected) {
		return err
	}
	return nil
}

// txKey marks a context inside Tx.
type txKey struct{}

// Tx runs fn in a multi-document transaction (joining the one ctx carries).
// The driver retries fn when MongoDB reports a transient conflict, such as
// two transactions writing one document. Without transactions (allowed
// only for tests) fn runs as is.
func (e *Engine) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	if e.InTx(ctx) {
		return fn(ctx)
	}
	ctx = context.WithValue(ctx, txKey{}, true)
	if !e.caps.Transactions {
		return fn(ctx)
	}
	sess, err := e.client.StartSession()
	if err != nil {
		return mapErr(err)
	}
	defer sess.EndSession(context.WithoutCancel(ctx))
	_, err = sess.WithTransaction(ctx, func(ctx context.Context) (any, error) {
		return nil, fn(ctx)
	})
	return mapErr(err)
}

// InTx reports whether ctx is inside Tx.
func (e *Engine) InTx(ctx context.Context) bool {
	v, _ := ctx.Value(txKey{}).(bool)
	return v
}

// Prepare creates every declared index that does not exist yet.
func (e *Engine) Prepare(ctx context.Context, colls []*store.Collection) error {
	for _, c := range colls {
		if err := e.ensureIndexes(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) ensureIndexes(ctx context.Context, c *store.Collection) error {
	have, err := e.listIndexes(ctx, c.Name)
	if err != nil {
		return fmt.Errorf("listing indexes of %s: %w", c.Name, err)
	}
	want := append([]store.Index(nil), c.Indexes...)
	if c.Expires != "" && e.caps.TTLIndexes {
		// A second line behind the reads that check expiry and the
		// janitor: the server deletes dead records by itself.
		want = append(want, store.Index{Name: c.Name + "_ttl", Keys: []store.IndexKey{{Field: c.Expires}}})
	}
	for _, ix := range want {
		keys := keysDoc(ix.Keys)
		if got, ok := have[ix.Name]; ok {
			// Created by an earlier start; a changed definition is
			// reported, never dropped behind the operator's back.
			wantRaw, err := bson.Marshal(keys)
			if err != nil {
				return err
			}
			if !bytesEqual(wantRaw, got) {
				return fmt.Errorf("index %s on %s exists with other keys (%s): drop it to have it re-created", ix.Name, c.Name, got)
			}
			continue
		}
		o := options.Index().SetName(ix.Name)
		if ix.Unique {
			o.SetUnique(true)
		}
		if ix.Sparse {
			o.SetSparse(true)
		}
		if ix.Name == c.Name+"_ttl" {
			o.SetExpireAfterSeconds(0)
		}
		if _, err := e.db.Collection(c.Name).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys, Options: o}); err != nil {
			return fmt.Errorf("creating index %s on %s: %w", ix.Name, c.Name, mapErr(err))
		}
	}
	return nil
}

// keysDoc is an index's keys or a sort as MongoDB takes them: field: 1 or
// -1.
func keysDoc(keys []store.OrderKey) bson.D {
	d := bson.D{}
	for _, k := range keys {
		dir := 1
		if k.Desc {
			dir = -1
		}
		d = append(d, bson.E{Key: k.Field, Value: dir})
	}
	return d
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

func (e *Engine) listIndexes(ctx context.Context, coll string) (map[string]bson.Raw, error) {
	cur, err := e.db.Collection(coll).Indexes().List(ctx)
	if err != nil {
		var ce mongo.CommandError
		if errors.As(err, &ce) && ce.Code == 26 { // NamespaceNotFound: no collection yet
			return map[string]bson.Raw{}, nil
		}
		return nil, mapErr(err)
	}
	var specs []struct {
		Name string   `bson:"name"`
		Key  bson.Raw `bson:"key"`
	}
	if err := cur.All(ctx, &specs); err != nil {
		return nil, mapErr(err)
	}
	out := make(map[string]bson.Raw, len(specs))
	for _, s := range specs {
		out[s.Name] = s.Key
	}
	return out, nil
}

// IndexNames lists the indexes of a collection by name (for tests and
// operators).
func (e *Engine) IndexNames(ctx context.Context, coll string) (map[string]bool, error) {
	have, err := e.listIndexes(ctx, coll)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(have))
	for n := range have {
		out[n] = true
	}
	return out, nil
}
