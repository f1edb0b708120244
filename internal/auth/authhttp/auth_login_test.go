package authhttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sync"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
)

func TestLoginAndTabletLogin(t *testing.T) {
	env := apitest.AuthEnv(t)
	u := apitest.MakeUser(t, env, "johndoe")
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "login matches the reference", Method: "POST", Path: "/api/auth/login",
			Body: map[string]string{"username": "johndoe", "password": apitest.GoodPassword}, ExpectedStatus: 200,
			ExpectedJSON:    map[string]any{"user.id": u.ID, "user.username": "johndoe", "user.discordId": nil, "user.discordUsername": nil},
			ExpectedContent: []string{`"token":"eyJ`},
			After: func(t testing.TB, _ *apitest.Env, res *httptest.ResponseRecorder) {
				// R34: explicit cookie attributes.
				cs := res.Result().Cookies()
				if len(cs) != 1 || cs[0].Name != "precinct_session" || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteLaxMode ||
					cs[0].Path != "/" || cs[0].Domain != "" || cs[0].MaxAge <= 0 {
					t.Fatalf("cookie: %+v", cs)
				}
				// R35: a session id, not data.
				if len(cs[0].Name)+len(cs[0].Value) > 4096 {
					t.Fatal("cookie too large")
				}
			}},
		{Name: "username in another case logs in the same account", Method: "POST", Path: "/api/auth/login",
			Body: map[string]string{"username": "JohnDoe", "password": apitest.GoodPassword}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"user.id": u.ID}},
		{Name: "tablet login has no cookie", Method: "POST", Path: "/api/auth/tablet-login",
			Body: map[string]string{"username": "johndoe", "password": apitest.GoodPassword}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"user.id": u.ID, "user.username": "johndoe"},
			After: func(t testing.TB, _ *apitest.Env, res *httptest.ResponseRecorder) {
				if len(res.Result().Cookies()) != 0 {
					t.Fatal("tablet login set a cookie")
				}
			}},
		{Name: "missing password", Method: "POST", Path: "/api/auth/login", Body: map[string]string{"username": "johndoe"},
			ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "malformed JSON", Method: "POST", Path: "/api/auth/tablet-login", Body: `{"username":`,
			ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "oversized body (R2)", Method: "POST", Path: "/api/auth/login", Body: `{"username":"johndoe","password":"` + strings.Repeat("a", 2<<20) + `"}`,
			ExpectedStatus: 413, ErrorCode: cad.ETOOLARGE},
		{Name: "no default accounts (R9)", Method: "POST", Path: "/api/auth/login", Body: map[string]string{"username": "admin", "password": "admin"},
			ExpectedStatus: 401, ErrorCode: cad.EUNAUTHORIZED},
	})
}

func TestSecureCookieOnHTTPS(t *testing.T) {
	env := apitest.AuthEnv(t, func(c *config.Config) { c.PublicURL = "https://cad.example.org" })
	apitest.MakeUser(t, env, "secure")
	res := env.Do("POST", "/api/auth/login", map[string]string{"username": "secure", "password": apitest.GoodPassword}, nil, "")
	cs := res.Result().Cookies()
	if res.Code != 200 || len(cs) != 1 || cs[0].Name != "__Host-precinct_session" || !cs[0].Secure || !cs[0].HttpOnly || cs[0].Domain != "" || cs[0].Path != "/" {
		t.Fatalf("R34: %d %+v", res.Code, cs)
	}
}

// R13, R14: unknown user, wrong password, locked and disabled accounts get
// byte-identical answers, each after exactly one password hash.
func TestLoginFailuresLookAlike(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "alice")
	apitest.MakeUser(t, env, "locked")
	apitest.MakeUser(t, env, "gone")
	if _, _, err := env.Auth.DisableUser(context.Background(), "gone", cad.Client{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < auth.AccountFailureLimit; i++ {
		env.Do("POST", "/api/auth/login", map[string]string{"username": "locked", "password": "wrong password " + string(rune('a'+i))}, nil, "198.51.100.1:1")
	}
	cases := map[string]map[string]string{
		"unknown user":   {"username": "nobody", "password": apitest.GoodPassword},
		"wrong password": {"username": "alice", "password": "not the password"},
		"locked account": {"username": "locked", "password": apitest.GoodPassword},
		"disabled user":  {"username": "gone", "password": apitest.GoodPassword},
	}
	var first string
	for name, body := range cases {
		before := env.Auth.Hasher().Computations()
		res := env.Do("POST", "/api/auth/login", body, nil, "198.51.100.2:1")
		if n := env.Auth.Hasher().Computations() - before; n != 1 {
			t.Errorf("%s: %d hashes, want exactly 1 (R14)", name, n)
		}
		got := apitest.ErrorBodyWithoutID(t, res)
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("%s answered %s, others %s (R13)", name, got, first)
		}
	}
	if !strings.Contains(first, "401") || !strings.Contains(first, "Invalid username or password") {
		t.Fatalf("answer: %s", first)
	}
	// R2: a password over the byte cap is refused before any hashing.
	before := env.Auth.Hasher().Computations()
	res := env.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": strings.Repeat("p", 2000)}, nil, "198.51.100.3:1")
	if res.Code != 401 || env.Auth.Hasher().Computations() != before {
		t.Fatalf("long password: %d, %d hashes", res.Code, env.Auth.Hasher().Computations()-before)
	}
}

