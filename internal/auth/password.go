// Package auth holds Precinct's credential primitives: argon2id hashing and
// verification of passwords and security answers behind a bound on how many
// hashes run at once, the password policy, the normalisation and policy of
// security answers, and the fixed list of security questions. It knows
// nothing of HTTP or of the database, so that every rule here can be read
// and tested on its own; errors are *cad.Error with messages safe to show.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Params are the argon2id cost parameters of a hash. Memory is in KiB.
type Params struct {
	Memory  uint32
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams are the parameters new hashes are made with (R7): the OWASP
// argon2id minimum of m=19456 KiB, t=2, p=1, with a 16-byte salt and a
// 32-byte key. Treat it as read-only; copy it to derive other parameters.
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrBusy is returned, as a *cad.Error with code cad.EUNAVAILABLE, when no
// hashing slot could be had: the queue was full, or the caller's context
// ended while it waited. Compare with errors.Is.
var ErrBusy error = &cad.BusyError{
	Err:        cad.Errorf(cad.EUNAVAILABLE, "Too many sign-ins are being checked right now; try again in a moment"),
	RetryAfter: time.Second,
}

// Bounds on parameters read back from a stored hash. A row in the database
// is not trusted: without these a tampered hash could make one login
// allocate gigabytes or spin for minutes, and a zero-length key would match
// every secret.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 10
	maxThreads   = 16
	maxSaltLen   = 1024
	maxKeyLen    = 1024
	minSaltLen   = 8
	minKeyLen    = 16
	// maxPHCLen is above the longest string the limits above allow, so
	// that a huge value is refused before any decoding.
	maxPHCLen = 4096
)

// Hasher hashes and verifies secrets (passwords, security answers) with
// argon2id, and bounds how many hashes run at once (R8): each one holds
// Memory KiB (~19 MiB at DefaultParams), so an unbounded burst of logins
// could exhaust the server's memory. A Hasher is safe for concurrent use.
type Hasher struct {
	params Params

	// slots holds one token per running hash; sending takes a slot and
	// receiving gives it back.
	slots      chan struct{}
	waiting    atomic.Int64
	maxWaiting int64

	computations atomic.Int64
	checks       atomic.Int64 // Verify against a stored hash, not the dummy

	// onWait, when set, hears how long each computation waited for a
	// slot and whether it got one (metrics).
	onWait func(d time.Duration, busy bool)

	// dummy is a hash of a random, forgotten secret with h's parameters,
	// so that VerifyDummy costs what a real Verify costs.
	dummy string

	// beforeCompute, when set (by tests only), runs while a slot is held,
	// just before argon2 starts, so a test can hold the slot open.
	beforeCompute func()
}

// NewHasher returns a Hasher that makes new hashes with p, runs at most
// maxConcurrent hashes at once (<= 0 means runtime.GOMAXPROCS(0)), and lets
// at most maxWaiting callers queue for a slot (<= 0 means 64*maxConcurrent).
//
// The defaults are measured (docs/performance.md, login flood): one hash
// per core keeps other requests' p99 under 50 ms during a flood at full
// rate, where two per core did not; and a deep queue, which costs a
// goroutine per waiter and no hash memory, lets a flood of sign-ins wait
// its turn instead of retrying at once, which spent a third of the
// machine on refusals. A waiter still gives up at its request's deadline
// (503 with Retry-After).
// A caller beyond the queue, or one whose context ends while it waits, gets
// ErrBusy. NewHasher computes one hash itself, for VerifyDummy; it panics if
// p is outside the bounds Verify accepts, as that is a configuration bug.
func NewHasher(p Params, maxConcurrent, maxWaiting int) *Hasher {
	if err := checkParams(p); err != nil {
		panic("auth: NewHasher: " + err.Error())
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.GOMAXPROCS(0)
	}
	if maxWaiting <= 0 {
		maxWaiting = 64 * maxConcurrent
	}
	h := &Hasher{
		params:     p,
		slots:      make(chan struct{}, maxConcurrent),
		maxWaiting: int64(maxWaiting),
	}
	// The dummy secret is random and discarded, so no input can match it;
	// the work is done outside the semaphore and the counter because it is
	// set-up, not a request.
	secret := make([]byte, 32)
	salt := make([]byte, p.SaltLen)
	// crypto/rand.Read never returns an error since Go 1.24; it aborts the
	// program instead, which is right when the system has no entropy.
	_, _ = rand.Read(secret)
	_, _ = rand.Read(salt)
	h.dummy = encodePHC(p, salt, argon2.IDKey(secret, salt, p.Time, p.Memory, p.Threads, p.KeyLen))
	return h
}

