// Package store implements the store interfaces of internal/cad once, on a
// small document layer that two engines provide: SQLite (package
// store/sqlite, the zero-setup default) and MongoDB (package store/mongo).
//
// A record is a Go struct stored whole (JSON on SQLite, BSON on MongoDB,
// under the same field names). The fields a query filters or sorts on are
// declared per collection (schema.go): on SQLite each is a typed column with
// the declared indexes, on MongoDB the same indexes are created. Queries name
// only declared fields, and a query on a tenant collection that does not
// filter on communityId is refused before it reaches the database, so the
// tenancy rule is enforced here, once, for every repository.
//
// This package imports no database driver: the engines do.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Kind is the type of a declared field's values, so that each engine stores,
// indexes and compares them the same way.
type Kind int

// Field kinds.
const (
	String  Kind = iota + 1
	Int          // int64
	Bool         // stored as true/false; SQLite columns hold 1/0
	Time         // UTC, millisecond precision
	Strings      // an array of strings, queried with Has; no column
)

// Field is a field that queries may name.
type Field struct {
	Name   string // in the document: the JSON and BSON name
	Column string // the SQLite column ("" for Strings)
	Kind   Kind
}

// IndexKey is one key of an index: a field and its direction, as a sort
// key has.
type IndexKey = OrderKey

// Index is one declared index. Both engines create exactly these (SQLite
// through its migrations, which a test compares with this list).
type Index struct {
	Name   string
	Keys   []IndexKey
	Unique bool
	// Sparse indexes only documents that have the first key (a partial
	// index "WHERE col IS NOT NULL" on SQLite, sparse on MongoDB).
	Sparse bool
	// CrossTenant marks the one kind of tenant index that does not start
	// with communityId: it serves a look-up that crosses communities by
	// design (a user's own memberships in every community).
	CrossTenant bool
}

// Collection declares one collection: its name (the SQLite table), whether
// it holds tenant data, and the fields and indexes queries may use.
type Collection struct {
	Name string
	// Tenant collections carry communityId; every query on them must
	// filter on it, and every index starts with it.
	Tenant  bool
	Fields  []Field
	Indexes []Index
	// Expires names the time field after which a record is dead. MongoDB
	// gets a TTL index on it as a second line; reads check it themselves
	// and the janitor deletes what is past it.
	Expires string
	// Ephemeral collections hold short-lived or secret server state
	// (sessions, counters, keys) that export leaves out.
	Ephemeral bool

	byName map[string]Field
}

// The fields every collection has.
const (
	FieldID        = "_id"
	FieldCommunity = "communityId"
)

// Field returns the declared field called name.
func (c *Collection) Field(name string) (Field, bool) {
	if c.byName == nil {
		m := map[string]Field{FieldID: {Name: FieldID, Column: "id", Kind: String}}
		if c.Tenant {
			m[FieldCommunity] = Field{Name: FieldCommunity, Column: "community_id", Kind: String}
		}
		for _, f := range c.Fields {
			m[f.Name] = f
		}
		c.byName = m
	}
	f, ok := c.byName[name]
	return f, ok
}

// AllFields lists _id, communityId (tenant collections) and the declared
// fields, in that order.
func (c *Collection) AllFields() []Field {
	out := []Field{{Name: FieldID, Column: "id", Kind: String}}
	if c.Tenant {
		out = append(out, Field{Name: FieldCommunity, Column: "community_id", Kind: String})
	}
	return append(out, c.Fields...)
}

// Op is a comparison of a condition.
type Op int

// Operators.
const (
	OpEq       Op = iota + 1 // equal; a nil value matches a missing field
	OpNe                     // not equal (a missing field is not equal)
	OpLt                     // less than
	OpLte                    // less than or equal
	OpGt                     // greater than
	OpGte                    // greater than or equal
	OpIn                     // one of a []string
	OpHas                    // a Strings field holds the value
	OpContains               // a String field contains the value as a substring
)

// Cond is one condition on a declared field.
type Cond struct {
	Field string
	Op    Op
	Value any
}

// Condition constructors.
func Eq(field string, v any) Cond             { return Cond{field, OpEq, v} }
func Ne(field string, v any) Cond             { return Cond{field, OpNe, v} }
func Lt(field string, v any) Cond             { return Cond{field, OpLt, v} }
func Lte(field string, v any) Cond            { return Cond{field, OpLte, v} }
func Gt(field string, v any) Cond             { return Cond{field, OpGt, v} }
func Gte(field string, v any) Cond            { return Cond{field, OpGte, v} }
func In(field string, vs []string) Cond       { return Cond{field, OpIn, vs} }
func Has(field string, v string) Cond         { return Cond{field, OpHas, v} }
func Contains(field string, sub string) Cond  { return Cond{field, OpContains, sub} }
func Community(communityID string) Cond       { return Eq(FieldCommunity, communityID) }
func ID(id string) Cond                       { return Eq(FieldID, id) }
func Order(field string, desc bool) OrderKey  { return OrderKey{field, desc} }
func Where(conds ...Cond) Query               { return Query{Where: conds} }
func (q Query) SortBy(keys ...OrderKey) Query { q.Sort = keys; return q }
func (q Query) Take(n int) Query              { q.Limit = n; return q }

