package community

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Invite links (docs/tenancy.md).
const (
	InviteLife    = 7 * 24 * time.Hour  // when the maker names no expiry
	MaxInviteLife = 30 * 24 * time.Hour // the furthest expiry
	MaxInviteUses = 1000
	// maxLiveInvites bounds a community's unexpired invites (R66).
	maxLiveInvites = 100
	// Failed tries of invite codes per client address per window: look-ups,
	// accepts and sign-ups with a code that admits no one.
	InviteMissLimit  = 20
	InviteMissWindow = 15 * time.Minute

	invitePrefix = "inv_"
	// An invite's code: the prefix, the community's id (24 hex) and 256
	// random bits in base64url (43 characters).
	inviteCodeLen = len(invitePrefix) + 24 + 43
)

// errNoInvite is the one answer for a code that is unknown, expired, used
// up, revoked or of a deleted community: none tells which (no
// enumeration).
var errNoInvite = cad.Errorf(cad.ENOTFOUND, "Invite not found or no longer valid")

// InviteInput is what an admin's new invite says; nil fields take their
// defaults.
type InviteInput struct {
	Role        string
	Departments []string
	MaxUses     *int // nil: no limit but the expiry
	ExpiresAt   *time.Time
}

// CreateInvite makes an invite link for the scoped community. It grants a
// role below the actor's own (R62) and departments the community has; it
// expires within MaxInviteLife. The code is returned this once; only its
// SHA-256 is stored (R68).
func (s *Service) CreateInvite(ctx context.Context, a cad.Actor, sc *cad.Scope, in InviteInput) (string, *cad.Invite, error) {
	role, err := grantable(a, in.Role)
	if err != nil {
		return "", nil, err
	}
	if len(in.Departments) > maxDepartmentsOfMember {
		// Before the codes are compared with one another.
		return "", nil, errTooManyDepartments
	}
	var deps []string
	for _, d := range in.Departments {
		if d = strings.ToUpper(strings.TrimSpace(d)); !slices.Contains(deps, d) {
			deps = append(deps, d)
		}
	}
	if err := s.checkDepartmentCodes(ctx, sc.Community.ID, deps); err != nil {
		return "", nil, err
	}
	maxUses := 0
	if in.MaxUses != nil {
		if maxUses = *in.MaxUses; maxUses < 1 || maxUses > MaxInviteUses {
			return "", nil, cad.Errorf(cad.EINVALID, "maxUses must be 1 to %d, or null for no limit", MaxInviteUses)
		}
	}
	now := s.now()
	expires := now.Add(InviteLife)
	if in.ExpiresAt != nil {
		expires = in.ExpiresAt.UTC()
		// A minute of leeway for the clock of the page that computed
		// "30 days from now".
		if !expires.After(now) || expires.After(now.Add(MaxInviteLife+time.Minute)) {
			return "", nil, cad.Errorf(cad.EINVALID, "expiresAt must be in the future and at most 30 days ahead")
		}
	}
	n, err := s.db.CountLiveInvites(ctx, sc.Community.ID, now, maxLiveInvites)
	if err != nil {
		return "", nil, err
	}
	if n >= maxLiveInvites {
		return "", nil, cad.Errorf(cad.EINVALID, "A community has at most %d unexpired invites; revoke one first", maxLiveInvites)
	}
	code, err := newInviteCode(sc.Community.ID)
	if err != nil {
		return "", nil, err
	}
	inv := &cad.Invite{CommunityID: sc.Community.ID, Digest: inviteDigest(code), Role: role, Departments: deps,
		MaxUses: maxUses, ExpiresAt: expires, CreatedBy: a.UserID}
	if err := s.db.CreateInvite(ctx, inv); err != nil {
		return "", nil, err
	}
	s.audit(ctx, a, sc.Community.ID, "invite.created", inv.ID, nil, inviteState(inv))
	return code, inv, nil
}

func inviteState(inv *cad.Invite) map[string]any {
	return map[string]any{"role": inv.Role, "departments": inv.Departments, "maxUses": inv.MaxUses, "uses": inv.Uses, "expiresAt": inv.ExpiresAt}
}

// Invites lists the scoped community's invites, newest first.
func (s *Service) Invites(ctx context.Context, sc *cad.Scope, after string, limit int) ([]*cad.Invite, string, error) {
	return s.db.Invites(ctx, sc.Community.ID, after, limit)
}

// RevokeInvite deletes an invite: its link stops working at once.
func (s *Service) RevokeInvite(ctx context.Context, a cad.Actor, sc *cad.Scope, id string) error {
	inv, err := s.db.DeleteInvite(ctx, sc.Community.ID, id)
	if err != nil {
		return err
	}
	s.audit(ctx, a, sc.Community.ID, "invite.revoked", inv.ID, inviteState(inv), nil)
	return nil
}

// InviteOffer is what an invite page shows before anyone joins.
type InviteOffer struct {
	Community *cad.Community
	Invite    *cad.Invite
}

// InviteOffer looks up a code for its page: the community and what it
// grants, or the one not_found.
func (s *Service) InviteOffer(ctx context.Context, code string, cl cad.Client) (*InviteOffer, error) {
	inv, com, err := s.liveInvite(ctx, code, cl)
	if err != nil {
		return nil, err
	}
	return &InviteOffer{Community: com, Invite: inv}, nil
}

// CheckInvite answers not_found unless code admits someone now; failures
// count against the address (auth's sign-up asks before it makes the
// account).
func (s *Service) CheckInvite(ctx context.Context, code string, cl cad.Client) error {
	_, _, err := s.liveInvite(ctx, code, cl)
	return err
}

