package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Discord sign-in lifetimes.
const (
	oauthStateLifetime  = 10 * time.Minute
	pendingLifetime     = 10 * time.Minute
	discordFreshFor     = 10 * time.Minute // how long after a Discord sign-in a password may be set without the old one
	registrationsPerIP  = 10               // complete-registration attempts per client IP per hour (R15)
	registrationsWindow = time.Hour
)

func discordFail(code, reason, msg string) error {
	return &cad.DiscordError{Err: cad.Errorf(code, "%s", msg), Reason: reason}
}

// DiscordClient is the Discord application sign-in talks to
// (discord.Client is one): the authorize page's URL with its PKCE
// verifier, and the identity a callback's code stands for.
type DiscordClient interface {
	NewVerifier() string
	AuthCodeURL(state, verifier string) string
	Identify(ctx context.Context, code, verifier string) (*cad.DiscordIdentity, error)
}

// discordFailure is a failed call to Discord (discord.Error is one): which
// call failed, and the status Discord answered (0 when it was not
// reached).
type discordFailure interface {
	error
	Call() (op string, status int)
}

type oauthFlow struct {
	State    string
	Verifier string
	ReturnTo string
	// LinkSession and LinkUser name the session and user of a flow that
	// links Discord to a signed-in account (discordlink.go); empty for a
	// sign-in.
	LinkSession string
	LinkUser    string
}

// DiscordStart begins a sign-in: a single-use state of 256 bits and a PKCE
// verifier, bound to this browser by a 10-minute cookie (R50, R51). It
// returns the URL of Discord's authorize page.
func (s *Service) DiscordStart(ctx context.Context, w http.ResponseWriter, returnTo string) (string, error) {
	if s.discord == nil {
		return "", cad.ErrDiscordOff
	}
	return s.beginFlow(ctx, w, oauthFlow{ReturnTo: returnTo})
}

// beginFlow records a new state (a link flow's bound to its session),
// writes the flow's cookie and returns the authorize page's URL.
func (s *Service) beginFlow(ctx context.Context, w http.ResponseWriter, flow oauthFlow) (string, error) {
	state, _, err := randomToken("")
	if err != nil {
		return "", err
	}
	if err := s.db.CreateOAuthState(ctx, stateKey(state, flow.LinkSession), s.now().Add(oauthStateLifetime)); err != nil {
		return "", err
	}
	flow.State, flow.Verifier = state, s.discord.NewVerifier()
	if err := s.cookies.setFlowCookie(w, oauthCookie, flow); err != nil {
		return "", err
	}
	return s.discord.AuthCodeURL(state, flow.Verifier), nil
}

// stateKey is what a flow's state is stored and spent under: its hash, or
// for a link flow the hash of the state and the session that started it,
// so that no other session can spend it.
func stateKey(state, linkSession string) string {
	if linkSession == "" {
		return hashToken(state)
	}
	return hashToken(state + "|" + linkSession)
}

// DiscordCallback finishes a sign-in. The state must match this browser's
// cookie and be unspent; the code is exchanged with the verifier; the user
// is found by Discord id only (R54). Any failure creates no session (R57).
func (s *Service) DiscordCallback(ctx context.Context, w http.ResponseWriter, r *http.Request, cl cad.Client) (*cad.DiscordOutcome, error) {
	if s.discord == nil {
		return nil, cad.ErrDiscordOff
	}
	att, err := s.beginAttempt(ctx, cl, nil)
	if err != nil {
		return nil, err
	}
	defer att.close(ctx)
	var flow oauthFlow
	ok := s.cookies.readFlowCookie(r, oauthCookie, &flow)
	s.cookies.clearFlowCookie(w, oauthCookie)
	out, err := s.discordCallback(ctx, w, r, flow, ok, cl)
	if err != nil && flow.LinkSession != "" {
		err = linkFailure(err)
	}
	var de *cad.DiscordError
	if err == nil || (errors.As(err, &de) && noGuess[de.Reason]) {
		att.refund(ctx) // signed in, or no failed attempt
	}
	if err != nil {
		reason := "error"
		if errors.As(err, &de) {
			reason = de.Reason
		}
		s.event(ctx, cl, cad.AuthEvent{Type: cad.EventLoginFail, Outcome: cad.OutcomeFailure, Detail: "discord: " + reason})
	}
	return out, err
}

// noGuess are the callback's failures that are no failed attempt of the
// address: Discord's fault, or a link refused for an account's state.
var noGuess = map[string]bool{"discord_unavailable": true, "discord_taken": true, "discord_already_linked": true}

