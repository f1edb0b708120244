package dispatch

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// The media janitor. Each round it normalises a few images stored before
// images were normalised (deleting, and taking off their record, those
// that break the bounds or nothing shows), and sweeps a page of the stored
// images for ones that nothing shows any more (a mugshot no character has,
// a photo no hit lists), deleting them. Every deletion takes the image off
// its community's usage. Nothing depends on it for correctness: images
// are stored and dropped in the transactions that change their records,
// and an image stored before normalisation is never decoded for an ID
// card.

// Sizes of a janitor round.
const (
	legacyPerRound = 10
	sweepPerRound  = 100
	// orphanAge is how old an image must be before the sweep may take it
	// for one nothing shows.
	orphanAge = 10 * time.Minute
)

// MediaJanitorStats is what one round did.
type MediaJanitorStats struct {
	Normalized, Deleted int
}

// mediaSweep is where the janitor's sweep stands.
type mediaSweep struct {
	mu    sync.Mutex
	after string
}

// RunMediaJanitor runs a media janitor round every interval until ctx
// ends.
func (s *Service) RunMediaJanitor(ctx context.Context, every time.Duration) {
	cad.Every(ctx, every, func(ctx context.Context) {
		st, err := s.MediaJanitorRound(ctx)
		if err != nil {
			s.log.WarnContext(ctx, "media janitor", "error", err.Error())
		} else if st.Normalized+st.Deleted > 0 {
			s.log.InfoContext(ctx, "media janitor", "normalized", st.Normalized, "deleted", st.Deleted)
		}
	})
}

// MediaJanitorRound runs one round.
func (s *Service) MediaJanitorRound(ctx context.Context) (MediaJanitorStats, error) {
	var st MediaJanitorStats
	legacy, err := s.db.UncountedMedia(ctx, legacyPerRound)
	if err != nil {
		return st, err
	}
	for _, m := range legacy {
		kind, shown, err := s.shownBy(ctx, m)
		if err != nil {
			return st, err
		}
		var norm *cad.Media
		if shown {
			norm, err = s.civil.NormalizeStored(ctx, m, kind)
			if code := cad.ErrorCode(err); code != "" && code != cad.EINVALID && code != cad.ETOOLARGE {
				return st, err
			}
		}
		if norm == nil {
			s.log.InfoContext(ctx, "media janitor: an image stored before normalisation breaks the bounds or is shown by nothing; deleted",
				"communityId", m.CommunityID, "mediaId", m.ID)
			if err := s.dropMedia(ctx, m, kind); err != nil {
				return st, err
			}
			st.Deleted++
			continue
		}
		ok, err := s.db.ReplaceUncountedMedia(ctx, norm)
		if err != nil {
			return st, err
		}
		if ok {
			st.Normalized++
		}
	}

	s.sweep.mu.Lock()
	defer s.sweep.mu.Unlock()
	page, err := s.db.MediaPage(ctx, s.sweep.after, sweepPerRound)
	if err != nil {
		return st, err
	}
	if len(page) < sweepPerRound {
		s.sweep.after = ""
	} else {
		s.sweep.after = page[len(page)-1].ID
	}
	cutoff := s.now().Add(-orphanAge)
	for _, m := range page {
		if !m.Counted() || m.CreatedAt.After(cutoff) {
			continue
		}
		_, shown, err := s.shownBy(ctx, m)
		if err != nil {
			return st, err
		}
		if !shown {
			s.log.InfoContext(ctx, "media janitor: an image nothing shows; deleted", "communityId", m.CommunityID, "mediaId", m.ID)
			if err := s.db.DeleteMedia(ctx, m.CommunityID, m.ID); err != nil {
				return st, err
			}
			st.Deleted++
		}
	}
	return st, nil
}

// shownBy finds what shows an image: the character whose mugshot it is,
// or the ALPR hit that lists it. An image stored before kinds were kept
// may be either.
func (s *Service) shownBy(ctx context.Context, m *cad.Media) (kind string, shown bool, err error) {
	if m.Kind != cad.MediaALPR {
		ch, err := s.db.Character(ctx, m.CommunityID, m.OwnerID)
		switch {
		case err == nil:
			return cad.MediaMugshot, ch.MugshotID == m.ID, nil
		case cad.ErrorCode(err) != cad.ENOTFOUND:
			return "", false, err
		case m.Kind == cad.MediaMugshot:
			return cad.MediaMugshot, false, nil
		}
	}
	h, err := s.db.Hit(ctx, m.CommunityID, m.OwnerID)
	switch {
	case err == nil:
		return cad.MediaALPR, slices.Contains(h.Photos, m.ID), nil
	case cad.ErrorCode(err) != cad.ENOTFOUND:
		return "", false, err
	}
	return m.Kind, false, nil
}

// dropMedia deletes an image and takes it off the record that shows it,
// in one transaction.
func (s *Service) dropMedia(ctx context.Context, m *cad.Media, kind string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		switch kind {
		case cad.MediaMugshot:
			_, err := s.db.UpdateCharacter(ctx, m.CommunityID, m.OwnerID, func(ch *cad.Character) error {
				if ch.MugshotID == m.ID {
					ch.MugshotID = ""
				}
				return nil
			})
			if err != nil && cad.ErrorCode(err) != cad.ENOTFOUND {
				return err
			}
		case cad.MediaALPR:
			_, err := s.db.UpdateHit(ctx, m.CommunityID, m.OwnerID, func(h *cad.ALPRHit) error {
				h.Photos = slices.DeleteFunc(h.Photos, func(id string) bool { return id == m.ID })
				return nil
			})
			if err != nil && cad.ErrorCode(err) != cad.ENOTFOUND {
				return err
			}
		}
		return s.db.DeleteMedia(ctx, m.CommunityID, m.ID)
	})
}