// AcceptInvite joins a signed-in user to the community of code, with its
// role and departments, and counts a use. A member already keeps their
// standing and counts no use; a banned member cannot rejoin this way.
func (s *Service) AcceptInvite(ctx context.Context, u *cad.User, code string, cl cad.Client) (*cad.Membership, error) {
	inv, _, err := s.liveInvite(ctx, code, cl)
	if err != nil {
		return nil, err
	}
	m, err := s.db.Member(ctx, inv.CommunityID, u.ID)
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		m, err = s.JoinByInvite(ctx, code, u, cl)
		if cad.ErrorCode(err) == cad.ECONFLICT {
			// Joined meanwhile, by a concurrent accept.
			m, err = s.db.Member(ctx, inv.CommunityID, u.ID)
		}
	}
	if err != nil {
		return nil, err
	}
	if m.Status == cad.MemberBanned {
		return nil, errBanned
	}
	return m, nil
}

var errBanned = cad.Errorf(cad.EFORBIDDEN, "You are banned from this community")

// JoinByInvite makes u a member of code's community by the invite, in one
// transaction with the use it counts (inside the caller's, when there is
// one: a sign-up makes the account in the same). Departments the
// community deleted since are left out. A user who is a member already is
// a conflict, and no use is counted.
func (s *Service) JoinByInvite(ctx context.Context, code string, u *cad.User, cl cad.Client) (*cad.Membership, error) {
	communityID, ok := parseInviteCode(code)
	if !ok {
		return nil, errNoInvite
	}
	var m *cad.Membership
	var inv *cad.Invite
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if inv, err = s.db.TakeInvite(ctx, communityID, inviteDigest(code), s.now()); err != nil {
			if cad.ErrorCode(err) == cad.ENOTFOUND {
				return errNoInvite
			}
			return err
		}
		all, err := s.db.Departments(ctx, communityID)
		if err != nil {
			return err
		}
		deps := []string{}
		for _, d := range all {
			if slices.Contains(inv.Departments, d.Code) {
				deps = append(deps, d.Code)
			}
		}
		m = &cad.Membership{CommunityID: communityID, UserID: u.ID, Username: u.Username, Role: inv.Role, Departments: deps, Status: cad.MemberActive}
		return s.db.AddMember(ctx, m)
	})
	if err != nil {
		return nil, err
	}
	a := cad.Actor{Kind: "user", UserID: u.ID, IP: cl.IP, RequestID: cl.RequestID}
	s.audit(ctx, a, communityID, "member.joined", u.ID, nil, map[string]any{"role": m.Role, "departments": m.Departments, "via": "invite", "inviteId": inv.ID})
	return m, nil
}

// liveInvite finds the invite a code names, if it admits someone now, and
// its community (which must be live). The try is counted against the
// client address first and given back when the code was good, so however
// many guesses arrive at once, at most InviteMissLimit fail per window.
func (s *Service) liveInvite(ctx context.Context, code string, cl cad.Client) (*cad.Invite, *cad.Community, error) {
	hit, err := s.countInviteTry(ctx, cl)
	if err != nil {
		return nil, nil, err
	}
	communityID, ok := parseInviteCode(code)
	if !ok {
		return nil, nil, errNoInvite
	}
	com, err := s.Resolve(ctx, communityID)
	if err != nil {
		return nil, nil, notFoundAsNoInvite(err)
	}
	inv, err := s.db.InviteByDigest(ctx, communityID, inviteDigest(code))
	if err != nil {
		return nil, nil, notFoundAsNoInvite(err)
	}
	if !inv.Admits(s.now()) {
		return nil, nil, errNoInvite
	}
	hit()
	return inv, com, nil
}

func notFoundAsNoInvite(err error) error {
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return errNoInvite
	}
	return err
}

// countInviteTry counts a try against the client address in a fixed
// window and refuses one past the limit; hit gives it back.
func (s *Service) countInviteTry(ctx context.Context, cl cad.Client) (hit func(), err error) {
	now := s.now()
	secs := int64(InviteMissWindow / time.Second)
	w := now.Unix() / secs
	key := fmt.Sprintf("invite-miss:%s:%d", cl.IP, w)
	expires := now.Add(2 * InviteMissWindow)
	c, err := s.db.AddCounter(ctx, key, 1, expires)
	if err != nil {
		return nil, err
	}
	giveBack := func() {
		if _, err := s.db.AddCounter(context.WithoutCancel(ctx), key, -1, expires); err != nil {
			s.log.ErrorContext(ctx, "giving back an invite try", "error", err.Error())
		}
	}
	if c.Count > InviteMissLimit {
		giveBack()
		retry := time.Unix((w+1)*secs, 0).Sub(now)
		return nil, &cad.LimitError{Err: cad.Errorf(cad.ERATELIMITED, "Too many invite codes tried from your address; try again in %d minutes", int(retry.Minutes())+1),
			Limit: InviteMissLimit, RetryAfter: retry, Window: InviteMissWindow, Policy: "invites"}
	}
	return giveBack, nil
}

// newInviteCode makes a code for a community: inv_, its id, and 256 bits
// from the CSPRNG.
func newInviteCode(communityID string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return invitePrefix + communityID + base64.RawURLEncoding.EncodeToString(b), nil
}

// parseInviteCode checks a code's form and returns the community it names;
// a malformed code reaches no database.
func parseInviteCode(code string) (string, bool) {
	if len(code) != inviteCodeLen || !strings.HasPrefix(code, invitePrefix) {
		return "", false
	}
	id := code[len(invitePrefix) : len(invitePrefix)+24]
	if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
		return "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(code[len(invitePrefix)+24:]); err != nil {
		return "", false
	}
	return id, true
}

// inviteDigest is what an invite is stored and found under: SHA-256 is
// enough for a 256-bit random code (R68).
func inviteDigest(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}
