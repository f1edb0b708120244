package auth

import (
	"context"

	"github.com/precinct-cad/precinct/internal/cad"
)

// errInvalidLogin is the one answer for an unknown user, a wrong password,
// a locked account and a disabled account (R13).
var errInvalidLogin = cad.Errorf(cad.EUNAUTHORIZED, "Invalid username or password")

// Login checks a username and password and starts a session of kind
// (browser for /login, tablet for /tablet-login). Every path that fails
// computes exactly one password hash, so failures look and take alike
// (R13, R14); but only the tries the address and the account still allow
// are checked against the account's password (R10, R11): the others, and
// every try while the account is locked, are refused after a dummy hash.
//
// remember asks for a remembered browser session (RememberFor, as openfsd's
// remember_me); it means nothing for other kinds.
func (s *Service) Login(ctx context.Context, username, password string, kind cad.SessionKind, remember bool, cl cad.Client) (*cad.Issued, error) {
	if err := s.hasher.Admit(); err != nil {
		s.metrics.SignIn("busy")
		return nil, err
	}
	key := cad.NormalizeUsername(username)
	att, err := s.beginAttempt(ctx, cl, &account{counter: accountKey(key), limit: AccountFailureLimit})
	if err != nil {
		return nil, err
	}
	defer att.close(ctx)
	if len(password) > MaxSecretBytes || len(username) > 256 {
		// Too long to be anyone's: refused before any hashing (R2).
		s.metrics.SignIn("failure")
		return nil, errInvalidLogin
	}
	u, err := s.db.UserByUsername(ctx, username)
	if err != nil && cad.ErrorCode(err) != cad.ENOTFOUND {
		return nil, err
	}
	var match, rehash bool
	if u == nil || att.locked {
		err = s.hasher.VerifyDummy(ctx, password)
	} else {
		match, rehash, err = s.hasher.Verify(ctx, password, u.PasswordHash)
	}
	if err != nil && cad.ErrorCode(err) == cad.EUNAVAILABLE {
		att.refund(ctx) // busy: no guess was made
		s.metrics.SignIn("busy")
		return nil, err
	}
	userID := ""
	if u != nil {
		userID = u.ID
	}
	if !match || att.locked || u.Disabled {
		detail, result := "bad credentials", "failure"
		switch {
		case att.locked:
			detail, result = "account locked", "locked"
		case u != nil && u.Disabled && match:
			detail = "account disabled"
		}
		if !att.locked {
			// Failures while locked are not counted (R17).
			s.accountFailed(ctx, cl, key, userID)
		}
		s.metrics.SignIn(result)
		s.event(ctx, cl, cad.AuthEvent{Type: cad.EventLoginFail, Outcome: cad.OutcomeFailure, UserID: userID, Username: username, Detail: detail})
		return nil, errInvalidLogin
	}

	// A success forgets the account's failures (R17) and is no failed
	// attempt of the address.
	att.refund(ctx)
	if err := s.db.DeleteCounter(ctx, accountKey(key)); err != nil {
		return nil, err
	}
	if rehash {
		if h, err := s.hasher.Hash(ctx, password); err == nil {
			if _, err := s.db.UpdateUser(ctx, u.ID, storeUpdatePassword(h)); err != nil {
				s.log.WarnContext(ctx, "rehashing a password failed", "error", err.Error())
			}
		}
	}
	out, err := s.issue(ctx, u, kind, "password", remember && kind == cad.SessionBrowser, cl)
	if err != nil {
		return nil, err
	}
	s.metrics.SignIn("success")
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventLoginSuccess, UserID: u.ID, SessionID: out.Session.ID, Detail: string(kind)})
	return out, nil
}
