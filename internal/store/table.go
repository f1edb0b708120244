package store

import (
	"context"
	"fmt"

	"github.com/precinct-cad/precinct/internal/cad"
)

// table is a typed view of one collection: records of type T, stored
// through the engine. It checks every query against the declaration before
// the engine sees it: only declared fields, and a community condition on
// tenant collections.
type table[T any, PT interface {
	*T
	Doc
}] struct {
	c *Collection
}

func (t table[T, PT]) check(q Query) error {
	tenant := false
	for _, w := range q.Where {
		f, ok := t.c.Field(w.Field)
		if !ok {
			return cad.Errorf(cad.EINTERNAL, "store: %s has no field %q", t.c.Name, w.Field)
		}
		if (w.Op == OpHas) != (f.Kind == Strings) {
			return cad.Errorf(cad.EINTERNAL, "store: %s.%s cannot be queried with op %d", t.c.Name, w.Field, w.Op)
		}
		if w.Field == FieldCommunity && w.Op == OpEq {
			if s, _ := w.Value.(string); s != "" {
				tenant = true
			}
		}
	}
	for _, o := range q.Sort {
		if f, ok := t.c.Field(o.Field); !ok || f.Kind == Strings {
			return cad.Errorf(cad.EINTERNAL, "store: %s cannot sort on %q", t.c.Name, o.Field)
		}
	}
	if len(q.After) > 0 {
		if len(q.After) != len(q.Sort) || q.Sort[len(q.Sort)-1].Field != FieldID {
			return cad.Errorf(cad.EINTERNAL, "store: keyset on %s needs a value per sort key, _id last", t.c.Name)
		}
		for _, o := range q.Sort {
			if o.Desc != q.Sort[0].Desc {
				return cad.Errorf(cad.EINTERNAL, "store: keyset on %s needs one sort direction", t.c.Name)
			}
		}
	}
	if t.c.Tenant && !tenant && !q.AllTenants {
		// Rule 1: a tenant query that names no community would reach
		// every community's records.
		return cad.Errorf(cad.EINTERNAL, "store: query on %s without a community", t.c.Name)
	}
	return nil
}

func (t table[T, PT]) insert(ctx context.Context, e Engine, d PT) error {
	if err := t.checkDoc(d); err != nil {
		return err
	}
	return e.Insert(ctx, t.c, d)
}

func (t table[T, PT]) checkDoc(d PT) error {
	if d.DocID() == "" {
		return cad.Errorf(cad.EINTERNAL, "store: %s record without _id", t.c.Name)
	}
	if t.c.Tenant {
		td, ok := any(d).(TenantDoc)
		if !ok || td.DocCommunity() == "" {
			return cad.Errorf(cad.EINTERNAL, "store: %s record without community", t.c.Name)
		}
	}
	return nil
}

// get returns the first record q selects, or notFound.
func (t table[T, PT]) get(ctx context.Context, e Engine, q Query, notFound error) (PT, error) {
	if err := t.check(q); err != nil {
		return nil, err
	}
	var d T
	if err := e.Get(ctx, t.c, q, &d); err != nil {
		if cad.ErrorCode(err) == cad.ENOTFOUND && notFound != nil {
			return nil, notFound
		}
		return nil, err
	}
	return &d, nil
}

func (t table[T, PT]) find(ctx context.Context, e Engine, q Query) ([]PT, error) {
	if err := t.check(q); err != nil {
		return nil, err
	}
	var out []PT
	err := e.Find(ctx, t.c, q, func(decode func(any) error) error {
		var d T
		if err := decode(&d); err != nil {
			return err
		}
		out = append(out, &d)
		return nil
	})
	return out, err
}

// getOne is the one record q finds, as conv makes it (a record's domain
// view), or notFound.
func getOne[T any, PT interface {
	*T
	Doc
}, O any](ctx context.Context, t table[T, PT], e Engine, q Query, notFound error, conv func(PT) O) (O, error) {
	r, err := t.get(ctx, e, q, notFound)
	if err != nil {
		var none O
		return none, err
	}
	return conv(r), nil
}

// findAll is every record q finds, each as conv makes it (a record's
// domain view).
func findAll[T any, PT interface {
	*T
	Doc
}, O any](ctx context.Context, t table[T, PT], e Engine, q Query, conv func(PT) O) ([]O, error) {
	list, err := t.find(ctx, e, q)
	if err != nil {
		return nil, err
	}
	out := make([]O, len(list))
	for i, r := range list {
		out[i] = conv(r)
	}
	return out, nil
}

func (t table[T, PT]) delete(ctx context.Context, e Engine, q Query) (int64, error) {
	if err := t.check(q); err != nil {
		return 0, err
	}
	return e.Delete(ctx, t.c, q)
}

// replace stores d in place of the record with its _id that q (plus the _id)
// selects; false when there is none.
func (t table[T, PT]) replace(ctx context.Context, e Engine, q Query, d PT) (bool, error) {
	if err := t.checkDoc(d); err != nil {
		return false, err
	}
	hasID := false
	for _, w := range q.Where {
		hasID = hasID || (w.Field == FieldID && w.Op == OpEq)
	}
	if !hasID {
		q.Where = append([]Cond{ID(d.DocID())}, q.Where...)
	}
	if err := t.check(q); err != nil {
		return false, err
	}
	return e.Replace(ctx, t.c, q, d)
}

// modify reads the record q selects, lets fn change it, and stores it, in
// one transaction: concurrent modifications of one record are applied one
// after the other, never lost. It returns the stored record, or notFound.
func (t table[T, PT]) modify(ctx context.Context, s *Store, q Query, notFound error, fn func(PT) error) (PT, error) {
	var out PT
	err := s.Tx(ctx, func(ctx context.Context) error {
		d, err := t.get(ctx, s.e, q, notFound)
		if err != nil {
			return err
		}
		id := d.DocID()
		if err := fn(d); err != nil {
			return err
		}
		if d.DocID() != id {
			return cad.Errorf(cad.EINTERNAL, "store: modify changed the _id of a %s record", t.c.Name)
		}
		ok, err := t.replace(ctx, s.e, Query{Where: q.Where, AllTenants: q.AllTenants}, d)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("store: %s record %s vanished inside a transaction", t.c.Name, id)
		}
		out = d
		return nil
	})
	return out, err
}

// upsert is modify for a record that may not exist yet: fn gets the stored
// record, or a new one with just its _id set (fresh), and what it leaves is
// stored, in one transaction. Two callers creating the same record at once
// both start fresh; the one whose insert loses sees a conflict and runs
// again, now on the stored record.
func (t table[T, PT]) upsert(ctx context.Context, s *Store, id string, fresh func() PT, fn func(d PT, fresh bool) error) (PT, error) {
	var out PT
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.Tx(ctx, func(ctx context.Context) error {
			d, err := t.get(ctx, s.e, Where(ID(id)), nil)
			isNew := cad.ErrorCode(err) == cad.ENOTFOUND
			if err != nil && !isNew {
				return err
			}
			if isNew {
				d = fresh()
			}
			if err := fn(d, isNew); err != nil {
				return err
			}
			out = d
			if isNew {
				return t.insert(ctx, s.e, d)
			}
			_, err = t.replace(ctx, s.e, Query{}, d)
			return err
		})
		if cad.ErrorCode(err) != cad.ECONFLICT || s.e.InTx(ctx) {
			return out, err
		}
	}
	return out, err
}
