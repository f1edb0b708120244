package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Observer hears what the store does, for metrics. *metrics.Metrics is
// one; the store does not import it.
type Observer interface {
	// DBOp records one engine operation: its engine, its kind (insert,
	// get, find, count, replace, delete, tx), how long it took, and the
	// error code of a failure that is no normal answer ("" otherwise).
	DBOp(engine, op string, d time.Duration, code string)
	// Cache records an identity-cache look-up.
	Cache(kind string, hit bool)
}

// observed is an engine that times every operation for an Observer.
type observed struct {
	Engine
	obs  Observer
	kind string
}

func (o observed) done(op string, start time.Time, err error) {
	code := cad.ErrorCode(err)
	if code == cad.ENOTFOUND || code == cad.ECONFLICT {
		code = "" // normal answers, not failures
	}
	o.obs.DBOp(o.kind, op, time.Since(start), code)
}

func (o observed) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	if o.Engine.InTx(ctx) {
		return o.Engine.Tx(ctx, fn)
	}
	start := time.Now()
	err := o.Engine.Tx(ctx, fn)
	o.done("tx", start, err)
	return err
}

func (o observed) Insert(ctx context.Context, c *Collection, doc Doc) error {
	start := time.Now()
	err := o.Engine.Insert(ctx, c, doc)
	o.done("insert", start, err)
	return err
}

func (o observed) InsertMany(ctx context.Context, c *Collection, docs []Doc) error {
	start := time.Now()
	err := o.Engine.InsertMany(ctx, c, docs)
	o.done("insert_many", start, err)
	return err
}

func (o observed) Get(ctx context.Context, c *Collection, q Query, dst any) error {
	start := time.Now()
	err := o.Engine.Get(ctx, c, q, dst)
	o.done("get", start, err)
	return err
}

func (o observed) Find(ctx context.Context, c *Collection, q Query, each func(func(any) error) error) error {
	start := time.Now()
	err := o.Engine.Find(ctx, c, q, each)
	o.done("find", start, err)
	return err
}

func (o observed) Count(ctx context.Context, c *Collection, q Query) (int64, error) {
	start := time.Now()
	n, err := o.Engine.Count(ctx, c, q)
	o.done("count", start, err)
	return n, err
}

func (o observed) Replace(ctx context.Context, c *Collection, q Query, doc Doc) (bool, error) {
	start := time.Now()
	ok, err := o.Engine.Replace(ctx, c, q, doc)
	o.done("replace", start, err)
	return ok, err
}

func (o observed) Delete(ctx context.Context, c *Collection, q Query) (int64, error) {
	start := time.Now()
	n, err := o.Engine.Delete(ctx, c, q)
	o.done("delete", start, err)
	return n, err
}
