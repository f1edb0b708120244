package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/precinct-cad/precinct/internal/cad"
)

// cheapParams keep tests fast where the cost itself is not under test.
var cheapParams = Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newCheapHasher(t testing.TB) *Hasher {
	t.Helper()
	return NewHasher(cheapParams, 4, 16)
}

// TestR7HashIsArgon2idPHCWithDefaultParams decodes a real hash field by field
// and recomputes the key independently, so the PHC string is shown to hold
// the argon2id output and the parameters R7 requires.
func TestR7HashIsArgon2idPHCWithDefaultParams(t *testing.T) {
	h := NewHasher(DefaultParams, 1, 1)
	const secret = "correct horse battery staple"
	phc, err := h.Hash(context.Background(), secret)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	parts := strings.Split(phc, "$")
	if len(parts) != 6 {
		t.Fatalf("PHC %q has %d $-fields, want 6", phc, len(parts))
	}
	if parts[1] != "argon2id" || parts[2] != "v=19" || parts[3] != "m=19456,t=2,p=1" {
		t.Errorf("PHC header = %q, want $argon2id$v=19$m=19456,t=2,p=1", strings.Join(parts[:4], "$"))
	}
	if strings.Count(phc, "=") != 4 { // v=, m=, t=, p= and no base64 padding
		t.Errorf("PHC %q has base64 padding", phc)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) != 16 {
		t.Fatalf("salt: %d bytes, err %v; want 16 bytes of unpadded base64", len(salt), err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) != 32 {
		t.Fatalf("key: %d bytes, err %v; want 32 bytes of unpadded base64", len(key), err)
	}
	if want := argon2.IDKey([]byte(secret), salt, 2, 19456, 1, 32); !bytes.Equal(key, want) {
		t.Error("key is not argon2id(secret, salt, t=2, m=19456, p=1, 32)")
	}
	if strings.Contains(phc, secret) {
		t.Error("PHC string contains the secret")
	}
}

// TestR7SaltsUniqueAcrossUsers: the same password for many users must give
// different salts and so different hashes.
func TestR7SaltsUniqueAcrossUsers(t *testing.T) {
	h := newCheapHasher(t)
	salts := map[string]bool{}
	hashes := map[string]bool{}
	for i := range 50 {
		phc, err := h.Hash(context.Background(), "same password for all")
		if err != nil {
			t.Fatalf("Hash %d: %v", i, err)
		}
		parts := strings.Split(phc, "$")
		if salts[parts[4]] {
			t.Fatalf("salt repeated after %d hashes", i)
		}
		salts[parts[4]] = true
		hashes[parts[5]] = true
	}
	if len(hashes) != 50 {
		t.Errorf("%d distinct keys over 50 hashes, want 50", len(hashes))
	}
}

// TestR2R4VerifyRoundTrip: any text the policy allows, including spaces and
// emoji and the longest allowed password, hashes and verifies.
func TestR2R4VerifyRoundTrip(t *testing.T) {
	h := newCheapHasher(t)
	for _, tc := range []struct{ name, secret string }{
		{"ascii", "a plain password"},
		{"R4 spaces", "  four words with spaces  "},
		{"R4 emoji", "🔥 fire and ice 🧊"},
		{"R4 accents", "crème brûlée à la carte"},
		{"R2 128 emoji", strings.Repeat("😀", MaxPasswordLen)},
		{"R2 MaxSecretBytes", strings.Repeat("x", MaxSecretBytes)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			phc, err := h.Hash(context.Background(), tc.secret)
			if err != nil {
				t.Fatalf("Hash: %v", err)
			}
			match, rehash, err := h.Verify(context.Background(), tc.secret, phc)
			if err != nil || !match || rehash {
				t.Errorf("Verify = (%v, %v, %v), want (true, false, nil)", match, rehash, err)
			}
		})
	}
}