// Hash returns a PHC string for secret with a fresh random salt:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, salt and key in unpadded
// standard base64. The secret is hashed exactly as given (R3). It fails with
// ErrBusy when no slot is free, and with cad.EINVALID when secret is longer
// than MaxSecretBytes.
func (h *Hasher) Hash(ctx context.Context, secret string) (string, error) {
	if len(secret) > MaxSecretBytes {
		return "", errSecretTooLong()
	}
	salt := make([]byte, h.params.SaltLen)
	_, _ = rand.Read(salt) // never fails since Go 1.24; see NewHasher
	key, err := h.compute(ctx, secret, salt, h.params)
	if err != nil {
		return "", err
	}
	return encodePHC(h.params, salt, key), nil
}

// Verify reports whether secret matches the PHC string phc, comparing in
// constant time, and, on a match, whether phc should be replaced by a new
// Hash because its parameters differ from h's. The parameters of phc are used for the
// comparison, but a PHC string that is malformed, or whose parameters are
// absurd (memory over 1 GiB, time over 10, threads over 16, salt or key over
// 1024 bytes), is an error with code cad.EINTERNAL and never a match: a
// tampered row must not cost the server more than a real one. Verify fails
// with ErrBusy when no slot is free, and with cad.EINVALID when secret is
// longer than MaxSecretBytes.
func (h *Hasher) Verify(ctx context.Context, secret, phc string) (match bool, needsRehash bool, err error) {
	if len(secret) > MaxSecretBytes {
		return false, false, errSecretTooLong()
	}
	p, salt, want, err := decodePHC(phc)
	if err != nil {
		return false, false, err
	}
	if phc != h.dummy {
		h.checks.Add(1)
	}
	got, err := h.compute(ctx, secret, salt, p)
	if err != nil {
		return false, false, err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, p != h.params, nil
}

// VerifyDummy does the work of one Verify against a hash made with h's
// parameters at construction, and always reports no match. Callers run it
// when the user is unknown, so that a login for an unknown user takes as
// long, and takes a slot as a known user's does (R14). Its errors are those
// of Verify for a well-formed hash.
func (h *Hasher) VerifyDummy(ctx context.Context, secret string) error {
	_, _, err := h.Verify(ctx, secret, h.dummy)
	return err
}

// Computations returns how many argon2 computations h has run for Hash,
// Verify and VerifyDummy; the hash made by NewHasher is not counted. Tests
// use it to show that different paths do the same work (R14, R23).
func (h *Hasher) Computations() int64 {
	return h.computations.Load()
}

// Admit reports ErrBusy when every slot is taken and the queue is full: a
// sign-in that would be refused for load anyway is refused before it costs
// anything else (its limits' reservations, its reads). It is a hint, not a
// reservation: the hash itself still queues for a slot.
func (h *Hasher) Admit() error {
	if len(h.slots) == cap(h.slots) && h.waiting.Load() >= h.maxWaiting {
		if h.onWait != nil {
			h.onWait(0, true)
		}
		return ErrBusy
	}
	return nil
}

// Checks returns how many times a secret was checked against a stored hash
// (Verify, not VerifyDummy): how many guesses reached an account. Tests
// count them.
func (h *Hasher) Checks() int64 { return h.checks.Load() }

// compute runs argon2id while holding a slot. Argon2 cannot be interrupted,
// so ctx only bounds the wait for a slot.
func (h *Hasher) compute(ctx context.Context, secret string, salt []byte, p Params) ([]byte, error) {
	start := time.Now()
	err := h.acquire(ctx)
	if h.onWait != nil {
		h.onWait(time.Since(start), err != nil)
	}
	if err != nil {
		return nil, err
	}
	defer h.release()
	if h.beforeCompute != nil {
		h.beforeCompute()
	}
	h.computations.Add(1)
	return argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

// acquire takes a slot, queueing for one only if the queue has room. A full
// queue fails at once: waiting longer would only hold the caller's
// connection open while the backlog grows.
func (h *Hasher) acquire(ctx context.Context) error {
	if ctx.Err() != nil {
		// The request is gone; do not spend 19 MiB on it.
		return ErrBusy
	}
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	if h.waiting.Add(1) > h.maxWaiting {
		h.waiting.Add(-1)
		return ErrBusy
	}
	defer h.waiting.Add(-1)
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ErrBusy
	}
}

func (h *Hasher) release() { <-h.slots }

// errSecretTooLong is made afresh per call so that no caller can alter a
// shared value.
func errSecretTooLong() error {
	return cad.Errorf(cad.EINVALID, "Password or security answer is too long")
}

// checkParams refuses parameters outside the bounds argon2 and this package
// accept. argon2 itself panics on t=0 or p=0 and silently raises m below
// 8*p, which would make the PHC string lie about the work done.
func checkParams(p Params) error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d out of range 1..%d", p.Time, maxTime)
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("threads %d out of range 1..%d", p.Threads, maxThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("memory %d KiB out of range %d..%d", p.Memory, 8*uint32(p.Threads), maxMemoryKiB)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of range %d..%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of range %d..%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// b64 is unpadded standard base64, strict so that a string with stray
// trailing bits, which would decode like another, is refused.
func b64() *base64.Encoding { return base64.RawStdEncoding.Strict() }

func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64().EncodeToString(salt), b64().EncodeToString(key))
}

