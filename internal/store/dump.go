package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// DumpForTest returns every document of a collection as stored, for tests
// that scan what the database holds (that no secret is kept in clear).
func (db *DB) DumpForTest(ctx context.Context, coll string) ([]bson.M, error) {
	cur, err := db.collection(coll).Find(ctx, bson.D{})
	if err != nil {
		return nil, mapErr(err)
	}
	var out []bson.M
	if err := cur.All(ctx, &out); err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}
