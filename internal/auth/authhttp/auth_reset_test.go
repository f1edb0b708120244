package authhttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
)

func answers(user, a1, a2 string) map[string]string {
	return map[string]string{"username": user, "securityAnswer1": a1, "securityAnswer2": a2}
}

func resetToken(t *testing.T, env *apitest.Env, user, ip string) string {
	t.Helper()
	res := env.Do("POST", "/api/auth/verify-security-answers", answers(user, "  buddy THE dog ", "austin   texas"), nil, ip+":1")
	var out struct {
		Success    bool
		ResetToken string
	}
	if err := json.Unmarshal(res.Body.Bytes(), &out); err != nil || res.Code != 200 || !out.Success {
		t.Fatalf("verify: %d %s", res.Code, res.Body)
	}
	return out.ResetToken
}

// R22: the questions of an unknown username look like a real user's and do
// not change between requests.
func TestSecurityQuestionsDoNotRevealAccounts(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "mona")
	res := env.Do("GET", "/api/auth/security-questions?username=mona", nil, nil, "")
	if res.Code != 200 || !strings.Contains(res.Body.String(), `"securityQuestion1":"What is your pet's name?"`) {
		t.Fatalf("real user: %d %s", res.Code, res.Body)
	}
	a := env.Do("GET", "/api/auth/security-questions?username=nobody-here", nil, nil, "")
	b := env.Do("GET", "/api/auth/security-questions?username=NOBODY-here", nil, nil, "")
	if a.Code != 200 || a.Body.String() != b.Body.String() {
		t.Fatalf("decoys differ: %s vs %s", a.Body, b.Body)
	}
	var real, decoy map[string]string
	_ = json.Unmarshal(res.Body.Bytes(), &real)
	_ = json.Unmarshal(a.Body.Bytes(), &decoy)
	if len(real) != len(decoy) || decoy["securityQuestion1"] == "" || decoy["securityQuestion1"] == decoy["securityQuestion2"] {
		t.Fatalf("shapes: %v vs %v", real, decoy)
	}
	if _, ok := auth.CanonicalQuestion(decoy["securityQuestion1"]); !ok {
		t.Fatalf("decoy not from the list: %v", decoy)
	}
	if c := apitest.Status(env, "GET", "/api/auth/security-questions", nil, nil); c != 400 {
		t.Fatalf("no username: %d", c)
	}
}

// R19, R23, R24: answers are normalised, checked together with both hashes
// always computed, the reply never says which was wrong, and the reset path
// of an account pauses after 5 wrong tries while login goes on.
func TestVerifySecurityAnswers(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "nina")
	wrong := []map[string]string{
		answers("nina", "wrong", "austin texas"),
		answers("nina", "buddy the dog", "wrong"),
		answers("nina", "nope", "nope"),
		answers("ghost", "buddy the dog", "austin texas"),
	}
	var first string
	for i, body := range wrong {
		before := env.Auth.Hasher().Computations()
		res := env.Do("POST", "/api/auth/verify-security-answers", body, nil, "198.51.100."+string(rune('1'+i))+":1")
		if n := env.Auth.Hasher().Computations() - before; n != 2 {
			t.Errorf("case %d: %d hashes, want 2 (R23)", i, n)
		}
		got := apitest.ErrorBodyWithoutID(t, res)
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("case %d answered %s, first %s", i, got, first)
		}
	}
	if !strings.Contains(first, "400") {
		t.Fatalf("answer %s", first)
	}
	// Two more wrong tries make five for nina: her reset path pauses.
	for i := 0; i < 3; i++ {
		env.Do("POST", "/api/auth/verify-security-answers", answers("nina", "x", "y"), nil, "198.51.100.20:1")
	}
	res := env.Do("POST", "/api/auth/verify-security-answers", answers("nina", "buddy the dog", "austin texas"), nil, "198.51.100.21:1")
	if res.Code != 429 {
		t.Fatalf("right answers in a dead flow: %d %s (R24)", res.Code, res.Body)
	}
	apitest.CheckErrorBody(t, res, cad.ERATELIMITED)
	if c := env.Do("POST", "/api/auth/login", map[string]string{"username": "nina", "password": apitest.GoodPassword}, nil, "198.51.100.22:1").Code; c != 200 {
		t.Fatalf("login must not be locked by the reset path: %d", c)
	}
	env.Clock.Advance(auth.ResetLockTime + time.Minute)
	if tok := resetToken(t, env, "nina", "198.51.100.23"); !strings.HasPrefix(tok, "rst_") {
		t.Fatal(tok)
	}
	// Bad input.
	if c := apitest.Status(env, "POST", "/api/auth/verify-security-answers", map[string]string{"username": "nina"}, nil); c != 400 {
		t.Fatalf("missing answers: %d", c)
	}
}

