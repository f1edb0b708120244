package auth

import (
	"context"
	"net/http"

	"github.com/precinct-cad/precinct/internal/cad"
)

// errNeedsInvite refuses a sign-up without an invite that admits someone
// while open registration is off: one answer, whether the code was
// missing, unknown, expired, used up or revoked.
var errNeedsInvite = cad.Errorf(cad.EFORBIDDEN, "Registration needs a valid invite")

// Options are what the sign-in and sign-up pages may offer.
type Options struct {
	Discord          bool // Discord sign-in is configured
	OpenRegistration bool // anyone may sign up without an invite
}

// Options says what the sign-in and sign-up pages may offer.
func (s *Service) Options() Options {
	return Options{Discord: s.discord != nil, OpenRegistration: s.cfg.OpenRegistration}
}

// Register makes an account from a sign-up without Discord and signs it in
// as login does (a browser session and its cookie). The rules are every
// sign-up's (registerUser, as complete-registration); registrations are
// limited per address (R15). With an invite code the account joins the
// invite's community in the same transaction, which counts the invite's
// use; without one, open registration must be on.
func (s *Service) Register(ctx context.Context, w http.ResponseWriter, r *http.Request, in NewUser, inviteCode string, cl cad.Client) (*cad.Issued, error) {
	if err := s.checkRegistrationRate(ctx, cl); err != nil {
		return nil, err
	}
	var join func(ctx context.Context, u *cad.User) error
	switch {
	case inviteCode != "" && s.Invites != nil:
		// Asked before the hashes, so that a bad code costs none.
		if err := s.Invites.CheckInvite(ctx, inviteCode, cl); err != nil {
			return nil, s.inviteRefused(err)
		}
		join = func(ctx context.Context, u *cad.User) error {
			_, err := s.Invites.JoinByInvite(ctx, inviteCode, u, cl)
			return err
		}
	case !s.cfg.OpenRegistration:
		return nil, errNeedsInvite
	}
	in = NewUser{Username: in.Username, Password: in.Password,
		SecurityQuestion1: in.SecurityQuestion1, SecurityAnswer1: in.SecurityAnswer1,
		SecurityQuestion2: in.SecurityQuestion2, SecurityAnswer2: in.SecurityAnswer2}
	u, err := s.registerUser(ctx, in, cl, join)
	if err != nil {
		return nil, s.inviteRefused(err)
	}
	return s.startBrowserSession(ctx, w, r, u, "password", cl)
}

// inviteRefused is the answer to an invite that admits no one: its own
// not_found while anyone may sign up, the one refusal otherwise.
func (s *Service) inviteRefused(err error) error {
	if cad.ErrorCode(err) == cad.ENOTFOUND && !s.cfg.OpenRegistration {
		return errNeedsInvite
	}
	return err
}

// registerUser makes the account of a sign-up (complete-registration,
// register): both security questions are required, the username, password
// and answer rules are every account's, and within is stored with it.
// A taken username is reported as taken (docs/auth.md): a sign-up is
// limited per address, so it is a poor way to list usernames.
func (s *Service) registerUser(ctx context.Context, in NewUser, cl cad.Client, within func(ctx context.Context, u *cad.User) error) (*cad.User, error) {
	if in.SecurityQuestion1 == "" || in.SecurityAnswer1 == "" || in.SecurityQuestion2 == "" || in.SecurityAnswer2 == "" {
		return nil, cad.Errorf(cad.EINVALID, "Both security questions and answers are required")
	}
	return s.createUser(ctx, in, cl, within)
}
