package dispatch

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Game identifiers are proven by the game. A member asks the CAD for a
// one-time code and types it in game; the game server, whose key names the
// community, posts it with the player's identifiers, and the identifiers
// become the member's. A game server may also confirm a player whose
// Discord identifier is the member's account's. Until then an identifier
// finds no one: a member cannot take another player's identifier by
// naming it first.
//
// A code is 8 characters of Crockford's base32: 40 random bits, for 10
// minutes, and only its digest is stored. Guesses are counted in the
// database before a code is looked up (per player and per community, in
// fixed windows), so at most linkTriesPerCommunity codes are tried per
// community in linkTryWindow: with a thousand live codes, a guess succeeds
// with odds below one in ten million per window.
const (
	// LinkCodeTTL is how long a link code is good for.
	LinkCodeTTL = 10 * time.Minute

	linkTryWindow         = 10 * time.Minute
	linkTriesPerPlayer    = 10
	linkTriesPerCommunity = 100
	maxPostedIdentifiers  = 32
)

// linkAlphabet is Crockford's base32: no I, L, O or U, so that a code read
// aloud or typed in game is not misread.
const linkAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var linkEncoding = base32.NewEncoding(linkAlphabet).WithPadding(base32.NoPadding)

// linkableRE is an identifier a member may link: not ip:, which changes
// and is shared.
var linkableRE = regexp.MustCompile(`^(license2?|steam|fivem|xbl|live|discord):[A-Za-z0-9.:]{1,64}$`)

var (
	errBadLinkCode = cad.Errorf(cad.ENOTFOUND, "That link code is unknown, used or expired: ask the CAD for a new one")
	errCodeFormat  = cad.Errorf(cad.EINVALID, "code must be the 8 letters and digits the CAD showed (like K7QM-2XDA)")
	errNeedAdmin   = cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Community Admin")
)

// newLinkCode is a fresh code as shown (XXXX-XXXX).
func newLinkCode() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	s := linkEncoding.EncodeToString(b[:])
	return s[:4] + "-" + s[4:]
}

// normalLinkCode reads a code as a player types it: any case, with or
// without the dash or spaces, O for 0 and I or L for 1.
func normalLinkCode(v string) (string, error) {
	v = strings.NewReplacer("-", "", " ", "", "O", "0", "I", "1", "L", "1").Replace(strings.ToUpper(strings.TrimSpace(v)))
	if len(v) != 8 {
		return "", errCodeFormat
	}
	for _, r := range v {
		if !strings.ContainsRune(linkAlphabet, r) {
			return "", errCodeFormat
		}
	}
	return v, nil
}

// linkCodeDigest is what is stored of a code: bound to its community, so
// that one community's game server cannot spend another's codes.
func linkCodeDigest(communityID, code string) string {
	sum := sha256.Sum256([]byte("link-code/" + communityID + "/" + code))
	return hex.EncodeToString(sum[:])
}

// Link gives the caller a one-time code to type in game, replacing their
// older one. identifier, when given, is the one identifier the code may
// link; without it the code links what the game reports. The code is
// answered once and never stored.
func (s *Service) Link(ctx context.Context, c cad.Caller, identifier string) (string, *cad.LinkCode, error) {
	if c.Scope.Membership == nil {
		return "", nil, cad.Errorf(cad.EFORBIDDEN, "Only a member of the community links game identifiers")
	}
	identifier = strings.TrimSpace(identifier)
	if identifier != "" && !linkableRE.MatchString(identifier) {
		return "", nil, cad.Errorf(cad.EINVALID, "identifier must look like license:…, license2:…, steam:…, fivem:…, xbl:…, live:… or discord:…")
	}
	now := s.now().UTC()
	code := newLinkCode()
	lc := &cad.LinkCode{ID: linkCodeDigest(c.CommunityID(), strings.ReplaceAll(code, "-", "")), CommunityID: c.CommunityID(),
		UserID: c.UserID, Identifier: identifier, CreatedAt: now, ExpiresAt: now.Add(LinkCodeTTL)}
	if err := s.db.PutLinkCode(ctx, lc); err != nil {
		return "", nil, err
	}
	s.record(ctx, c, "unit.link-requested", c.UserID, nil, map[string]any{"identifier": identifier, "expiresAt": lc.ExpiresAt})
	return code, lc, nil
}

