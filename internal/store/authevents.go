package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/precinct-cad/precinct/internal/cad"
)

const collAuthEvents = "auth_events"

type authEventDoc struct {
	ID        bson.ObjectID `bson:"_id"`
	Type      string        `bson:"type"`
	Outcome   string        `bson:"outcome"`
	UserID    string        `bson:"userId,omitempty"`
	Username  string        `bson:"username,omitempty"`
	SessionID string        `bson:"sessionId,omitempty"`
	IP        string        `bson:"ip,omitempty"`
	UserAgent string        `bson:"userAgent,omitempty"`
	RequestID string        `bson:"requestId,omitempty"`
	Detail    string        `bson:"detail,omitempty"`
	Time      time.Time     `bson:"time"`
}

// AddAuthEvent stores one authentication event.
func (db *DB) AddAuthEvent(ctx context.Context, e *cad.AuthEvent) error {
	d := authEventDoc{
		ID: bson.NewObjectID(), Type: e.Type, Outcome: e.Outcome, UserID: e.UserID, Username: e.Username,
		SessionID: e.SessionID, IP: e.IP, UserAgent: e.UserAgent, RequestID: e.RequestID, Detail: e.Detail, Time: e.Time,
	}
	if _, err := db.collection(collAuthEvents).InsertOne(ctx, d); err != nil {
		return mapErr(err)
	}
	e.ID = d.ID.Hex()
	return nil
}

// AuthEvents lists events matching f, newest first.
func (db *DB) AuthEvents(ctx context.Context, f cad.AuthEventFilter) ([]*cad.AuthEvent, error) {
	filter := bson.D{}
	if f.UserID != "" {
		filter = append(filter, bson.E{Key: "userId", Value: f.UserID})
	}
	if f.Type != "" {
		filter = append(filter, bson.E{Key: "type", Value: f.Type})
	}
	tr := bson.D{}
	if !f.Since.IsZero() {
		tr = append(tr, bson.E{Key: "$gte", Value: f.Since})
	}
	if !f.Until.IsZero() {
		tr = append(tr, bson.E{Key: "$lt", Value: f.Until})
	}
	if len(tr) > 0 {
		filter = append(filter, bson.E{Key: "time", Value: tr})
	}
	cur, err := db.collection(collAuthEvents).Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: -1}}).
		SetSkip(int64(f.Offset)).SetLimit(int64(f.Limit)))
	if err != nil {
		return nil, mapErr(err)
	}
	var docs []authEventDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err)
	}
	out := make([]*cad.AuthEvent, len(docs))
	for i, d := range docs {
		out[i] = &cad.AuthEvent{
			ID: d.ID.Hex(), Type: d.Type, Outcome: d.Outcome, UserID: d.UserID, Username: d.Username,
			SessionID: d.SessionID, IP: d.IP, UserAgent: d.UserAgent, RequestID: d.RequestID, Detail: d.Detail, Time: d.Time.UTC(),
		}
	}
	return out, nil
}
