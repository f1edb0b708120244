package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/precinct-cad/precinct/internal/cad"
)

// API keys are stored under the SHA-256 of the key as _id (R68), so the
// look-up on every game-server request is an _id look-up; the public id
// names a key in the admin routes.
const collAPIKeys = "api_keys"

type apiKeyDoc struct {
	Hash        string        `bson:"_id"`
	ID          bson.ObjectID `bson:"keyId"`
	CommunityID string        `bson:"communityId"`
	Name        string        `bson:"name"`
	Prefix      string        `bson:"prefix"`
	Scopes      []string      `bson:"scopes"`
	CreatedAt   time.Time     `bson:"createdAt"`
	CreatedBy   string        `bson:"createdBy"`
	LastUsedAt  *time.Time    `bson:"lastUsedAt,omitempty"`
}

func (d *apiKeyDoc) key() *cad.APIKey {
	return &cad.APIKey{ID: d.ID.Hex(), Hash: d.Hash, CommunityID: d.CommunityID, Name: d.Name, Prefix: d.Prefix,
		Scopes: d.Scopes, CreatedAt: d.CreatedAt.UTC(), CreatedBy: d.CreatedBy, LastUsedAt: d.LastUsedAt}
}

var errKeyNotFound = cad.Errorf(cad.ENOTFOUND, "API key not found")

// CreateAPIKey stores a key (by its hash) and fills in its public id.
func (db *DB) CreateAPIKey(ctx context.Context, k *cad.APIKey) error {
	d := apiKeyDoc{Hash: k.Hash, ID: bson.NewObjectID(), CommunityID: k.CommunityID, Name: k.Name, Prefix: k.Prefix,
		Scopes: k.Scopes, CreatedAt: time.Now().UTC(), CreatedBy: k.CreatedBy}
	if _, err := db.collection(collAPIKeys).InsertOne(ctx, d); err != nil {
		return mapErr(err)
	}
	*k = *d.key()
	return nil
}

// APIKeyByHash returns the key stored under hash, or not_found.
func (db *DB) APIKeyByHash(ctx context.Context, hash string) (*cad.APIKey, error) {
	return findOne(ctx, db.collection(collAPIKeys), bson.D{{Key: "_id", Value: hash}}, errKeyNotFound, (*apiKeyDoc).key)
}

// APIKeys lists a community's keys, newest first.
func (db *DB) APIKeys(ctx context.Context, communityID string) ([]*cad.APIKey, error) {
	return findAll(ctx, db.collection(collAPIKeys), bson.D{{Key: "communityId", Value: communityID}},
		(*apiKeyDoc).key, options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}))
}

// APIKey returns one key of a community by its public id.
func (db *DB) APIKey(ctx context.Context, communityID, id string) (*cad.APIKey, error) {
	oid, ok := objectID(id)
	if !ok {
		return nil, errKeyNotFound
	}
	return findOne(ctx, db.collection(collAPIKeys), bson.D{{Key: "keyId", Value: oid}, {Key: "communityId", Value: communityID}},
		errKeyNotFound, (*apiKeyDoc).key)
}

// DeleteAPIKey revokes a key of a community: it is gone, so the next request
// with it finds nothing.
func (db *DB) DeleteAPIKey(ctx context.Context, communityID, hash string) error {
	res, err := db.collection(collAPIKeys).DeleteOne(ctx, bson.D{{Key: "_id", Value: hash}, {Key: "communityId", Value: communityID}})
	if err != nil {
		return mapErr(err)
	}
	if res.DeletedCount == 0 {
		return errKeyNotFound
	}
	return nil
}

// TouchAPIKey records when a key was last used.
func (db *DB) TouchAPIKey(ctx context.Context, hash string, at time.Time) error {
	_, err := db.collection(collAPIKeys).UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}}, bson.D{{Key: "$set", Value: bson.D{{Key: "lastUsedAt", Value: at}}}})
	return mapErr(err)
}
