package auth

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"
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
	policy string // its name in RateLimit-Policy
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
func (l limiter) check(ctx context.Context, s *Service, cl cad.Client, pending int) error {
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
	return &cad.LimitError{
		Err:        cad.Errorf(cad.ERATELIMITED, "Too many failed %s from your address; try again in %s", l.what, humanize(retry)),
		Limit:      l.limit,
		RetryAfter: retry,
		Window:     l.window,
		Policy:     l.policy,
	}
}

// failed counts a failure against the client IP.
func (l limiter) failed(ctx context.Context, s *Service, cl cad.Client) {
	now := s.now()
	cur, _, _ := l.windowKeys(cl.IP, now)
	if _, err := s.db.AddCounter(ctx, cur, 1, now.Add(2*l.window)); err != nil {
		s.log.ErrorContext(ctx, "counting a failed attempt", "error", err.Error())
	}
}

// An attempt is one sign-in, security-answer or reset try, reserved before
// the secret is hashed, so that however many arrive at once, no more than
// the limits' worth reach the hash:
//
//   - per client address, the try is counted as a failure first and given
//     back (refund) when it turns out to be none (a success, a busy server);
//   - per account, when the caller names one, a reservation is held in the
//     database beside the account's failure count while the hash runs, and
//     the try is refused when failures plus reservations reach the limit.
//
// A try that would pass the limit only because other tries from the same
// address or for the same account are still in flight on this process
// waits for them (up to its deadline) instead of being refused: if they
// were correct sign-ins, they give their tries back and it goes on. So
// twelve players behind one address who sign in at once all get in, and
// forty wrong guesses get ten (or five for one account) hashed. Across
// several instances the counts are shared, but a try only waits for tries
// of its own instance; one that meets another instance's tries in flight is
// refused as if they had failed.
type attempt struct {
	s       *Service
	ipKey   string
	expires time.Time
	// acct is the account's failure counter ("" when none was named), and
	// pend its reservation counter.
	acct, pend string
	// locked: the account is locked; the caller refuses after a dummy hash.
	locked   bool
	refunded bool
	closed   bool
}

// account names the account an attempt is for, with its limit.
type account struct {
	counter string
	limit   int64
}

// maxAttemptWait bounds how long a try waits for others in flight.
const maxAttemptWait = 3 * time.Second

// beginAttempt reserves a try for the client address and, when acct is
// set, for the account; it refuses with 429 when the address is over its
// limit. The caller must defer close.
func (s *Service) beginAttempt(ctx context.Context, cl cad.Client, acct *account) (*attempt, error) {
	waitUntil := time.Now().Add(maxAttemptWait)
	lookedAgain := false
	for {
		now := s.now()
		cur, _, _ := s.signIn.windowKeys(cl.IP, now)
		a := &attempt{s: s, ipKey: cur, expires: now.Add(2 * s.signIn.window)}
		if _, err := s.db.AddCounter(ctx, a.ipKey, 1, a.expires); err != nil {
			return nil, err
		}
		if err := s.signIn.check(ctx, s, cl, 1); err != nil {
			a.giveBack(ctx)
			if s.tries.wait(ctx, waitUntil, a.ipKey) {
				continue
			}
			s.metrics.SignIn("limited")
			return nil, err
		}
		if acct == nil {
			s.tries.enter(a.ipKey)
			return a, nil
		}
		a.acct, a.pend = acct.counter, acct.counter+":pend"
		// The reservation is taken one try at a time per account on this
		// instance: tries that arrive together would otherwise each count
		// the others' passing reservations, all find the allowance full and
		// all wait, over and over, while none is hashed.
		unlock, err := s.tries.lock(ctx, a.acct)
		if err != nil {
			a.giveBack(ctx)
			return nil, errAccountBusy
		}
		full, err := a.reserveAccount(ctx, acct.limit, now)
		if err != nil {
			unlock()
			a.giveBack(ctx)
			return nil, err
		}
		if full {
			// Tries in flight fill the account's allowance: wait for
			// them; if they were wrong, the account locks meanwhile.
			a.releaseAccount(ctx)
			unlock()
			a.giveBack(ctx)
			if s.tries.wait(ctx, waitUntil, a.acct) {
				continue
			}
			// None of this instance's tries holds it: they ended between
			// the reservation and the wait (the account may be locked now,
			// or free). Look once more before calling it busy, which it is
			// when another instance's tries hold it.
			if !lookedAgain && ctx.Err() == nil {
				lookedAgain = true
				continue
			}
			s.metrics.SignIn("busy")
			return nil, errAccountBusy
		}
		s.tries.enter(a.ipKey, a.acct)
		unlock()
		return a, nil
	}
}

