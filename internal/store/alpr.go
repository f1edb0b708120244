package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type cameraRec cad.Camera

func (r *cameraRec) DocID() string        { return r.ID }
func (r *cameraRec) DocCommunity() string { return r.CommunityID }

type hitRec cad.ALPRHit

func (r *hitRec) DocID() string        { return r.ID }
func (r *hitRec) DocCommunity() string { return r.CommunityID }

type tokenRec cad.UploadToken

func (r *tokenRec) DocID() string { return r.ID }

type commandRec cad.CameraCommand

func (r *commandRec) DocID() string        { return r.ID }
func (r *commandRec) DocCommunity() string { return r.CommunityID }

type ersRec cad.ERSCallout

func (r *ersRec) DocID() string        { return r.ID }
func (r *ersRec) DocCommunity() string { return r.CommunityID }

var (
	cameraTable      = table[cameraRec, *cameraRec]{cameras}
	hitTable         = table[hitRec, *hitRec]{alprHits}
	tokenTable       = table[tokenRec, *tokenRec]{uploadTokens}
	commandTable     = table[commandRec, *commandRec]{cameraCommands}
	ersTable         = table[ersRec, *ersRec]{ersCallouts}
	errHitNotFound   = cad.Errorf(cad.ENOTFOUND, "ALPR hit not found")
	errTokenNotFound = cad.Errorf(cad.ENOTFOUND, "Upload token not found or already used")
)

// SyncCameras replaces a community's camera list with list (the game
// server's whole list): cameras not in it are removed. One transaction.
func (s *Store) SyncCameras(ctx context.Context, communityID string, list []*cad.Camera) error {
	return s.Tx(ctx, func(ctx context.Context) error {
		if _, err := cameraTable.delete(ctx, s.e, Where(Community(communityID))); err != nil {
			return err
		}
		now := Millis(time.Now())
		for _, c := range list {
			r := cameraRec(*c)
			r.ID, r.CommunityID, r.UpdatedAt = communityID+":"+c.CamID, communityID, now
			if err := cameraTable.insert(ctx, s.e, &r); err != nil {
				return err
			}
		}
		return nil
	})
}

// Cameras lists a community's cameras by id.
func (s *Store) Cameras(ctx context.Context, communityID string) ([]*cad.Camera, error) {
	list, err := cameraTable.find(ctx, s.e, Where(Community(communityID)).SortBy(Order("camId", false)).Take(1000))
	if err != nil {
		return nil, err
	}
	out := make([]*cad.Camera, len(list))
	for i, r := range list {
		c := cad.Camera(*r)
		out[i] = &c
	}
	return out, nil
}

// AddHit stores an ALPR hit.
func (s *Store) AddHit(ctx context.Context, h *cad.ALPRHit) error {
	r := hitRec(*h)
	r.ID, r.Time = cad.NewID(), Millis(r.Time)
	if r.Photos == nil {
		r.Photos = []string{}
	}
	if err := hitTable.insert(ctx, s.e, &r); err != nil {
		return err
	}
	*h = cad.ALPRHit(r)
	return nil
}

// UpdateHit changes a hit in one transaction.
func (s *Store) UpdateHit(ctx context.Context, communityID, id string, fn func(*cad.ALPRHit) error) (*cad.ALPRHit, error) {
	r, err := hitTable.modify(ctx, s, Where(Community(communityID), ID(id)), errHitNotFound, func(r *hitRec) error {
		keep := *r
		if err := fn((*cad.ALPRHit)(r)); err != nil {
			return err
		}
		r.ID, r.CommunityID, r.Time = keep.ID, keep.CommunityID, keep.Time
		return nil
	})
	if err != nil {
		return nil, err
	}
	h := cad.ALPRHit(*r)
	return &h, nil
}

// Hits lists a community's ALPR hits, newest first.
func (s *Store) Hits(ctx context.Context, communityID, after string, limit int) ([]*cad.ALPRHit, string, error) {
	q, err := page(alprHits, Where(Community(communityID)).SortBy(Order("time", true), Order(FieldID, true)), after, 0, limit)
	if err != nil {
		return nil, "", err
	}
	list, err := hitTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, limit, func(r *hitRec) []any { return []any{r.Time, r.ID} })
	out := make([]*cad.ALPRHit, len(list))
	for i, r := range list {
		h := cad.ALPRHit(*r)
		h.Time = h.Time.UTC()
		out[i] = &h
	}
	return out, next, nil
}

// PutUploadToken stores a one-time token by its digest.
func (s *Store) PutUploadToken(ctx context.Context, t *cad.UploadToken) error {
	r := tokenRec(*t)
	r.ExpiresAt = Millis(r.ExpiresAt)
	return tokenTable.insert(ctx, s.e, &r)
}

