package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/precinct-cad/precinct/internal/store"
)

var _ store.Watcher = (*Engine)(nil)

// Watch opens a change stream on the collections colls and calls changed
// for every insert, update, replace or delete, until it breaks or ctx ends.
// Servers without change streams (a standalone server, FerretDB) answer
// with an error at once.
func (e *Engine) Watch(ctx context.Context, colls []*store.Collection, changed func(coll, id string)) (<-chan error, error) {
	if !e.caps.ChangeStreams {
		return nil, errors.New("this server has no change streams")
	}
	names := bson.A{}
	for _, c := range colls {
		names = append(names, c.Name)
	}
	pipeline := mongo.Pipeline{{{Key: "$match", Value: bson.D{
		{Key: "ns.coll", Value: bson.D{{Key: "$in", Value: names}}},
		{Key: "operationType", Value: bson.D{{Key: "$in", Value: bson.A{"insert", "update", "replace", "delete"}}}},
	}}}}
	// Each wait for changes is short (MaxAwaitTime), well inside the
	// client's operation timeout, and the loop asks again.
	stream, err := e.db.Watch(ctx, pipeline, options.ChangeStream().SetMaxAwaitTime(time.Second))
	if err != nil {
		return nil, mapErr(err)
	}
	done := make(chan error, 1)
	go func() {
		defer stream.Close(context.WithoutCancel(ctx))
		for {
			if !stream.TryNext(ctx) {
				if stream.Err() != nil || ctx.Err() != nil {
					break
				}
				continue
			}
			var ev struct {
				NS struct {
					Coll string `bson:"coll"`
				} `bson:"ns"`
				DocumentKey struct {
					ID any `bson:"_id"`
				} `bson:"documentKey"`
			}
			if err := stream.Decode(&ev); err != nil {
				continue
			}
			if id, ok := ev.DocumentKey.ID.(string); ok {
				changed(ev.NS.Coll, id)
			}
		}
		err := stream.Err()
		if err == nil {
			err = ctx.Err()
		}
		done <- err
	}()
	return done, nil
}
