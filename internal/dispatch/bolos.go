package dispatch

import (
	"context"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// BOLOInput is what a caller sets on a BOLO; nil fields stay.
type BOLOInput struct {
	Kind, Reason, Description, Priority, Plate, Character *string
	ExpiresAt                                             *time.Time
}

// CreateBOLO records a BOLO (responders and game servers).
func (s *Service) CreateBOLO(ctx context.Context, c cad.Caller, in BOLOInput) (*cad.BOLO, error) {
	if !c.IsResponder() {
		return nil, errNeedUnit
	}
	b := &cad.BOLO{Kind: cad.BOLOOther, Priority: "normal", Active: true, AuthorID: c.Actor.UserID}
	if err := s.applyBOLO(ctx, c, b, in); err != nil {
		return nil, err
	}
	if err := s.db.CreateBOLO(ctx, c.CommunityID(), b); err != nil {
		return nil, err
	}
	s.record(ctx, c, "bolo.created", b.ID, nil, map[string]any{"type": b.Kind, "reason": b.Reason, "plate": b.Plate})
	s.publish("bolo.created", c.CommunityID(), b.ID, b)
	return b, nil
}

func (s *Service) applyBOLO(ctx context.Context, c cad.Caller, b *cad.BOLO, in BOLOInput) error {
	if in.Kind != nil {
		k := strings.ToLower(strings.TrimSpace(*in.Kind))
		if k != cad.BOLOPerson && k != cad.BOLOVehicle && k != cad.BOLOOther {
			return cad.Errorf(cad.EINVALID, "type must be person, vehicle or other")
		}
		b.Kind = k
	}
	for _, f := range []struct {
		p   *string
		dst *string
		t   text
	}{{in.Reason, &b.Reason, text{"reason", 200}}, {in.Description, &b.Description, text{"description", 2000}}} {
		if f.p == nil {
			continue
		}
		v, err := clean(f.t, *f.p)
		if err != nil {
			return err
		}
		*f.dst = v
	}
	if in.Priority != nil {
		p, ok := priorityOf(*in.Priority)
		if !ok {
			return cad.Errorf(cad.EINVALID, "priority must be one of low, normal, medium, high, critical")
		}
		b.Priority = p
	}
	if in.Plate != nil {
		key, err := cad.PlateKey(*in.Plate)
		if err != nil {
			return err
		}
		b.Plate, b.PlateKey = strings.TrimSpace(*in.Plate), key
		if b.Plate != "" && (b.PlateKey == "" || len(b.PlateKey) > 10) {
			return cad.Errorf(cad.EINVALID, "plate must hold 1 to 10 letters and digits")
		}
	}
	if in.Character != nil {
		b.CharacterID = ""
		if ref := strings.TrimSpace(*in.Character); ref != "" {
			ch, err := s.civil.Resolve(ctx, c, ref)
			if err != nil {
				return err
			}
			b.CharacterID = ch.ID
		}
	}
	if in.ExpiresAt != nil {
		t := in.ExpiresAt.UTC()
		b.ExpiresAt = &t
	}
	switch {
	case b.Reason == "":
		return cad.Errorf(cad.EINVALID, "reason is required")
	case b.Kind == cad.BOLOVehicle && b.PlateKey == "" && b.Description == "":
		return cad.Errorf(cad.EINVALID, "a vehicle BOLO needs a plate or a description")
	case b.Kind == cad.BOLOPerson && b.CharacterID == "" && b.Description == "":
		return cad.Errorf(cad.EINVALID, "a person BOLO needs a civilian or a description")
	}
	return nil
}

// UpdateBOLO changes a BOLO: its author, a Supervisor and up, or a game
// server.
func (s *Service) UpdateBOLO(ctx context.Context, c cad.Caller, id string, in BOLOInput) (*cad.BOLO, error) {
	b, err := s.ownBOLO(ctx, c, id)
	if err != nil {
		return nil, err
	}
	out, err := s.db.UpdateBOLO(ctx, c.CommunityID(), b.ID, func(x *cad.BOLO) error { return s.applyBOLO(ctx, c, x, in) })
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "bolo.updated", b.ID, nil, map[string]any{"reason": out.Reason})
	return out, nil
}

// ResolveBOLO ends a BOLO (its author, a Supervisor and up, a game server).
func (s *Service) ResolveBOLO(ctx context.Context, c cad.Caller, id string) (*cad.BOLO, error) {
	b, err := s.ownBOLO(ctx, c, id)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	out, err := s.db.UpdateBOLO(ctx, c.CommunityID(), b.ID, func(x *cad.BOLO) error {
		if !x.Active {
			return cad.Errorf(cad.ECONFLICT, "The BOLO is resolved already")
		}
		x.Active, x.ResolvedAt, x.ResolvedBy = false, &now, c.Actor.UserID
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "bolo.resolved", b.ID, nil, nil)
	s.publish("bolo.resolved", c.CommunityID(), b.ID, out)
	return out, nil
}

func (s *Service) ownBOLO(ctx context.Context, c cad.Caller, id string) (*cad.BOLO, error) {
	if !c.IsResponder() {
		return nil, errNeedUnit
	}
	b, err := s.db.BOLO(ctx, c.CommunityID(), id)
	if err != nil {
		return nil, err
	}
	if b.AuthorID != c.Actor.UserID && !c.IsSupervisor() {
		return nil, cad.Errorf(cad.EFORBIDDEN, "Only its author or a Supervisor changes a BOLO")
	}
	return b, nil
}

// BOLOs pages through the community's BOLOs (active ones, or all).
func (s *Service) BOLOs(ctx context.Context, c cad.Caller, activeOnly bool, after string, limit int) ([]*cad.BOLO, string, error) {
	if !c.IsResponder() {
		return nil, "", errNeedUnit
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	list, next, err := s.db.BOLOs(ctx, c.CommunityID(), activeOnly, after, limit)
	if err != nil || !activeOnly {
		return list, next, err
	}
	now := s.now()
	out := list[:0]
	for _, b := range list {
		if b.Live(now) {
			out = append(out, b)
		}
	}
	return out, next, nil
}