// TestR3NoTruncationOrFolding: the secret is hashed exactly as given, so a
// longer, shorter, trimmed or case-changed variant never matches.
func TestR3NoTruncationOrFolding(t *testing.T) {
	h := newCheapHasher(t)
	long := strings.Repeat("abcdefgh", 16) // 128 bytes: longer than bcrypt's 72-byte cut
	const spaced = "  Tr0ub4dor&3 horse  "
	for _, tc := range []struct{ name, stored, tried string }{
		{"extra char", long, long + "x"},
		{"last char differs past 72 bytes", long, long[:127] + "H"},
		{"prefix", long, long[:72]},
		{"case changed", "Correct Horse", "correct horse"},
		{"upper cased", "Correct Horse", "CORRECT HORSE"},
		{"trimmed", spaced, strings.TrimSpace(spaced)},
		{"empty", "something", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			phc, err := h.Hash(context.Background(), tc.stored)
			if err != nil {
				t.Fatalf("Hash: %v", err)
			}
			match, _, err := h.Verify(context.Background(), tc.tried, phc)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if match {
				t.Error("variant matched; the secret was truncated or folded")
			}
		})
	}
}

// TestR2SecretByteCap: a secret over MaxSecretBytes is refused before any
// hashing work, on every path alike.
func TestR2SecretByteCap(t *testing.T) {
	h := newCheapHasher(t)
	huge := strings.Repeat("a", MaxSecretBytes+1)
	phc, err := h.Hash(context.Background(), "fine")
	if err != nil {
		t.Fatal(err)
	}
	before := h.Computations()
	_, err1 := h.Hash(context.Background(), huge)
	_, _, err2 := h.Verify(context.Background(), huge, phc)
	err3 := h.VerifyDummy(context.Background(), huge)
	for i, err := range []error{err1, err2, err3} {
		if cad.ErrorCode(err) != cad.EINVALID {
			t.Errorf("call %d: error %v, want code %s", i, err, cad.EINVALID)
		}
		if strings.Contains(cad.ErrorMessage(err), huge[:16]) {
			t.Errorf("call %d: message echoes the secret", i)
		}
	}
	if got := h.Computations() - before; got != 0 {
		t.Errorf("%d argon2 computations for over-long secrets, want 0", got)
	}
}

// TestR7VerifyRefusesMalformedAndAbsurdHashes: a tampered row is an error,
// never a match, and costs no argon2 work, so it cannot be used to make the
// server allocate gigabytes or spin.
func TestR7VerifyRefusesMalformedAndAbsurdHashes(t *testing.T) {
	h := newCheapHasher(t)
	const secret = "tamper target"
	good, err := h.Hash(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Split(good, "$")
	salt, key := p[4], p[5]
	b := func(n int) string { return base64.RawStdEncoding.EncodeToString(make([]byte, n)) }
	with := func(params, s, k string) string { return "$argon2id$v=19$" + params + "$" + s + "$" + k }
	cases := []struct{ name, phc string }{
		{"empty", ""},
		{"garbage", "not a hash"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$" + p[3] + "$" + salt + "$" + key},
		{"version 16", "$argon2id$v=16$" + p[3] + "$" + salt + "$" + key},
		{"missing version", "$argon2id$" + p[3] + "$" + salt + "$" + key},
		{"missing key", "$argon2id$v=19$" + p[3] + "$" + salt},
		{"extra field", good + "$x"},
		{"trailing newline", good + "\n"},
		{"newline inside key", good[:len(good)-4] + "\r\n" + good[len(good)-4:]},
		{"space in params", with("m=1024, t=1,p=1", salt, key)},
		{"no leading $", good[1:]},
		{"params reordered", with("t=1,m=1024,p=1", salt, key)},
		{"params missing", with("m=1024,t=1", salt, key)},
		{"param not a number", with("m=abc,t=1,p=1", salt, key)},
		{"param negative", with("m=-1024,t=1,p=1", salt, key)},
		{"param signed", with("m=+1024,t=1,p=1", salt, key)},
		{"param leading zero", with("m=01024,t=1,p=1", salt, key)},
		{"param overflows uint32", with("m=4294967296,t=1,p=1", salt, key)},
		{"memory over 1 GiB", with("m=1048577,t=1,p=1", salt, key)},
		{"memory 4 GiB", with("m=4294967295,t=1,p=1", salt, key)},
		{"memory below 8*p", with("m=7,t=1,p=1", salt, key)},
		{"time 0", with("m=1024,t=0,p=1", salt, key)},
		{"time 11", with("m=1024,t=11,p=1", salt, key)},
		{"threads 0", with("m=1024,t=1,p=0", salt, key)},
		{"threads 17", with("m=1024,t=1,p=17", salt, key)},
		{"threads 257 wraps uint8", with("m=1024,t=1,p=257", salt, key)},
		{"salt over 1024 bytes", with("m=1024,t=1,p=1", b(1025), key)},
		{"key over 1024 bytes", with("m=1024,t=1,p=1", salt, b(1025))},
		{"empty key would match anything", with("m=1024,t=1,p=1", salt, "")},
		{"short key", with("m=1024,t=1,p=1", salt, b(8))},
		{"empty salt", with("m=1024,t=1,p=1", "", key)},
		{"salt not base64", with("m=1024,t=1,p=1", "!!!!!!!!!!!!!!!!!!!!!!", key)},
		{"salt padded", with("m=1024,t=1,p=1", base64.StdEncoding.EncodeToString(make([]byte, 16)), key)},
		{"key non-canonical trailing bits", with("m=1024,t=1,p=1", salt, key[:len(key)-1]+"B")},
		{"huge string", with("m=1024,t=1,p=1", salt, strings.Repeat("A", 1<<20))},
	}
	before := h.Computations()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			match, rehash, err := h.Verify(context.Background(), secret, tc.phc)
			if err == nil || match || rehash {
				t.Fatalf("Verify = (%v, %v, %v), want (false, false, error)", match, rehash, err)
			}
			if cad.ErrorCode(err) != cad.EINTERNAL {
				t.Errorf("code = %q, want %q", cad.ErrorCode(err), cad.EINTERNAL)
			}
			if msg := cad.ErrorMessage(err); strings.Contains(msg, secret) || strings.Contains(msg, salt) {
				t.Errorf("message %q leaks the secret or the hash", msg)
			}
		})
	}
	if got := h.Computations() - before; got != 0 {
		t.Errorf("malformed hashes cost %d argon2 computations, want 0", got)
	}
}

