package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Index declares one index. Every index Precinct uses is listed in Indexes,
// and nowhere else.
type Index struct {
	Collection string
	Name       string // stable, so that re-running EnsureIndexes is a no-op
	Keys       bson.D
	Unique     bool
	Sparse     bool
	// Tenant marks an index of tenant data; its first key must be
	// communityId (architecture rule 1), which a test checks.
	Tenant bool
	// ExpireAfter makes a TTL index where the server supports one. Where it
	// does not (the embedded database), the index is created without it:
	// expiry is always checked on read and a janitor deletes what is
	// expired, so the TTL index is only a second line.
	ExpireAfter time.Duration
}

// Indexes returns every index of Precinct's collections. Later features add
// theirs here.
func Indexes() []Index {
	k := func(pairs ...any) bson.D {
		d := bson.D{}
		for i := 0; i < len(pairs); i += 2 {
			d = append(d, bson.E{Key: pairs[i].(string), Value: pairs[i+1]})
		}
		return d
	}
	return []Index{
		// Users: one account per username in any letter case, and per
		// Discord account (R85).
		{Collection: collUsers, Name: "users_username_key", Keys: k("usernameKey", 1), Unique: true},
		{Collection: collUsers, Name: "users_discord_id", Keys: k("discordId", 1), Unique: true, Sparse: true},
		// Sessions are read by _id; these serve the per-user listing and
		// the expiry sweep.
		{Collection: collSessions, Name: "sessions_user", Keys: k("userId", 1, "createdAt", -1)},
		{Collection: collSessions, Name: "sessions_expires", Keys: k("expiresAt", 1), ExpireAfter: time.Second},
		{Collection: collResetTokens, Name: "reset_tokens_user", Keys: k("userId", 1)},
		{Collection: collResetTokens, Name: "reset_tokens_expires", Keys: k("expiresAt", 1), ExpireAfter: time.Second},
		{Collection: collCounters, Name: "counters_expires", Keys: k("expiresAt", 1), ExpireAfter: time.Second},
		{Collection: collAuthEvents, Name: "auth_events_time", Keys: k("time", -1)},
		{Collection: collAuthEvents, Name: "auth_events_user_time", Keys: k("userId", 1, "time", -1)},
		{Collection: collOAuthStates, Name: "oauth_states_expires", Keys: k("expiresAt", 1), ExpireAfter: time.Second},
		{Collection: collPending, Name: "pending_registrations_expires", Keys: k("expiresAt", 1), ExpireAfter: time.Second},
		// Tenancy. Every tenant index starts with communityId (rule 1).
		{Collection: collCommunities, Name: "communities_guild", Keys: k("guildId", 1), Unique: true},
		{Collection: collMembers, Name: "members_community_username", Keys: k("communityId", 1, "usernameKey", 1), Tenant: true},
		{Collection: collMembers, Name: "members_user", Keys: k("userId", 1)},
		{Collection: collDepartments, Name: "departments_community_code", Keys: k("communityId", 1, "code", 1), Unique: true, Tenant: true},
		{Collection: collAPIKeys, Name: "api_keys_community", Keys: k("communityId", 1, "keyId", 1), Unique: true, Tenant: true},
		{Collection: collAudit, Name: "community_audit_time", Keys: k("communityId", 1, "time", -1), Tenant: true},
		{Collection: collKeys, Name: "keys_purpose", Keys: k("purpose", 1, "createdAt", -1)},
	}
}

// EnsureIndexes creates every index of Indexes that does not exist yet. It is
// idempotent: an index that exists with the same definition is left alone.
func (db *DB) EnsureIndexes(ctx context.Context) error {
	return db.ensureIndexes(ctx, Indexes())
}

func (db *DB) ensureIndexes(ctx context.Context, indexes []Index) error {
	existing := map[string]map[string]bson.Raw{} // collection -> name -> key document
	for _, ix := range indexes {
		have, ok := existing[ix.Collection]
		if !ok {
			var err error
			if have, err = db.listIndexes(ctx, ix.Collection); err != nil {
				return fmt.Errorf("listing indexes of %s: %w", ix.Collection, err)
			}
			existing[ix.Collection] = have
		}
		if keys, ok := have[ix.Name]; ok {
			// Created by an earlier start. Creating it again would be a
			// no-op on MongoDB, but FerretDB fails on some repeats, so
			// only a changed definition is acted on: reported, never
			// dropped behind the operator's back.
			want, err := bson.Marshal(ix.Keys)
			if err != nil {
				return err
			}
			if !bytes.Equal(want, keys) {
				return fmt.Errorf("index %s on %s exists with other keys (%s): drop it to have it re-created", ix.Name, ix.Collection, keys)
			}
			continue
		}
		o := options.Index().SetName(ix.Name)
		if ix.Unique {
			o.SetUnique(true)
		}
		if ix.Sparse {
			o.SetSparse(true)
		}
		if ix.ExpireAfter > 0 && db.caps.TTLIndexes {
			o.SetExpireAfterSeconds(int32(ix.ExpireAfter / time.Second))
		}
		if _, err := db.collection(ix.Collection).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.Keys, Options: o}); err != nil {
			return fmt.Errorf("creating index %s on %s: %w", ix.Name, ix.Collection, mapErr(err))
		}
	}
	return nil
}

func (db *DB) listIndexes(ctx context.Context, coll string) (map[string]bson.Raw, error) {
	cur, err := db.collection(coll).Indexes().List(ctx)
	if err != nil {
		var ce mongo.CommandError
		if errors.As(err, &ce) && ce.Code == 26 { // NamespaceNotFound: no collection yet
			return map[string]bson.Raw{}, nil
		}
		return nil, mapErr(err)
	}
	var specs []struct {
		Name string   `bson:"name"`
		Key  bson.Raw `bson:"key"`
	}
	if err := cur.All(ctx, &specs); err != nil {
		return nil, mapErr(err)
	}
	out := make(map[string]bson.Raw, len(specs))
	for _, s := range specs {
		out[s.Name] = s.Key
	}
	return out, nil
}