// R25, R27, R28, R86: the reset token and what completing it does.
func TestResetPassword(t *testing.T) {
	env := apitest.AuthEnv(t)
	u := apitest.MakeUser(t, env, "oscar")
	before := apitest.LoginAs(t, env, "oscar", apitest.GoodPassword, "192.0.2.1")
	tablet := env.Do("POST", "/api/auth/tablet-login", map[string]string{"username": "oscar", "password": apitest.GoodPassword}, nil, "")
	var tab struct{ Token string }
	_ = json.Unmarshal(tablet.Body.Bytes(), &tab)

	superseded := resetToken(t, env, "oscar", "192.0.2.2")
	tok := resetToken(t, env, "oscar", "192.0.2.2")
	if len(tok) != len("rst_")+43 || superseded == tok {
		t.Fatalf("token %q", tok)
	}
	// Only the hash is stored (R25).
	raw, _ := json.Marshal(apitest.Dump(t, env, "reset_tokens"))
	if strings.Contains(string(raw), tok[4:]) || strings.Contains(string(raw), superseded[4:]) {
		t.Fatal("a reset token is stored in clear")
	}
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "a superseded token", Method: "POST", Path: "/api/auth/reset-password",
			Body: map[string]string{"resetToken": superseded, "newPassword": "a brand new passphrase"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "a made-up token", Method: "POST", Path: "/api/auth/reset-password",
			Body: map[string]string{"resetToken": "rst_" + strings.Repeat("Z", 43), "newPassword": "a brand new passphrase"}, ExpectedStatus: 400},
		{Name: "an access token is no reset token (R26)", Method: "POST", Path: "/api/auth/reset-password",
			Body: map[string]string{"resetToken": before.Token, "newPassword": "a brand new passphrase"}, ExpectedStatus: 400},
		{Name: "a weak password keeps the token", Method: "POST", Path: "/api/auth/reset-password",
			Body: map[string]string{"resetToken": tok, "newPassword": "password123"}, ExpectedStatus: 400, ExpectedContent: []string{"too common"}},
		{Name: "the reset token is no bearer token (R26)", Method: "GET", Path: "/api/auth/me", Headers: apitest.Bearer(tok), ExpectedStatus: 401},
	})

	// 20 concurrent uses of one token: exactly one wins (R86).
	codes := apitest.Concurrently(20, func(i int) int {
		// From 20 addresses, so that the per-IP limit plays no part.
		ip := fmt.Sprintf("192.0.2.%d:1", 100+i)
		res := env.Do("POST", "/api/auth/reset-password", map[string]string{"resetToken": tok, "newPassword": "a brand new passphrase"}, nil, ip)
		if res.Code == 200 && (len(res.Result().Cookies()) != 0 || strings.Contains(res.Body.String(), "token")) {
			t.Error("a reset signed the user in (R28)")
		}
		return res.Code
	})
	if codes[200] != 1 || codes[400] != 19 {
		t.Fatalf("outcomes %v", codes)
	}
	// Every old credential is dead (R28); the new password works, the old does not.
	for name, h := range map[string]map[string]string{"cookie": apitest.CookieHeader(before.Cookie), "JWT": apitest.Bearer(before.Token), "tablet JWT": apitest.Bearer(tab.Token)} {
		if c := apitest.Status(env, "GET", "/api/auth/me", nil, h); c != 401 {
			t.Errorf("%s after reset: %d", name, c)
		}
	}
	if c := env.Do("POST", "/api/auth/login", map[string]string{"username": "oscar", "password": apitest.GoodPassword}, nil, "192.0.2.4:1").Code; c != 401 {
		t.Errorf("old password: %d", c)
	}
	apitest.LoginAs(t, env, "oscar", "a brand new passphrase", "192.0.2.4")

	// An expired token (15 minutes) is refused.
	late := resetToken(t, env, "oscar", "192.0.2.5")
	env.Clock.Advance(auth.ResetTokenLifetime + time.Second)
	if c := apitest.Status(env, "POST", "/api/auth/reset-password", map[string]string{"resetToken": late, "newPassword": "yet another passphrase"}, nil); c != 400 {
		t.Errorf("expired token: %d", c)
	}
	// The log never carries the token, the answers or the passwords (R27, R78).
	logs := env.Logs.String()
	for _, secret := range []string{tok, late, "buddy the dog", "austin", apitest.GoodPassword, "a brand new passphrase", before.Token} {
		if strings.Contains(strings.ToLower(logs), strings.ToLower(secret)) {
			t.Errorf("the log contains %q", secret)
		}
	}
	if !strings.Contains(logs, cad.EventResetDone) {
		t.Error("no reset event (R28)")
	}
	_ = u
}

