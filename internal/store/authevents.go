package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

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
	filter = withTimeRange(filter, "time", f.Since, f.Until)
	return findAll(ctx, db.collection(collAuthEvents), filter, func(d *authEventDoc) *cad.AuthEvent {
		return &cad.AuthEvent{
			ID: d.ID.Hex(), Type: d.Type, Outcome: d.Outcome, UserID: d.UserID, Username: d.Username,
			SessionID: d.SessionID, IP: d.IP, UserAgent: d.UserAgent, RequestID: d.RequestID, Detail: d.Detail, Time: d.Time.UTC(),
		}
	}, newestFirst("time", f.Offset, f.Limit))
}
