package store

import "go.mongodb.org/mongo-driver/v2/mongo"

// Test-only access to internals, for the external store_test package (which
// may import storetest without an import cycle).

func (db *DB) Collection(name string) *mongo.Collection { return db.collection(name) }

var (
	MapErr          = mapErr
	EnsureIndexList = (*DB).ensureIndexes
)

const (
	EmbeddedURIFile = embeddedURIFile
	EmbeddedSocket  = embeddedSocket
)
