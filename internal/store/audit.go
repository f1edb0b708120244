package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/precinct-cad/precinct/internal/cad"
)

const collAudit = "community_audit"

type auditDoc struct {
	ID          bson.ObjectID `bson:"_id"`
	CommunityID string        `bson:"communityId"`
	Action      string        `bson:"action"`
	ActorID     string        `bson:"actorId,omitempty"`
	ActorKind   string        `bson:"actorKind"`
	IP          string        `bson:"ip,omitempty"`
	RequestID   string        `bson:"requestId,omitempty"`
	Target      string        `bson:"target,omitempty"`
	Before      any           `bson:"before,omitempty"`
	After       any           `bson:"after,omitempty"`
	Time        time.Time     `bson:"time"`
}

// AddAudit stores one entry of a community's audit log.
func (db *DB) AddAudit(ctx context.Context, e *cad.AuditEntry) error {
	d := auditDoc{ID: bson.NewObjectID(), CommunityID: e.CommunityID, Action: e.Action, ActorID: e.ActorID, ActorKind: e.ActorKind,
		IP: e.IP, RequestID: e.RequestID, Target: e.Target, Before: e.Before, After: e.After, Time: e.Time}
	if _, err := db.collection(collAudit).InsertOne(ctx, d); err != nil {
		return mapErr(err)
	}
	e.ID = d.ID.Hex()
	return nil
}

// Audit lists a community's audit entries, newest first.
func (db *DB) Audit(ctx context.Context, communityID string, f cad.AuditFilter) ([]*cad.AuditEntry, error) {
	filter := bson.D{{Key: "communityId", Value: communityID}}
	if f.Action != "" {
		filter = append(filter, bson.E{Key: "action", Value: f.Action})
	}
	if f.ActorID != "" {
		filter = append(filter, bson.E{Key: "actorId", Value: f.ActorID})
	}
	filter = withTimeRange(filter, "time", f.Since, f.Until)
	return findAll(ctx, db.collection(collAudit), filter, func(d *auditDoc) *cad.AuditEntry {
		return &cad.AuditEntry{ID: d.ID.Hex(), CommunityID: d.CommunityID, Action: d.Action, ActorID: d.ActorID, ActorKind: d.ActorKind,
			IP: d.IP, RequestID: d.RequestID, Target: d.Target, Before: d.Before, After: d.After, Time: d.Time.UTC()}
	}, newestFirst("time", f.Offset, f.Limit))
}
