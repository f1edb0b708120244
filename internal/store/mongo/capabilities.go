package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Capabilities records what the connected server supports, so that later
// features can choose a path that works on both MongoDB and the embedded
// FerretDB instead of failing at run time.
type Capabilities struct {
	// Engine is "mongodb" or "ferretdb".
	Engine string `json:"engine"`
	// Version is the MongoDB version the server reports (FerretDB reports
	// the MongoDB version it emulates).
	Version string `json:"version"`
	// Transactions: multi-document transactions (a replica set or a sharded
	// cluster of MongoDB).
	Transactions bool `json:"transactions"`
	// TTLIndexes: the server deletes expired documents by itself.
	TTLIndexes bool `json:"ttlIndexes"`
	// ChangeStreams: collections can be watched (replica set or sharded).
	ChangeStreams bool `json:"changeStreams"`
	// AtomicUpdates: a single update ($inc, findAndModify) is applied
	// atomically, as MongoDB does. FerretDB 1.x reads and then writes, so
	// concurrent updates of one document can be lost.
	AtomicUpdates bool `json:"atomicUpdates"`
}

// probe asks the server who it is. FerretDB answers buildInfo with a
// ferretdbVersion field and supports none of the three features; MongoDB
// always has TTL indexes, and transactions and change streams only on a
// replica set or through mongos.
func probe(ctx context.Context, client *mongo.Client) (Capabilities, error) {
	admin := client.Database("admin")
	var info struct {
		Version         string `bson:"version"`
		FerretDBVersion string `bson:"ferretdbVersion"`
	}
	if err := admin.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return Capabilities{}, fmt.Errorf("buildInfo: %w", err)
	}
	if info.FerretDBVersion != "" {
		return Capabilities{Engine: "ferretdb", Version: info.Version}, nil
	}
	var hello struct {
		SetName string `bson:"setName"`
		Msg     string `bson:"msg"`
	}
	if err := admin.RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		return Capabilities{}, fmt.Errorf("hello: %w", err)
	}
	clustered := hello.SetName != "" || hello.Msg == "isdbgrid"
	return Capabilities{
		Engine:        "mongodb",
		Version:       info.Version,
		Transactions:  clustered,
		TTLIndexes:    true,
		ChangeStreams: clustered,
		AtomicUpdates: true,
	}, nil
}