// UploadToken reads the live token with this digest without spending it.
func (s *Store) UploadToken(ctx context.Context, digest string, now time.Time) (*cad.UploadToken, error) {
	return getOne(ctx, tokenTable, s.e, Where(ID(digest), Gt("expiresAt", Millis(now))), errTokenNotFound, func(r *tokenRec) *cad.UploadToken {
		t := cad.UploadToken(*r)
		return &t
	})
}

// Hit returns one ALPR hit of a community.
func (s *Store) Hit(ctx context.Context, communityID, id string) (*cad.ALPRHit, error) {
	return getOne(ctx, hitTable, s.e, Where(Community(communityID), ID(id)), errHitNotFound, func(r *hitRec) *cad.ALPRHit {
		h := cad.ALPRHit(*r)
		return &h
	})
}

// SpendUploadToken deletes the token with this digest and returns it:
// of two requests with one token, exactly one gets it.
func (s *Store) SpendUploadToken(ctx context.Context, digest string, now time.Time) (*cad.UploadToken, error) {
	var out *cad.UploadToken
	err := s.Tx(ctx, func(ctx context.Context) error {
		r, err := tokenTable.get(ctx, s.e, Where(ID(digest), Gt("expiresAt", Millis(now))), errTokenNotFound)
		if err != nil {
			return err
		}
		n, err := tokenTable.delete(ctx, s.e, Where(ID(digest)))
		if err != nil {
			return err
		}
		if n == 0 {
			return errTokenNotFound
		}
		t := cad.UploadToken(*r)
		out = &t
		return nil
	})
	return out, err
}

// AddCameraCommand queues a command for the game.
func (s *Store) AddCameraCommand(ctx context.Context, c *cad.CameraCommand) error {
	r := commandRec(*c)
	r.ID, r.CreatedAt = cad.NewID(), Millis(r.CreatedAt)
	if err := commandTable.insert(ctx, s.e, &r); err != nil {
		return err
	}
	*c = cad.CameraCommand(r)
	return nil
}

// TakeCameraCommands hands out up to limit undelivered commands, oldest
// first, and marks them delivered in the same transaction: each is handed
// out once.
func (s *Store) TakeCameraCommands(ctx context.Context, communityID string, limit int) ([]*cad.CameraCommand, error) {
	var out []*cad.CameraCommand
	err := s.Tx(ctx, func(ctx context.Context) error {
		out = nil
		q := Where(Community(communityID), Eq("delivered", false)).SortBy(Order(FieldID, false)).Take(limit)
		list, err := commandTable.find(ctx, s.e, q)
		if err != nil {
			return err
		}
		for _, r := range list {
			r.Delivered = true
			if _, err := commandTable.replace(ctx, s.e, Where(Community(communityID), ID(r.ID)), r); err != nil {
				return err
			}
			c := cad.CameraCommand(*r)
			out = append(out, &c)
		}
		return nil
	})
	return out, err
}

// AddERSCallout queues a dispatcher's call-out for the game.
func (s *Store) AddERSCallout(ctx context.Context, c *cad.ERSCallout) error {
	r := ersRec(*c)
	r.ID, r.CreatedAt = cad.NewID(), Millis(r.CreatedAt)
	if err := ersTable.insert(ctx, s.e, &r); err != nil {
		return err
	}
	*c = cad.ERSCallout(r)
	return nil
}

// PendingERSCallouts lists up to limit call-outs the game has not
// acknowledged, oldest first.
func (s *Store) PendingERSCallouts(ctx context.Context, communityID string, limit int) ([]*cad.ERSCallout, error) {
	list, err := ersTable.find(ctx, s.e, Where(Community(communityID), Eq("acknowledged", false)).SortBy(Order(FieldID, false)).Take(limit))
	if err != nil {
		return nil, err
	}
	out := make([]*cad.ERSCallout, len(list))
	for i, r := range list {
		c := cad.ERSCallout(*r)
		out[i] = &c
	}
	return out, nil
}

// AckERSCallout marks a call-out acknowledged; false when there was none
// pending with that ERS id.
func (s *Store) AckERSCallout(ctx context.Context, communityID, ersID string) (bool, error) {
	found := false
	err := s.Tx(ctx, func(ctx context.Context) error {
		list, err := ersTable.find(ctx, s.e, Where(Community(communityID), Eq("ersCalloutId", ersID)).Take(20))
		if err != nil {
			return err
		}
		for _, r := range list {
			if r.Acknowledged {
				continue
			}
			found = true
			r.Acknowledged = true
			if _, err := ersTable.replace(ctx, s.e, Where(Community(communityID), ID(r.ID)), r); err != nil {
				return err
			}
		}
		return nil
	})
	return found, err
}
