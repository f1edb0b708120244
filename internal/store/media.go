package store

import (
	"context"

	"github.com/precinct-cad/precinct/internal/cad"
)

type mediaRec cad.Media

func (r *mediaRec) DocID() string        { return r.ID }
func (r *mediaRec) DocCommunity() string { return r.CommunityID }
func (r *mediaRec) counted() bool        { return (*cad.Media)(r).Counted() }

// usageRec is what a community's counted images take: one record per
// community (its _id is the community's), changed in the transaction that
// stores or deletes an image, so that a quota check is one read by _id and
// never a scan of the images.
type usageRec struct {
	ID          string `json:"_id"`
	CommunityID string `json:"communityId"`
	Bytes       int64  `json:"bytes"`
	Images      int64  `json:"images"`
	ALPRBytes   int64  `json:"alprBytes"`
	ALPRImages  int64  `json:"alprImages"`
}

func (r *usageRec) DocID() string        { return r.ID }
func (r *usageRec) DocCommunity() string { return r.CommunityID }

func (r *usageRec) usage() *cad.MediaUsage {
	return &cad.MediaUsage{CommunityID: r.CommunityID, Bytes: r.Bytes, Images: r.Images, ALPRBytes: r.ALPRBytes, ALPRImages: r.ALPRImages}
}

var (
	mediaTable       = table[mediaRec, *mediaRec]{media}
	usageTable       = table[usageRec, *usageRec]{mediaUsage}
	errMediaNotFound = cad.Errorf(cad.ENOTFOUND, "Image not found")
)

// PutMedia stores an image; m.ID (the secret part of its URL) is the
// caller's. A counted image (cad.Media.Counted) is added to its community's
// usage in the same transaction, and refused when it would take the usage
// past quota (a zero quota field is no bound).
func (s *Store) PutMedia(ctx context.Context, m *cad.Media, quota cad.MediaQuota) error {
	r := mediaRec(*m)
	r.CreatedAt = Millis(r.CreatedAt)
	if r.counted() {
		r.Size = int64(len(r.Data))
	}
	return s.Tx(ctx, func(ctx context.Context) error {
		if r.counted() {
			if err := s.countMedia(ctx, &r, 1, &quota); err != nil {
				return err
			}
		}
		return mediaTable.insert(ctx, s.e, &r)
	})
}

// countMedia adds (sign 1) or takes off (sign -1) a counted image from its
// community's usage, inside the caller's transaction; with quota set, an
// addition past it is refused.
func (s *Store) countMedia(ctx context.Context, m *mediaRec, sign int64, quota *cad.MediaQuota) error {
	cid := m.CommunityID
	return s.Tx(ctx, func(ctx context.Context) error {
		u, err := usageTable.get(ctx, s.e, Where(Community(cid), ID(cid)), nil)
		fresh := cad.ErrorCode(err) == cad.ENOTFOUND
		if fresh {
			u = &usageRec{ID: cid, CommunityID: cid}
		} else if err != nil {
			return err
		}
		alpr := m.Kind == cad.MediaALPR
		if quota != nil && sign > 0 {
			if quota.Bytes > 0 && u.Bytes+m.Size > quota.Bytes {
				return cad.MediaFullError(false, u.Bytes, quota.Bytes)
			}
			if alpr && quota.ALPRBytes > 0 && u.ALPRBytes+m.Size > quota.ALPRBytes {
				return cad.MediaFullError(true, u.ALPRBytes, quota.ALPRBytes)
			}
		}
		u.Bytes, u.Images = max(0, u.Bytes+sign*m.Size), max(0, u.Images+sign)
		if alpr {
			u.ALPRBytes, u.ALPRImages = max(0, u.ALPRBytes+sign*m.Size), max(0, u.ALPRImages+sign)
		}
		if fresh {
			return usageTable.insert(ctx, s.e, u)
		}
		_, err = usageTable.replace(ctx, s.e, Where(Community(cid)), u)
		return err
	})
}

// Media returns one image of a community.
func (s *Store) Media(ctx context.Context, communityID, id string) (*cad.Media, error) {
	if id == "" || len(id) > 64 {
		return nil, errMediaNotFound
	}
	return getOne(ctx, mediaTable, s.e, Where(Community(communityID), ID(id)), errMediaNotFound, mediaOf)
}

