package store

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Pages: every listing pages by keyset. A page's cursor holds the sort
// values of its last record; the next page starts strictly after them, so
// a page costs the same however deep it is, and records added meanwhile
// neither repeat nor go missing. Offsets (skip) still work where the API
// had them, bounded by MaxSkip.

// MaxSkip bounds an offset: past it, callers must page with the cursor.
const MaxSkip = 10_000

var errBadCursor = cad.Errorf(cad.EINVALID, "after is not a cursor this listing returned")

// encodeCursor makes the opaque cursor of a record's sort values.
func encodeCursor(vals ...any) string {
	out := make([]any, len(vals))
	for i, v := range vals {
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(TimeLayout)
		}
		out[i] = v
	}
	b, _ := json.Marshal(out)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor back into values of the sort keys' kinds.
func decodeCursor(c *Collection, sort []OrderKey, cursor string) ([]any, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) > 1024 {
		return nil, errBadCursor
	}
	var raw []any
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != len(sort) {
		return nil, errBadCursor
	}
	out := make([]any, len(raw))
	for i, o := range sort {
		f, _ := c.Field(o.Field)
		switch f.Kind {
		case Time:
			s, ok := raw[i].(string)
			if !ok {
				return nil, errBadCursor
			}
			t, err := time.Parse(TimeLayout, s)
			if err != nil {
				return nil, errBadCursor
			}
			out[i] = t
		case Int:
			n, ok := raw[i].(float64)
			if !ok {
				return nil, errBadCursor
			}
			out[i] = int64(n)
		default:
			s, ok := raw[i].(string)
			if !ok {
				return nil, errBadCursor
			}
			out[i] = s
		}
	}
	return out, nil
}

// page applies a listing's paging to q: the cursor after, else the offset,
// and limit+1 so that the caller can tell whether a next page exists.
func page(c *Collection, q Query, after string, offset, limit int) (Query, error) {
	if limit <= 0 {
		limit = 50
	}
	q.Limit = limit + 1
	if after != "" {
		vals, err := decodeCursor(c, q.Sort, after)
		if err != nil {
			return q, err
		}
		q.After = vals
		return q, nil
	}
	if offset < 0 || offset > MaxSkip {
		return q, cad.Errorf(cad.EINVALID, "Pages past %d records are read with the after cursor", MaxSkip)
	}
	q.Skip = offset
	return q, nil
}

// trim cuts a page fetched with limit+1 to limit and returns the cursor of
// the next page ("" when this is the last), from the last record's sort
// values.
func trim[T any](list []T, limit int, key func(T) []any) ([]T, string) {
	if limit <= 0 {
		limit = 50
	}
	if len(list) <= limit {
		return list, ""
	}
	list = list[:limit]
	return list, encodeCursor(key(list[len(list)-1])...)
}