// Links lists the caller's game identifiers, and their live code (nil
// when none).
func (s *Service) Links(ctx context.Context, c cad.Caller) ([]*cad.GameLink, *cad.LinkCode, error) {
	list, err := s.db.GameLinksOf(ctx, c.CommunityID(), c.UserID)
	if err != nil {
		return nil, nil, err
	}
	pending, err := s.db.LinkCodeOf(ctx, c.CommunityID(), c.UserID, s.now())
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return list, nil, nil
	}
	return list, pending, err
}

// Unlink unties one of the caller's game identifiers.
func (s *Service) Unlink(ctx context.Context, c cad.Caller, identifier string) error {
	if err := s.db.UnlinkGame(ctx, c.CommunityID(), c.UserID, identifier); err != nil {
		return err
	}
	s.record(ctx, c, "unit.unlinked", c.UserID, map[string]any{"identifier": identifier}, nil)
	return nil
}

// CommunityLinks pages through the community's links, one member's or
// (userID "") all (admins).
func (s *Service) CommunityLinks(ctx context.Context, c cad.Caller, userID, after string, limit int) ([]*cad.GameLink, string, error) {
	if c.Scope.Rank < cad.RoleRank(cad.RoleAdmin) {
		return nil, "", errNeedAdmin
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	return s.db.GameLinks(ctx, c.CommunityID(), userID, after, limit)
}

// RemoveLink unties an identifier from whichever member of the community
// holds it (admins): how a squatter's link goes, and how an identifier
// confirmed for one member moves to another (removed, then confirmed
// again by its player).
func (s *Service) RemoveLink(ctx context.Context, c cad.Caller, identifier string) error {
	if c.Scope.Rank < cad.RoleRank(cad.RoleAdmin) {
		return errNeedAdmin
	}
	l, err := s.db.GameLink(ctx, c.CommunityID(), identifier)
	if err != nil {
		return err
	}
	if err := s.db.UnlinkGame(ctx, c.CommunityID(), l.UserID, identifier); err != nil {
		return err
	}
	s.record(ctx, c, "unit.unlinked", l.UserID, map[string]any{"identifier": identifier, "status": l.Status}, nil)
	return nil
}

// ConfirmInput is a game server's confirmation of a player's identifiers.
type ConfirmInput struct {
	// Code is what the player typed; "" confirms by the Discord
	// identifier among Identifiers.
	Code string
	// Identifiers are the player's, as the game reports them
	// (GetPlayerIdentifiers): ip: and kinds the CAD does not link are
	// passed over.
	Identifiers []string
}

// Confirmation is what a confirmation linked.
type Confirmation struct {
	Member *cad.Membership
	Via    string // cad.LinkByCode or cad.LinkByDiscord
	Links  []*cad.GameLink
}

// ConfirmLink makes the identifiers the game reports for a player the
// links of the member whose code the player typed, or whose account has
// the player's Discord identifier. A code works once, whatever the
// outcome. Every identifier is confirmed or none: one confirmed for
// another member is a conflict, which an admin resolves by removing that
// link (the CAD never moves a confirmed link by itself: the player who
// typed a code may be tricked into it).
func (s *Service) ConfirmLink(ctx context.Context, c cad.Caller, in ConfirmInput) (*Confirmation, error) {
	if !c.IsServer() {
		return nil, cad.Errorf(cad.EFORBIDDEN, "Only a game server confirms game identifiers")
	}
	ids, err := postedIdentifiers(in.Identifiers)
	if err != nil {
		return nil, err
	}
	out := &Confirmation{Via: cad.LinkByDiscord}
	var userID, only string
	if strings.TrimSpace(in.Code) != "" {
		code, err := normalLinkCode(in.Code)
		if err != nil {
			return nil, err
		}
		if err := s.countLinkTry(ctx, c, ids[0]); err != nil {
			return nil, err
		}
		lc, err := s.db.SpendLinkCode(ctx, c.CommunityID(), linkCodeDigest(c.CommunityID(), code), s.now())
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			return nil, errBadLinkCode
		} else if err != nil {
			return nil, err
		}
		out.Via, userID, only = cad.LinkByCode, lc.UserID, lc.Identifier
	} else {
		for _, id := range ids {
			if d, ok := strings.CutPrefix(id, "discord:"); ok && userID == "" {
				if u, err := s.db.UserByDiscordID(ctx, d); err == nil {
					userID = u.ID
				} else if cad.ErrorCode(err) != cad.ENOTFOUND {
					return nil, err
				}
			}
		}
		if userID == "" {
			return nil, errNoPlayer
		}
	}
	m, err := s.db.Member(ctx, c.CommunityID(), userID)
	if cad.ErrorCode(err) == cad.ENOTFOUND || (err == nil && m.Status != cad.MemberActive) {
		return nil, errNoPlayer
	} else if err != nil {
		return nil, err
	}
	out.Member = m
	if only != "" {
		if !slices.Contains(ids, only) {
			return nil, cad.Errorf(cad.EFORBIDDEN, "The game does not report %s for this player, which the code was asked for", only)
		}
		ids = []string{only}
	}
	now := s.now().UTC()
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		out.Links = out.Links[:0]
		for _, id := range ids {
			l := &cad.GameLink{CommunityID: c.CommunityID(), Identifier: id, UserID: userID, CreatedAt: now, ConfirmedAt: &now, ConfirmedBy: out.Via}
			if err := s.db.ConfirmGameLink(ctx, l); cad.ErrorCode(err) == cad.ECONFLICT {
				return cad.Wrap(cad.ECONFLICT, err, id+" is confirmed for another member: a community admin removes that link first")
			} else if err != nil {
				return err
			}
			out.Links = append(out.Links, l)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "unit.link-confirmed", userID, nil, map[string]any{"identifiers": ids, "via": out.Via})
	return out, nil
}