// TestR7TamperedKeyDoesNotMatch: a well-formed hash with one key byte flipped
// is not an error but must not match.
func TestR7TamperedKeyDoesNotMatch(t *testing.T) {
	h := newCheapHasher(t)
	good, err := h.Hash(context.Background(), "tamper target")
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Split(good, "$")
	key, _ := base64.RawStdEncoding.DecodeString(p[5])
	key[0] ^= 1
	p[5] = base64.RawStdEncoding.EncodeToString(key)
	match, _, err := h.Verify(context.Background(), "tamper target", strings.Join(p, "$"))
	if err != nil || match {
		t.Errorf("Verify = (%v, %v), want (false, nil)", match, err)
	}
}

// TestR7NeedsRehash: a hash made with other parameters still verifies, and
// is flagged for rehashing so that raising the cost upgrades users at login.
func TestR7NeedsRehash(t *testing.T) {
	const secret = "upgrade me please"
	current := newCheapHasher(t)
	for _, tc := range []struct {
		name   string
		p      Params
		rehash bool
	}{
		{"same params", cheapParams, false},
		{"less memory", Params{Memory: 512, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"more time", Params{Memory: 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"more threads", Params{Memory: 1024, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}, true},
		{"shorter salt", Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 32}, true},
		{"shorter key", Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 16}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := NewHasher(tc.p, 1, 1)
			phc, err := old.Hash(context.Background(), secret)
			if err != nil {
				t.Fatal(err)
			}
			match, rehash, err := current.Verify(context.Background(), secret, phc)
			if err != nil || !match || rehash != tc.rehash {
				t.Errorf("Verify = (%v, %v, %v), want (true, %v, nil)", match, rehash, err, tc.rehash)
			}
			// A wrong secret never asks for a rehash: there is nothing to store.
			match, rehash, err = current.Verify(context.Background(), "wrong", phc)
			if err != nil || match || rehash {
				t.Errorf("wrong secret: Verify = (%v, %v, %v), want (false, false, nil)", match, rehash, err)
			}
		})
	}
}

func TestNewHasherRefusesBadParams(t *testing.T) {
	for _, p := range []Params{
		{},
		{Memory: 1024, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 1024, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 1024, Time: 1, Threads: 1, SaltLen: 0, KeyLen: 32},
		{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 0},
		{Memory: 2 << 20, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewHasher(%+v) did not panic", p)
				}
			}()
			NewHasher(p, 1, 1)
		}()
	}
}

