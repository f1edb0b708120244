package ratelimit_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/ratelimit"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestBurstThenSteadyRate(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	l := ratelimit.New(c.now)
	r := cad.Rate{Limit: 120, Window: time.Minute}
	for i := 0; i < 120; i++ {
		v := l.Allow("k", r)
		if !v.Allowed || v.Remaining != 119-i || v.Limit != 120 {
			t.Fatalf("request %d: %+v", i+1, v)
		}
	}
	v := l.Allow("k", r)
	if v.Allowed || v.Remaining != 0 || v.RetryAfter != 500*time.Millisecond || v.Reset != time.Minute {
		t.Fatalf("over the limit: %+v", v)
	}
	if other := l.Allow("other", r); !other.Allowed {
		t.Fatal("one key's use refused another key")
	}
	c.add(499 * time.Millisecond)
	if l.Allow("k", r).Allowed {
		t.Fatal("allowed before the retry time")
	}
	c.add(time.Millisecond)
	if v := l.Allow("k", r); !v.Allowed || v.Remaining != 0 {
		t.Fatalf("at the retry time: %+v", v)
	}
	c.add(time.Minute)
	if v := l.Allow("k", r); !v.Allowed || v.Remaining != 119 {
		t.Fatalf("after a quiet window: %+v", v)
	}
}

// However many requests arrive at once, exactly the limit get through.
func TestConcurrentBurstGetsExactlyTheLimit(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	l := ratelimit.New(c.now)
	r := cad.Rate{Limit: 100, Window: time.Minute}
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.Allow("busy", r).Allowed {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 100 {
		t.Fatalf("%d of 1000 concurrent requests allowed, want 100", ok.Load())
	}
}

// Keys that have been quiet for a window are forgotten.
func TestQuietKeysAreDropped(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	l := ratelimit.New(c.now)
	r := cad.Rate{Limit: 10, Window: time.Second}
	for i := 0; i < 5000; i++ {
		l.Allow(string(rune('a'+i%26))+time.Duration(i).String(), r)
	}
	c.add(2 * time.Second)
	for i := 0; i < 64*4096; i++ {
		l.Allow("again", r)
	}
	if n := l.Len(); n > 1 {
		t.Fatalf("%d keys kept after they went quiet", n)
	}
}

func TestRefusal(t *testing.T) {
	v := ratelimit.Verdict{Limit: 20, Window: time.Minute, RetryAfter: 2500 * time.Millisecond}
	err := v.Error("fivem-high-impact", "911 calls and panic alerts per game-server key")
	var le *cad.LimitError
	if !errors.As(err, &le) || cad.ErrorCode(err) != cad.ERATELIMITED || le.Policy != "fivem-high-impact" {
		t.Fatalf("%#v", err)
	}
	if msg := cad.ErrorMessage(err); msg != "Too many requests: the limit is 20 per minute for 911 calls and panic alerts per game-server key; try again in 3 seconds" {
		t.Fatalf("message %q", msg)
	}
}

func BenchmarkAllow(b *testing.B) {
	l := ratelimit.New(nil)
	r := cad.Rate{Limit: 1_000_000, Window: time.Minute}
	b.ReportAllocs()
	for b.Loop() {
		l.Allow("api:u:6b0edec1e487e9c821e915e4", r)
	}
}
