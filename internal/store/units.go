package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type unitRec cad.Unit

func (r *unitRec) DocID() string        { return r.ID }
func (r *unitRec) DocCommunity() string { return r.CommunityID }

func (r *unitRec) unit() *cad.Unit {
	u := cad.Unit(*r)
	u.UpdatedAt = u.UpdatedAt.UTC()
	return &u
}

type dutyRec cad.DutyPeriod

func (r *dutyRec) DocID() string        { return r.ID }
func (r *dutyRec) DocCommunity() string { return r.CommunityID }

type linkRec cad.GameLink

func (r *linkRec) DocID() string        { return r.ID }
func (r *linkRec) DocCommunity() string { return r.CommunityID }

var (
	unitTable       = table[unitRec, *unitRec]{units}
	dutyTable       = table[dutyRec, *dutyRec]{dutyPeriods}
	linkTable       = table[linkRec, *linkRec]{gameLinks}
	errUnitNotFound = cad.Errorf(cad.ENOTFOUND, "Unit not found")
	errLinkNotFound = cad.Errorf(cad.ENOTFOUND, "No member has that game identifier")
)

// UnitID is a member's unit's id in a community.
func UnitID(communityID, userID string) string { return communityID + ":" + userID }

// Unit returns a member's unit in a community.
func (s *Store) Unit(ctx context.Context, communityID, userID string) (*cad.Unit, error) {
	return getOne(ctx, unitTable, s.e, Where(Community(communityID), ID(UnitID(communityID, userID))), errUnitNotFound, (*unitRec).unit)
}

// UnitByDiscord returns the unit of a Discord user in a community.
func (s *Store) UnitByDiscord(ctx context.Context, communityID, discordID string) (*cad.Unit, error) {
	if discordID == "" {
		return nil, errUnitNotFound
	}
	return getOne(ctx, unitTable, s.e, Where(Community(communityID), Eq("discordId", discordID)), errUnitNotFound, (*unitRec).unit)
}

// UpdateUnit changes a member's unit in one transaction, making it (from
// fresh) when the member has none yet.
func (s *Store) UpdateUnit(ctx context.Context, communityID, userID string, fresh func() *cad.Unit, fn func(u *cad.Unit) error) (*cad.Unit, error) {
	id := UnitID(communityID, userID)
	q := Where(Community(communityID), ID(id))
	var out *unitRec
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.Tx(ctx, func(ctx context.Context) error {
			r, err := unitTable.get(ctx, s.e, q, nil)
			isNew := cad.ErrorCode(err) == cad.ENOTFOUND
			if err != nil && !isNew {
				return err
			}
			if isNew {
				if fresh == nil {
					return errUnitNotFound
				}
				r = (*unitRec)(fresh())
			}
			if err := fn((*cad.Unit)(r)); err != nil {
				return err
			}
			r.ID, r.CommunityID, r.UserID, r.UpdatedAt = id, communityID, userID, Millis(time.Now())
			r.DutyStart = millisPtr(r.DutyStart)
			if r.Calls == nil {
				r.Calls = []string{}
			}
			out = r
			if isNew {
				return unitTable.insert(ctx, s.e, r)
			}
			_, err = unitTable.replace(ctx, s.e, q, r)
			return err
		})
		if cad.ErrorCode(err) != cad.ECONFLICT || s.e.InTx(ctx) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return out.unit(), nil
}

// OnDutyUnits lists up to limit units on duty in a community, by call sign.
func (s *Store) OnDutyUnits(ctx context.Context, communityID string, limit int) ([]*cad.Unit, error) {
	list, err := unitTable.find(ctx, s.e, Where(Community(communityID), Eq("onDuty", true)).
		SortBy(Order("callSign", false), Order(FieldID, false)).Take(limit))
	if err != nil {
		return nil, err
	}
	out := make([]*cad.Unit, len(list))
	for i, r := range list {
		out[i] = r.unit()
	}
	return out, nil
}

// AddDutyPeriod keeps one period on duty.
func (s *Store) AddDutyPeriod(ctx context.Context, p *cad.DutyPeriod) error {
	r := dutyRec(*p)
	r.ID, r.Start, r.End = NewID(), Millis(r.Start), Millis(r.End)
	if err := dutyTable.insert(ctx, s.e, &r); err != nil {
		return err
	}
	*p = cad.DutyPeriod(r)
	return nil
}

// DutyPeriods lists duty periods, newest first: one member's, or (userID
// "") the community's.
func (s *Store) DutyPeriods(ctx context.Context, communityID, userID, after string, limit int) ([]*cad.DutyPeriod, string, error) {
	q := Where(Community(communityID)).SortBy(Order("start", true), Order(FieldID, true))
	if userID != "" {
		q.Where = append(q.Where, Eq("userId", userID))
	}
	q, err := page(dutyPeriods, q, after, 0, limit)
	if err != nil {
		return nil, "", err
	}
	list, err := dutyTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, limit, func(r *dutyRec) []any { return []any{r.Start, r.ID} })
	out := make([]*cad.DutyPeriod, len(list))
	for i, r := range list {
		p := cad.DutyPeriod(*r)
		p.Start, p.End = p.Start.UTC(), p.End.UTC()
		out[i] = &p
	}
	return out, next, nil
}

// LinkGame ties a game identifier to a member; one already tied to anyone
// in the community is a conflict.
func (s *Store) LinkGame(ctx context.Context, l *cad.GameLink) error {
	r := linkRec(*l)
	r.ID, r.CreatedAt = l.CommunityID+":"+l.Identifier, Millis(r.CreatedAt)
	if err := linkTable.insert(ctx, s.e, &r); err != nil {
		if cad.ErrorCode(err) == cad.ECONFLICT {
			return cad.Wrap(cad.ECONFLICT, err, "That game identifier is linked already")
		}
		return err
	}
	*l = cad.GameLink(r)
	return nil
}

// GameLink finds the member a game identifier is tied to.
func (s *Store) GameLink(ctx context.Context, communityID, identifier string) (*cad.GameLink, error) {
	if identifier == "" {
		return nil, errLinkNotFound
	}
	r, err := linkTable.get(ctx, s.e, Where(Community(communityID), ID(communityID+":"+identifier)), errLinkNotFound)
	if err != nil {
		return nil, err
	}
	l := cad.GameLink(*r)
	return &l, nil
}

// GameLinksOf lists a member's game identifiers.
func (s *Store) GameLinksOf(ctx context.Context, communityID, userID string) ([]*cad.GameLink, error) {
	list, err := linkTable.find(ctx, s.e, Where(Community(communityID), Eq("userId", userID)).Take(50))
	if err != nil {
		return nil, err
	}
	out := make([]*cad.GameLink, len(list))
	for i, r := range list {
		l := cad.GameLink(*r)
		out[i] = &l
	}
	return out, nil
}

// UnlinkGame unties a member's game identifier.
func (s *Store) UnlinkGame(ctx context.Context, communityID, userID, identifier string) error {
	n, err := linkTable.delete(ctx, s.e, Where(Community(communityID), ID(communityID+":"+identifier), Eq("userId", userID)))
	if err != nil {
		return err
	}
	if n == 0 {
		return errLinkNotFound
	}
	return nil
}