// The defaults chosen by measurement (docs/performance.md): one hash per
// core, and a queue of 64 per slot.
func TestR8NewHasherDefaults(t *testing.T) {
	h := NewHasher(cheapParams, 0, 0)
	want := runtime.GOMAXPROCS(0)
	if cap(h.slots) != want || h.maxWaiting != int64(64*want) {
		t.Errorf("slots %d, maxWaiting %d; want %d, %d", cap(h.slots), h.maxWaiting, want, 64*want)
	}
	h = NewHasher(cheapParams, 3, -1)
	if cap(h.slots) != 3 || h.maxWaiting != 192 {
		t.Errorf("slots %d, maxWaiting %d; want 3, 192", cap(h.slots), h.maxWaiting)
	}
}

// holdSlot makes h's next computation block inside the critical section
// until the returned release func is called; entered receives once per
// computation that reaches it.
func holdSlot(h *Hasher) (entered chan struct{}, release func()) {
	entered = make(chan struct{}, 16)
	gate := make(chan struct{})
	h.beforeCompute = func() {
		entered <- struct{}{}
		<-gate
	}
	var once sync.Once
	return entered, func() { once.Do(func() { close(gate) }) }
}

// waitForWaiters polls until n callers queue for a slot; the queue is
// internal, so there is nothing to block on.
func waitForWaiters(t *testing.T, h *Hasher, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.waiting.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("waiters = %d, want %d", h.waiting.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func wantBusy(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("%s: error %v, want ErrBusy", what, err)
	}
	// A message about load, never "Database unavailable", and a time to
	// come back (the HTTP layer sends it as Retry-After).
	var busy *cad.BusyError
	if cad.ErrorCode(err) != cad.EUNAVAILABLE || !strings.Contains(cad.ErrorMessage(err), "try again in a moment") ||
		!errors.As(err, &busy) || busy.RetryAfter <= 0 {
		t.Fatalf("%s: code %q message %q", what, cad.ErrorCode(err), cad.ErrorMessage(err))
	}
}

// TestR8BusyWhenSlotsAndQueueFull: with one slot and one queue place taken,
// a third caller is refused at once instead of piling up 19 MiB hashes.
func TestR8BusyWhenSlotsAndQueueFull(t *testing.T) {
	h := NewHasher(cheapParams, 1, 1)
	entered, release := holdSlot(h)
	defer release()

	results := make(chan error, 2)
	go func() { _, err := h.Hash(context.Background(), "holder"); results <- err }()
	<-entered // the slot is held
	go func() { _, err := h.Hash(context.Background(), "queued"); results <- err }()
	waitForWaiters(t, h, 1)

	// The deadline only keeps a broken queue from hanging the test: a
	// caller that queued would also get ErrBusy, but late.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := h.Hash(ctx, "third")
	wantBusy(t, "third caller", err)
	_, _, err = h.Verify(ctx, "third", h.dummy)
	wantBusy(t, "third verifier", err)
	wantBusy(t, "third dummy", h.VerifyDummy(ctx, "third"))
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusals took %v; a full queue must fail at once", d)
	}

	release()
	for range 2 {
		if err := <-results; err != nil {
			t.Errorf("holder or queued caller: %v", err)
		}
	}
	if got := h.Computations(); got != 2 {
		t.Errorf("Computations = %d, want 2 (refused callers do no work)", got)
	}
	if n := h.waiting.Load(); n != 0 {
		t.Errorf("waiting = %d after all callers left, want 0", n)
	}
}

// TestR8ContextEndsWhileWaiting: a caller whose request is cancelled or times
// out while queued gets ErrBusy and leaves the queue.
func TestR8ContextEndsWhileWaiting(t *testing.T) {
	h := NewHasher(cheapParams, 1, 4)
	entered, release := holdSlot(h)
	defer release()
	go func() { _, _ = h.Hash(context.Background(), "holder") }()
	<-entered

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := h.Hash(ctx, "waiter"); done <- err }()
	waitForWaiters(t, h, 1)
	cancel()
	select {
	case err := <-done:
		wantBusy(t, "cancelled waiter", err)
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled waiter stayed queued")
	}
	waitForWaiters(t, h, 0)

	ctx, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	_, _, err := h.Verify(ctx, "waiter", h.dummy)
	wantBusy(t, "timed-out waiter", err)

	// A context that ended before the call does no work at all.
	release()
	cancelled, cancel3 := context.WithCancel(context.Background())
	cancel3()
	before := h.Computations()
	_, err = h.Hash(cancelled, "late")
	wantBusy(t, "already-cancelled caller", err)
	if h.Computations() != before {
		t.Error("a cancelled caller ran argon2")
	}
}

