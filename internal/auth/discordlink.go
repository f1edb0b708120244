package auth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// linkFreshFor bounds how long after signing in a browser session may link
// a Discord account. A linked Discord account signs in and may then set a
// password without the old one (SetPasswordAfterDiscord): without this
// bound, a stolen session cookie could link its thief's Discord account
// and so take the account over for good.
const linkFreshFor = 10 * time.Minute

func linkFail(code, reason, msg string) error {
	return &cad.DiscordError{Err: cad.Errorf(code, "%s", msg), Reason: reason, Link: true}
}

// linkFailure marks a failure of a link flow, so that the browser goes back
// to its account page with the reason.
func linkFailure(err error) error {
	var de *cad.DiscordError
	if errors.As(err, &de) {
		out := *de
		out.Link = true
		return &out
	}
	var ce *cad.Error
	if !errors.As(err, &ce) {
		ce = cad.Wrap(cad.EINTERNAL, err, "Internal server error")
	}
	return &cad.DiscordError{Err: ce, Reason: "error", Link: true}
}

// DiscordLinkStart begins linking a Discord account to the user signed in
// with this browser's session cookie (a bearer token does not do: the flow
// ends in this browser). The session must be fresh (linkFreshFor). The
// state is bound to the browser by the flow's cookie, as a sign-in's, and
// to the session, so that only this session can finish it (R50). It
// returns the URL of Discord's authorize page.
func (s *Service) DiscordLinkStart(ctx context.Context, w http.ResponseWriter, r *http.Request, cl cad.Client) (string, error) {
	if s.discord == nil {
		return "", cad.ErrDiscordOff
	}
	p, err := s.Authenticate(ctx, r, cl)
	if err != nil && cad.ErrorCode(err) != cad.EUNAUTHORIZED {
		return "", err
	}
	if p == nil || !p.ViaCookie {
		return "", linkFail(cad.EUNAUTHORIZED, "not_signed_in", "Sign in first, then link Discord from your account page")
	}
	if s.now().Sub(p.Session.CreatedAt) > linkFreshFor {
		return "", linkFail(cad.EFORBIDDEN, "reauth_required", "Sign in again (within 10 minutes) to link a Discord account")
	}
	return s.beginFlow(ctx, w, oauthFlow{LinkSession: p.Session.ID, LinkUser: p.User.ID})
}

// linker is the signed-in user finishing a link flow: the callback must
// carry the cookie of the very session that started it, still live, of the
// same user.
func (s *Service) linker(ctx context.Context, r *http.Request, flow oauthFlow) (*cad.Principal, error) {
	refused := linkFail(cad.EUNAUTHORIZED, "not_signed_in", "Finish linking Discord in the browser, and the sign-in, that started it; start again")
	id, err := s.cookies.SessionID(r)
	if err != nil || id != flow.LinkSession {
		return nil, refused
	}
	p, err := s.principal(ctx, id, flow.LinkUser, true)
	if cad.ErrorCode(err) == cad.EUNAUTHORIZED {
		return nil, refused
	}
	return p, err
}

// linkDiscord links the Discord identity to the signed-in user. A Discord
// account is linked to one user (R54, R85): one of another user's is
// refused, and so is replacing the user's own link with another.
func (s *Service) linkDiscord(ctx context.Context, p *cad.Principal, id *cad.DiscordIdentity, cl cad.Client) (*cad.DiscordOutcome, error) {
	u := p.User
	if u.DiscordID != "" && u.DiscordID != id.ID {
		return nil, linkFail(cad.ECONFLICT, "discord_already_linked", "Your account is linked to another Discord account")
	}
	taken := linkFail(cad.ECONFLICT, "discord_taken", "That Discord account belongs to another user")
	owner, err := s.db.UserByDiscordID(ctx, id.ID)
	switch {
	case err == nil && owner.ID != u.ID:
		return nil, taken
	case err != nil && cad.ErrorCode(err) != cad.ENOTFOUND:
		return nil, err
	}
	discordID, guilds := id.ID, append([]string{}, id.GuildIDs...)
	u, err = s.db.UpdateUser(ctx, u.ID, cad.UserUpdate{DiscordID: &discordID, DiscordUsername: &id.Username, Avatar: &id.Avatar, GuildIDs: &guilds})
	if cad.ErrorCode(err) == cad.ECONFLICT {
		// Linked to another user meanwhile.
		return nil, taken
	}
	if err != nil {
		return nil, err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventDiscordLinked, UserID: u.ID, SessionID: p.Session.ID, Detail: "discord " + id.ID})
	s.joinFromGuilds(ctx, u)
	return &cad.DiscordOutcome{Linked: true, DiscordID: id.ID, DiscordUsername: id.Username}, nil
}
