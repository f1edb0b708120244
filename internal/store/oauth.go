package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Discord sign-in keeps two short-lived records, both by the SHA-256 of a
// random secret that only the browser's cookie holds.
const (
	collOAuthStates = "oauth_states"
	collPending     = "pending_registrations"
)

type oauthStateDoc struct {
	ID        string    `bson:"_id"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// CreateOAuthState records a sign-in attempt's state until expires.
func (db *DB) CreateOAuthState(ctx context.Context, hash string, expires time.Time) error {
	_, err := db.collection(collOAuthStates).InsertOne(ctx, oauthStateDoc{ID: hash, ExpiresAt: expires})
	return mapErr(err)
}

// ConsumeOAuthState spends a live state. It reports false for an unknown,
// expired or already spent state: of concurrent callbacks with one state,
// exactly one gets true (a counted delete, R86).
func (db *DB) ConsumeOAuthState(ctx context.Context, hash string, now time.Time) (bool, error) {
	res, err := db.collection(collOAuthStates).DeleteOne(ctx, bson.D{
		{Key: "_id", Value: hash}, {Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now}}},
	})
	if err != nil {
		return false, mapErr(err)
	}
	return res.DeletedCount == 1, nil
}

// PendingRegistration is a Discord identity that Discord verified and that
// has no account yet, waiting for complete-registration.
type PendingRegistration struct {
	ID              string    `bson:"_id"`
	DiscordID       string    `bson:"discordId"`
	DiscordUsername string    `bson:"discordUsername"`
	Avatar          string    `bson:"avatar,omitempty"`
	GuildIDs        []string  `bson:"guildIds,omitempty"`
	ExpiresAt       time.Time `bson:"expiresAt"`
}

// CreatePending stores a pending registration.
func (db *DB) CreatePending(ctx context.Context, p PendingRegistration) error {
	_, err := db.collection(collPending).InsertOne(ctx, p)
	return mapErr(err)
}

// Pending returns a live pending registration, or not_found.
func (db *DB) Pending(ctx context.Context, hash string, now time.Time) (*PendingRegistration, error) {
	var p PendingRegistration
	err := db.collection(collPending).FindOne(ctx, bson.D{
		{Key: "_id", Value: hash}, {Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now}}},
	}).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, cad.Errorf(cad.ENOTFOUND, "Registration not found")
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return &p, nil
}

// DeletePending spends a pending registration; false when it was already
// gone.
func (db *DB) DeletePending(ctx context.Context, hash string) (bool, error) {
	res, err := db.collection(collPending).DeleteOne(ctx, bson.D{{Key: "_id", Value: hash}})
	if err != nil {
		return false, mapErr(err)
	}
	return res.DeletedCount == 1, nil
}