// postedIdentifiers are the linkable identifiers of those the game posted,
// once each, in order.
func postedIdentifiers(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, cad.Errorf(cad.EINVALID, "identifiers is required: the player's identifiers, as GetPlayerIdentifiers reports them")
	}
	if len(in) > maxPostedIdentifiers {
		return nil, cad.Errorf(cad.EINVALID, "identifiers holds more than %d identifiers", maxPostedIdentifiers)
	}
	var out []string
	for _, id := range in {
		id = strings.TrimSpace(id)
		if len(id) > 128 {
			return nil, cad.Errorf(cad.EINVALID, "an identifier is longer than 128 characters")
		}
		if linkableRE.MatchString(id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, cad.Errorf(cad.EINVALID, "identifiers holds no identifier the CAD links (license:…, steam:…, fivem:…, xbl:…, live:…, discord:…)")
	}
	return out, nil
}

// countLinkTry counts a code's try against the player (their first
// identifier) and the community before the code is looked up, and refuses
// a try past either limit: concurrent guesses cannot slip past the count.
func (s *Service) countLinkTry(ctx context.Context, c cad.Caller, player string) error {
	now := s.now()
	secs := int64(linkTryWindow / time.Second)
	w := now.Unix() / secs
	for _, l := range []struct {
		key, who string
		limit    int64
	}{
		{fmt.Sprintf("link-code:%s:%d:%s", c.CommunityID(), w, player), "for this player", linkTriesPerPlayer},
		{fmt.Sprintf("link-code:%s:%d", c.CommunityID(), w), "in this community", linkTriesPerCommunity},
	} {
		n, err := s.db.AddCounter(ctx, l.key, 1, now.Add(2*linkTryWindow))
		if err != nil {
			return err
		}
		if n.Count > l.limit {
			retry := time.Unix((w+1)*secs, 0).Sub(now)
			return &cad.LimitError{Err: cad.Errorf(cad.ERATELIMITED, "Too many link codes tried %s; try again in %d minutes", l.who, int(retry.Minutes())+1),
				Limit: int(l.limit), RetryAfter: retry, Window: linkTryWindow, Policy: "link-code"}
		}
	}
	return nil
}
