package auth

import (
	"context"
	"strings"

	"github.com/precinct-cad/precinct/internal/cad"
)

// ResetTokenPrefix starts every reset token.
const ResetTokenPrefix = "rst_"

// errBadAnswers is the one answer to wrong security answers, whichever was
// wrong, and for unknown users alike (R22, R23).
var errBadAnswers = cad.Errorf(cad.EINVALID, "The security answers are not correct")

// errBadResetToken is the one answer to a reset token that is unknown, used,
// superseded or expired.
var errBadResetToken = cad.Errorf(cad.EINVALID, "Reset token is invalid or has expired")

// SecurityQuestionsFor returns the two questions of a username. An unknown
// username, or one without questions, gets a stable made-up pair from the
// same list, so that the answer does not tell whether the account exists
// (R22).
func (s *Service) SecurityQuestionsFor(ctx context.Context, username string, cl cad.Client) (string, string, error) {
	key := cad.NormalizeUsername(username)
	u, err := s.db.UserByUsername(ctx, username)
	if err != nil && cad.ErrorCode(err) != cad.ENOTFOUND {
		return "", "", err
	}
	userID := ""
	if u != nil {
		userID = u.ID
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventResetRequest, UserID: userID, Username: username})
	if u != nil && u.HasSecurityQuestions() {
		return u.SecurityQuestion1, u.SecurityQuestion2, nil
	}
	q1, q2 := DecoyQuestions(s.decoy, key)
	return q1, q2, nil
}

// VerifySecurityAnswers checks both answers together, always computing both
// hashes (R23), and returns a reset token: "rst_" + 256 random bits, stored
// only as its SHA-256, valid ResetTokenLifetime, single use (R25).
func (s *Service) VerifySecurityAnswers(ctx context.Context, username, a1, a2 string, cl cad.Client) (string, error) {
	if err := s.hasher.Admit(); err != nil {
		return "", err
	}
	key := cad.NormalizeUsername(username)
	att, err := s.beginAttempt(ctx, cl, &account{counter: resetKey(key), limit: ResetFailureLimit})
	if err != nil {
		return "", err
	}
	defer att.close(ctx)
	locked := att.locked
	u, err := s.db.UserByUsername(ctx, username)
	if err != nil && cad.ErrorCode(err) != cad.ENOTFOUND {
		return "", err
	}
	n1, n2 := NormalizeAnswer(a1), NormalizeAnswer(a2)
	if len(a1) > MaxSecretBytes || len(a2) > MaxSecretBytes {
		n1, n2 = "", ""
	}
	var ok1, ok2 bool
	if u != nil && u.HasSecurityQuestions() && n1 != "" && n2 != "" && !locked {
		var e1, e2 error
		ok1, _, e1 = s.hasher.Verify(ctx, n1, u.SecurityAnswer1Hash)
		ok2, _, e2 = s.hasher.Verify(ctx, n2, u.SecurityAnswer2Hash)
		if e := firstBusy(e1, e2); e != nil {
			att.refund(ctx)
			return "", e
		}
	} else {
		e1 := s.hasher.VerifyDummy(ctx, n1)
		e2 := s.hasher.VerifyDummy(ctx, n2)
		if e := firstBusy(e1, e2); e != nil {
			att.refund(ctx)
			return "", e
		}
	}
	userID := ""
	if u != nil {
		userID = u.ID
	}
	if locked || !ok1 || !ok2 || u.Disabled {
		if !locked {
			s.resetFailed(ctx, cl, key, userID)
		}
		detail := "wrong answers"
		if locked {
			detail = "reset locked"
		}
		s.event(ctx, cl, cad.AuthEvent{Type: cad.EventResetFail, Outcome: cad.OutcomeFailure, UserID: userID, Username: username, Detail: detail})
		if locked {
			return "", &cad.LimitError{
				Err:   cad.Errorf(cad.ERATELIMITED, "Too many wrong answers; password reset for this account is paused, try again later"),
				Limit: ResetFailureLimit, RetryAfter: ResetLockTime, Window: ResetLockTime, Policy: "reset-answers",
			}
		}
		return "", errBadAnswers
	}
	att.refund(ctx)
	if err := s.db.DeleteCounter(ctx, resetKey(key)); err != nil {
		return "", err
	}
	tok, hash, err := randomToken(ResetTokenPrefix)
	if err != nil {
		return "", err
	}
	now := s.now()
	if err := s.db.CreateResetToken(ctx, hash, u.ID, now, now.Add(ResetTokenLifetime)); err != nil {
		return "", err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventResetRequest, UserID: u.ID, Detail: "answers verified; reset token issued"})
	return tok, nil
}

func firstBusy(errs ...error) error {
	for _, e := range errs {
		if e != nil && cad.ErrorCode(e) == cad.EUNAVAILABLE {
			return e
		}
	}
	return nil
}

// ResetPassword sets a new password with a reset token. The token is
// consumed atomically, so of concurrent uses exactly one succeeds (R86).
// Every session of the user ends and nobody is signed in (R28).
func (s *Service) ResetPassword(ctx context.Context, token, password string, cl cad.Client) error {
	att, err := s.beginAttempt(ctx, cl, nil)
	if err != nil {
		return err
	}
	defer att.close(ctx)
	if !strings.HasPrefix(token, ResetTokenPrefix) || len(token) > 128 {
		return errBadResetToken
	}
	hash := hashToken(token)
	now := s.now()
	userID, err := s.db.ResetTokenUser(ctx, hash, now)
	if err != nil {
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			s.event(ctx, cl, cad.AuthEvent{Type: cad.EventResetFail, Outcome: cad.OutcomeFailure, Detail: "bad reset token"})
			return errBadResetToken
		}
		return err
	}
	u, err := s.db.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	// The token was right: whatever follows is no failed guess. The
	// policy is checked before the token is spent, so a refused password
	// does not cost the user their token.
	att.refund(ctx)
	if err := CheckPassword(password, u.Username, productName); err != nil {
		return err
	}
	if _, err := s.db.ConsumeResetToken(ctx, hash, now); err != nil {
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			return errBadResetToken
		}
		return err
	}
	if err := s.setPassword(ctx, u.ID, password, ""); err != nil {
		return err
	}
	if err := s.db.DeleteCounter(ctx, accountKey(u.UsernameKey)); err != nil {
		return err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventResetDone, UserID: u.ID})
	return nil
}