// R10, R16, R17: per-account lockout that grows, applies to every letter
// case, is reset by success and is not lengthened by failures while locked.
func TestAccountLockout(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "bob")
	fail := func(name string, ip string) int {
		return env.Do("POST", "/api/auth/login", map[string]string{"username": name, "password": "definitely wrong"}, nil, ip+":1").Code
	}
	ok := func() int {
		return env.Do("POST", "/api/auth/login", map[string]string{"username": "bob", "password": apitest.GoodPassword}, nil, "203.0.113.99:1").Code
	}
	// fail, success, fail, success ... never locks (R17).
	for i := 0; i < 6; i++ {
		fail("bob", "203.0.113.1")
		if c := ok(); c != 200 {
			t.Fatalf("round %d: success answered %d", i, c)
		}
	}
	// Failures under three spellings count against one account (R16),
	// from several IPs so the IP limit does not interfere.
	for i, name := range []string{"bob", "BOB", "Bob", "bOb", "boB"} {
		fail(name, "203.0.113."+string(rune('1'+i)))
	}
	if c := ok(); c != 401 {
		t.Fatalf("the right password during a lock answered %d (R10)", c)
	}
	// Failures while locked do not lengthen the lock (R17).
	for i := 0; i < 3; i++ {
		fail("bob", "203.0.113.20")
	}
	env.Clock.Advance(61 * time.Second)
	// The lock has ended; more failures without a success in between lock
	// again, for longer: 2 minutes.
	for i := 0; i < auth.AccountFailureLimit; i++ {
		fail("bob", "203.0.113.3"+string(rune('0'+i)))
	}
	env.Clock.Advance(61 * time.Second)
	if c := ok(); c != 401 {
		t.Fatalf("the second lock should last 2 minutes: %d", c)
	}
	env.Clock.Advance(61 * time.Second)
	if c := ok(); c != 200 {
		t.Fatalf("after the second lock: %d", c)
	}
	if !strings.Contains(env.Logs.String(), cad.EventLoginLock) {
		t.Error("no lockout event logged (R76)")
	}
}

// R11: the 11th failed attempt from one IP is refused, whatever
// X-Forwarded-For says; other IPs are unaffected. R12: the counters live in
// the database, so a second instance on the same database sees them.
func TestIPLimit(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "carol")
	for i := 0; i < auth.IPFailureLimit; i++ {
		res := env.Do("POST", "/api/auth/login", map[string]string{"username": "user" + string(rune('a'+i)), "password": "wrong wrong"},
			map[string]string{"X-Forwarded-For": "10.9.9." + string(rune('0'+i))}, "192.0.2.50:1")
		if res.Code != 401 {
			t.Fatalf("attempt %d: %d", i+1, res.Code)
		}
	}
	res := env.Do("POST", "/api/auth/login", map[string]string{"username": "carol", "password": apitest.GoodPassword},
		map[string]string{"X-Forwarded-For": "10.1.1.1"}, "192.0.2.50:1")
	if res.Code != 429 {
		t.Fatalf("11th attempt: %d %s", res.Code, res.Body)
	}
	apitest.CheckErrorBody(t, res, cad.ERATELIMITED)
	h := res.Header()
	if h.Get("Retry-After") == "" || h.Get("RateLimit-Limit") != "10" || h.Get("RateLimit-Remaining") != "0" || h.Get("RateLimit-Policy") != `10;w=900;comment="sign-in"` {
		t.Fatalf("rate-limit headers: %v", h)
	}
	// The shared counter applies to the reset routes too.
	if c := env.Do("POST", "/api/auth/verify-security-answers", map[string]string{"username": "carol", "securityAnswer1": "a", "securityAnswer2": "b"}, nil, "192.0.2.50:1").Code; c != 429 {
		t.Fatalf("verify-security-answers from the same IP: %d", c)
	}
	// Another address is not affected.
	if c := env.Do("POST", "/api/auth/login", map[string]string{"username": "carol", "password": apitest.GoodPassword}, nil, "192.0.2.51:1").Code; c != 200 {
		t.Fatalf("another IP: %d", c)
	}
	// A second instance on the same database shares the counters (R12).
	other := apitest.NewWith(t, env.Config, env.DB)
	if c := other.Do("POST", "/api/auth/login", map[string]string{"username": "carol", "password": apitest.GoodPassword}, nil, "192.0.2.50:1").Code; c != 429 {
		t.Fatalf("second instance: %d", c)
	}
	// The window slides away.
	env.Clock.Advance(31 * time.Minute)
	if c := env.Do("POST", "/api/auth/login", map[string]string{"username": "carol", "password": apitest.GoodPassword}, nil, "192.0.2.50:1").Code; c != 200 {
		t.Fatalf("after the window: %d", c)
	}
}