func (s *Service) discordCallback(ctx context.Context, w http.ResponseWriter, r *http.Request, flow oauthFlow, ok bool, cl cad.Client) (*cad.DiscordOutcome, error) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return nil, discordFail(cad.EUNAUTHORIZED, "access_denied", "Discord sign-in was cancelled")
	}
	state, code := q.Get("state"), q.Get("code")
	if !ok {
		return nil, discordFail(cad.EINVALID, "invalid_state", "The sign-in expired or was started in another browser; start again")
	}
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(flow.State)) != 1 {
		return nil, discordFail(cad.EINVALID, "invalid_state", "The sign-in does not match this browser; start again")
	}
	var linker *cad.Principal
	if flow.LinkSession != "" {
		var err error
		if linker, err = s.linker(ctx, r, flow); err != nil {
			return nil, err
		}
	}
	spent, err := s.db.ConsumeOAuthState(ctx, stateKey(state, flow.LinkSession), s.now())
	if err != nil {
		return nil, err
	}
	if !spent {
		return nil, discordFail(cad.EINVALID, "invalid_state", "This sign-in was already used or has expired; start again")
	}
	if code == "" || len(code) > 512 {
		return nil, discordFail(cad.EINVALID, "invalid_request", "Discord sent no authorization code")
	}
	id, err := s.discord.Identify(ctx, code, flow.Verifier)
	if err != nil {
		var op string
		var status int
		if df := discordFailure(nil); errors.As(err, &df) {
			op, status = df.Call()
		}
		if status == http.StatusTooManyRequests {
			return nil, &cad.DiscordError{Reason: "discord_unavailable", Err: cad.Wrap(cad.EUNAVAILABLE, err,
				"Discord is rate limiting sign-ins; try again in a minute")}
		}
		if status >= 400 && status < 500 && op == "token exchange" {
			return nil, &cad.DiscordError{Reason: "invalid_grant", Err: cad.Wrap(cad.EINVALID, err, "Discord did not accept the sign-in; start again")}
		}
		return nil, &cad.DiscordError{Reason: "discord_unavailable", Err: cad.Wrap(cad.EUNAVAILABLE, err, "Discord could not be reached; try again")}
	}
	if linker != nil {
		return s.linkDiscord(ctx, linker, id, cl)
	}

	u, err := s.db.UserByDiscordID(ctx, id.ID)
	if err != nil && cad.ErrorCode(err) != cad.ENOTFOUND {
		return nil, err
	}
	if u == nil {
		secret, hash, err := randomToken("")
		if err != nil {
			return nil, err
		}
		if err := s.db.CreatePending(ctx, cad.PendingRegistration{
			ID: hash, DiscordID: id.ID, DiscordUsername: id.Username, Avatar: id.Avatar, GuildIDs: id.GuildIDs,
			ExpiresAt: s.now().Add(pendingLifetime),
		}); err != nil {
			return nil, err
		}
		if err := s.cookies.setFlowCookie(w, registrationCookie, secret); err != nil {
			return nil, err
		}
		return &cad.DiscordOutcome{Registration: true, DiscordID: id.ID, DiscordUsername: id.Username, ReturnTo: flow.ReturnTo}, nil
	}
	if u.Disabled {
		return nil, discordFail(cad.EUNAUTHORIZED, "account_disabled", "Sign-in refused for this account")
	}
	guilds := append([]string{}, id.GuildIDs...)
	if u, err = s.db.UpdateUser(ctx, u.ID, cad.UserUpdate{DiscordUsername: &id.Username, Avatar: &id.Avatar, GuildIDs: &guilds}); err != nil {
		return nil, err
	}
	issued, err := s.startBrowserSession(ctx, w, r, u, "discord", cl)
	if err != nil {
		return nil, err
	}
	return &cad.DiscordOutcome{Issued: issued, DiscordID: id.ID, DiscordUsername: id.Username, ReturnTo: flow.ReturnTo}, nil
}

// startBrowserSession signs in a user whose identity another flow than
// login proved (method: discord, or password for a sign-up): a new browser
// session (the browser's old one ends, R30) and its cookie. After Discord,
// communities join from the user's guilds.
func (s *Service) startBrowserSession(ctx context.Context, w http.ResponseWriter, r *http.Request, u *cad.User, method string, cl cad.Client) (*cad.Issued, error) {
	if err := s.ReplaceCookieSession(ctx, r); err != nil {
		return nil, err
	}
	issued, err := s.issue(ctx, u, cad.SessionBrowser, method, false, cl)
	if err != nil {
		return nil, err
	}
	if err := s.cookies.SetCookie(r, w, issued.Secret, s.CookieMaxAge(issued.Session)); err != nil {
		return nil, err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventLoginSuccess, UserID: u.ID, SessionID: issued.Session.ID, Detail: method})
	if method == "discord" {
		s.joinFromGuilds(ctx, u)
	}
	return issued, nil
}

