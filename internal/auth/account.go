package auth

import (
	"context"
	"strings"

	"github.com/precinct-cad/precinct/internal/cad"
)

func storeUpdatePassword(hash string) cad.UserUpdate { return cad.UserUpdate{PasswordHash: &hash} }

// NewUser is what creating an account takes.
type NewUser struct {
	Username        string
	Password        string
	DiscordID       string
	DiscordUsername string
	Avatar          string
	GuildIDs        []string
	SuperAdmin      bool
	// Security questions are optional here (the CLI sets none); when
	// given, both must be.
	SecurityQuestion1, SecurityAnswer1 string
	SecurityQuestion2, SecurityAnswer2 string
}

// CreateUser checks the username, password and answers against the rules
// and stores the account. A taken username or Discord id is a conflict.
func (s *Service) CreateUser(ctx context.Context, in NewUser, cl cad.Client) (*cad.User, error) {
	return s.createUser(ctx, in, cl, nil)
}

// createUser is CreateUser with what must be stored together with the
// account (a pending registration spent, an invite's community joined):
// within runs in the transaction that stores it, after it. The rules and
// the hashes come first, outside the transaction.
func (s *Service) createUser(ctx context.Context, in NewUser, cl cad.Client, within func(ctx context.Context, u *cad.User) error) (*cad.User, error) {
	u, err := s.prepareUser(ctx, in)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.db.CreateUser(ctx, u); err != nil {
			return err
		}
		if within != nil {
			return within(ctx, u)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventUserCreated, UserID: u.ID, Username: u.Username})
	return u, nil
}

// prepareUser checks a new account against the rules and hashes its
// password and answers: everything of creating it but storing it.
func (s *Service) prepareUser(ctx context.Context, in NewUser) (*cad.User, error) {
	if err := cad.ValidateUsername(in.Username); err != nil {
		return nil, err
	}
	if err := CheckPassword(in.Password, in.Username, productName); err != nil {
		return nil, err
	}
	u := &cad.User{
		Username: in.Username, DiscordID: in.DiscordID, DiscordUsername: in.DiscordUsername,
		Avatar: in.Avatar, GuildIDs: in.GuildIDs, SuperAdmin: in.SuperAdmin,
	}
	if in.SecurityQuestion1 != "" || in.SecurityQuestion2 != "" || in.SecurityAnswer1 != "" || in.SecurityAnswer2 != "" {
		q1, h1, q2, h2, err := s.questions(ctx, in.Username, in.Password, in.SecurityQuestion1, in.SecurityAnswer1, in.SecurityQuestion2, in.SecurityAnswer2)
		if err != nil {
			return nil, err
		}
		u.SecurityQuestion1, u.SecurityAnswer1Hash, u.SecurityQuestion2, u.SecurityAnswer2Hash = q1, h1, q2, h2
	}
	h, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	u.PasswordHash = h
	return u, nil
}

// questions validates two questions and answers (R20) and hashes the
// normalised answers (R19).
func (s *Service) questions(ctx context.Context, username, password, q1, a1, q2, a2 string) (string, string, string, string, error) {
	c1, ok1 := CanonicalQuestion(q1)
	c2, ok2 := CanonicalQuestion(q2)
	if !ok1 || !ok2 {
		return "", "", "", "", cad.Errorf(cad.EINVALID, "Choose both security questions from the list: %s", strings.Join(SecurityQuestions(), " | "))
	}
	if c1 == c2 {
		return "", "", "", "", cad.Errorf(cad.EINVALID, "Choose two different security questions")
	}
	if err := CheckAnswer(1, a1, username, password); err != nil {
		return "", "", "", "", err
	}
	if err := CheckAnswer(2, a2, username, password); err != nil {
		return "", "", "", "", err
	}
	if NormalizeAnswer(a1) == NormalizeAnswer(a2) {
		return "", "", "", "", cad.Errorf(cad.EINVALID, "Give two different security answers")
	}
	h1, err := s.hasher.Hash(ctx, NormalizeAnswer(a1))
	if err != nil {
		return "", "", "", "", err
	}
	h2, err := s.hasher.Hash(ctx, NormalizeAnswer(a2))
	if err != nil {
		return "", "", "", "", err
	}
	return c1, h1, c2, h2, nil
}

// errWrongPassword answers a wrong current password on a change that needs
// it (R6, R21).
var errWrongPassword = cad.Errorf(cad.EFORBIDDEN, "Current password is incorrect")

// verifyCurrent re-authenticates the caller with their password.
func (s *Service) verifyCurrent(ctx context.Context, p *cad.Principal, password string, cl cad.Client) error {
	att, err := s.beginAttempt(ctx, cl, nil)
	if err != nil {
		return err
	}
	defer att.close(ctx)
	if len(password) > MaxSecretBytes {
		return errWrongPassword
	}
	ok, _, err := s.hasher.Verify(ctx, password, p.User.PasswordHash)
	if err != nil && cad.ErrorCode(err) == cad.EUNAVAILABLE {
		att.refund(ctx)
		return err
	}
	if !ok {
		return errWrongPassword
	}
	att.refund(ctx)
	return nil
}

