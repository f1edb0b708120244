package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type authEventRec struct {
	ID        string    `json:"_id"`
	Type      string    `json:"type"`
	Outcome   string    `json:"outcome"`
	UserID    string    `json:"userId,omitempty"`
	Username  string    `json:"username,omitempty"`
	SessionID string    `json:"sessionId,omitempty"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"userAgent,omitempty"`
	RequestID string    `json:"requestId,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Time      time.Time `json:"time"`
}

func (r *authEventRec) DocID() string { return r.ID }

var authEventTable = table[authEventRec, *authEventRec]{authEvents}

// AddAuthEvent stores one authentication event.
func (s *Store) AddAuthEvent(ctx context.Context, e *cad.AuthEvent) error {
	r := &authEventRec{
		ID: cad.NewID(), Type: e.Type, Outcome: e.Outcome, UserID: e.UserID, Username: e.Username,
		SessionID: e.SessionID, IP: e.IP, UserAgent: e.UserAgent, RequestID: e.RequestID, Detail: e.Detail, Time: Millis(e.Time),
	}
	if err := authEventTable.insert(ctx, s.e, r); err != nil {
		return err
	}
	e.ID, e.Time = r.ID, r.Time
	return nil
}

// AuthEvents lists events matching f, newest first.
func (s *Store) AuthEvents(ctx context.Context, f cad.AuthEventFilter) ([]*cad.AuthEvent, string, error) {
	q := Query{Sort: []OrderKey{Order("time", true), Order(FieldID, true)}}
	if f.UserID != "" {
		q.Where = append(q.Where, Eq("userId", f.UserID))
	}
	if f.Type != "" {
		q.Where = append(q.Where, Eq("type", f.Type))
	}
	q.Where = timeRange(q.Where, "time", f.Since, f.Until)
	q, err := page(authEvents, q, f.After, f.Offset, f.Limit)
	if err != nil {
		return nil, "", err
	}
	list, err := authEventTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Limit, func(r *authEventRec) []any { return []any{r.Time, r.ID} })
	out := make([]*cad.AuthEvent, len(list))
	for i, r := range list {
		out[i] = &cad.AuthEvent{
			ID: r.ID, Type: r.Type, Outcome: r.Outcome, UserID: r.UserID, Username: r.Username,
			SessionID: r.SessionID, IP: r.IP, UserAgent: r.UserAgent, RequestID: r.RequestID, Detail: r.Detail, Time: r.Time.UTC(),
		}
	}
	return out, next, nil
}

// timeRange adds "field within [since, until)"; a zero bound is open.
func timeRange(where []Cond, field string, since, until time.Time) []Cond {
	if !since.IsZero() {
		where = append(where, Gte(field, since))
	}
	if !until.IsZero() {
		where = append(where, Lt(field, until))
	}
	return where
}
