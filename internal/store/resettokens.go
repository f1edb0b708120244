package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/precinct-cad/precinct/internal/cad"
)

const collResetTokens = "reset_tokens"

type resetTokenDoc struct {
	ID        string    `bson:"_id"` // hex SHA-256 of the token
	UserID    string    `bson:"userId"`
	Purpose   string    `bson:"purpose"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// CreateResetToken stores a reset token's hash for a user, and deletes the
// user's older tokens: issuing one invalidates the rest (R25).
func (db *DB) CreateResetToken(ctx context.Context, hash, userID string, now, expires time.Time) error {
	if _, err := db.collection(collResetTokens).DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}}); err != nil {
		return mapErr(err)
	}
	_, err := db.collection(collResetTokens).InsertOne(ctx, resetTokenDoc{
		ID: hash, UserID: userID, Purpose: "password_reset", CreatedAt: now, ExpiresAt: expires,
	})
	return mapErr(err)
}

// ConsumeResetToken spends a live token and returns its user. Of many
// concurrent uses exactly one gets the user (R86): the spend is a delete by
// _id whose count says who deleted it. (findAndModify would read more
// naturally, but on the embedded FerretDB it is a find followed by a
// delete, and two callers can both "find and delete" one document; a
// single-statement delete reports the truth on both databases.)
func (db *DB) ConsumeResetToken(ctx context.Context, hash string, now time.Time) (string, error) {
	userID, err := db.ResetTokenUser(ctx, hash, now)
	if err != nil {
		return "", err
	}
	res, err := db.collection(collResetTokens).DeleteOne(ctx, bson.D{{Key: "_id", Value: hash}})
	if err != nil {
		return "", mapErr(err)
	}
	if res.DeletedCount != 1 {
		return "", cad.Errorf(cad.ENOTFOUND, "Reset token not found")
	}
	return userID, nil
}

// DeleteResetTokensOfUser invalidates a user's reset tokens, as any
// password change must (R25).
func (db *DB) DeleteResetTokensOfUser(ctx context.Context, userID string) error {
	_, err := db.collection(collResetTokens).DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}})
	return mapErr(err)
}

// ResetTokenUser returns the user of a live token without spending it.
func (db *DB) ResetTokenUser(ctx context.Context, hash string, now time.Time) (string, error) {
	var d resetTokenDoc
	err := db.collection(collResetTokens).FindOne(ctx, bson.D{
		{Key: "_id", Value: hash},
		{Key: "purpose", Value: "password_reset"},
		{Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now}}},
	}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", cad.Errorf(cad.ENOTFOUND, "Reset token not found")
	}
	if err != nil {
		return "", mapErr(err)
	}
	return d.UserID, nil
}