// TestR8ConcurrencyBound: however many callers arrive, no more than
// maxConcurrent computations run at once.
func TestR8ConcurrencyBound(t *testing.T) {
	h := NewHasher(cheapParams, 2, 64)
	var inFlight, peak atomic.Int64
	h.beforeCompute = func() {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		inFlight.Add(-1)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			_, err := h.Hash(context.Background(), fmt.Sprint("user", i))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Hash: %v", err)
		}
	}
	if p := peak.Load(); p < 1 || p > 2 {
		t.Errorf("peak concurrent computations = %d, want 1..2", p)
	}
}

// TestR14R23UniformWork: every path of a login does exactly one argon2
// computation, and the dummy hash has the Hasher's own parameters, so an
// unknown user costs what a known one does.
func TestR14R23UniformWork(t *testing.T) {
	h := newCheapHasher(t)
	if got := h.Computations(); got != 0 {
		t.Fatalf("Computations after NewHasher = %d, want 0 (the dummy hash is not counted)", got)
	}
	ctx := context.Background()
	phc, err := h.Hash(ctx, "known user pw")
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Computations(); got != 1 {
		t.Errorf("after Hash: %d, want 1", got)
	}
	if _, _, err := h.Verify(ctx, "known user pw", phc); err != nil {
		t.Fatal(err)
	}
	if got := h.Computations(); got != 2 {
		t.Errorf("after matching Verify: %d, want 2", got)
	}
	if _, _, err := h.Verify(ctx, "wrong pw", phc); err != nil {
		t.Fatal(err)
	}
	if got := h.Computations(); got != 3 {
		t.Errorf("after failed Verify: %d, want 3", got)
	}
	if err := h.VerifyDummy(ctx, "unknown user pw"); err != nil {
		t.Fatal(err)
	}
	if got := h.Computations(); got != 4 {
		t.Errorf("after VerifyDummy: %d, want 4", got)
	}

	p, _, _, err := decodePHC(h.dummy)
	if err != nil {
		t.Fatalf("dummy hash does not decode: %v", err)
	}
	if p != cheapParams {
		t.Errorf("dummy hash params %+v, want the Hasher's %+v", p, cheapParams)
	}
	dp, _, _, err := decodePHC(NewHasher(DefaultParams, 1, 1).dummy)
	if err != nil || dp != DefaultParams {
		t.Errorf("default dummy params %+v, err %v; want %+v", dp, err, DefaultParams)
	}
}

// TestR14VerifyDummyNeverMatches, whatever secret is tried, including the
// empty one.
func TestR14VerifyDummyNeverMatches(t *testing.T) {
	h := newCheapHasher(t)
	for _, s := range []string{"", "password", h.dummy} {
		if err := h.VerifyDummy(context.Background(), s); err != nil {
			t.Errorf("VerifyDummy: %v", err)
		}
	}
	// The dummy is a real, verifiable hash: a wrong secret does not match it
	// and the comparison does run.
	match, _, err := h.Verify(context.Background(), "password", h.dummy)
	if err != nil || match {
		t.Errorf("Verify against dummy = (%v, %v), want (false, nil)", match, err)
	}
	// Two Hashers do not share a dummy.
	if h.dummy == newCheapHasher(t).dummy {
		t.Error("dummy hash is not random per Hasher")
	}
}

// BenchmarkHash measures one password hash at DefaultParams (R7), the figure
// behind "password hashes per second" in the docs.
func BenchmarkHash(b *testing.B) {
	h := NewHasher(DefaultParams, 1, 1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashParallel is the hashing ceiling of the machine: as many
// hashes at once as there are cores (argon2id is memory-hard, so cores do
// not scale it perfectly). Its ns/op is the time per hash of the whole
// machine: 1e9 / ns/op hashes per second.
func BenchmarkHashParallel(b *testing.B) {
	h := NewHasher(DefaultParams, runtime.GOMAXPROCS(0), 64)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
