package cad_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// The janitors' loop: Every waits an interval before its first round,
// NowAndEvery runs one at once; both run on every tick and return when the
// context ends.
func TestEveryAndNowAndEvery(t *testing.T) {
	for _, tc := range []struct {
		name  string
		loop  func(context.Context, time.Duration, func(context.Context))
		first int64
	}{{"Every", cad.Every, 0}, {"NowAndEvery", cad.NowAndEvery, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int64
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				tc.loop(ctx, time.Hour, func(context.Context) { n.Add(1) })
				close(done)
			}()
			// An hour's interval never ticks here: only a first round runs.
			for deadline := time.Now().Add(10 * time.Second); n.Load() < tc.first && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			cancel()
			<-done
			if got := n.Load(); got != tc.first {
				t.Fatalf("%d rounds before the first tick, want %d", got, tc.first)
			}

			n.Store(0)
			ctx, cancel = context.WithCancel(context.Background())
			defer cancel()
			go tc.loop(ctx, time.Millisecond, func(context.Context) { n.Add(1) })
			for deadline := time.Now().Add(30 * time.Second); n.Load() < 3; {
				if time.Now().After(deadline) {
					t.Fatalf("%d rounds in 30 s of 1 ms ticks", n.Load())
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}