// ChangePassword sets a new password after checking the current one (R6),
// ends every other session of the user and invalidates reset tokens (R25).
func (s *Service) ChangePassword(ctx context.Context, p *cad.Principal, current, next string, cl cad.Client) error {
	if err := CheckPassword(next, p.User.Username, productName); err != nil {
		return err
	}
	if err := s.verifyCurrent(ctx, p, current, cl); err != nil {
		s.event(ctx, cl, cad.AuthEvent{Type: cad.EventPasswordChange, Outcome: cad.OutcomeFailure, UserID: p.User.ID, SessionID: p.Session.ID, Detail: "wrong current password"})
		return err
	}
	if err := s.setPassword(ctx, p.User.ID, next, p.Session.ID); err != nil {
		return err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventPasswordChange, UserID: p.User.ID, SessionID: p.Session.ID})
	return nil
}

// SetPasswordWithoutCurrent sets a new password for a caller who has just
// proved who they are another way (a fresh Discord sign-in); it ends the
// other sessions.
func (s *Service) SetPasswordWithoutCurrent(ctx context.Context, p *cad.Principal, next string, cl cad.Client) error {
	if err := CheckPassword(next, p.User.Username, productName); err != nil {
		return err
	}
	if err := s.setPassword(ctx, p.User.ID, next, p.Session.ID); err != nil {
		return err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventPasswordChange, UserID: p.User.ID, SessionID: p.Session.ID, Detail: "without current password"})
	return nil
}

// setPassword stores a new hash, then ends the user's sessions but keep and
// their reset tokens.
func (s *Service) setPassword(ctx context.Context, userID, password, keep string) error {
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	if _, err := s.db.UpdateUser(ctx, userID, storeUpdatePassword(h)); err != nil {
		return err
	}
	if _, err := s.db.DeleteSessionsOfUser(ctx, userID, keep); err != nil {
		return err
	}
	return s.db.DeleteResetTokensOfUser(ctx, userID)
}

// SetSecurityQuestions sets or changes the caller's questions and answers,
// after re-authentication with the current password (R21).
func (s *Service) SetSecurityQuestions(ctx context.Context, p *cad.Principal, current, q1, a1, q2, a2 string, cl cad.Client) error {
	if err := s.verifyCurrent(ctx, p, current, cl); err != nil {
		return err
	}
	c1, h1, c2, h2, err := s.questions(ctx, p.User.Username, current, q1, a1, q2, a2)
	if err != nil {
		return err
	}
	if _, err := s.db.UpdateUser(ctx, p.User.ID, cad.UserUpdate{
		SecurityQuestion1: &c1, SecurityAnswer1Hash: &h1, SecurityQuestion2: &c2, SecurityAnswer2Hash: &h2,
	}); err != nil {
		return err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventQuestionsSet, UserID: p.User.ID, SessionID: p.Session.ID})
	return nil
}

// AdminSetPassword sets a user's password from the operator's command line
// and ends all of the user's sessions.
func (s *Service) AdminSetPassword(ctx context.Context, username, password string, cl cad.Client) (*cad.User, error) {
	u, err := s.db.UserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if err := CheckPassword(password, u.Username, productName); err != nil {
		return nil, err
	}
	if err := s.setPassword(ctx, u.ID, password, ""); err != nil {
		return nil, err
	}
	if err := s.db.DeleteCounter(ctx, accountKey(u.UsernameKey)); err != nil {
		return nil, err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventPasswordSet, UserID: u.ID, Detail: "by operator"})
	return u, nil
}

// DisableUser refuses the user everywhere from now on and ends all of their
// sessions (R33).
func (s *Service) DisableUser(ctx context.Context, username string, cl cad.Client) (*cad.User, int64, error) {
	u, err := s.db.UserByUsername(ctx, username)
	if err != nil {
		return nil, 0, err
	}
	yes := true
	if u, err = s.db.UpdateUser(ctx, u.ID, cad.UserUpdate{Disabled: &yes}); err != nil {
		return nil, 0, err
	}
	n, err := s.db.DeleteSessionsOfUser(ctx, u.ID, "")
	if err != nil {
		return nil, 0, err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventUserDisabled, UserID: u.ID, Detail: "by operator"})
	return u, n, nil
}

// RotateJWTKey makes a new signing key current. Tokens signed with older
// keys stay valid until they expire; with revokeAll every session ends too,
// so every existing token and cookie stops working (the secret-key reset).
func (s *Service) RotateJWTKey(ctx context.Context, revokeAll bool, cl cad.Client) (int64, error) {
	if s.jwtKeys.fixed {
		return 0, cad.Errorf(cad.EINVALID, "The JWT secret comes from PRECINCT_JWT_SECRET; change it there to rotate")
	}
	now := s.now()
	k, err := newKey(purposeJWT, now)
	if err != nil {
		return 0, err
	}
	if err := s.db.AddServerKey(ctx, k); err != nil {
		return 0, err
	}
	// Keys older than the longest token lifetime sign nothing still valid.
	if err := s.db.DeleteServerKeysBefore(ctx, purposeJWT, now.Add(-MaxTokenLifetime)); err != nil {
		return 0, err
	}
	var n int64
	if revokeAll {
		if n, err = s.db.DeleteAllSessions(ctx); err != nil {
			return 0, err
		}
	}
	detail := "new key " + k.ID
	if revokeAll {
		detail += ", all sessions ended"
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventKeysRotated, Detail: detail})
	return n, nil
}
