package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// findAll runs a query and converts every stored document D into the
// domain value T.
func findAll[D any, T any](ctx context.Context, c *mongo.Collection, filter bson.D, conv func(*D) T, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return nil, mapErr(err)
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err)
	}
	out := make([]T, len(docs))
	for i := range docs {
		out[i] = conv(&docs[i])
	}
	return out, nil
}

// withTimeRange adds "field within [since, until)" to filter; a zero bound
// is open.
func withTimeRange(filter bson.D, field string, since, until time.Time) bson.D {
	r := bson.D{}
	if !since.IsZero() {
		r = append(r, bson.E{Key: "$gte", Value: since})
	}
	if !until.IsZero() {
		r = append(r, bson.E{Key: "$lt", Value: until})
	}
	if len(r) > 0 {
		filter = append(filter, bson.E{Key: field, Value: r})
	}
	return filter
}

// newestFirst pages through a listing by time, newest first.
func newestFirst(field string, offset, limit int) *options.FindOptionsBuilder {
	return options.Find().SetSort(bson.D{{Key: field, Value: -1}, {Key: "_id", Value: -1}}).SetSkip(int64(offset)).SetLimit(int64(limit))
}

// findOne reads the one document matching filter and converts it; no
// document is notFound (a cad.Error the caller chose).
func findOne[D any, T any](ctx context.Context, c *mongo.Collection, filter bson.D, notFound error, conv func(*D) T) (T, error) {
	var d D
	var zero T
	err := c.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return zero, notFound
	}
	if err != nil {
		return zero, mapErr(err)
	}
	return conv(&d), nil
}
