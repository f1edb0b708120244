package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type sequenceRec struct {
	ID          string `json:"_id"`
	CommunityID string `json:"communityId"`
	Name        string `json:"name"`
	Value       int64  `json:"value"`
}

func (r *sequenceRec) DocID() string        { return r.ID }
func (r *sequenceRec) DocCommunity() string { return r.CommunityID }

type callRec cad.Call

func (r *callRec) DocID() string        { return r.ID }
func (r *callRec) DocCommunity() string { return r.CommunityID }

func (r *callRec) call() *cad.Call {
	c := cad.Call(*r)
	c.CreatedAt, c.UpdatedAt, c.ExpiresAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC(), c.ExpiresAt.UTC()
	return &c
}

// round keeps every time at the precision both engines store.
func (r *callRec) round() {
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt, r.ClosedAt = Millis(r.CreatedAt), Millis(r.UpdatedAt), Millis(r.ExpiresAt), millisPtr(r.ClosedAt)
	for i := range r.Notes {
		r.Notes[i].Time = Millis(r.Notes[i].Time)
	}
	for i := range r.Timeline {
		r.Timeline[i].Time = Millis(r.Timeline[i].Time)
	}
	r.Open = cad.OpenCallStatus(r.Status)
	for _, l := range []*[]string{&r.Units, &r.Characters, &r.Vehicles} {
		if *l == nil {
			*l = []string{}
		}
	}
	if r.Notes == nil {
		r.Notes = []cad.CallNote{}
	}
	if r.Timeline == nil {
		r.Timeline = []cad.CallStep{}
	}
}

var (
	sequenceTable   = table[sequenceRec, *sequenceRec]{sequences}
	callTable       = table[callRec, *callRec]{calls}
	errCallNotFound = cad.Errorf(cad.ENOTFOUND, "Call not found")
)

// NextSequence hands out the next number of a community's sequence (from
// 1), inside the caller's transaction: a number is never handed out twice,
// even when the transaction that took it rolls back (the next one takes
// the same number then, as no call holds it).
func (s *Store) NextSequence(ctx context.Context, communityID, name string) (int64, error) {
	id := communityID + ":" + name
	q := Where(Community(communityID), ID(id))
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var next int64
		err = s.Tx(ctx, func(ctx context.Context) error {
			r, err := sequenceTable.get(ctx, s.e, q, nil)
			switch {
			case cad.ErrorCode(err) == cad.ENOTFOUND:
				next = 1
				return sequenceTable.insert(ctx, s.e, &sequenceRec{ID: id, CommunityID: communityID, Name: name, Value: 1})
			case err != nil:
				return err
			}
			r.Value++
			next = r.Value
			_, err = sequenceTable.replace(ctx, s.e, q, r)
			return err
		})
		// Two first uses at once: the loser's insert conflicts; inside
		// a caller's transaction that is the caller's to retry.
		if cad.ErrorCode(err) != cad.ECONFLICT || s.e.InTx(ctx) {
			return next, err
		}
	}
	return 0, err
}

// CreateCall stores a new call; its incident number must be free.
func (s *Store) CreateCall(ctx context.Context, communityID string, c *cad.Call) error {
	r := callRec(*c)
	r.ID, r.CommunityID = cad.NewID(), communityID
	r.round()
	if err := callTable.insert(ctx, s.e, &r); err != nil {
		return err
	}
	*c = *r.call()
	return nil
}

// Call returns one call of a community.
func (s *Store) Call(ctx context.Context, communityID, id string) (*cad.Call, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errCallNotFound
	}
	return s.getCall(ctx, Where(Community(communityID), ID(id)))
}

// CallByIncident returns the call with an incident number.
func (s *Store) CallByIncident(ctx context.Context, communityID, number string) (*cad.Call, error) {
	if number == "" {
		return nil, errCallNotFound
	}
	return s.getCall(ctx, Where(Community(communityID), Eq("incidentNumber", number)))
}

// CallByERS returns the newest call made from an ERS call-out.
func (s *Store) CallByERS(ctx context.Context, communityID, ersID string) (*cad.Call, error) {
	if ersID == "" {
		return nil, errCallNotFound
	}
	return s.getCall(ctx, Where(Community(communityID), Eq("ersCalloutId", ersID)))
}

func (s *Store) getCall(ctx context.Context, q Query) (*cad.Call, error) {
	return getOne(ctx, callTable, s.e, q, errCallNotFound, (*callRec).call)
}

// UpdateCall changes a call in one transaction; its id, community,
// incident number and creation stay.
func (s *Store) UpdateCall(ctx context.Context, communityID, id string, fn func(*cad.Call) error) (*cad.Call, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errCallNotFound
	}
	r, err := callTable.modify(ctx, s, Where(Community(communityID), ID(id)), errCallNotFound, func(r *callRec) error {
		keep := *r
		if err := fn((*cad.Call)(r)); err != nil {
			return err
		}
		r.ID, r.CommunityID, r.IncidentNumber, r.Seq, r.CreatedAt, r.CreatedBy = keep.ID, keep.CommunityID, keep.IncidentNumber, keep.Seq, keep.CreatedAt, keep.CreatedBy
		r.round()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r.call(), nil
}

// Calls lists a community's calls, newest first, a page at a time: the
// open ones not past their expiry at now (OpenOnly), or any, by status.
// An open call past its expiry that the janitor has not marked yet is
// left out of its page (which is then shorter; the cursor still goes on):
// filtering it in the query would lead SQLite's planner to the janitor's
// cross-community index.
func (s *Store) Calls(ctx context.Context, communityID string, f cad.CallFilter, now time.Time) ([]*cad.Call, string, error) {
	q := Where(Community(communityID)).SortBy(Order("createdAt", true), Order(FieldID, true))
	switch {
	case f.OpenOnly:
		q.Where = append(q.Where, Eq("open", true))
		if f.Status != "" {
			q.Where = append(q.Where, Eq("status", f.Status))
		}
	case f.Status != "":
		q.Where = append(q.Where, Eq("status", f.Status))
	}
	q, err := page(calls, q, f.After, 0, f.Limit)
	if err != nil {
		return nil, "", err
	}
	list, err := callTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Limit, func(r *callRec) []any { return []any{r.CreatedAt, r.ID} })
	out := make([]*cad.Call, 0, len(list))
	now = Millis(now)
	for _, r := range list {
		if (f.Priority != "" && r.Priority != f.Priority) || (f.OpenOnly && !r.ExpiresAt.After(now)) {
			continue
		}
		out = append(out, r.call())
	}
	return out, next, nil
}

// CallsByID returns the calls of a community with these ids, in no order.
func (s *Store) CallsByID(ctx context.Context, communityID string, ids []string) ([]*cad.Call, error) {
	clean := normIDs(ids)
	if len(clean) == 0 {
		return nil, nil
	}
	return findAll(ctx, callTable, s.e, Where(Community(communityID), In(FieldID, clean)), (*callRec).call)
}

// ExpiredOpenCalls returns up to limit open calls, of any community, whose
// expiry has passed at now: the janitor's work list.
func (s *Store) ExpiredOpenCalls(ctx context.Context, now time.Time, limit int) ([]*cad.Call, error) {
	return findAll(ctx, callTable, s.e, Query{Where: []Cond{Eq("open", true), Lte("expiresAt", Millis(now))}, AllTenants: true, Limit: limit}, (*callRec).call)
}
