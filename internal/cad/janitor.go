package cad

import (
	"context"
	"time"
)

// Every runs round after each interval until ctx ends: the loop of the
// areas' janitors (expired sessions and keys, stored images from before,
// stale live positions).
func Every(ctx context.Context, interval time.Duration, round func(context.Context)) {
	tick(ctx, interval, false, round)
}

// NowAndEvery is Every with a first round at once (expired calls, look-up
// retention: work that may have piled up while the server was down).
func NowAndEvery(ctx context.Context, interval time.Duration, round func(context.Context)) {
	tick(ctx, interval, true, round)
}

func tick(ctx context.Context, interval time.Duration, now bool, round func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	if now {
		round(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			round(ctx)
		}
	}
}