// decodePHC parses a PHC string strictly: only the exact form encodePHC
// writes is accepted, so that a tampered row is noticed rather than guessed
// at. The error is safe to return to a caller; the reason stays in the cause,
// for logs, and never includes the string itself.
func decodePHC(s string) (p Params, salt, key []byte, err error) {
	fail := func(reason string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, cad.Wrap(cad.EINTERNAL,
			errors.New("auth: malformed argon2id hash: "+reason), "Internal server error")
	}
	if len(s) > maxPHCLen {
		return fail("too long")
	}
	// The base64 decoder skips \r and \n, so a row with stray line breaks
	// would otherwise verify; only the characters encodePHC writes pass.
	if strings.IndexFunc(s, func(r rune) bool { return !isPHCChar(r) }) >= 0 {
		return fail("unexpected character")
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return fail("wrong number of fields")
	}
	if parts[1] != "argon2id" {
		return fail("not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return fail("unsupported version")
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return fail("wrong parameter list")
	}
	m, ok1 := parseParam(fields[0], "m=")
	t, ok2 := parseParam(fields[1], "t=")
	th, ok3 := parseParam(fields[2], "p=")
	if !ok1 || !ok2 || !ok3 {
		return fail("bad parameter")
	}
	if th > maxThreads {
		// Checked here, before the uint8 conversion could wrap it.
		return fail("threads out of range")
	}
	// Lengths are checked before decoding so that nothing large is allocated.
	if b64().DecodedLen(len(parts[4])) > maxSaltLen || b64().DecodedLen(len(parts[5])) > maxKeyLen {
		return fail("salt or key too long")
	}
	if salt, err = b64().DecodeString(parts[4]); err != nil {
		return fail("bad salt encoding")
	}
	if key, err = b64().DecodeString(parts[5]); err != nil {
		return fail("bad key encoding")
	}
	p = Params{Memory: m, Time: t, Threads: uint8(th), SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := checkParams(p); err != nil {
		return fail(err.Error())
	}
	return p, salt, key, nil
}

func isPHCChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		r == '+' || r == '/' || r == '$' || r == '=' || r == ','
}

// parseParam reads "name=N" where N is a canonical decimal uint32 (no sign,
// no leading zeros).
func parseParam(field, prefix string) (uint32, bool) {
	v, ok := strings.CutPrefix(field, prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || strconv.FormatUint(n, 10) != v {
		return 0, false
	}
	return uint32(n), true
}