// R85: concurrent registrations of one username: exactly one wins.
func TestConcurrentRegistration(t *testing.T) {
	env := apitest.AuthEnv(t)
	codes := apitest.Concurrently(10, func(int) string {
		_, err := env.Auth.CreateUser(context.Background(), auth.NewUser{Username: "Racer", Password: apitest.GoodPassword}, cad.Client{})
		return cad.ErrorCode(err)
	})
	if codes[""] != 1 || codes[cad.ECONFLICT] != 9 {
		t.Fatalf("outcomes: %v", codes)
	}
}

// R8: a flood of logins gets only 200, 429 or 503 (the hasher's bound on
// concurrent hashes and its queue are proven in internal/auth), never a
// failure, and the server goes on afterwards.
func TestLoginFlood(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "flood")
	codes := apitest.Concurrently(60, func(i int) int {
		return env.Do("POST", "/api/auth/tablet-login", map[string]string{"username": "flood", "password": apitest.GoodPassword}, nil,
			"203.0.113."+string(rune('0'+i%10))+":1").Code
	})
	if codes[200] == 0 || codes[200]+codes[429]+codes[503] != 60 {
		t.Fatalf("outcomes %v: want only 200, 429 and 503", codes)
	}
	if c := env.Do("POST", "/api/auth/tablet-login", map[string]string{"username": "flood", "password": apitest.GoodPassword}, nil, "").Code; c != 200 {
		t.Fatalf("after the flood: %d", c)
	}
}

// R11 under concurrency: a burst of guesses from one address gets no more
// than the limit's worth of tries; the rest are refused before any hashing
// (429, or 503 for one that waited past its deadline).
func TestIPLimitHoldsForABurst(t *testing.T) {
	env := apitest.AuthEnv(t)
	env.NeedAtomic(t)
	apitest.MakeUser(t, env, "target")
	codes := apitest.Concurrently(30, func(i int) int {
		return env.Do("POST", "/api/auth/login", map[string]string{"username": "target", "password": "guess number " + string(rune('a'+i))}, nil, "198.51.100.200:1").Code
	})
	// A try still waiting for those in flight when its deadline passes is
	// refused too, unchecked (503), as on a loaded machine.
	if codes[401] > auth.IPFailureLimit || codes[401]+codes[429]+codes[503] != 30 || codes[429] == 0 {
		t.Fatalf("outcomes of a burst of 30: %v (at most %d guesses may be tried)", codes, auth.IPFailureLimit)
	}
}