// OrderKey is one sort key.
type OrderKey struct {
	Field string
	Desc  bool
}

// Query selects records: all of Where, in Sort order, after the keyset
// After, at most Limit (0: no limit) after skipping Skip.
type Query struct {
	Where []Cond
	Sort  []OrderKey
	// After holds the values of the sort keys of the last record of the
	// previous page; the page starts after it. Keyset paging needs every
	// sort key in one direction and _id as the last key.
	After []any
	Limit int
	Skip  int
	// AllTenants lets a query on a tenant collection run without a
	// communityId condition: export and the janitor only.
	AllTenants bool
	// Bulk marks a query that reads or deletes a whole collection, or a
	// whole community, on purpose: export, import checks, Dump, ending
	// every session. None runs on a request path; they are the only
	// queries allowed to scan (the SQLite query-plan test checks the
	// rest).
	Bulk bool
}

// Doc is a stored record: it knows its _id.
type Doc interface{ DocID() string }

// TenantDoc is a record of tenant data: it knows its community too.
type TenantDoc interface {
	Doc
	DocCommunity() string
}

// Engine is what a database must do for Precinct. Errors are *cad.Error:
// not_found from Get, conflict when a unique index refuses a write,
// unavailable when the database is down or the context ends, internal
// otherwise. Operations run inside the transaction ctx carries, if any.
type Engine interface {
	// Kind names the engine: "sqlite" or "mongodb".
	Kind() string
	// Atomic reports whether Tx gives real transactions. Only a test
	// server (FerretDB) lacks them.
	Atomic() bool
	// Prepare readies the database for the collections: applies
	// migrations (SQLite) or creates indexes (MongoDB).
	Prepare(ctx context.Context, colls []*Collection) error
	Ping(ctx context.Context) error
	Close(ctx context.Context) error

	// Tx runs fn in a transaction carried by the ctx it passes; a Tx in a
	// Tx joins it. fn may be retried.
	Tx(ctx context.Context, fn func(ctx context.Context) error) error
	// InTx reports whether ctx carries a transaction.
	InTx(ctx context.Context) bool

	Insert(ctx context.Context, c *Collection, doc Doc) error
	// InsertMany stores docs as new records in one write: one transaction
	// on SQLite (joining ctx's), a batched insert on MongoDB. When it
	// fails, none (SQLite) or some (MongoDB) of them are stored.
	InsertMany(ctx context.Context, c *Collection, docs []Doc) error
	// Get decodes the first record q selects into dst, or answers
	// not_found.
	Get(ctx context.Context, c *Collection, q Query, dst any) error
	// Find calls each for every record q selects, in order; each decodes
	// the record with the function it is given.
	Find(ctx context.Context, c *Collection, q Query, each func(decode func(dst any) error) error) error
	Count(ctx context.Context, c *Collection, q Query) (int64, error)
	// Replace stores doc in place of the one record q selects (q names its
	// _id) and reports whether there was one.
	Replace(ctx context.Context, c *Collection, q Query, doc Doc) (bool, error)
	// Delete removes every record q selects and says how many.
	Delete(ctx context.Context, c *Collection, q Query) (int64, error)
}

// Watcher is an engine that reports changes made by other processes, so
// that caches can drop what changed at once (MongoDB change streams).
type Watcher interface {
	// Watch opens a stream of changes to colls, or answers at once with
	// an error when the database cannot report changes. While the stream
	// lives, changed is called with the collection and _id of every record
	// that changes; when it breaks (or ctx ends), the error is sent on the
	// channel and nothing more is reported.
	Watch(ctx context.Context, colls []*Collection, changed func(coll, id string)) (<-chan error, error)
}

// TimeLayout is how SQLite columns and cursors hold times: fixed width, so
// that text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Millis is t in UTC at millisecond precision, the precision both engines
// keep; the store rounds every time it writes to it, so that a record reads
// back equal on either engine.
func Millis(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func millisPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	m := Millis(*t)
	return &m
}

// Engine errors. Engines return these (wrapping their cause) so that the
// repositories can choose their own caller-facing messages.
var (
	ErrNotFound = cad.Errorf(cad.ENOTFOUND, "Not found")
)

// Conflict wraps a unique-index refusal.
func Conflict(err error) error { return cad.Wrap(cad.ECONFLICT, err, "Already exists") }

// Unavailable wraps an outage of the database. When the cause is the
// request's own context ending (its deadline passed while it waited for
// something, a hashing slot, say), the database is not to blame and the
// answer says so: a 503 to try again in a moment.
func Unavailable(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &cad.BusyError{Err: cad.Wrap(cad.EUNAVAILABLE, err, "The request took too long; try again in a moment"), RetryAfter: time.Second}
	}
	return cad.Wrap(cad.EUNAVAILABLE, err, "Database unavailable")
}

// Internal wraps anything else.
func Internal(err error) error { return cad.Wrap(cad.EINTERNAL, err, "Internal server error") }
