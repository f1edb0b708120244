package store

import (
	"context"

	"github.com/precinct-cad/precinct/internal/cad"
)

type mediaRec cad.Media

func (r *mediaRec) DocID() string        { return r.ID }
func (r *mediaRec) DocCommunity() string { return r.CommunityID }

var (
	mediaTable       = table[mediaRec, *mediaRec]{media}
	errMediaNotFound = cad.Errorf(cad.ENOTFOUND, "Image not found")
)

// PutMedia stores an image; m.ID (the secret part of its URL) is the
// caller's.
func (s *Store) PutMedia(ctx context.Context, m *cad.Media) error {
	r := mediaRec(*m)
	r.CreatedAt = Millis(r.CreatedAt)
	return mediaTable.insert(ctx, s.e, &r)
}

// Media returns one image of a community.
func (s *Store) Media(ctx context.Context, communityID, id string) (*cad.Media, error) {
	if id == "" || len(id) > 64 {
		return nil, errMediaNotFound
	}
	r, err := mediaTable.get(ctx, s.e, Where(Community(communityID), ID(id)), errMediaNotFound)
	if err != nil {
		return nil, err
	}
	m := cad.Media(*r)
	return &m, nil
}

// DeleteMedia deletes one image of a community; a missing one is no error.
func (s *Store) DeleteMedia(ctx context.Context, communityID, id string) error {
	_, err := mediaTable.delete(ctx, s.e, Where(Community(communityID), ID(id)))
	return err
}

// DeleteMediaOf deletes every image of a record.
func (s *Store) DeleteMediaOf(ctx context.Context, communityID, ownerID string) (int64, error) {
	return mediaTable.delete(ctx, s.e, Where(Community(communityID), Eq("ownerId", ownerID)))
}
