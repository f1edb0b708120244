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

const collSessions = "sessions"

type sessionDoc struct {
	ID            string    `bson:"_id"`
	Kind          string    `bson:"kind"`
	Name          string    `bson:"name,omitempty"`
	UserID        string    `bson:"userId"`
	AuthMethod    string    `bson:"authMethod"`
	CreatedAt     time.Time `bson:"createdAt"`
	LastSeenAt    time.Time `bson:"lastSeenAt"`
	IdleExpiresAt time.Time `bson:"idleExpiresAt"`
	ExpiresAt     time.Time `bson:"expiresAt"`
	IP            string    `bson:"ip"`
	UserAgent     string    `bson:"userAgent"`
}

func (d *sessionDoc) session() *cad.Session {
	return &cad.Session{
		ID: d.ID, Kind: cad.SessionKind(d.Kind), Name: d.Name, UserID: d.UserID, AuthMethod: d.AuthMethod,
		CreatedAt: d.CreatedAt.UTC(), LastSeenAt: d.LastSeenAt.UTC(), IdleExpiresAt: d.IdleExpiresAt.UTC(),
		ExpiresAt: d.ExpiresAt.UTC(), IP: d.IP, UserAgent: d.UserAgent,
	}
}

var errSessionNotFound = cad.Errorf(cad.ENOTFOUND, "Session not found")

// CreateSession stores a session. When the user then holds more than
// cad.MaxSessionsPerUser live sessions, the oldest are deleted.
func (db *DB) CreateSession(ctx context.Context, s *cad.Session) error {
	doc := sessionDoc{
		ID: s.ID, Kind: string(s.Kind), Name: s.Name, UserID: s.UserID, AuthMethod: s.AuthMethod,
		CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, IdleExpiresAt: s.IdleExpiresAt, ExpiresAt: s.ExpiresAt,
		IP: s.IP, UserAgent: s.UserAgent,
	}
	if _, err := db.collection(collSessions).InsertOne(ctx, doc); err != nil {
		return mapErr(err)
	}
	return db.trimSessions(ctx, s.UserID, s.CreatedAt)
}

func (db *DB) trimSessions(ctx context.Context, userID string, now time.Time) error {
	cur, err := db.collection(collSessions).Find(ctx, bson.D{{Key: "userId", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}).SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "expiresAt", Value: 1}, {Key: "idleExpiresAt", Value: 1}}))
	if err != nil {
		return mapErr(err)
	}
	var docs []sessionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return mapErr(err)
	}
	var drop []string
	live := 0
	for _, d := range docs {
		if !d.session().Live(now) {
			drop = append(drop, d.ID)
			continue
		}
		live++
		if live > cad.MaxSessionsPerUser {
			drop = append(drop, d.ID)
		}
	}
	if len(drop) == 0 {
		return nil
	}
	_, err = db.collection(collSessions).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: drop}}}})
	return mapErr(err)
}

// Session returns a live session by id. An expired session is deleted and
// reported as not_found: expiry is checked on every read, whatever the TTL
// index of the server does (R84).
func (db *DB) Session(ctx context.Context, id string, now time.Time) (*cad.Session, error) {
	var d sessionDoc
	err := db.collection(collSessions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, errSessionNotFound
	}
	if err != nil {
		return nil, mapErr(err)
	}
	s := d.session()
	if !s.Live(now) {
		_, _ = db.collection(collSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		return nil, errSessionNotFound
	}
	return s, nil
}

// TouchSession records use of a session: last seen, and the idle expiry
// moved to idleExpires (never past the absolute expiry).
func (db *DB) TouchSession(ctx context.Context, id string, now, idleExpires time.Time) error {
	_, err := db.collection(collSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lastSeenAt", Value: now}, {Key: "idleExpiresAt", Value: idleExpires}}}})
	return mapErr(err)
}

// SessionsOfUser lists a user's live sessions, newest first.
func (db *DB) SessionsOfUser(ctx context.Context, userID string, now time.Time) ([]*cad.Session, error) {
	all, err := findAll(ctx, db.collection(collSessions), bson.D{{Key: "userId", Value: userID}}, (*sessionDoc).session,
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}))
	if err != nil {
		return nil, err
	}
	out := make([]*cad.Session, 0, len(all))
	for _, s := range all {
		if s.Live(now) {
			out = append(out, s)
		}
	}
	return out, nil
}

// DeleteSession ends one session of a user. Another user's session is
// not_found, exactly like a missing one.
func (db *DB) DeleteSession(ctx context.Context, userID, id string) error {
	res, err := db.collection(collSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "userId", Value: userID}})
	if err != nil {
		return mapErr(err)
	}
	if res.DeletedCount == 0 {
		return errSessionNotFound
	}
	return nil
}

// DeleteSessionsOfUser ends every session of a user except keep (which may
// be empty) and returns how many ended.
func (db *DB) DeleteSessionsOfUser(ctx context.Context, userID, keep string) (int64, error) {
	filter := bson.D{{Key: "userId", Value: userID}}
	if keep != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$ne", Value: keep}}})
	}
	res, err := db.collection(collSessions).DeleteMany(ctx, filter)
	if err != nil {
		return 0, mapErr(err)
	}
	return res.DeletedCount, nil
}

// DeleteAllSessions ends every session of every user (the JWT secret reset).
func (db *DB) DeleteAllSessions(ctx context.Context) (int64, error) {
	res, err := db.collection(collSessions).DeleteMany(ctx, bson.D{})
	if err != nil {
		return 0, mapErr(err)
	}
	return res.DeletedCount, nil
}

// DeleteExpired removes expired sessions, reset tokens and counters. The
// janitor calls it; correctness never depends on it, since every read
// checks expiry itself.
func (db *DB) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, del := range []struct {
		coll   string
		filter bson.D
	}{
		{collSessions, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now}}}},
			bson.D{{Key: "idleExpiresAt", Value: bson.D{{Key: "$lte", Value: now}}}},
		}}}},
		{collResetTokens, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now}}}}},
		{collCounters, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now}}}}},
		{collOAuthStates, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now}}}}},
		{collPending, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now}}}}},
	} {
		res, err := db.collection(del.coll).DeleteMany(ctx, del.filter)
		if err != nil {
			return total, mapErr(err)
		}
		total += res.DeletedCount
	}
	return total, nil
}

// DeleteSessionByID ends a session whoever it belongs to; for the session
// a browser's own cookie names, replaced at login (R30).
func (db *DB) DeleteSessionByID(ctx context.Context, id string) error {
	_, err := db.collection(collSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mapErr(err)
}
