package store

import (
	"context"
	"errors"
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

func (r *linkRec) link() *cad.GameLink {
	l := cad.GameLink(*r)
	l.CreatedAt = l.CreatedAt.UTC()
	if l.ConfirmedAt != nil {
		t := l.ConfirmedAt.UTC()
		l.ConfirmedAt = &t
	}
	return &l
}

type codeRec cad.LinkCode

func (r *codeRec) DocID() string        { return r.ID }
func (r *codeRec) DocCommunity() string { return r.CommunityID }

func (r *codeRec) code() *cad.LinkCode {
	c := cad.LinkCode(*r)
	c.CreatedAt, c.ExpiresAt = c.CreatedAt.UTC(), c.ExpiresAt.UTC()
	return &c
}

var (
	unitTable       = table[unitRec, *unitRec]{units}
	dutyTable       = table[dutyRec, *dutyRec]{dutyPeriods}
	linkTable       = table[linkRec, *linkRec]{gameLinks}
	codeTable       = table[codeRec, *codeRec]{linkCodes}
	errUnitNotFound = cad.Errorf(cad.ENOTFOUND, "Unit not found")
	errLinkNotFound = cad.Errorf(cad.ENOTFOUND, "No member has that game identifier")
	errLinkTaken    = cad.Errorf(cad.ECONFLICT, "That game identifier is confirmed for another member")
	errCodeNotFound = cad.Errorf(cad.ENOTFOUND, "That link code is unknown, used or expired")
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
	r.ID, r.Start, r.End = cad.NewID(), Millis(r.Start), Millis(r.End)
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

// ConfirmGameLink ties a game identifier to a member as the game confirmed
// it, in one transaction, in place of an unconfirmed link of anyone's: a
// link nobody proved never blocks the identifier's real owner. One
// confirmed for another member is a conflict, which only the removal of
// that link resolves; one confirmed for this member stays as it was.
func (s *Store) ConfirmGameLink(ctx context.Context, l *cad.GameLink) error {
	id := l.CommunityID + ":" + l.Identifier
	q := Where(Community(l.CommunityID), ID(id))
	var out linkRec
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.Tx(ctx, func(ctx context.Context) error {
			r := linkRec(*l)
			r.ID, r.Status, r.CreatedAt, r.ConfirmedAt = id, cad.LinkConfirmed, Millis(r.CreatedAt), millisPtr(r.ConfirmedAt)
			cur, err := linkTable.get(ctx, s.e, q, nil)
			switch {
			case cad.ErrorCode(err) == cad.ENOTFOUND:
				out = r
				return linkTable.insert(ctx, s.e, &r)
			case err != nil:
				return err
			case cur.Status == cad.LinkConfirmed && cur.UserID != l.UserID:
				return errLinkTaken
			case cur.Status == cad.LinkConfirmed:
				out = *cur
				return nil
			}
			out = r
			_, err = linkTable.replace(ctx, s.e, q, &r)
			return err
		})
		if cad.ErrorCode(err) != cad.ECONFLICT || errors.Is(err, errLinkTaken) || s.e.InTx(ctx) {
			break
		}
	}
	if err != nil {
		return err
	}
	*l = *out.link()
	return nil
}

// GameLink finds the link of a game identifier, confirmed or not.
func (s *Store) GameLink(ctx context.Context, communityID, identifier string) (*cad.GameLink, error) {
	if identifier == "" {
		return nil, errLinkNotFound
	}
	return getOne(ctx, linkTable, s.e, Where(Community(communityID), ID(communityID+":"+identifier)), errLinkNotFound, (*linkRec).link)
}

// GameLinksOf lists a member's game identifiers (at most 50).
func (s *Store) GameLinksOf(ctx context.Context, communityID, userID string) ([]*cad.GameLink, error) {
	return findAll(ctx, linkTable, s.e, Where(Community(communityID), Eq("userId", userID)).SortBy(Order(FieldID, false)).Take(50), (*linkRec).link)
}

// GameLinks pages through a community's links in identifier order: one
// member's, or (userID "") every member's.
func (s *Store) GameLinks(ctx context.Context, communityID, userID, after string, limit int) ([]*cad.GameLink, string, error) {
	q := Where(Community(communityID)).SortBy(Order(FieldID, false))
	if userID != "" {
		q.Where = append(q.Where, Eq("userId", userID))
	}
	q, err := page(gameLinks, q, after, 0, limit)
	if err != nil {
		return nil, "", err
	}
	list, err := linkTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, limit, func(r *linkRec) []any { return []any{r.ID} })
	out := make([]*cad.GameLink, len(list))
	for i, r := range list {
		out[i] = r.link()
	}
	return out, next, nil
}

// UnlinkGame unties a member's game identifier, or with userID "" the
// identifier of whichever member holds it.
func (s *Store) UnlinkGame(ctx context.Context, communityID, userID, identifier string) error {
	q := Where(Community(communityID), ID(communityID+":"+identifier))
	if userID != "" {
		q.Where = append(q.Where, Eq("userId", userID))
	}
	n, err := linkTable.delete(ctx, s.e, q)
	if err != nil {
		return err
	}
	if n == 0 {
		return errLinkNotFound
	}
	return nil
}

// PutLinkCode stores a member's link code and deletes their older ones in
// the community: a member has one live code at a time.
func (s *Store) PutLinkCode(ctx context.Context, code *cad.LinkCode) error {
	r := codeRec(*code)
	r.CreatedAt, r.ExpiresAt = Millis(r.CreatedAt), Millis(r.ExpiresAt)
	return s.Tx(ctx, func(ctx context.Context) error {
		if _, err := codeTable.delete(ctx, s.e, Where(Community(r.CommunityID), Eq("userId", r.UserID))); err != nil {
			return err
		}
		return codeTable.insert(ctx, s.e, &r)
	})
}

// LinkCodeOf is a member's live link code in a community.
func (s *Store) LinkCodeOf(ctx context.Context, communityID, userID string, now time.Time) (*cad.LinkCode, error) {
	return getOne(ctx, codeTable, s.e, Where(Community(communityID), Eq("userId", userID), Gt("expiresAt", Millis(now))), errCodeNotFound, (*codeRec).code)
}

// SpendLinkCode deletes the live code with this digest and returns it, by a
// counted delete: of many concurrent spends exactly one gets it, on both
// engines, without a transaction.
func (s *Store) SpendLinkCode(ctx context.Context, communityID, digest string, now time.Time) (*cad.LinkCode, error) {
	q := Where(Community(communityID), ID(digest), Gt("expiresAt", Millis(now)))
	r, err := codeTable.get(ctx, s.e, q, errCodeNotFound)
	if err != nil {
		return nil, err
	}
	n, err := codeTable.delete(ctx, s.e, q)
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, errCodeNotFound
	}
	return r.code(), nil
}
