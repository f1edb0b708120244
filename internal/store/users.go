package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/precinct-cad/precinct/internal/cad"
)

const collUsers = "users"

type userDoc struct {
	ID                  bson.ObjectID `bson:"_id"`
	Username            string        `bson:"username"`
	UsernameKey         string        `bson:"usernameKey"`
	PasswordHash        string        `bson:"passwordHash"`
	DiscordID           string        `bson:"discordId,omitempty"`
	DiscordUsername     string        `bson:"discordUsername,omitempty"`
	Avatar              string        `bson:"avatar,omitempty"`
	SuperAdmin          bool          `bson:"superAdmin"`
	Disabled            bool          `bson:"disabled"`
	GuildIDs            []string      `bson:"guildIds,omitempty"`
	SecurityQuestion1   string        `bson:"securityQuestion1,omitempty"`
	SecurityAnswer1Hash string        `bson:"securityAnswer1Hash,omitempty"`
	SecurityQuestion2   string        `bson:"securityQuestion2,omitempty"`
	SecurityAnswer2Hash string        `bson:"securityAnswer2Hash,omitempty"`
	CreatedAt           time.Time     `bson:"createdAt"`
	UpdatedAt           time.Time     `bson:"updatedAt"`
	PasswordChangedAt   time.Time     `bson:"passwordChangedAt"`
}

func (d *userDoc) user() *cad.User {
	return &cad.User{
		ID: d.ID.Hex(), Username: d.Username, UsernameKey: d.UsernameKey, PasswordHash: d.PasswordHash,
		DiscordID: d.DiscordID, DiscordUsername: d.DiscordUsername, Avatar: d.Avatar,
		SuperAdmin: d.SuperAdmin, Disabled: d.Disabled, GuildIDs: d.GuildIDs,
		SecurityQuestion1: d.SecurityQuestion1, SecurityAnswer1Hash: d.SecurityAnswer1Hash,
		SecurityQuestion2: d.SecurityQuestion2, SecurityAnswer2Hash: d.SecurityAnswer2Hash,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), PasswordChangedAt: d.PasswordChangedAt.UTC(),
	}
}

// objectID parses a 24-hex id; anything else matches no document, so a
// malformed id answers like a missing one.
func objectID(id string) (bson.ObjectID, bool) {
	oid, err := bson.ObjectIDFromHex(id)
	return oid, err == nil
}

var errUserNotFound = cad.Errorf(cad.ENOTFOUND, "User not found")

// CreateUser stores a new user and fills in its ID and timestamps. A taken
// username or Discord id is a conflict (the unique indexes decide, so two
// concurrent registrations cannot both win).
func (db *DB) CreateUser(ctx context.Context, u *cad.User) error {
	now := time.Now().UTC()
	doc := userDoc{
		ID: bson.NewObjectID(), Username: u.Username, UsernameKey: cad.NormalizeUsername(u.Username),
		PasswordHash: u.PasswordHash, DiscordID: u.DiscordID, DiscordUsername: u.DiscordUsername, Avatar: u.Avatar,
		SuperAdmin: u.SuperAdmin, Disabled: u.Disabled, GuildIDs: u.GuildIDs,
		SecurityQuestion1: u.SecurityQuestion1, SecurityAnswer1Hash: u.SecurityAnswer1Hash,
		SecurityQuestion2: u.SecurityQuestion2, SecurityAnswer2Hash: u.SecurityAnswer2Hash,
		CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now,
	}
	if _, err := db.collection(collUsers).InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return cad.Wrap(cad.ECONFLICT, err, "That username or Discord account is already registered")
		}
		return mapErr(err)
	}
	*u = *doc.user()
	return nil
}

func (db *DB) findUser(ctx context.Context, filter bson.D) (*cad.User, error) {
	return findOne(ctx, db.collection(collUsers), filter, errUserNotFound, (*userDoc).user)
}

// UserByID returns a user, or not_found.
func (db *DB) UserByID(ctx context.Context, id string) (*cad.User, error) {
	oid, ok := objectID(id)
	if !ok {
		return nil, errUserNotFound
	}
	return db.findUser(ctx, bson.D{{Key: "_id", Value: oid}})
}

// UserByUsername returns the user with this username in any letter case, or
// not_found.
func (db *DB) UserByUsername(ctx context.Context, username string) (*cad.User, error) {
	return db.findUser(ctx, bson.D{{Key: "usernameKey", Value: cad.NormalizeUsername(username)}})
}

// UserByDiscordID returns the user linked to a Discord account, or not_found.
func (db *DB) UserByDiscordID(ctx context.Context, discordID string) (*cad.User, error) {
	if discordID == "" {
		return nil, errUserNotFound
	}
	return db.findUser(ctx, bson.D{{Key: "discordId", Value: discordID}})
}

// UserUpdate lists the fields a change may set; nil means unchanged.
type UserUpdate struct {
	PasswordHash        *string
	SecurityQuestion1   *string
	SecurityAnswer1Hash *string
	SecurityQuestion2   *string
	SecurityAnswer2Hash *string
	Disabled            *bool
	SuperAdmin          *bool
	DiscordUsername     *string
	Avatar              *string
	GuildIDs            *[]string
}

// UpdateUser applies the change to one user and returns the new state.
func (db *DB) UpdateUser(ctx context.Context, id string, up UserUpdate) (*cad.User, error) {
	oid, ok := objectID(id)
	if !ok {
		return nil, errUserNotFound
	}
	now := time.Now().UTC()
	set := bson.D{{Key: "updatedAt", Value: now}}
	add := func(k string, v any) { set = append(set, bson.E{Key: k, Value: v}) }
	if up.PasswordHash != nil {
		add("passwordHash", *up.PasswordHash)
		add("passwordChangedAt", now)
	}
	if up.SecurityQuestion1 != nil {
		add("securityQuestion1", *up.SecurityQuestion1)
	}
	if up.SecurityAnswer1Hash != nil {
		add("securityAnswer1Hash", *up.SecurityAnswer1Hash)
	}
	if up.SecurityQuestion2 != nil {
		add("securityQuestion2", *up.SecurityQuestion2)
	}
	if up.SecurityAnswer2Hash != nil {
		add("securityAnswer2Hash", *up.SecurityAnswer2Hash)
	}
	if up.Disabled != nil {
		add("disabled", *up.Disabled)
	}
	if up.SuperAdmin != nil {
		add("superAdmin", *up.SuperAdmin)
	}
	if up.DiscordUsername != nil {
		add("discordUsername", *up.DiscordUsername)
	}
	if up.Avatar != nil {
		add("avatar", *up.Avatar)
	}
	if up.GuildIDs != nil {
		add("guildIds", *up.GuildIDs)
	}
	var d userDoc
	err := db.collection(collUsers).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: oid}}, bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, errUserNotFound
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return d.user(), nil
}