// joinFromGuilds runs OnDiscordSignIn; a failure is logged, never the
// caller's.
func (s *Service) joinFromGuilds(ctx context.Context, u *cad.User) {
	if s.OnDiscordSignIn != nil {
		if err := s.OnDiscordSignIn(ctx, u); err != nil {
			s.log.WarnContext(ctx, "joining communities after Discord sign-in", "error", err.Error())
		}
	}
}

// CompleteRegistration creates the account of a pending Discord identity.
// Only the browser holding the pending registration's cookie may, and only
// for the Discord id that Discord verified for it: without that check anyone
// could claim any Discord account. The pending registration is spent.
func (s *Service) CompleteRegistration(ctx context.Context, w http.ResponseWriter, r *http.Request, in cad.DiscordRegistration, cl cad.Client) (*cad.Issued, error) {
	if s.discord == nil {
		return nil, cad.ErrDiscordOff
	}
	if err := s.checkRegistrationRate(ctx, cl); err != nil {
		return nil, err
	}
	var secret string
	if !s.cookies.readFlowCookie(r, registrationCookie, &secret) {
		return nil, cad.Errorf(cad.EFORBIDDEN, "No Discord sign-in is waiting for registration in this browser; sign in with Discord first")
	}
	hash := hashToken(secret)
	p, err := s.db.Pending(ctx, hash, s.now())
	if err != nil {
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			return nil, cad.Errorf(cad.EFORBIDDEN, "The Discord sign-in for this registration expired or was used; sign in with Discord again")
		}
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(in.DiscordID)), []byte(p.DiscordID)) != 1 {
		s.event(ctx, cl, cad.AuthEvent{Type: cad.EventUserCreated, Outcome: cad.OutcomeFailure, Username: in.Username, Detail: "discordId does not match the verified one"})
		return nil, cad.Errorf(cad.EFORBIDDEN, "discordId does not match the Discord account you signed in with")
	}
	u, err := s.registerUser(ctx, NewUser{
		Username: in.Username, Password: in.Password,
		DiscordID: p.DiscordID, DiscordUsername: p.DiscordUsername, Avatar: p.Avatar, GuildIDs: p.GuildIDs,
		SecurityQuestion1: in.SecurityQuestion1, SecurityAnswer1: in.SecurityAnswer1,
		SecurityQuestion2: in.SecurityQuestion2, SecurityAnswer2: in.SecurityAnswer2,
	}, cl, func(ctx context.Context, _ *cad.User) error {
		// The unique Discord id lets only one concurrent completion create
		// the account; spending the pending record with it makes a second
		// use fail too.
		_, err := s.db.DeletePending(ctx, hash)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.cookies.clearFlowCookie(w, registrationCookie)
	return s.startBrowserSession(ctx, w, r, u, "discord", cl)
}

// checkRegistrationRate bounds registrations per client IP (R15).
func (s *Service) checkRegistrationRate(ctx context.Context, cl cad.Client) error {
	now := s.now()
	window := now.Unix() / int64(registrationsWindow/time.Second)
	c, err := s.db.AddCounter(ctx, "reg:"+cl.IP+":"+itoa(window), 1, now.Add(2*registrationsWindow))
	if err != nil {
		return err
	}
	if c.Count <= registrationsPerIP {
		return nil
	}
	retry := time.Unix((window+1)*int64(registrationsWindow/time.Second), 0).Sub(now)
	return &cad.LimitError{Err: cad.Errorf(cad.ERATELIMITED, "Too many registrations from your address; try again later"),
		Limit: registrationsPerIP, RetryAfter: retry, Window: registrationsWindow, Policy: "registrations"}
}

// SetPasswordAfterDiscord sets a new password without the old one, for a
// caller whose session came from a Discord sign-in less than 10 minutes ago:
// the stronger recovery path beside the security questions (R18).
func (s *Service) SetPasswordAfterDiscord(ctx context.Context, p *cad.Principal, next string, cl cad.Client) error {
	if p.Session.AuthMethod != "discord" || s.now().Sub(p.Session.CreatedAt) > discordFreshFor {
		return cad.Errorf(cad.EFORBIDDEN, "Sign in with Discord again (within 10 minutes) to set a password without the current one")
	}
	return s.SetPasswordWithoutCurrent(ctx, p, next, cl)
}
