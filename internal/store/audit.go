package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
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
	r := &auditRec{ID: cad.NewID(), CommunityID: e.CommunityID, Action: e.Action, ActorID: e.ActorID, ActorKind: e.ActorKind,
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

// auditSort is the order of the audit trail, and of its cursors: newest
// first. Changes and look-ups share it.
var auditSort = []OrderKey{Order("time", true), Order(FieldID, true)}

// Audit lists a community's audit entries, newest first: its changes and
// its look-ups, merged. Each source reads one index range (the look-ups one
// per kind, unless an actor is named), as far as the page needs.
func (s *Store) Audit(ctx context.Context, communityID string, f cad.AuditFilter) ([]*cad.AuditEntry, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	var after []any
	offset := 0
	if f.After != "" {
		vals, err := decodeCursor(audit, auditSort, f.After)
		if err != nil {
			return nil, "", err
		}
		after = vals
	} else {
		if f.Offset < 0 || f.Offset > MaxSkip {
			return nil, "", cad.Errorf(cad.EINVALID, "Pages past %d records are read with the after cursor", MaxSkip)
		}
		offset = f.Offset
	}
	// Each source's first offset+limit+1 entries hold the merged page and
	// tell whether another follows.
	n := offset + limit + 1
	query := func(conds ...Cond) Query {
		q := Query{Where: append([]Cond{Community(communityID)}, conds...), Sort: auditSort, After: after, Limit: n}
		q.Where = timeRange(q.Where, "time", f.Since, f.Until)
		return q
	}
	var conds []Cond
	if f.Action != "" {
		conds = append(conds, Eq("action", f.Action))
	}
	if f.ActorID != "" {
		conds = append(conds, Eq("actorId", f.ActorID))
	}
	changes, err := auditTable.find(ctx, s.e, query(conds...))
	if err != nil {
		return nil, "", err
	}
	out := make([]*cad.AuditEntry, 0, len(changes))
	for _, r := range changes {
		out = append(out, &cad.AuditEntry{ID: r.ID, CommunityID: r.CommunityID, Action: r.Action, ActorID: r.ActorID, ActorKind: r.ActorKind,
			IP: r.IP, RequestID: r.RequestID, Target: r.Target, Before: r.Before, After: r.After, Time: r.Time.UTC()})
	}
	var kinds []string
	if kind, ok := strings.CutPrefix(f.Action, lookupAction); ok && slices.Contains(LookupKinds, kind) {
		kinds = []string{kind}
	} else if f.Action == "" {
		kinds = LookupKinds
	}
	var ranges []Query
	switch {
	case len(kinds) == 0:
	case f.ActorID != "" && len(kinds) == 1:
		ranges = append(ranges, query(Eq("actorId", f.ActorID), Eq("kind", kinds[0])))
	case f.ActorID != "":
		ranges = append(ranges, query(Eq("actorId", f.ActorID)))
	default:
		for _, k := range kinds {
			ranges = append(ranges, query(Eq("kind", k)))
		}
	}
	for _, q := range ranges {
		list, err := lookupTable.find(ctx, s.e, q)
		if err != nil {
			return nil, "", err
		}
		for _, r := range list {
			out = append(out, r.entry())
		}
	}
	slices.SortFunc(out, func(a, b *cad.AuditEntry) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	out = out[min(offset, len(out)):]
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	last := out[limit-1]
	return out, encodeCursor(last.Time, last.ID), nil
}
