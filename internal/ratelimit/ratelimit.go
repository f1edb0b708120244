// Package ratelimit enforces published request limits ("300 a minute per
// user") in memory, with the generic cell rate algorithm: per key, one
// timestamp (the theoretical arrival time of the next request), updated
// under a lock. A verdict costs a map look-up, no allocation on the hot
// path and no database write; the state of a key that has been quiet for a
// window is dropped.
//
// Limits are per process: behind a load balancer that spreads one client
// over N instances, that client gets up to N times the limit (see
// docs/limits.md).
package ratelimit

import (
	"fmt"
	"hash/maphash"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// humanWindow is a window in words: "minute", "15 minutes".
func humanWindow(d time.Duration) string {
	n, unit := int64(d/time.Second), "second"
	switch {
	case d%time.Hour == 0:
		n, unit = int64(d/time.Hour), "hour"
	case d%time.Minute == 0:
		n, unit = int64(d/time.Minute), "minute"
	}
	if n == 1 {
		return unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Verdict is a limit's answer to one request.
type Verdict struct {
	Allowed   bool
	Limit     int
	Remaining int
	// Reset is how long until the whole allowance is back.
	Reset time.Duration
	// RetryAfter is, when refused, how long until one request is allowed.
	RetryAfter time.Duration
	Window     time.Duration
}

// Limiter keeps the state of every key. It is safe for concurrent use.
type Limiter struct {
	now    func() time.Time
	seed   maphash.Seed
	calls  atomic.Uint64
	shards [64]shard
}

type shard struct {
	mu  sync.Mutex
	tat map[string]int64 // key -> theoretical arrival time, Unix nanoseconds
}

// New returns a Limiter on the clock now (nil: time.Now).
func New(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{now: now, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].tat = map[string]int64{}
	}
	return l
}

// Every sweepEvery calls, one shard in turn drops the keys whose allowance
// is whole again (their state says nothing any more), so memory follows
// the keys in use, not every key ever seen.
const sweepEvery = 256

// Allow takes one request from key's allowance under r.
func (l *Limiter) Allow(key string, r cad.Rate) Verdict {
	now := l.now().UnixNano()
	t := max(int64(r.Window)/int64(r.Limit), 1) // one request's share of the window
	sh := &l.shards[maphash.String(l.seed, key)%uint64(len(l.shards))]
	sh.mu.Lock()
	tat, ok := sh.tat[key]
	if !ok || tat < now || tat-now > int64(r.Window) {
		// New, quiet, or further ahead than any allowance reaches: the
		// clock went back (or the rule shrank). Start afresh.
		tat = now
	}
	next := tat + t
	allowed := next-now <= int64(r.Window)
	if allowed {
		sh.tat[key] = next
	} else {
		next = tat
	}
	sh.mu.Unlock()
	if n := l.calls.Add(1); n%sweepEvery == 0 {
		l.sweep(&l.shards[(n/sweepEvery)%uint64(len(l.shards))], now)
	}
	v := Verdict{Allowed: allowed, Limit: r.Limit, Window: r.Window, Reset: time.Duration(next - now)}
	v.Remaining = int((int64(r.Window) - (next - now)) / t)
	if !allowed {
		v.Remaining = 0
		// The next request fits once the backlog has drained by one share.
		v.RetryAfter = time.Duration(next + t - now - int64(r.Window))
	}
	return v
}

func (l *Limiter) sweep(sh *shard, now int64) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for k, v := range sh.tat {
		if v <= now {
			delete(sh.tat, k)
		}
	}
}

// Error is the refusal of a request that a verdict did not allow, with the
// headers it needs; what names the limit for people ("requests to the
// FiveM routes per game-server key").
func (v Verdict) Error(policy, what string) error {
	secs := int(math.Max(1, math.Ceil(v.RetryAfter.Seconds())))
	return &cad.LimitError{
		Err: cad.Errorf(cad.ERATELIMITED, "Too many requests: the limit is %d per %s for %s; try again in %d second%s",
			v.Limit, humanWindow(v.Window), what, secs, plural(secs)),
		Limit: v.Limit, Remaining: 0, RetryAfter: v.RetryAfter, Window: v.Window, Policy: policy,
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Len is how many keys hold state (for metrics and tests).
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		l.shards[i].mu.Lock()
		n += len(l.shards[i].tat)
		l.shards[i].mu.Unlock()
	}
	return n
}
