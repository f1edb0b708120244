package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type boloRec cad.BOLO

func (r *boloRec) DocID() string        { return r.ID }
func (r *boloRec) DocCommunity() string { return r.CommunityID }

func (r *boloRec) bolo() *cad.BOLO {
	b := cad.BOLO(*r)
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return &b
}

func (r *boloRec) round() {
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt, r.ResolvedAt = Millis(r.CreatedAt), Millis(r.UpdatedAt), millisPtr(r.ExpiresAt), millisPtr(r.ResolvedAt)
}

var (
	boloTable       = table[boloRec, *boloRec]{bolos}
	errBOLONotFound = cad.Errorf(cad.ENOTFOUND, "BOLO not found")
)

// CreateBOLO stores a BOLO.
func (s *Store) CreateBOLO(ctx context.Context, communityID string, b *cad.BOLO) error {
	r := boloRec(*b)
	r.ID, r.CommunityID = cad.NewID(), communityID
	now := Millis(time.Now())
	r.CreatedAt, r.UpdatedAt = now, now
	r.round()
	err := boloTable.insert(ctx, s.e, &r)
	s.changed(ctx, func() { s.cache.activeBOLOs.drop(communityID) })
	if err != nil {
		return err
	}
	*b = *r.bolo()
	return nil
}

// BOLO returns one BOLO of a community.
func (s *Store) BOLO(ctx context.Context, communityID, id string) (*cad.BOLO, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errBOLONotFound
	}
	return getOne(ctx, boloTable, s.e, Where(Community(communityID), ID(id)), errBOLONotFound, (*boloRec).bolo)
}

// UpdateBOLO changes a BOLO in one transaction.
func (s *Store) UpdateBOLO(ctx context.Context, communityID, id string, fn func(*cad.BOLO) error) (*cad.BOLO, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errBOLONotFound
	}
	r, err := boloTable.modify(ctx, s, Where(Community(communityID), ID(id)), errBOLONotFound, func(r *boloRec) error {
		keep := *r
		if err := fn((*cad.BOLO)(r)); err != nil {
			return err
		}
		r.ID, r.CommunityID, r.CreatedAt, r.AuthorID, r.UpdatedAt = keep.ID, keep.CommunityID, keep.CreatedAt, keep.AuthorID, Millis(time.Now())
		r.round()
		return nil
	})
	s.changed(ctx, func() { s.cache.activeBOLOs.drop(communityID) })
	if err != nil {
		return nil, err
	}
	return r.bolo(), nil
}

// BOLOs lists a community's active (or all) BOLOs, newest first.
func (s *Store) BOLOs(ctx context.Context, communityID string, activeOnly bool, after string, limit int) ([]*cad.BOLO, string, error) {
	q := Where(Community(communityID)).SortBy(Order("createdAt", true), Order(FieldID, true))
	if activeOnly {
		q.Where = append(q.Where, Eq("active", true))
	}
	q, err := page(bolos, q, after, 0, limit)
	if err != nil {
		return nil, "", err
	}
	list, err := boloTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, limit, func(r *boloRec) []any { return []any{r.CreatedAt, r.ID} })
	out := make([]*cad.BOLO, len(list))
	for i, r := range list {
		out[i] = r.bolo()
	}
	return out, next, nil
}

// maxCachedBOLOs bounds the active BOLOs of a community kept in the
// identity cache for plate look-ups; a community with more is read by
// index on every look-up.
const maxCachedBOLOs = 200

// BOLOsFor returns the active BOLOs on a plate or a character (either may
// be empty), at most 20 of each. The community's active BOLOs come from
// the cache (every plate look-up asks), unless it has too many.
func (s *Store) BOLOsFor(ctx context.Context, communityID, plateKey, characterID string) ([]*cad.BOLO, error) {
	active, err := cached(s, s.cache.activeBOLOs, communityID, func() (*[]*cad.BOLO, error) {
		list, err := boloTable.find(ctx, s.e, Where(Community(communityID), Eq("active", true)).
			SortBy(Order("createdAt", true), Order(FieldID, true)).Take(maxCachedBOLOs+1))
		if err != nil {
			return nil, err
		}
		if len(list) > maxCachedBOLOs {
			var tooMany []*cad.BOLO // nil: read by index
			return &tooMany, nil
		}
		out := make([]*cad.BOLO, len(list))
		for i, r := range list {
			out[i] = r.bolo()
		}
		return &out, nil
	}, s.cacheable(ctx))
	if err != nil {
		return nil, err
	}
	if *active == nil {
		return s.bolosByIndex(ctx, communityID, plateKey, characterID)
	}
	var out []*cad.BOLO
	plates, people := 0, 0
	for _, b := range *active {
		switch {
		case plateKey != "" && b.PlateKey == plateKey && plates < 20:
			plates++
			out = append(out, b)
		case characterID != "" && b.CharacterID == characterID && people < 20:
			people++
			out = append(out, b)
		}
	}
	return out, nil
}

// bolosByIndex is BOLOsFor by the plate and character indexes.
func (s *Store) bolosByIndex(ctx context.Context, communityID, plateKey, characterID string) ([]*cad.BOLO, error) {
	var out []*cad.BOLO
	for _, c := range []Cond{Eq("plateKey", plateKey), Eq("characterId", characterID)} {
		if c.Value == "" {
			continue
		}
		list, err := boloTable.find(ctx, s.e, Where(Community(communityID), c, Eq("active", true)).Take(20))
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			out = append(out, r.bolo())
		}
	}
	return out, nil
}