// R6, R21, R25: changing the password or the questions needs the current
// password; a change ends the other sessions and any reset token.
func TestChangePasswordAndQuestions(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "pia")
	a := apitest.LoginAs(t, env, "pia", apitest.GoodPassword, "192.0.2.1")
	b := apitest.LoginAs(t, env, "pia", apitest.GoodPassword, "192.0.2.1")
	tok := resetToken(t, env, "pia", "192.0.2.2")
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "no credential", Method: "POST", Path: "/api/auth/change-password",
			Body: map[string]string{"currentPassword": apitest.GoodPassword, "newPassword": "a fresh passphrase"}, ExpectedStatus: 401},
		{Name: "wrong current password (R6)", Method: "POST", Path: "/api/auth/change-password", Headers: apitest.Bearer(a.Token),
			Body: map[string]string{"currentPassword": "not it at all", "newPassword": "a fresh passphrase"}, ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "missing fields", Method: "POST", Path: "/api/auth/change-password", Headers: apitest.Bearer(a.Token),
			Body: map[string]string{"newPassword": "a fresh passphrase"}, ExpectedStatus: 400},
		{Name: "too short (R1)", Method: "POST", Path: "/api/auth/change-password", Headers: apitest.Bearer(a.Token),
			Body: map[string]string{"currentPassword": apitest.GoodPassword, "newPassword": "short7!"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "the username (R5)", Method: "POST", Path: "/api/auth/change-password", Headers: apitest.Bearer(a.Token),
			Body: map[string]string{"currentPassword": apitest.GoodPassword, "newPassword": "pia12345"}, ExpectedStatus: 400},
		{Name: "questions without the password (R21)", Method: "PUT", Path: "/api/auth/security-questions", Headers: apitest.Bearer(a.Token),
			Body: map[string]string{"currentPassword": "wrong one here", "securityQuestion1": apitest.Q1, "securityAnswer1": "Rex the cat",
				"securityQuestion2": apitest.Q2, "securityAnswer2": "Boston"}, ExpectedStatus: 403},
		{Name: "a question not on the list (R20)", Method: "PUT", Path: "/api/auth/security-questions", Headers: apitest.Bearer(a.Token),
			Body: map[string]string{"currentPassword": apitest.GoodPassword, "securityQuestion1": "What is 2+2?", "securityAnswer1": "four things",
				"securityQuestion2": apitest.Q2, "securityAnswer2": "Boston"}, ExpectedStatus: 400, ExpectedContent: []string{"from the list"}},
		{Name: "an answer equal to the username (R20)", Method: "PUT", Path: "/api/auth/security-questions", Headers: apitest.Bearer(a.Token),
			Body: map[string]string{"currentPassword": apitest.GoodPassword, "securityQuestion1": apitest.Q1, "securityAnswer1": "PIA",
				"securityQuestion2": apitest.Q2, "securityAnswer2": "Boston"}, ExpectedStatus: 400},
		{Name: "a trivial answer (R20)", Method: "PUT", Path: "/api/auth/security-questions", Headers: apitest.Bearer(a.Token),
			Body: map[string]string{"currentPassword": apitest.GoodPassword, "securityQuestion1": apitest.Q1, "securityAnswer1": "123",
				"securityQuestion2": apitest.Q2, "securityAnswer2": "Boston"}, ExpectedStatus: 400},
		{Name: "questions set", Method: "PUT", Path: "/api/auth/security-questions", Headers: apitest.Bearer(a.Token),
			Body: map[string]string{"currentPassword": apitest.GoodPassword, "securityQuestion1": apitest.Q2, "securityAnswer1": "Boston",
				"securityQuestion2": apitest.Q1, "securityAnswer2": "Rex the cat"}, ExpectedStatus: 200},
		{Name: "password changed", Method: "POST", Path: "/api/auth/change-password", Headers: apitest.Bearer(a.Token),
			Body: map[string]string{"currentPassword": apitest.GoodPassword, "newPassword": "a fresh passphrase"}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"success": true, "msg": "Password changed successfully"}},
	})
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(a.Token)); c != 200 {
		t.Errorf("the current session must survive: %d", c)
	}
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(b.Token)); c != 401 {
		t.Errorf("another session survived the change: %d", c)
	}
	if c := apitest.Status(env, "POST", "/api/auth/reset-password", map[string]string{"resetToken": tok, "newPassword": "some other passphrase"}, nil); c != 400 {
		t.Errorf("a reset token survived the change (R25): %d", c)
	}
	// The new questions are in place; answers stored hashed (R19).
	res := env.Do("GET", "/api/auth/security-questions?username=pia", nil, nil, "")
	if !strings.Contains(res.Body.String(), `"securityQuestion1":"What city were you born in?"`) {
		t.Fatalf("questions: %s", res.Body)
	}
	raw, _ := json.Marshal(apitest.Dump(t, env, "users"))
	if strings.Contains(strings.ToLower(string(raw)), "boston") || strings.Contains(string(raw), "a fresh passphrase") || !strings.Contains(string(raw), "$argon2id$") {
		t.Fatal("a secret is stored in clear")
	}
	if c := env.Do("POST", "/api/auth/verify-security-answers", answers("pia", " BOSTON ", "rex   the cat"), nil, "192.0.2.9:1").Code; c != 200 {
		t.Fatalf("normalised answers: %d", c)
	}
}

