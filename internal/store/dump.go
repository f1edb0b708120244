package store

import (
	"context"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Dump returns every record of a collection as the engine stores it, for
// tests that scan what the database holds (that no secret is kept in
// clear, that a refused request changed nothing). It is not for request
// paths: it reads the whole collection.
func (s *Store) Dump(ctx context.Context, collection string) ([]map[string]any, error) {
	c, ok := CollectionByName(collection)
	if !ok {
		return nil, cad.Errorf(cad.EINVALID, "no collection %q", collection)
	}
	var out []map[string]any
	err := s.e.Find(ctx, c, Query{AllTenants: true, Bulk: true}, func(decode func(any) error) error {
		m := map[string]any{}
		if err := decode(&m); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err
}