// Item 2 of the limits issue, as bursts on the real router: however many
// guesses arrive at once, only the limits' worth are checked against the
// password; the right password is refused once the account is locked; and
// correct sign-ins from one address are never refused because others are
// in flight.
func TestSignInBursts(t *testing.T) {
	t.Run("forty wrong passwords for one account from eight addresses", func(t *testing.T) {
		env := apitest.AuthEnv(t)
		env.NeedAtomic(t)
		apitest.MakeUser(t, env, "victim")
		before := env.Auth.Hasher().Checks()
		codes := apitest.Concurrently(40, func(i int) int {
			return env.Do("POST", "/api/auth/login", map[string]string{"username": "victim", "password": fmt.Sprintf("wrong guess %02d", i)}, nil,
				fmt.Sprintf("198.51.100.%d:1", i%8)).Code
		})
		checked := env.Auth.Hasher().Checks() - before
		// A try that meets a full hashing queue answers 503 (no guess).
		if checked > auth.AccountFailureLimit || codes[401]+codes[503] != 40 || codes[401] < auth.AccountFailureLimit {
			t.Fatalf("%d of 40 guesses were checked against the password (at most %d may be); outcomes %v", checked, auth.AccountFailureLimit, codes)
		}
		// The account is locked now: the right password is refused too,
		// and checks nothing.
		before = env.Auth.Hasher().Checks()
		if c := env.Do("POST", "/api/auth/login", map[string]string{"username": "victim", "password": apitest.GoodPassword}, nil, "192.0.2.77:1").Code; c != 401 {
			t.Fatalf("the right password on a locked account: %d", c)
		}
		if env.Auth.Hasher().Checks() != before {
			t.Fatal("a try on a locked account was checked against the password")
		}
	})
	t.Run("thirty-one wrong guesses and the right one at once", func(t *testing.T) {
		env := apitest.AuthEnv(t)
		env.NeedAtomic(t)
		apitest.MakeUser(t, env, "target2")
		before := env.Auth.Hasher().Checks()
		codes := apitest.Concurrently(32, func(i int) int {
			pw := fmt.Sprintf("wrong guess %02d", i)
			if i == 31 {
				pw = apitest.GoodPassword
			}
			return env.Do("POST", "/api/auth/login", map[string]string{"username": "target2", "password": pw}, nil,
				fmt.Sprintf("198.51.100.%d:1", i%8)).Code
		})
		// The right one gets in only if it is among the tries the limit
		// allows; a success forgets the failures before it (R17), so then
		// up to a second allowance of wrong guesses may follow it.
		checked := env.Auth.Hasher().Checks() - before
		allowed := int64(auth.AccountFailureLimit)
		if codes[200] == 1 {
			allowed *= 2
		}
		if checked > allowed || codes[200] > 1 || codes[200]+codes[401]+codes[503] != 32 {
			t.Fatalf("%d of 32 tries were checked (at most %d may be); outcomes %v", checked, allowed, codes)
		}
	})
	t.Run("twelve correct sign-ins from one address", func(t *testing.T) {
		env := apitest.AuthEnv(t)
		env.NeedAtomic(t)
		apitest.MakeUser(t, env, "player")
		codes := apitest.Concurrently(12, func(int) int {
			return env.Do("POST", "/api/auth/tablet-login", map[string]string{"username": "player", "password": apitest.GoodPassword}, nil, "203.0.113.50:1").Code
		})
		// The address's limit never refuses them (no 429, no 401): each
		// gets in, or, on a machine too busy to hash them all within the
		// bounded wait, is told to come back (503, nothing counted).
		if codes[200]+codes[503] != 12 || codes[200] == 0 {
			t.Fatalf("twelve correct sign-ins from one address at once: %v", codes)
		}
		if codes[503] > 0 {
			t.Logf("%d of the twelve waited past the bound on this machine: %v", codes[503], codes)
		}
	})
}

// A sign-in that cannot get a hashing slot before its deadline answers 503
// with Retry-After and a message about load, never "Database unavailable"
// (the database is fine; the sign-in waited for a hash).
func TestSignInPastItsDeadlineSaysBusy(t *testing.T) {
	env := apitest.AuthEnv(t, func(c *config.Config) { c.RequestTimeout = 60 * time.Millisecond })
	apitest.MakeUser(t, env, "crowd")
	var bodies sync.Map
	codes := apitest.Concurrently(40, func(i int) int {
		res := env.Do("POST", "/api/auth/tablet-login", map[string]string{"username": "crowd", "password": apitest.GoodPassword}, nil,
			fmt.Sprintf("203.0.113.%d:1", i))
		if res.Code == 503 {
			bodies.Store(i, res)
		}
		return res.Code
	})
	if codes[503] == 0 {
		t.Skipf("no sign-in waited past its deadline on this machine: %v", codes)
	}
	bodies.Range(func(_, v any) bool {
		res := v.(*httptest.ResponseRecorder)
		apitest.CheckErrorBody(t, res, cad.EUNAVAILABLE)
		if strings.Contains(res.Body.String(), "Database unavailable") || !strings.Contains(res.Body.String(), "try again in a moment") ||
			res.Header().Get("Retry-After") == "" {
			t.Errorf("a busy sign-in: %s, Retry-After %q", res.Body, res.Header().Get("Retry-After"))
		}
		return true
	})
	if codes[200]+codes[503] != 40 {
		t.Fatalf("outcomes %v", codes)
	}
}
