package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type sessionRec struct {
	ID            string    `json:"_id"` // hex SHA-256 of the secret
	Kind          string    `json:"kind"`
	Name          string    `json:"name,omitempty"`
	UserID        string    `json:"userId"`
	AuthMethod    string    `json:"authMethod"`
	Persistent    bool      `json:"persistent,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	LastSeenAt    time.Time `json:"lastSeenAt"`
	IdleExpiresAt time.Time `json:"idleExpiresAt"`
	ExpiresAt     time.Time `json:"expiresAt"`
	IP            string    `json:"ip"`
	UserAgent     string    `json:"userAgent"`
}

func (r *sessionRec) DocID() string { return r.ID }

func (r *sessionRec) session() *cad.Session {
	return &cad.Session{
		ID: r.ID, Kind: cad.SessionKind(r.Kind), Name: r.Name, UserID: r.UserID, AuthMethod: r.AuthMethod, Persistent: r.Persistent,
		CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), IdleExpiresAt: r.IdleExpiresAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC(), IP: r.IP, UserAgent: r.UserAgent,
	}
}

var (
	sessionTable       = table[sessionRec, *sessionRec]{sessions}
	errSessionNotFound = cad.Errorf(cad.ENOTFOUND, "Session not found")
)

// CreateSession stores a session. When the user then holds more than
// cad.MaxSessionsPerUser live sessions, the oldest are deleted.
func (s *Store) CreateSession(ctx context.Context, sess *cad.Session) error {
	r := &sessionRec{
		ID: sess.ID, Kind: string(sess.Kind), Name: sess.Name, UserID: sess.UserID, AuthMethod: sess.AuthMethod, Persistent: sess.Persistent,
		CreatedAt: Millis(sess.CreatedAt), LastSeenAt: Millis(sess.LastSeenAt), IdleExpiresAt: Millis(sess.IdleExpiresAt),
		ExpiresAt: Millis(sess.ExpiresAt), IP: sess.IP, UserAgent: sess.UserAgent,
	}
	if err := sessionTable.insert(ctx, s.e, r); err != nil {
		return err
	}
	*sess = *r.session()
	return s.trimSessions(ctx, sess.UserID, sess.CreatedAt)
}

// trimSessions keeps a user's live sessions to cad.MaxSessionsPerUser by
// deleting the oldest. Each CreateSession trims, so at most one is over the
// bound; the read stops one past it, so its cost does not grow with a
// user's history.
func (s *Store) trimSessions(ctx context.Context, userID string, now time.Time) error {
	list, err := sessionTable.find(ctx, s.e, Where(Eq("userId", userID), Gt("expiresAt", now), Gt("idleExpiresAt", now)).
		SortBy(Order("createdAt", true)).Take(cad.MaxSessionsPerUser+1))
	if err != nil || len(list) <= cad.MaxSessionsPerUser {
		return err
	}
	ids := make([]string, 0, len(list)-cad.MaxSessionsPerUser)
	for _, r := range list[cad.MaxSessionsPerUser:] {
		ids = append(ids, r.ID)
	}
	_, err = s.deleteSessions(ctx, Where(In(FieldID, ids)))
	return err
}

// deleteSessions deletes the sessions q selects and drops them from the
// cache. The read of their ids and the delete are one transaction, so a
// session made meanwhile is either both deleted and dropped, or neither.
func (s *Store) deleteSessions(ctx context.Context, q Query) (int64, error) {
	var ids []string
	var n int64
	err := s.Tx(ctx, func(ctx context.Context) error {
		list, err := sessionTable.find(ctx, s.e, q)
		if err != nil {
			return err
		}
		ids = ids[:0]
		for _, r := range list {
			ids = append(ids, r.ID)
		}
		n, err = sessionTable.delete(ctx, s.e, q)
		return err
	})
	s.changed(ctx, func() {
		for _, id := range ids {
			s.cache.sessions.drop(id)
		}
	})
	return n, err
}

// Session returns a live session by id. Expiry is checked on every read,
// whatever the database's own expiry has done (R84).
func (s *Store) Session(ctx context.Context, id string, now time.Time) (*cad.Session, error) {
	sess, err := cached(s, s.cache.sessions, id, func() (*cad.Session, error) {
		return getOne(ctx, sessionTable, s.e, Where(ID(id)), errSessionNotFound, (*sessionRec).session)
	}, s.cacheable(ctx))
	if err != nil {
		return nil, err
	}
	if !sess.Live(now) {
		return nil, errSessionNotFound
	}
	return sess, nil
}

// TouchSession records use of a session: last seen, and the idle expiry
// moved to idleExpires.
func (s *Store) TouchSession(ctx context.Context, id string, now, idleExpires time.Time) error {
	_, err := sessionTable.modify(ctx, s, Where(ID(id)), errSessionNotFound, func(r *sessionRec) error {
		r.LastSeenAt, r.IdleExpiresAt = Millis(now), Millis(idleExpires)
		return nil
	})
	s.changed(ctx, func() { s.cache.sessions.drop(id) })
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return nil // ended meanwhile: nothing to touch
	}
	return err
}

// SessionsOfUser lists a user's live sessions, newest first. A user holds at
// most cad.MaxSessionsPerUser of them (CreateSession trims), plus dead ones
// the janitor has not reached.
func (s *Store) SessionsOfUser(ctx context.Context, userID string, now time.Time) ([]*cad.Session, error) {
	list, err := sessionTable.find(ctx, s.e, Where(Eq("userId", userID), Gt("expiresAt", now), Gt("idleExpiresAt", now)).
		SortBy(Order("createdAt", true)))
	if err != nil {
		return nil, err
	}
	out := make([]*cad.Session, len(list))
	for i, r := range list {
		out[i] = r.session()
	}
	return out, nil
}

// DeleteSession ends one session of a user; another user's is not_found,
// exactly like a missing one.
func (s *Store) DeleteSession(ctx context.Context, userID, id string) error {
	n, err := sessionTable.delete(ctx, s.e, Where(ID(id), Eq("userId", userID)))
	s.changed(ctx, func() { s.cache.sessions.drop(id) })
	if err != nil {
		return err
	}
	if n == 0 {
		return errSessionNotFound
	}
	return nil
}

// DeleteSessionByID ends a session whoever it belongs to: the one a
// browser's old cookie names, replaced at login (R30).
func (s *Store) DeleteSessionByID(ctx context.Context, id string) error {
	_, err := sessionTable.delete(ctx, s.e, Where(ID(id)))
	s.changed(ctx, func() { s.cache.sessions.drop(id) })
	return err
}

// DeleteSessionsOfUser ends every session of a user except keep (which may
// be empty) and returns how many ended.
func (s *Store) DeleteSessionsOfUser(ctx context.Context, userID, keep string) (int64, error) {
	q := Where(Eq("userId", userID))
	if keep != "" {
		q.Where = append(q.Where, Ne(FieldID, keep))
	}
	return s.deleteSessions(ctx, q)
}

// DeleteAllSessions ends every session of every user (the JWT secret reset).
func (s *Store) DeleteAllSessions(ctx context.Context) (int64, error) {
	n, err := sessionTable.delete(ctx, s.e, Query{Bulk: true})
	s.changed(ctx, s.cache.sessions.clear)
	return n, err
}

// DeleteExpired removes expired sessions, reset tokens, counters, OAuth
// states and pending registrations. The janitor calls it; correctness never
// depends on it, since every read checks expiry itself.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, d := range []struct {
		c     *Collection
		field string
	}{
		{sessions, "expiresAt"}, {sessions, "idleExpiresAt"}, {resetTokens, "expiresAt"}, {counters, "expiresAt"},
		{oauthStates, "expiresAt"}, {pendingRegs, "expiresAt"}, {idempotency, "expiresAt"}, {uploadTokens, "expiresAt"}, {linkCodes, "expiresAt"},
	} {
		n, err := s.e.Delete(ctx, d.c, Where(Lte(d.field, now)))
		if err != nil {
			return total, err
		}
		total += n
	}
	// Expired sessions already read as not_found; nothing cached of them
	// can be used.
	return total, nil
}
