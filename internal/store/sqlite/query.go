package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/store"
)

// Insert stores doc as a new row.
func (e *Engine) Insert(ctx context.Context, c *store.Collection, doc store.Doc) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return store.Internal(err)
	}
	var q string
	args := []any{doc.DocID()}
	if c.Tenant {
		q = "INSERT INTO " + c.Name + " (id, community_id, doc) VALUES (?, ?, ?)"
		args = append(args, doc.(store.TenantDoc).DocCommunity())
	} else {
		q = "INSERT INTO " + c.Name + " (id, doc) VALUES (?, ?)"
	}
	e.record(q)
	return e.write(ctx, false, func(ctx context.Context, w querier) error {
		_, err := w.ExecContext(ctx, q, append(args, string(b))...)
		return mapErr(err)
	})
}

// InsertMany stores docs as new rows in one transaction (ctx's, if it
// carries one), with one prepared statement run for each.
func (e *Engine) InsertMany(ctx context.Context, c *store.Collection, docs []store.Doc) error {
	if len(docs) == 0 {
		return nil
	}
	q := "INSERT INTO " + c.Name + " (id, doc) VALUES (?, ?)"
	if c.Tenant {
		q = "INSERT INTO " + c.Name + " (id, community_id, doc) VALUES (?, ?, ?)"
	}
	e.record(q)
	return e.Tx(ctx, func(ctx context.Context) error {
		st, err := ctx.Value(txKey{}).(*sql.Tx).PrepareContext(ctx, q)
		if err != nil {
			return mapErr(err)
		}
		defer st.Close()
		args := make([]any, 0, 3)
		for _, d := range docs {
			b, err := json.Marshal(d)
			if err != nil {
				return store.Internal(err)
			}
			args = append(args[:0], d.DocID())
			if c.Tenant {
				args = append(args, d.(store.TenantDoc).DocCommunity())
			}
			if _, err := st.ExecContext(ctx, append(args, string(b))...); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// Get decodes the first row q selects into dst.
func (e *Engine) Get(ctx context.Context, c *store.Collection, q store.Query, dst any) error {
	q.Limit = 1
	text, args, err := selectSQL(c, "doc", q)
	if err != nil {
		return err
	}
	e.record(text)
	var doc string
	if e.prepared(ctx, q.Bulk) {
		found := false
		err = e.readPrepared(ctx, text, args, func(v driver.Value) error {
			if found {
				return nil
			}
			found = true
			doc, err = textOf(v)
			return err
		})
		if err == nil && !found {
			err = sql.ErrNoRows
		}
	} else {
		err = e.read(ctx, q.Bulk, func(ctx context.Context, r querier) error {
			return r.QueryRowContext(ctx, text, args...).Scan(&doc)
		})
	}
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		return mapErr(err)
	}
	return decode(doc, dst)
}

// Find calls each for every row q selects.
func (e *Engine) Find(ctx context.Context, c *store.Collection, q store.Query, each func(func(any) error) error) error {
	text, args, err := selectSQL(c, "doc", q)
	if err != nil {
		return err
	}
	e.record(text)
	if e.prepared(ctx, q.Bulk) {
		return e.readPrepared(ctx, text, args, func(v driver.Value) error {
			doc, err := textOf(v)
			if err != nil {
				return store.Internal(err)
			}
			return each(func(dst any) error { return decode(doc, dst) })
		})
	}
	return e.read(ctx, q.Bulk, func(ctx context.Context, r querier) error {
		rows, err := r.QueryContext(ctx, text, args...)
		if err != nil {
			return mapErr(err)
		}
		defer rows.Close()
		for rows.Next() {
			var doc string
			if err := rows.Scan(&doc); err != nil {
				return mapErr(err)
			}
			if err := each(func(dst any) error { return decode(doc, dst) }); err != nil {
				return err
			}
		}
		return mapErr(rows.Err())
	})
}

// Count counts the rows q selects.
func (e *Engine) Count(ctx context.Context, c *store.Collection, q store.Query) (int64, error) {
	q.Sort, q.Limit, q.Skip = nil, 0, 0
	text, args, err := selectSQL(c, "count(*)", q)
	if err != nil {
		return 0, err
	}
	e.record(text)
	var n int64
	if e.prepared(ctx, q.Bulk) {
		err = e.readPrepared(ctx, text, args, func(v driver.Value) error {
			n, _ = v.(int64)
			return nil
		})
		return n, err
	}
	err = e.read(ctx, q.Bulk, func(ctx context.Context, r querier) error {
		return r.QueryRowContext(ctx, text, args...).Scan(&n)
	})
	return n, mapErr(err)
}

// Replace stores doc in place of the row q selects.
func (e *Engine) Replace(ctx context.Context, c *store.Collection, q store.Query, doc store.Doc) (bool, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return false, store.Internal(err)
	}
	where, args, err := whereSQL(c, q)
	if err != nil {
		return false, err
	}
	text := "UPDATE " + c.Name + " SET doc = ?" + where
	e.record(text)
	var n int64
	err = e.write(ctx, q.Bulk, func(ctx context.Context, w querier) error {
		res, err := w.ExecContext(ctx, text, append([]any{string(b)}, args...)...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err == nil && n > 0 {
		err = e.announceChanges(ctx, c, doc.DocID())
	}
	return n > 0, mapErr(err)
}

// Delete removes the rows q selects.
func (e *Engine) Delete(ctx context.Context, c *store.Collection, q store.Query) (int64, error) {
	where, args, err := whereSQL(c, q)
	if err != nil {
		return 0, err
	}
	text := "DELETE FROM " + c.Name + where
	if q.Bulk {
		text = bulkMark + text
	}
	if e.announce {
		return e.deleteAnnounced(ctx, c, text, args)
	}
	e.record(text)
	var n int64
	err = e.write(ctx, q.Bulk, func(ctx context.Context, w querier) error {
		res, err := w.ExecContext(ctx, text, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, mapErr(err)
}

// deleteAnnounced deletes and logs the deleted ids, in one transaction.
func (e *Engine) deleteAnnounced(ctx context.Context, c *store.Collection, text string, args []any) (int64, error) {
	var n int64
	err := e.Tx(ctx, func(ctx context.Context) error {
		rows, err := e.writer(ctx).QueryContext(ctx, text+" RETURNING id", args...)
		if err != nil {
			return mapErr(err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return mapErr(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		n = int64(len(ids))
		return e.announceChanges(ctx, c, ids...)
	})
	return n, err
}

// bulkMark starts the text of a Bulk query, so that the query-plan test
// can tell the statements allowed to scan.
const bulkMark = "/* bulk */ "

func decode(doc string, dst any) error {
	if err := json.Unmarshal([]byte(doc), dst); err != nil {
		return store.Internal(fmt.Errorf("decoding a stored record: %w", err))
	}
	return nil
}

// selectSQL builds "SELECT what FROM table WHERE ... ORDER BY ... LIMIT".
func selectSQL(c *store.Collection, what string, q store.Query) (string, []any, error) {
	where, args, err := whereSQL(c, q)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	if q.Bulk {
		b.WriteString(bulkMark)
	}
	b.WriteString("SELECT " + what + " FROM " + c.Name + where)
	if len(q.Sort) > 0 {
		b.WriteString(" ORDER BY ")
		for i, o := range q.Sort {
			f, _ := c.Field(o.Field)
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.Column)
			if o.Desc {
				b.WriteString(" DESC")
			}
		}
	}
	if q.Limit > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, q.Limit)
	}
	if q.Skip > 0 {
		if q.Limit <= 0 {
			b.WriteString(" LIMIT -1")
		}
		b.WriteString(" OFFSET ?")
		args = append(args, q.Skip)
	}
	return b.String(), args, nil
}

// whereSQL builds " WHERE ..." (or "") from q's conditions and keyset.
func whereSQL(c *store.Collection, q store.Query) (string, []any, error) {
	var parts []string
	var args []any
	for _, w := range q.Where {
		f, ok := c.Field(w.Field)
		if !ok {
			return "", nil, store.Internal(fmt.Errorf("%s has no field %q", c.Name, w.Field))
		}
		part, a, err := condSQL(f, w)
		if err != nil {
			return "", nil, err
		}
		parts = append(parts, part)
		args = append(args, a...)
	}
	if len(q.After) > 0 {
		cols := make([]string, len(q.Sort))
		marks := make([]string, len(q.Sort))
		for i, o := range q.Sort {
			f, _ := c.Field(o.Field)
			cols[i], marks[i] = f.Column, "?"
			v, err := param(f, q.After[i])
			if err != nil {
				return "", nil, err
			}
			args = append(args, v)
		}
		op := ">"
		if q.Sort[0].Desc {
			op = "<"
		}
		parts = append(parts, "("+strings.Join(cols, ", ")+") "+op+" ("+strings.Join(marks, ", ")+")")
	}
	if len(parts) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(parts, " AND "), args, nil
}

func condSQL(f store.Field, w store.Cond) (string, []any, error) {
	col := f.Column
	switch w.Op {
	case store.OpHas:
		return "EXISTS (SELECT 1 FROM json_each(doc, '$." + f.Name + "') WHERE value = ?)", []any{w.Value}, nil
	case store.OpIn:
		vs, _ := w.Value.([]string)
		if len(vs) == 0 {
			return "0", nil, nil
		}
		args := make([]any, len(vs))
		for i, v := range vs {
			args[i] = v
		}
		return col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(vs)), ", ") + ")", args, nil
	case store.OpContains:
		return "instr(" + col + ", ?) > 0", []any{w.Value}, nil
	}
	if w.Value == nil {
		switch w.Op {
		case store.OpEq:
			return col + " IS NULL", nil, nil
		case store.OpNe:
			return col + " IS NOT NULL", nil, nil
		}
		return "", nil, store.Internal(fmt.Errorf("a nil value compared with op %d", w.Op))
	}
	v, err := param(f, w.Value)
	if err != nil {
		return "", nil, err
	}
	op := map[store.Op]string{store.OpEq: "=", store.OpNe: "IS NOT", store.OpLt: "<", store.OpLte: "<=", store.OpGt: ">", store.OpGte: ">="}[w.Op]
	if op == "" {
		return "", nil, store.Internal(fmt.Errorf("unknown op %d", w.Op))
	}
	return col + " " + op + " ?", []any{v}, nil
}

// param converts a value to what the field's column holds.
func param(f store.Field, v any) (any, error) {
	switch f.Kind {
	case store.Time:
		t, ok := v.(time.Time)
		if !ok {
			return nil, store.Internal(fmt.Errorf("%s takes a time, not %T", f.Name, v))
		}
		return t.UTC().Format(store.TimeLayout), nil
	case store.Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, store.Internal(fmt.Errorf("%s takes a bool, not %T", f.Name, v))
		}
		if b {
			return 1, nil
		}
		return 0, nil
	case store.Int:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int64:
			return n, nil
		}
		return nil, store.Internal(fmt.Errorf("%s takes an integer, not %T", f.Name, v))
	}
	if _, ok := v.(string); !ok {
		return nil, store.Internal(fmt.Errorf("%s takes a string, not %T", f.Name, v))
	}
	return v, nil
}
