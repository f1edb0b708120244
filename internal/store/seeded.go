package store

import (
	"context"

	"github.com/precinct-cad/precinct/internal/cad"
)

// SeededOnly reports whether every user's username starts with userPrefix
// and every community's guild id with guildPrefix: whether the database
// holds only what precinct seed made (an empty one does). Each side is two
// index range reads that stop at the first record outside the prefix.
func (s *Store) SeededOnly(ctx context.Context, userPrefix, guildPrefix string) (bool, error) {
	for _, r := range []struct {
		c      *Collection
		field  string
		prefix string
	}{{users, "usernameKey", userPrefix}, {communities, "guildId", guildPrefix}} {
		end := r.prefix[:len(r.prefix)-1] + string(r.prefix[len(r.prefix)-1]+1)
		for _, cond := range []Cond{Lt(r.field, r.prefix), Gte(r.field, end)} {
			var any map[string]any
			err := s.e.Get(ctx, r.c, Query{Where: []Cond{cond}}, &any)
			if err == nil {
				return false, nil
			}
			if cad.ErrorCode(err) != cad.ENOTFOUND {
				return false, err
			}
		}
	}
	return true, nil
}
