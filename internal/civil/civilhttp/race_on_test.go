//go:build race

package civilhttp_test

// raceEnabled: the race detector slows image decoding tenfold and its
// figures of allocation mean nothing; tests that measure them run again
// without it (make test).
const raceEnabled = true