// R33: disabling a user ends their sessions and refuses them everywhere.
func TestDisabledUser(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "quinn")
	li := apitest.LoginAs(t, env, "quinn", apitest.GoodPassword, "192.0.2.1")
	if _, n, err := env.Auth.DisableUser(context.Background(), "quinn", cad.Client{}); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	for name, h := range map[string]map[string]string{"JWT": apitest.Bearer(li.Token), "cookie": apitest.CookieHeader(li.Cookie)} {
		if c := apitest.Status(env, "GET", "/api/auth/me", nil, h); c != 401 {
			t.Errorf("%s of a disabled user: %d", name, c)
		}
	}
	for _, path := range []string{"/api/auth/login", "/api/auth/tablet-login"} {
		if c := apitest.Status(env, "POST", path, map[string]string{"username": "quinn", "password": apitest.GoodPassword}, nil); c != 401 {
			t.Errorf("%s: %d", path, c)
		}
	}
	if c := apitest.Status(env, "POST", "/api/auth/verify-security-answers", answers("quinn", "buddy the dog", "austin texas"), nil); c != 400 {
		t.Errorf("reset for a disabled user: %d", c)
	}
}

// R76-R78: the audit trail, and who may read it.
func TestAuthEvents(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "rita")
	admin, err := env.Auth.CreateUser(context.Background(), auth.NewUser{Username: "root-admin", Password: apitest.GoodPassword, SuperAdmin: true}, cad.Client{})
	if err != nil {
		t.Fatal(err)
	}
	r := apitest.LoginAs(t, env, "rita", apitest.GoodPassword, "192.0.2.1")
	env.Do("POST", "/api/auth/login", map[string]string{"username": "rita", "password": "wrong!wrong!"}, map[string]string{"User-Agent": "curl/8"}, "192.0.2.7:1")
	a := apitest.LoginAs(t, env, "root-admin", apitest.GoodPassword, "192.0.2.1")
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "no credential", Method: "GET", Path: "/api/admin/auth-events", ExpectedStatus: 401, ErrorCode: cad.EUNAUTHORIZED},
		{Name: "not a Super Admin", Method: "GET", Path: "/api/admin/auth-events", Headers: apitest.Bearer(r.Token), ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "bad limit", Method: "GET", Path: "/api/admin/auth-events?limit=100000", Headers: apitest.Bearer(a.Token), ExpectedStatus: 400},
		{Name: "bad time", Method: "GET", Path: "/api/admin/auth-events?since=yesterday", Headers: apitest.Bearer(a.Token), ExpectedStatus: 400},
		{Name: "failures of one type", Method: "GET", Path: "/api/admin/auth-events?type=authn_login_fail", Headers: apitest.Bearer(a.Token), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"events.0.type": "authn_login_fail", "events.0.outcome": "failure", "events.0.ip": "192.0.2.7",
				"events.0.userAgent": "curl/8", "events.0.username": "rita"},
			NotExpectedContent: []string{"wrong!wrong!", apitest.GoodPassword, r.Token}},
		{Name: "paginated", Method: "GET", Path: "/api/admin/auth-events?limit=1&page=2&userId=" + admin.ID, Headers: apitest.Bearer(a.Token), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"page": 2, "limit": 1}},
	})
	// R33: a Super Admin signs a user out everywhere.
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "end sessions: no credential", Method: "DELETE", Path: "/api/admin/users/" + admin.ID + "/sessions", ExpectedStatus: 401},
		{Name: "end sessions: not a Super Admin", Method: "DELETE", Path: "/api/admin/users/" + admin.ID + "/sessions", Headers: apitest.Bearer(r.Token), ExpectedStatus: 403},
		{Name: "end sessions: unknown user", Method: "DELETE", Path: "/api/admin/users/0123456789abcdef01234567/sessions", Headers: apitest.Bearer(a.Token), ExpectedStatus: 404},
		{Name: "end sessions", Method: "DELETE", Path: "/api/admin/users/" + r.User["id"].(string) + "/sessions", Headers: apitest.Bearer(a.Token), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"success": true, "ended": 1}},
		{Name: "the user's token is dead", Method: "GET", Path: "/api/auth/me", Headers: apitest.Bearer(r.Token), ExpectedStatus: 401},
		{Name: "the admin's own session lives", Method: "GET", Path: "/api/auth/me", Headers: apitest.Bearer(a.Token), ExpectedStatus: 200},
	})
	// Every auth log line has the fields of R77.
	n := 0
	for _, l := range env.Logs.Lines() {
		if l["msg"] != "auth event" {
			continue
		}
		n++
		for _, k := range []string{"event", "outcome", "ts", "actor", "community", "ip", "ua", "requestId"} {
			if _, ok := l[k]; !ok {
				t.Errorf("auth log line without %s: %v", k, l)
			}
		}
		if ts, _ := l["ts"].(string); !strings.HasSuffix(ts, "Z") {
			t.Errorf("ts not UTC: %v", l["ts"])
		}
	}
	if n == 0 {
		t.Fatal("no auth event logged")
	}
}
