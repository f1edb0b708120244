package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Counters back rate limits and lockouts. They live in the database, not in
// the process, so that several instances share them (R12). Each is one
// document whose _id is its key, so every operation is an _id look-up.
const collCounters = "counters"

// Counter is the state of one counter.
type Counter struct {
	Count       int64
	Lockouts    int64     // how many times the key was locked (for growing lockouts)
	LockedUntil time.Time // zero when not locked
}

type counterDoc struct {
	ID          string    `bson:"_id"`
	Count       int64     `bson:"count"`
	Lockouts    int64     `bson:"lockouts"`
	LockedUntil time.Time `bson:"lockedUntil"`
	ExpiresAt   time.Time `bson:"expiresAt"`
}

// IncrCounter adds one to key and returns the new state. A new counter
// expires at expiresAt; an existing one has its expiry moved to expiresAt
// when that is later.
func (db *DB) IncrCounter(ctx context.Context, key string, expiresAt time.Time) (Counter, error) {
	return db.AddCounter(ctx, key, 1, expiresAt)
}

// AddCounter adds delta (which may be negative) to key, as IncrCounter.
func (db *DB) AddCounter(ctx context.Context, key string, delta int64, expiresAt time.Time) (Counter, error) {
	var d counterDoc
	err := db.serialize(func() error {
		return db.collection(collCounters).FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: key}},
			bson.D{
				{Key: "$inc", Value: bson.D{{Key: "count", Value: delta}}},
				{Key: "$max", Value: bson.D{{Key: "expiresAt", Value: expiresAt}}},
			},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
		).Decode(&d)
	})
	if err != nil {
		return Counter{}, mapErr(err)
	}
	return Counter{Count: d.Count, Lockouts: d.Lockouts, LockedUntil: d.LockedUntil.UTC()}, nil
}

// Counters returns the state of each key; a missing or expired key reads
// as zero.
func (db *DB) Counters(ctx context.Context, now time.Time, keys ...string) (map[string]Counter, error) {
	cur, err := db.collection(collCounters).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}})
	if err != nil {
		return nil, mapErr(err)
	}
	var docs []counterDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err)
	}
	out := make(map[string]Counter, len(keys))
	for _, d := range docs {
		if d.ExpiresAt.After(now) {
			out[d.ID] = Counter{Count: d.Count, Lockouts: d.Lockouts, LockedUntil: d.LockedUntil.UTC()}
		}
	}
	return out, nil
}

// LockCounter locks key until until, sets its count back to zero and counts
// the lockout. It only acts while the count is still at least atLeast, so
// that of two concurrent failures that both reached the threshold only one
// locks.
func (db *DB) LockCounter(ctx context.Context, key string, atLeast int64, until, expiresAt time.Time) (bool, error) {
	var modified int64
	err := db.serialize(func() error {
		res, err := db.collection(collCounters).UpdateOne(ctx,
			bson.D{{Key: "_id", Value: key}, {Key: "count", Value: bson.D{{Key: "$gte", Value: atLeast}}}},
			bson.D{
				{Key: "$set", Value: bson.D{{Key: "count", Value: int64(0)}, {Key: "lockedUntil", Value: until}}},
				{Key: "$inc", Value: bson.D{{Key: "lockouts", Value: int64(1)}}},
				{Key: "$max", Value: bson.D{{Key: "expiresAt", Value: expiresAt}}},
			})
		if err == nil {
			modified = res.ModifiedCount
		}
		return err
	})
	if err != nil {
		return false, mapErr(err)
	}
	return modified == 1, nil
}

// DeleteCounter forgets key.
func (db *DB) DeleteCounter(ctx context.Context, key string) error {
	_, err := db.collection(collCounters).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	return mapErr(err)
}
