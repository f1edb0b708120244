package mongo

import (
	"context"
	"fmt"
	"regexp"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/precinct-cad/precinct/internal/store"
)

// Insert stores doc as a new document.
func (e *Engine) Insert(ctx context.Context, c *store.Collection, doc store.Doc) error {
	_, err := e.db.Collection(c.Name).InsertOne(ctx, doc)
	return mapErr(err)
}

// InsertMany stores docs in one batched insert.
func (e *Engine) InsertMany(ctx context.Context, c *store.Collection, docs []store.Doc) error {
	if len(docs) == 0 {
		return nil
	}
	all := make([]any, len(docs))
	for i, d := range docs {
		all[i] = d
	}
	_, err := e.db.Collection(c.Name).InsertMany(ctx, all)
	return mapErr(err)
}

// Get decodes the first document q selects into dst.
func (e *Engine) Get(ctx context.Context, c *store.Collection, q store.Query, dst any) error {
	f, err := filter(c, q)
	if err != nil {
		return err
	}
	o := options.FindOne()
	if s := keysDoc(q.Sort); len(s) > 0 {
		o.SetSort(s)
	}
	if q.Skip > 0 {
		o.SetSkip(int64(q.Skip))
	}
	return mapErr(e.db.Collection(c.Name).FindOne(ctx, f, o).Decode(dst))
}

// Find calls each for every document q selects.
func (e *Engine) Find(ctx context.Context, c *store.Collection, q store.Query, each func(func(any) error) error) error {
	f, err := filter(c, q)
	if err != nil {
		return err
	}
	o := options.Find()
	if s := keysDoc(q.Sort); len(s) > 0 {
		o.SetSort(s)
	}
	if q.Limit > 0 {
		o.SetLimit(int64(q.Limit))
	}
	if q.Skip > 0 {
		o.SetSkip(int64(q.Skip))
	}
	cur, err := e.db.Collection(c.Name).Find(ctx, f, o)
	if err != nil {
		return mapErr(err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		if err := each(func(dst any) error { return mapErr(cur.Decode(dst)) }); err != nil {
			return err
		}
	}
	return mapErr(cur.Err())
}

// Count counts the documents q selects.
func (e *Engine) Count(ctx context.Context, c *store.Collection, q store.Query) (int64, error) {
	f, err := filter(c, q)
	if err != nil {
		return 0, err
	}
	n, err := e.db.Collection(c.Name).CountDocuments(ctx, f)
	return n, mapErr(err)
}

// Replace stores doc in place of the document q selects.
func (e *Engine) Replace(ctx context.Context, c *store.Collection, q store.Query, doc store.Doc) (bool, error) {
	f, err := filter(c, q)
	if err != nil {
		return false, err
	}
	res, err := e.db.Collection(c.Name).ReplaceOne(ctx, f, doc)
	if err != nil {
		return false, mapErr(err)
	}
	return res.MatchedCount > 0, nil
}

// Delete removes the documents q selects.
func (e *Engine) Delete(ctx context.Context, c *store.Collection, q store.Query) (int64, error) {
	f, err := filter(c, q)
	if err != nil {
		return 0, err
	}
	res, err := e.db.Collection(c.Name).DeleteMany(ctx, f)
	if err != nil {
		return 0, mapErr(err)
	}
	return res.DeletedCount, nil
}

// filter builds the query document of q's conditions and keyset.
func filter(c *store.Collection, q store.Query) (bson.D, error) {
	d := bson.D{}
	for _, w := range q.Where {
		if _, ok := c.Field(w.Field); !ok {
			return nil, store.Internal(fmt.Errorf("%s has no field %q", c.Name, w.Field))
		}
		e, err := condOf(w)
		if err != nil {
			return nil, err
		}
		d = append(d, e)
	}
	if len(q.After) > 0 {
		// (k1, k2, ..) after (v1, v2, ..): k1 past v1, or k1 = v1 and k2
		// past v2, and so on.
		op := "$gt"
		if q.Sort[0].Desc {
			op = "$lt"
		}
		var or bson.A
		for i := range q.Sort {
			branch := bson.D{}
			for j := 0; j < i; j++ {
				branch = append(branch, bson.E{Key: q.Sort[j].Field, Value: q.After[j]})
			}
			branch = append(branch, bson.E{Key: q.Sort[i].Field, Value: bson.D{{Key: op, Value: q.After[i]}}})
			or = append(or, branch)
		}
		d = append(d, bson.E{Key: "$or", Value: or})
	}
	return d, nil
}

func condOf(w store.Cond) (bson.E, error) {
	op := ""
	switch w.Op {
	case store.OpEq, store.OpHas:
		// On an array field, equality means "holds".
		return bson.E{Key: w.Field, Value: w.Value}, nil
	case store.OpNe:
		op = "$ne"
	case store.OpLt:
		op = "$lt"
	case store.OpLte:
		op = "$lte"
	case store.OpGt:
		op = "$gt"
	case store.OpGte:
		op = "$gte"
	case store.OpIn:
		vs, _ := w.Value.([]string)
		if vs == nil {
			vs = []string{}
		}
		return bson.E{Key: w.Field, Value: bson.D{{Key: "$in", Value: vs}}}, nil
	case store.OpContains:
		s, _ := w.Value.(string)
		return bson.E{Key: w.Field, Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(s)}}}, nil
	default:
		return bson.E{}, store.Internal(fmt.Errorf("unknown op %d", w.Op))
	}
	return bson.E{Key: w.Field, Value: bson.D{{Key: op, Value: w.Value}}}, nil
}
