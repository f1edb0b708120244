package auth

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Abuse limits, documented in docs/auth.md.
const (
	// IPFailureLimit failed attempts per client IP per IPFailureWindow,
	// counted together across login, tablet login, security answers and
	// password reset: the reference's "Auth (login): 10 attempts / 15
	// minutes" (R11).
	IPFailureLimit  = 10
	IPFailureWindow = 15 * time.Minute

	// Per account (R10): every AccountFailureLimit consecutive failures
	// lock the account's password login for a growing time: 1, 2, 4, 8
	// then 15 minutes at most. That bounds failures to well under 100 an
	// hour, and no lock is permanent.
	AccountFailureLimit = 5
	accountLockBase     = time.Minute
	accountLockMax      = 15 * time.Minute
	accountMemory       = 12 * time.Hour

	// The reset path of an account dies after ResetFailureLimit wrong
	// answers and stays shut for ResetLockTime (R24). Login is unaffected.
	ResetFailureLimit = 5
	ResetLockTime     = time.Hour
)

// limiter counts failures per client IP in a sliding window kept in the
// database, so that every instance sees the same counts (R12).
type limiter struct {
	prefix string
	limit  int
	window time.Duration
	what   string
}

// RateLimitError is a refusal by a limit. It unwraps to a cad.Error with
// code rate_limited and carries what the RateLimit-* and Retry-After headers
// need.
type RateLimitError struct {
	Err        *cad.Error
	Limit      int
	Remaining  int
	RetryAfter time.Duration
	Window     time.Duration
}

func (e *RateLimitError) Error() string { return e.Err.Error() }

// Unwrap exposes the cad.Error.
func (e *RateLimitError) Unwrap() error { return e.Err }

// RateLimitHeaders reports the limit, what is left, and when to retry, for
// the API layer's headers.
func (e *RateLimitError) RateLimitHeaders() (limit, remaining int, retryAfter, window time.Duration) {
	return e.Limit, e.Remaining, e.RetryAfter, e.Window
}

// windowKeys are the counter keys of the current and the previous window;
// the limit is a sliding window estimated from the two.
func (l limiter) windowKeys(ip string, now time.Time) (cur, prev string, elapsed float64) {
	w := int64(l.window / time.Second)
	idx := now.Unix() / w
	elapsed = float64(now.Unix()%w) / float64(w)
	return l.prefix + ":" + ip + ":" + strconv.FormatInt(idx, 10), l.prefix + ":" + ip + ":" + strconv.FormatInt(idx-1, 10), elapsed
}

// check refuses a client IP that has used up its failures. pending is how
// many attempts of this request are already counted (0 or 1).
func (l limiter) check(ctx context.Context, s *Service, cl Client, pending int) error {
	now := s.now()
	cur, prev, elapsed := l.windowKeys(cl.IP, now)
	got, err := s.db.Counters(ctx, now, cur, prev)
	if err != nil {
		return err
	}
	c, p := float64(got[cur].Count-int64(pending)), float64(got[prev].Count)
	limit := float64(l.limit)
	if c+p*(1-elapsed) < limit {
		return nil
	}
	// Wait until the previous window's share has decayed enough, or the
	// current window ends.
	w := l.window.Seconds()
	var wait float64
	if c >= limit || p == 0 {
		wait = (1 - elapsed) * w
	} else {
		wait = (1 - (limit-c)/p - elapsed) * w
	}
	retry := time.Duration(math.Max(1, math.Ceil(wait))) * time.Second
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventRateLimited, Outcome: cad.OutcomeFailure, Detail: l.prefix})
	return &RateLimitError{
		Err:        cad.Errorf(cad.ERATELIMITED, "Too many failed %s from your address; try again in %s", l.what, humanize(retry)),
		Limit:      l.limit,
		RetryAfter: retry,
		Window:     l.window,
	}
}

// failed counts a failure against the client IP.
func (l limiter) failed(ctx context.Context, s *Service, cl Client) {
	now := s.now()
	cur, _, _ := l.windowKeys(cl.IP, now)
	if _, err := s.db.AddCounter(ctx, cur, 1, now.Add(2*l.window)); err != nil {
		s.log.ErrorContext(ctx, "counting a failed attempt", "error", err.Error())
	}
}

