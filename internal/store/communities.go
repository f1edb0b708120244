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

const collCommunities = "communities"

type communityDoc struct {
	ID        bson.ObjectID         `bson:"_id"`
	Name      string                `bson:"name"`
	GuildID   string                `bson:"guildId"`
	Settings  cad.CommunitySettings `bson:"settings"`
	CreatedAt time.Time             `bson:"createdAt"`
	DeletedAt *time.Time            `bson:"deletedAt,omitempty"`
}

func (d *communityDoc) community() *cad.Community {
	c := &cad.Community{ID: d.ID.Hex(), Name: d.Name, GuildID: d.GuildID, Settings: d.Settings,
		CreatedAt: d.CreatedAt.UTC(), DeletedAt: d.DeletedAt}
	if c.Settings.CADSettings == nil {
		c.Settings.CADSettings = map[string]any{}
	}
	if c.Settings.StatusCodes == nil {
		c.Settings.StatusCodes = []cad.StatusCode{}
	}
	return c
}

var errCommunityNotFound = cad.Errorf(cad.ENOTFOUND, "Community not found")

// CreateCommunity stores a new community; a guild that already has one is a
// conflict.
func (db *DB) CreateCommunity(ctx context.Context, c *cad.Community) error {
	d := communityDoc{ID: bson.NewObjectID(), Name: c.Name, GuildID: c.GuildID, Settings: c.Settings, CreatedAt: time.Now().UTC()}
	if _, err := db.collection(collCommunities).InsertOne(ctx, d); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return cad.Wrap(cad.ECONFLICT, err, "That Discord server already has a community")
		}
		return mapErr(err)
	}
	*c = *d.community()
	return nil
}

// Community finds a community by its 24-hex id or its Discord guild id.
// Deleted communities are found only with includeDeleted.
func (db *DB) Community(ctx context.Context, idOrGuild string, includeDeleted bool) (*cad.Community, error) {
	filter := bson.D{}
	if oid, ok := objectID(idOrGuild); ok {
		filter = append(filter, bson.E{Key: "_id", Value: oid})
	} else if isSnowflake(idOrGuild) {
		filter = append(filter, bson.E{Key: "guildId", Value: idOrGuild})
	} else {
		return nil, errCommunityNotFound
	}
	var d communityDoc
	err := db.collection(collCommunities).FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, errCommunityNotFound
	}
	if err != nil {
		return nil, mapErr(err)
	}
	if d.DeletedAt != nil && !includeDeleted {
		return nil, errCommunityNotFound
	}
	return d.community(), nil
}

// isSnowflake reports whether s looks like a Discord id: 5 to 20 digits.
func isSnowflake(s string) bool {
	if len(s) < 5 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CommunitiesByGuilds returns the live communities of the given guilds.
func (db *DB) CommunitiesByGuilds(ctx context.Context, guildIDs []string) ([]*cad.Community, error) {
	if len(guildIDs) == 0 {
		return nil, nil
	}
	return db.findCommunities(ctx, bson.D{{Key: "guildId", Value: bson.D{{Key: "$in", Value: guildIDs}}}})
}

// CommunitiesByIDs returns the live communities with the given ids.
func (db *DB) CommunitiesByIDs(ctx context.Context, ids []string) ([]*cad.Community, error) {
	var oids []bson.ObjectID
	for _, id := range ids {
		if oid, ok := objectID(id); ok {
			oids = append(oids, oid)
		}
	}
	if len(oids) == 0 {
		return nil, nil
	}
	return db.findCommunities(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: oids}}}})
}

func (db *DB) findCommunities(ctx context.Context, filter bson.D) ([]*cad.Community, error) {
	all, err := findAll(ctx, db.collection(collCommunities), filter, func(d *communityDoc) *communityDoc { return d },
		options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var out []*cad.Community
	for _, d := range all {
		if d.DeletedAt == nil {
			out = append(out, d.community())
		}
	}
	return out, nil
}

// UpdateCommunity replaces a community's name and settings.
func (db *DB) UpdateCommunity(ctx context.Context, id, name string, s cad.CommunitySettings) (*cad.Community, error) {
	return db.setCommunity(ctx, id, bson.D{{Key: "name", Value: name}, {Key: "settings", Value: s}}, false)
}

// MarkCommunityDeleted sets or clears the deletion mark.
func (db *DB) MarkCommunityDeleted(ctx context.Context, id string, at *time.Time) (*cad.Community, error) {
	if at == nil {
		return db.setCommunity(ctx, id, bson.D{{Key: "deletedAt", Value: nil}}, true)
	}
	return db.setCommunity(ctx, id, bson.D{{Key: "deletedAt", Value: *at}}, true)
}

func (db *DB) setCommunity(ctx context.Context, id string, set bson.D, includeDeleted bool) (*cad.Community, error) {
	oid, ok := objectID(id)
	if !ok {
		return nil, errCommunityNotFound
	}
	filter := bson.D{{Key: "_id", Value: oid}}
	if !includeDeleted {
		filter = append(filter, bson.E{Key: "deletedAt", Value: nil})
	}
	var d communityDoc
	err := db.collection(collCommunities).FindOneAndUpdate(ctx, filter, bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, errCommunityNotFound
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return d.community(), nil
}
