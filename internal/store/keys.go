package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Server keys (JWT signing secrets, cookie keys) generated on first start
// and kept in the database, so restarts and other instances use the same
// ones. They are server secrets, not user secrets: they must be readable to
// sign, so they cannot be stored hashed; the database is the trust boundary.
const collKeys = "keys"

// Key is one server key.
type Key struct {
	ID        string    `bson:"_id"`     // the kid
	Purpose   string    `bson:"purpose"` // "jwt" or "cookie"
	Secret    []byte    `bson:"secret"`
	CreatedAt time.Time `bson:"createdAt"`
}

// Keys returns the keys of a purpose, newest first.
func (db *DB) Keys(ctx context.Context, purpose string) ([]Key, error) {
	cur, err := db.collection(collKeys).Find(ctx, bson.D{{Key: "purpose", Value: purpose}},
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, mapErr(err)
	}
	var keys []Key
	if err := cur.All(ctx, &keys); err != nil {
		return nil, mapErr(err)
	}
	return keys, nil
}

// AddKey stores a new key.
func (db *DB) AddKey(ctx context.Context, k Key) error {
	_, err := db.collection(collKeys).InsertOne(ctx, k)
	return mapErr(err)
}

// DeleteKeysBefore removes keys of a purpose created before t (retired keys
// whose tokens have all expired).
func (db *DB) DeleteKeysBefore(ctx context.Context, purpose string, t time.Time) error {
	_, err := db.collection(collKeys).DeleteMany(ctx, bson.D{{Key: "purpose", Value: purpose}, {Key: "createdAt", Value: bson.D{{Key: "$lt", Value: t}}}})
	return mapErr(err)
}