// attempt is a sign-in attempt counted as a failure before it is tried, so
// that concurrent attempts from one address cannot all pass the check
// before any of them is counted. A success (or a refusal that was no
// guess, such as a busy server) gives the count back.
type attempt struct {
	s       *Service
	key     string
	expires time.Time
}

// beginAttempt counts an attempt against the client IP and refuses it when
// the IP is over the limit with it.
func (s *Service) beginAttempt(ctx context.Context, cl Client) (*attempt, error) {
	now := s.now()
	cur, _, _ := loginLimiter.windowKeys(cl.IP, now)
	a := &attempt{s: s, key: cur, expires: now.Add(2 * loginLimiter.window)}
	if _, err := s.db.AddCounter(ctx, a.key, 1, a.expires); err != nil {
		return nil, err
	}
	if err := loginLimiter.check(ctx, s, cl, 1); err != nil {
		a.refund(ctx)
		return nil, err
	}
	return a, nil
}

// refund takes the attempt off the count: it was not a failed guess.
func (a *attempt) refund(ctx context.Context) {
	if _, err := a.s.db.AddCounter(context.WithoutCancel(ctx), a.key, -1, a.expires); err != nil {
		a.s.log.ErrorContext(ctx, "giving back a sign-in attempt", "error", err.Error())
	}
}

// loginLimiter is the reference's "Auth (login): 10 attempts / 15 minutes".
var loginLimiter = limiter{prefix: "ipfail", limit: IPFailureLimit, window: IPFailureWindow, what: "attempts"}

func accountKey(usernameKey string) string { return "acct:" + usernameKey }
func resetKey(usernameKey string) string   { return "reset:" + usernameKey }

// accountLocked reports whether an account's password login is locked.
func (s *Service) accountLocked(ctx context.Context, usernameKey string) (bool, error) {
	now := s.now()
	got, err := s.db.Counters(ctx, now, accountKey(usernameKey))
	if err != nil {
		return false, err
	}
	return now.Before(got[accountKey(usernameKey)].LockedUntil), nil
}

// accountFailed counts a failed login for an account (known or not, so
// that both behave alike) and locks it for a growing time every
// AccountFailureLimit failures. Failures while locked are not counted
// (R17); the caller does not call this then.
func (s *Service) accountFailed(ctx context.Context, cl Client, usernameKey, userID string) {
	now := s.now()
	key := accountKey(usernameKey)
	c, err := s.db.AddCounter(ctx, key, 1, now.Add(accountMemory))
	if err != nil {
		s.log.ErrorContext(ctx, "counting a failed login", "error", err.Error())
		return
	}
	if c.Count < AccountFailureLimit {
		return
	}
	lock := accountLockBase << min(c.Lockouts, 4)
	lock = min(lock, accountLockMax)
	locked, err := s.db.LockCounter(ctx, key, AccountFailureLimit, now.Add(lock), now.Add(accountMemory))
	if err != nil || !locked {
		return
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventLoginLock, Outcome: cad.OutcomeFailure, UserID: userID, Username: usernameKey,
		Detail: fmt.Sprintf("locked for %s", lock)})
}

// resetLocked reports whether an account's reset path is shut.
func (s *Service) resetLocked(ctx context.Context, usernameKey string) (bool, error) {
	now := s.now()
	got, err := s.db.Counters(ctx, now, resetKey(usernameKey))
	if err != nil {
		return false, err
	}
	return now.Before(got[resetKey(usernameKey)].LockedUntil), nil
}

// resetFailed counts a wrong set of answers and shuts the reset path after
// ResetFailureLimit of them.
func (s *Service) resetFailed(ctx context.Context, cl Client, usernameKey, userID string) {
	now := s.now()
	key := resetKey(usernameKey)
	c, err := s.db.AddCounter(ctx, key, 1, now.Add(2*ResetLockTime))
	if err != nil {
		s.log.ErrorContext(ctx, "counting a failed reset", "error", err.Error())
		return
	}
	if c.Count < ResetFailureLimit {
		return
	}
	if locked, err := s.db.LockCounter(ctx, key, ResetFailureLimit, now.Add(ResetLockTime), now.Add(2*ResetLockTime)); err == nil && locked {
		s.event(ctx, cl, cad.AuthEvent{Type: cad.EventResetLock, Outcome: cad.OutcomeFailure, UserID: userID, Username: usernameKey})
	}
}

func humanize(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	}
	m := int(math.Ceil(d.Minutes()))
	if m == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", m)
}
