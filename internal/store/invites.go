package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Invites are found by the SHA-256 of their code (R68), unique in the
// community the code names; the _id is the public id admins revoke by.
// Taking a use reads and writes the record in one transaction, so of
// concurrent takers of the last use exactly one gets it.
type inviteRec struct {
	ID          string    `json:"_id"`
	CommunityID string    `json:"communityId"`
	Digest      string    `json:"digest"`
	Role        string    `json:"role"`
	Departments []string  `json:"departments"`
	MaxUses     int       `json:"maxUses,omitempty"`
	Uses        int       `json:"uses"`
	ExpiresAt   time.Time `json:"expiresAt"`
	CreatedAt   time.Time `json:"createdAt"`
	CreatedBy   string    `json:"createdBy"`
}

func (r *inviteRec) DocID() string        { return r.ID }
func (r *inviteRec) DocCommunity() string { return r.CommunityID }

func (r *inviteRec) invite() *cad.Invite {
	deps := append([]string{}, r.Departments...)
	return &cad.Invite{ID: r.ID, CommunityID: r.CommunityID, Digest: r.Digest, Role: r.Role, Departments: deps,
		MaxUses: r.MaxUses, Uses: r.Uses, ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy}
}

var (
	inviteTable       = table[inviteRec, *inviteRec]{invites}
	errInviteNotFound = cad.Errorf(cad.ENOTFOUND, "Invite not found")
)

// CreateInvite stores an invite of inv.CommunityID under its digest.
func (s *Store) CreateInvite(ctx context.Context, inv *cad.Invite) error {
	r := &inviteRec{ID: cad.NewID(), CommunityID: inv.CommunityID, Digest: inv.Digest, Role: inv.Role,
		Departments: append([]string{}, inv.Departments...), MaxUses: inv.MaxUses, ExpiresAt: Millis(inv.ExpiresAt),
		CreatedAt: Millis(time.Now()), CreatedBy: inv.CreatedBy}
	if err := inviteTable.insert(ctx, s.e, r); err != nil {
		return err
	}
	*inv = *r.invite()
	return nil
}

// Invites lists a community's invites, newest first.
func (s *Store) Invites(ctx context.Context, communityID, after string, limit int) ([]*cad.Invite, string, error) {
	q, err := page(invites, Where(Community(communityID)).SortBy(Order("createdAt", true), Order(FieldID, true)), after, 0, limit)
	if err != nil {
		return nil, "", err
	}
	list, err := inviteTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, limit, func(r *inviteRec) []any { return []any{r.CreatedAt, r.ID} })
	out := make([]*cad.Invite, len(list))
	for i, r := range list {
		out[i] = r.invite()
	}
	return out, next, nil
}

// CountLiveInvites counts a community's unexpired invites, up to atMost,
// by the expiry index.
func (s *Store) CountLiveInvites(ctx context.Context, communityID string, now time.Time, atMost int) (int, error) {
	list, err := inviteTable.find(ctx, s.e, Where(Community(communityID), Gt("expiresAt", Millis(now))).Take(atMost))
	return len(list), err
}

// InviteByDigest finds an invite of a community by its code's digest.
func (s *Store) InviteByDigest(ctx context.Context, communityID, digest string) (*cad.Invite, error) {
	return getOne(ctx, inviteTable, s.e, Where(Community(communityID), Eq("digest", digest)), errInviteNotFound, (*inviteRec).invite)
}

// TakeInvite counts a use of a live invite in one transaction.
func (s *Store) TakeInvite(ctx context.Context, communityID, digest string, now time.Time) (*cad.Invite, error) {
	r, err := inviteTable.modify(ctx, s, Where(Community(communityID), Eq("digest", digest)), errInviteNotFound, func(r *inviteRec) error {
		if !r.invite().Admits(now) {
			return errInviteNotFound
		}
		r.Uses++
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r.invite(), nil
}

// DeleteInvite deletes an invite of a community by its id.
func (s *Store) DeleteInvite(ctx context.Context, communityID, id string) (*cad.Invite, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errInviteNotFound
	}
	var out *cad.Invite
	err := s.Tx(ctx, func(ctx context.Context) error {
		r, err := inviteTable.get(ctx, s.e, Where(Community(communityID), ID(id)), errInviteNotFound)
		if err != nil {
			return err
		}
		n, err := inviteTable.delete(ctx, s.e, Where(Community(communityID), ID(id)))
		if err != nil {
			return err
		}
		if n == 0 {
			return errInviteNotFound
		}
		out = r.invite()
		return nil
	})
	return out, err
}

// Announcements are stored as the domain record is.
type announcementRec cad.Announcement

func (r *announcementRec) DocID() string        { return r.ID }
func (r *announcementRec) DocCommunity() string { return r.CommunityID }

func (r *announcementRec) announcement() *cad.Announcement {
	a := cad.Announcement(*r)
	a.CreatedAt = a.CreatedAt.UTC()
	return &a
}

var announcementTable = table[announcementRec, *announcementRec]{announcements}

// AddAnnouncement stores an announcement (its CreatedAt as given, or now).
func (s *Store) AddAnnouncement(ctx context.Context, a *cad.Announcement) error {
	r := announcementRec(*a)
	r.ID = cad.NewID()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	r.CreatedAt = Millis(r.CreatedAt)
	if err := announcementTable.insert(ctx, s.e, &r); err != nil {
		return err
	}
	*a = *r.announcement()
	return nil
}

// Announcements lists a community's announcements, newest first.
func (s *Store) Announcements(ctx context.Context, communityID, after string, limit int) ([]*cad.Announcement, string, error) {
	q, err := page(announcements, Where(Community(communityID)).SortBy(Order("createdAt", true), Order(FieldID, true)), after, 0, limit)
	if err != nil {
		return nil, "", err
	}
	list, err := announcementTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, limit, func(r *announcementRec) []any { return []any{r.CreatedAt, r.ID} })
	out := make([]*cad.Announcement, len(list))
	for i, r := range list {
		out[i] = r.announcement()
	}
	return out, next, nil
}