// errAccountBusy answers a try for an account whose allowance other tries
// in flight hold (on this or another instance) past the wait: nothing was
// checked, so it is no failure; come back in a moment.
var errAccountBusy = &cad.BusyError{
	Err:        cad.Errorf(cad.EUNAVAILABLE, "Too many sign-ins for this account at once; try again in a moment"),
	RetryAfter: time.Second,
}

// reserveAccount holds a reservation on the account and reports whether
// failures and reservations together are over its limit. A locked account,
// or one whose failures alone reach the limit, is marked locked.
func (a *attempt) reserveAccount(ctx context.Context, limit int64, now time.Time) (full bool, err error) {
	p, err := a.s.db.AddCounter(ctx, a.pend, 1, now.Add(time.Minute))
	if err != nil {
		return false, err
	}
	got, err := a.s.db.Counters(ctx, now, a.acct)
	if err != nil {
		return false, err
	}
	c := got[a.acct]
	if now.Before(c.LockedUntil) || c.Count >= limit {
		a.locked = true
		return false, nil
	}
	return c.Count+p.Count > limit, nil
}

func (a *attempt) releaseAccount(ctx context.Context) {
	if a.pend == "" {
		return
	}
	if _, err := a.s.db.AddCounter(context.WithoutCancel(ctx), a.pend, -1, a.s.now().Add(time.Minute)); err != nil {
		a.s.log.ErrorContext(ctx, "releasing a sign-in reservation", "error", err.Error())
	}
	a.pend = ""
}

func (a *attempt) giveBack(ctx context.Context) {
	if _, err := a.s.db.AddCounter(context.WithoutCancel(ctx), a.ipKey, -1, a.expires); err != nil {
		a.s.log.ErrorContext(ctx, "giving back a sign-in attempt", "error", err.Error())
	}
}

// refund takes the try off the address's count: it was no failed guess.
func (a *attempt) refund(ctx context.Context) {
	if a.refunded {
		return
	}
	a.refunded = true
	a.giveBack(ctx)
}

// close ends the attempt: the account's reservation goes, and tries
// waiting on this one are woken.
func (a *attempt) close(ctx context.Context) {
	if a.closed {
		return
	}
	a.closed = true
	acct := a.acct
	a.releaseAccount(ctx)
	a.s.tries.leave(a.ipKey, acct)
}

// inFlight counts, per address and per account, the tries this process is
// hashing, and wakes the tries waiting on them when one ends.
type inFlight struct {
	mu   sync.Mutex
	n    map[string]int
	done chan struct{} // closed and replaced whenever a try ends
	// locks serialise a key's reservations (one channel of one slot per
	// key in use, with the number of tries holding or waiting for it).
	locks map[string]*keyLock
}

type keyLock struct {
	slot  chan struct{}
	users int
}

func newInFlight() *inFlight {
	return &inFlight{n: map[string]int{}, done: make(chan struct{}), locks: map[string]*keyLock{}}
}

// lock takes key's lock, or fails when ctx ends first; unlock gives it
// back.
func (f *inFlight) lock(ctx context.Context, key string) (unlock func(), err error) {
	f.mu.Lock()
	l := f.locks[key]
	if l == nil {
		l = &keyLock{slot: make(chan struct{}, 1)}
		f.locks[key] = l
	}
	l.users++
	f.mu.Unlock()
	release := func() {
		f.mu.Lock()
		if l.users--; l.users == 0 {
			delete(f.locks, key)
		}
		f.mu.Unlock()
	}
	select {
	case l.slot <- struct{}{}:
		return func() { <-l.slot; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

func (f *inFlight) enter(keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if k != "" {
			f.n[k]++
		}
	}
}

func (f *inFlight) leave(keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if k == "" {
			continue
		}
		if f.n[k]--; f.n[k] <= 0 {
			delete(f.n, k)
		}
	}
	close(f.done)
	f.done = make(chan struct{})
}

// wait waits for a try in flight on key to end and reports true, or
// reports false at once when none is in flight (or when ctx or the wait's
// bound ends first).
func (f *inFlight) wait(ctx context.Context, until time.Time, key string) bool {
	f.mu.Lock()
	busy, done := f.n[key] > 0, f.done
	f.mu.Unlock()
	if !busy {
		return false
	}
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}

func accountKey(usernameKey string) string { return "acct:" + usernameKey }
func resetKey(usernameKey string) string   { return "reset:" + usernameKey }

// accountFailed counts a failed login for an account (known or not, so
// that both behave alike) and locks it for a growing time every
// AccountFailureLimit failures. Failures while locked are not counted
// (R17); the caller does not call this then.
func (s *Service) accountFailed(ctx context.Context, cl cad.Client, usernameKey, userID string) {
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

// resetFailed counts a wrong set of answers and shuts the reset path after
// ResetFailureLimit of them.
func (s *Service) resetFailed(ctx context.Context, cl cad.Client, usernameKey, userID string) {
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
