package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type auditRec struct {
	ID          string    `json:"_id"`
	CommunityID string    `json:"communityId"`
	Action      string    `json:"action"`
	ActorID     string    `json:"actorId,omitempty"`
	ActorKind   string    `json:"actorKind"`
	IP          string    `json:"ip,omitempty"`
	RequestID   string    `json:"requestId,omitempty"`
	Target      string    `json:"target,omitempty"`
	Before      any       `json:"before,omitempty"`
	After       any       `json:"after,omitempty"`
	Time        time.Time `json:"time"`
}

func (r *auditRec) DocID() string        { return r.ID }
func (r *auditRec) DocCommunity() string { return r.CommunityID }

var auditTable = table[auditRec, *auditRec]{audit}

// AddAudit stores one entry of a community's audit log.
func (s *Store) AddAudit(ctx context.Context, e *cad.AuditEntry) error {
	r := &auditRec{ID: NewID(), CommunityID: e.CommunityID, Action: e.Action, ActorID: e.ActorID, ActorKind: e.ActorKind,
		IP: e.IP, RequestID: e.RequestID, Target: e.Target, Before: plain(e.Before), After: plain(e.After), Time: Millis(e.Time)}
	if err := auditTable.insert(ctx, s.e, r); err != nil {
		return err
	}
	e.ID = r.ID
	return nil
}

// plain turns a before/after state into JSON's own values (maps, slices,
// strings, float64s), so that it is stored, and reads back, alike on both
// engines whatever Go type the caller gave.
func plain(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// Audit lists a community's audit entries, newest first.
func (s *Store) Audit(ctx context.Context, communityID string, f cad.AuditFilter) ([]*cad.AuditEntry, string, error) {
	q := Query{Where: []Cond{Community(communityID)}, Sort: []OrderKey{Order("time", true), Order(FieldID, true)}}
	if f.Action != "" {
		q.Where = append(q.Where, Eq("action", f.Action))
	}
	if f.ActorID != "" {
		q.Where = append(q.Where, Eq("actorId", f.ActorID))
	}
	q.Where = timeRange(q.Where, "time", f.Since, f.Until)
	q, err := page(audit, q, f.After, f.Offset, f.Limit)
	if err != nil {
		return nil, "", err
	}
	list, err := auditTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Limit, func(r *auditRec) []any { return []any{r.Time, r.ID} })
	out := make([]*cad.AuditEntry, len(list))
	for i, r := range list {
		out[i] = &cad.AuditEntry{ID: r.ID, CommunityID: r.CommunityID, Action: r.Action, ActorID: r.ActorID, ActorKind: r.ActorKind,
			IP: r.IP, RequestID: r.RequestID, Target: r.Target, Before: r.Before, After: r.After, Time: r.Time.UTC()}
	}
	return out, next, nil
}
