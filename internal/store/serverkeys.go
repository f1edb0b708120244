package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Server keys (JWT signing secrets, cookie keys) are generated on first
// start and kept in the database, so that restarts and other instances use
// the same ones. They must be readable to sign, so they cannot be hashed;
// export leaves them out.
type serverKeyRec struct {
	ID        string    `json:"_id"` // the kid
	Purpose   string    `json:"purpose"`
	Secret    []byte    `json:"secret"`
	CreatedAt time.Time `json:"createdAt"`
}

func (r *serverKeyRec) DocID() string { return r.ID }

var serverKeyTable = table[serverKeyRec, *serverKeyRec]{serverKeys}

// ServerKeys returns the keys of a purpose, newest first.
func (s *Store) ServerKeys(ctx context.Context, purpose string) ([]cad.ServerKey, error) {
	list, err := serverKeyTable.find(ctx, s.e, Where(Eq("purpose", purpose)).
		SortBy(Order("createdAt", true), Order(FieldID, true)))
	if err != nil {
		return nil, err
	}
	out := make([]cad.ServerKey, len(list))
	for i, r := range list {
		out[i] = cad.ServerKey{ID: r.ID, Purpose: r.Purpose, Secret: r.Secret, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// AddServerKey stores a new key.
func (s *Store) AddServerKey(ctx context.Context, k cad.ServerKey) error {
	return serverKeyTable.insert(ctx, s.e, &serverKeyRec{ID: k.ID, Purpose: k.Purpose, Secret: k.Secret, CreatedAt: Millis(k.CreatedAt)})
}

// DeleteServerKeysBefore removes keys of a purpose created before t.
func (s *Store) DeleteServerKeysBefore(ctx context.Context, purpose string, t time.Time) error {
	_, err := serverKeyTable.delete(ctx, s.e, Where(Eq("purpose", purpose), Lt("createdAt", t)))
	return err
}