func mediaOf(r *mediaRec) *cad.Media {
	m := cad.Media(*r)
	return &m
}

// DeleteMedia deletes one image of a community; a missing one is no error.
func (s *Store) DeleteMedia(ctx context.Context, communityID, id string) error {
	_, err := s.deleteMedia(ctx, Where(Community(communityID), ID(id)))
	return err
}

// DeleteMediaOf deletes every image of a record.
func (s *Store) DeleteMediaOf(ctx context.Context, communityID, ownerID string) (int64, error) {
	return s.deleteMedia(ctx, Where(Community(communityID), Eq("ownerId", ownerID)))
}

// deleteMedia deletes the images q selects and takes the counted ones off
// their community's usage, in one transaction.
func (s *Store) deleteMedia(ctx context.Context, q Query) (int64, error) {
	var n int64
	err := s.Tx(ctx, func(ctx context.Context) error {
		n = 0
		list, err := mediaTable.find(ctx, s.e, q)
		if err != nil {
			return err
		}
		for _, r := range list {
			d, err := mediaTable.delete(ctx, s.e, Where(Community(r.CommunityID), ID(r.ID)))
			if err != nil {
				return err
			}
			if d == 0 {
				continue
			}
			n += d
			if r.counted() {
				if err := s.countMedia(ctx, r, -1, nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return n, err
}

// MediaUsage returns what a community's counted images take. A community
// with none yet gets its (empty) usage record made here, outside any
// transaction, so that uploads only ever change one that exists.
func (s *Store) MediaUsage(ctx context.Context, communityID string) (*cad.MediaUsage, error) {
	r, err := usageTable.get(ctx, s.e, Where(Community(communityID), ID(communityID)), nil)
	if cad.ErrorCode(err) == cad.ENOTFOUND && communityID != "" {
		fresh := &usageRec{ID: communityID, CommunityID: communityID}
		if err := usageTable.insert(ctx, s.e, fresh); err != nil && cad.ErrorCode(err) != cad.ECONFLICT {
			return nil, err
		}
		return fresh.usage(), nil
	}
	if err != nil {
		return nil, err
	}
	return r.usage(), nil
}

// AllMediaUsage lists the usage of every community that stored an image
// (the metrics; one small record per community).
func (s *Store) AllMediaUsage(ctx context.Context) ([]*cad.MediaUsage, error) {
	return findAll(ctx, usageTable, s.e, Query{AllTenants: true, Bulk: true}, (*usageRec).usage)
}

// UncountedMedia lists images stored before normalisation (version 0), in
// every community: the janitor's work list, through its own index.
func (s *Store) UncountedMedia(ctx context.Context, limit int) ([]*cad.Media, error) {
	return findAll(ctx, mediaTable, s.e, Query{Where: []Cond{Eq("version", nil)}, AllTenants: true, Limit: limit}, mediaOf)
}

// ReplaceUncountedMedia stores m, an image's normalised copy (counted), in
// place of the uncounted one with its id, and adds it to its community's
// usage (past the quota if need be: it was stored already). False when
// there is no such uncounted image any more.
func (s *Store) ReplaceUncountedMedia(ctx context.Context, m *cad.Media) (bool, error) {
	r := mediaRec(*m)
	r.CreatedAt = Millis(r.CreatedAt)
	r.Size = int64(len(r.Data))
	if !r.counted() {
		return false, cad.Errorf(cad.EINTERNAL, "store: a replacement image must be normalised")
	}
	done := false
	err := s.Tx(ctx, func(ctx context.Context) error {
		ok, err := mediaTable.replace(ctx, s.e, Where(Community(r.CommunityID), Eq("version", nil)), &r)
		if err != nil || !ok {
			return err
		}
		done = true
		return s.countMedia(ctx, &r, 1, nil)
	})
	return done, err
}

// MediaPage lists images of every community after afterID in _id order:
// the janitor's sweep for images nothing refers to.
func (s *Store) MediaPage(ctx context.Context, afterID string, limit int) ([]*cad.Media, error) {
	q := Query{AllTenants: true, Sort: []OrderKey{Order(FieldID, false)}, Limit: limit}
	if afterID != "" {
		q.Where = []Cond{Gt(FieldID, afterID)}
	}
	return findAll(ctx, mediaTable, s.e, q, mediaOf)
}
