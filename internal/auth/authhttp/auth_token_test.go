package authhttp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
)

// claimsOf decodes a token's header and claims without verifying them.
func claimsOf(t *testing.T, tok string) (map[string]any, jwt.MapClaims) {
	t.Helper()
	parts := strings.Split(tok, ".")
	var h map[string]any
	b, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	var c jwt.MapClaims
	b, _ = base64.RawURLEncoding.DecodeString(parts[1])
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return h, c
}

func forge(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccessTokens(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "dana")
	li := apitest.LoginAs(t, env, "dana", apitest.GoodPassword, "192.0.2.1")
	h, c := claimsOf(t, li.Token)
	if h["alg"] != "HS256" || h["kid"] == "" || c["typ"] != "access" || c["sid"] == "" || c["jti"] == "" || c["iss"] != env.Config.PublicURL {
		t.Fatalf("header %v claims %v", h, c)
	}
	if exp, iat := c["exp"].(float64), c["iat"].(float64); exp-iat != (7 * 24 * time.Hour).Seconds() {
		t.Fatalf("lifetime %v s, want 7 days", exp-iat)
	}
	key := []byte(apitest.TestJWTSecret)
	good := func() jwt.MapClaims {
		m := jwt.MapClaims{}
		for k, v := range c {
			m[k] = v
		}
		return m
	}
	with := func(k string, v any) jwt.MapClaims { m := good(); m[k] = v; return m }
	without := func(k string) jwt.MapClaims { m := good(); delete(m, k); return m }
	now := float64(time.Now().Unix())
	parts := strings.Split(li.Token, ".")

	cases := map[string]string{
		"R38 alg none":               forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, h, good()),
		"R38 HS384":                  forge(t, jwt.SigningMethodHS384, key, h, good()),
		"tampered signature":         parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
		"tampered claims":            parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"x"}`)) + "." + parts[2],
		"wrong key":                  forge(t, jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdef0123"), h, good()),
		"R40 no exp":                 forge(t, jwt.SigningMethodHS256, key, h, without("exp")),
		"R40 expired past leeway":    forge(t, jwt.SigningMethodHS256, key, h, with("exp", now-31)),
		"R40 iat in the future":      forge(t, jwt.SigningMethodHS256, key, h, with("iat", now+3600)),
		"R40 nbf in the future":      forge(t, jwt.SigningMethodHS256, key, h, with("nbf", now+3600)),
		"R40 no iat":                 forge(t, jwt.SigningMethodHS256, key, h, without("iat")),
		"R40 wrong issuer":           forge(t, jwt.SigningMethodHS256, key, h, with("iss", "https://evil.example")),
		"R40 wrong audience":         forge(t, jwt.SigningMethodHS256, key, h, with("aud", []string{"someone-else"})),
		"R41 wrong typ":              forge(t, jwt.SigningMethodHS256, key, h, with("typ", "reset")),
		"R43 unknown kid":            forge(t, jwt.SigningMethodHS256, key, map[string]any{"kid": "nope"}, good()),
		"R43 injected kid":           forge(t, jwt.SigningMethodHS256, key, map[string]any{"kid": `{"$ne":null}`}, good()),
		"R43 no kid":                 forge(t, jwt.SigningMethodHS256, key, map[string]any{"kid": nil}, good()),
		"session of another subject": forge(t, jwt.SigningMethodHS256, key, h, with("sub", "64f1a2b3c4d5e6f7a8b9c0d1")),
		"unknown session":            forge(t, jwt.SigningMethodHS256, key, h, with("sid", strings.Repeat("a", 64))),
		"R44 huge token":             strings.Repeat(".", 1<<20),
		"reset token as bearer":      "rst_" + strings.Repeat("A", 43),
		"garbage":                    "not-a-jwt",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			res := env.Do("GET", "/api/auth/me", nil, apitest.Bearer(tok), "")
			if res.Code != 401 {
				t.Fatalf("status %d: %s", res.Code, res.Body)
			}
			apitest.CheckErrorBody(t, res, cad.EUNAUTHORIZED)
			if el := time.Since(start); el > time.Second {
				t.Fatalf("took %v", el)
			}
		})
	}
	// Within the leeway the token still holds.
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(forge(t, jwt.SigningMethodHS256, key, h, with("exp", now+5)))); c != 200 {
		t.Fatalf("a valid re-signed token: %d", c)
	}
	// Other schemes and shapes of the header.
	for _, hv := range []string{"Basic abc", "Bearer", "Bearer ", "Token " + li.Token, strings.Repeat("x", 9000)} {
		if c := apitest.Status(env, "GET", "/api/auth/me", nil, map[string]string{"Authorization": hv}); c != 401 {
			t.Errorf("Authorization %.20q: %d", hv, c)
		}
	}
	// The real token works; expired by the clock it does not.
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(li.Token)); c != 200 {
		t.Fatalf("real token: %d", c)
	}
	env.Clock.Advance(7*24*time.Hour + time.Minute)
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(li.Token)); c != 401 {
		t.Fatalf("expired token: %d", c)
	}
}

func TestMeAndUser(t *testing.T) {
	env := apitest.AuthEnv(t)
	u := apitest.MakeUser(t, env, "erin")
	li := apitest.LoginAs(t, env, "erin", apitest.GoodPassword, "192.0.2.1")
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "me with a bearer token", Method: "GET", Path: "/api/auth/me", Headers: apitest.Bearer(li.Token), ExpectedStatus: 200,
			ExpectedJSON:       map[string]any{"id": u.ID, "username": "erin", "discordId": nil, "communities": []any{}, "superAdmin": false},
			NotExpectedContent: []string{"passwordHash", "argon2", "securityAnswer"}},
		{Name: "me with the cookie", Method: "GET", Path: "/api/auth/me?guildId=987654321098765432", Headers: apitest.CookieHeader(li.Cookie), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"id": u.ID}},
		{Name: "user with the cookie", Method: "GET", Path: "/api/auth/user", Headers: apitest.CookieHeader(li.Cookie), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"authenticated": true, "user.id": u.ID, "user.username": "erin"}},
		{Name: "user without a credential", Method: "GET", Path: "/api/auth/user", ExpectedStatus: 401, ErrorCode: cad.EUNAUTHORIZED,
			ExpectedJSON: map[string]any{"success": false, "msg": "Not authenticated"}},
		{Name: "me without a credential", Method: "GET", Path: "/api/auth/me", ExpectedStatus: 401, ErrorCode: cad.EUNAUTHORIZED},
		{Name: "a tampered cookie", Method: "GET", Path: "/api/auth/me", Headers: apitest.CookieHeader(li.Cookie + "x"), ExpectedStatus: 401, ErrorCode: cad.EUNAUTHORIZED},
		{Name: "R48: a bad bearer is not rescued by a good cookie", Method: "GET", Path: "/api/auth/me",
			Headers: map[string]string{"Authorization": "Bearer nope", "Cookie": li.Cookie}, ExpectedStatus: 401},
		{Name: "R37: a token in the query string is no credential", Method: "GET", Path: "/api/auth/me?token=" + li.Token, ExpectedStatus: 401},
	})
}

// R31: logout ends the session on the server: the cookie replayed and the
// JWT both fail afterwards.
func TestLogoutReallyLogsOut(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "frank")
	li := apitest.LoginAs(t, env, "frank", apitest.GoodPassword, "192.0.2.1")
	res := env.Do("POST", "/api/auth/logout", nil, apitest.CookieHeader(li.Cookie), "")
	if res.Code != 200 || !strings.Contains(res.Body.String(), `"msg":"Logged out successfully"`) || !strings.Contains(res.Body.String(), `"success":true`) {
		t.Fatalf("logout: %d %s", res.Code, res.Body)
	}
	cleared := false
	for _, c := range res.Result().Cookies() {
		if c.Name == "precinct_session" && c.MaxAge < 0 {
			cleared = true
		}
	}
	if !cleared {
		t.Fatal("logout did not clear the cookie")
	}
	for name, h := range map[string]map[string]string{"replayed cookie": apitest.CookieHeader(li.Cookie), "JWT of the session": apitest.Bearer(li.Token)} {
		if c := apitest.Status(env, "GET", "/api/auth/me", nil, h); c != 401 {
			t.Errorf("%s after logout: %d", name, c)
		}
	}
	// Logout by bearer ends the session the same way.
	tab := apitest.LoginAs(t, env, "frank", apitest.GoodPassword, "192.0.2.1")
	if c := apitest.Status(env, "POST", "/api/auth/logout", nil, apitest.Bearer(tab.Token)); c != 200 {
		t.Fatal(c)
	}
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.CookieHeader(tab.Cookie)); c != 401 {
		t.Errorf("cookie after bearer logout: %d", c)
	}
	if c := apitest.Status(env, "POST", "/api/auth/logout", nil, nil); c != 401 {
		t.Errorf("logout without credential: %d", c)
	}
}

// R30: a new login gets a new session, and the browser's old one ends.
func TestLoginRotatesTheSession(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "gina")
	old := apitest.LoginAs(t, env, "gina", apitest.GoodPassword, "192.0.2.1")
	res := env.Do("POST", "/api/auth/login", map[string]string{"username": "gina", "password": apitest.GoodPassword}, map[string]string{"Cookie": old.Cookie}, "")
	fresh := apitest.SessionCookie(t, res)
	if res.Code != 200 || fresh == "" || fresh == old.Cookie {
		t.Fatalf("%d new cookie %q", res.Code, fresh)
	}
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.CookieHeader(old.Cookie)); c != 401 {
		t.Fatalf("the pre-login cookie still works: %d", c)
	}
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.CookieHeader(fresh)); c != 200 {
		t.Fatalf("new cookie: %d", c)
	}
}

// R47, R48: a state-changing request carried by the cookie must come from
// our own origin; a bearer token is not subject to it.
func TestCrossSiteCookieRequests(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "hank")
	li := apitest.LoginAs(t, env, "hank", apitest.GoodPassword, "192.0.2.1")
	for name, h := range map[string]map[string]string{
		"Sec-Fetch-Site cross-site": {"Cookie": li.Cookie, "Sec-Fetch-Site": "cross-site"},
		"foreign Origin":            {"Cookie": li.Cookie, "Origin": "https://evil.example"},
	} {
		res := env.Do("POST", "/api/auth/refresh", nil, h, "")
		if res.Code != 403 {
			t.Errorf("%s: %d", name, res.Code)
		}
		apitest.CheckErrorBody(t, res, cad.EFORBIDDEN)
	}
	if c := apitest.Status(env, "POST", "/api/auth/refresh", nil, map[string]string{"Cookie": li.Cookie, "Origin": "http://localhost:8080"}); c != 200 {
		t.Errorf("own origin: %d", c)
	}
	if c := apitest.Status(env, "POST", "/api/auth/refresh", nil, map[string]string{"Cookie": li.Cookie, "Sec-Fetch-Site": "same-origin"}); c != 200 {
		t.Errorf("same-origin: %d", c)
	}
	// GET is never blocked (and never changes state, R46).
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, map[string]string{"Cookie": li.Cookie, "Sec-Fetch-Site": "cross-site"}); c != 200 {
		t.Errorf("cross-site GET: %d", c)
	}
	if c := apitest.Status(env, "POST", "/api/auth/refresh", nil, map[string]string{"Authorization": "Bearer " + li.Token, "Sec-Fetch-Site": "cross-site"}); c != 200 {
		t.Errorf("bearer from a cross-site page (a FiveM NUI): %d", c)
	}
	// The logout of a cross-site page fails too, and the session lives.
	if c := apitest.Status(env, "POST", "/api/auth/logout", nil, map[string]string{"Cookie": li.Cookie, "Sec-Fetch-Site": "cross-site"}); c != 403 {
		t.Errorf("cross-site logout: %d", c)
	}
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.CookieHeader(li.Cookie)); c != 200 {
		t.Errorf("session after a refused logout: %d", c)
	}
}

// R32: 24 hours without activity end a browser session; activity keeps it
// until its absolute end.
func TestSessionTimeouts(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "ivy")
	idle := apitest.LoginAs(t, env, "ivy", apitest.GoodPassword, "192.0.2.1")
	busy := apitest.LoginAs(t, env, "ivy", apitest.GoodPassword, "192.0.2.1")
	for elapsed := time.Duration(0); elapsed < auth.BrowserMax-auth.BrowserIdle; elapsed += 20 * time.Hour {
		env.Clock.Advance(20 * time.Hour)
		if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.CookieHeader(busy.Cookie)); c != 200 {
			t.Fatalf("active session died after %v: %d", elapsed, c)
		}
	}
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.CookieHeader(idle.Cookie)); c != 401 {
		t.Fatalf("idle session: %d", c)
	}
	env.Clock.Advance(auth.BrowserIdle - time.Hour) // past the 7-day absolute end, still within idle
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.CookieHeader(busy.Cookie)); c != 401 {
		t.Fatalf("session past its absolute end: %d", c)
	}
}

func TestRefreshSessionsAndPersonalTokens(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "jack")
	other := apitest.MakeUser(t, env, "kate")
	_ = other
	a := apitest.LoginAs(t, env, "jack", apitest.GoodPassword, "192.0.2.1")
	b := apitest.LoginAs(t, env, "jack", apitest.GoodPassword, "192.0.2.2")
	k := apitest.LoginAs(t, env, "kate", apitest.GoodPassword, "192.0.2.3")

	// Refresh: a new jti on the same session.
	res := env.Do("POST", "/api/auth/refresh", nil, apitest.Bearer(a.Token), "")
	var rt struct{ Token string }
	_ = json.Unmarshal(res.Body.Bytes(), &rt)
	_, c1 := claimsOf(t, a.Token)
	_, c2 := claimsOf(t, rt.Token)
	if res.Code != 200 || c1["jti"] == c2["jti"] || c1["sid"] != c2["sid"] {
		t.Fatalf("refresh: %d %v %v", res.Code, c1, c2)
	}
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(rt.Token)); c != 200 {
		t.Fatal(c)
	}

	// Listing: own sessions only, the current one marked.
	res = env.Do("GET", "/api/auth/sessions", nil, apitest.Bearer(a.Token), "")
	var list struct {
		Sessions []struct {
			ID      string
			Kind    string
			IP      string
			Current bool
		}
	}
	_ = json.Unmarshal(res.Body.Bytes(), &list)
	if res.Code != 200 || len(list.Sessions) != 2 {
		t.Fatalf("sessions: %d %s", res.Code, res.Body)
	}
	var bID string
	for _, s := range list.Sessions {
		if len(s.ID) != 64 || s.Kind != "browser" {
			t.Errorf("session %+v", s)
		}
		if !s.Current {
			bID = s.ID
		}
	}
	_, kc := claimsOf(t, k.Token)
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "another user's session is 404 and lives on", Method: "DELETE", Path: "/api/auth/sessions/" + kc["sid"].(string),
			Headers: apitest.Bearer(a.Token), ExpectedStatus: 404, ErrorCode: cad.ENOTFOUND,
			After: func(t testing.TB, env *apitest.Env, _ *httptest.ResponseRecorder) {
				if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(k.Token)); c != 200 {
					t.Fatalf("kate's session was touched: %d", c)
				}
			}},
		{Name: "malformed session id", Method: "DELETE", Path: "/api/auth/sessions/xyz", Headers: apitest.Bearer(a.Token), ExpectedStatus: 404},
		{Name: "no credential", Method: "DELETE", Path: "/api/auth/sessions/" + bID, ExpectedStatus: 401},
		{Name: "end one's own other session", Method: "DELETE", Path: "/api/auth/sessions/" + bID, Headers: apitest.Bearer(a.Token), ExpectedStatus: 200,
			After: func(t testing.TB, env *apitest.Env, _ *httptest.ResponseRecorder) {
				if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(b.Token)); c != 401 {
					t.Fatalf("ended session still works: %d", c)
				}
			}},
		{Name: "personal token: no name", Method: "POST", Path: "/api/auth/tokens", Headers: apitest.Bearer(a.Token),
			Body: map[string]any{"expiresAt": time.Now().Add(24 * time.Hour)}, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "personal token: past", Method: "POST", Path: "/api/auth/tokens", Headers: apitest.Bearer(a.Token),
			Body: map[string]any{"name": "bot", "expiresAt": time.Now().Add(-time.Hour)}, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "personal token: over a year", Method: "POST", Path: "/api/auth/tokens", Headers: apitest.Bearer(a.Token),
			Body: map[string]any{"name": "bot", "expiresAt": time.Now().Add(400 * 24 * time.Hour)}, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "personal token: bad time", Method: "POST", Path: "/api/auth/tokens", Headers: apitest.Bearer(a.Token),
			Body: `{"name":"bot","expiresAt":"tomorrow"}`, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "personal token: no credential", Method: "POST", Path: "/api/auth/tokens",
			Body: map[string]any{"name": "bot", "expiresAt": time.Now().Add(24 * time.Hour)}, ExpectedStatus: 401},
	})

	res = env.Do("POST", "/api/auth/tokens", map[string]any{"name": "discord bot", "expiresAt": time.Now().Add(90 * 24 * time.Hour)}, apitest.Bearer(a.Token), "")
	var pt struct {
		Token   string
		Session struct{ ID, Kind, Name string }
	}
	_ = json.Unmarshal(res.Body.Bytes(), &pt)
	if res.Code != 201 || pt.Session.Kind != "token" || pt.Session.Name != "discord bot" {
		t.Fatalf("token: %d %s", res.Code, res.Body)
	}
	env.Clock.Advance(30 * 24 * time.Hour) // far past any idle timeout and the 7-day JWT
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(pt.Token)); c != 200 {
		t.Fatalf("personal token after 30 days: %d", c)
	}
	if c := apitest.Status(env, "DELETE", "/api/auth/sessions/"+pt.Session.ID, nil, apitest.Bearer(pt.Token)); c != 200 {
		t.Fatal(c)
	}
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(pt.Token)); c != 401 {
		t.Fatalf("revoked personal token: %d", c)
	}

	// DELETE /sessions ends all but the current one.
	env.Clock.Advance(-30 * 24 * time.Hour)
	c := apitest.LoginAs(t, env, "jack", apitest.GoodPassword, "192.0.2.1")
	d := apitest.LoginAs(t, env, "jack", apitest.GoodPassword, "192.0.2.1")
	if code := apitest.Status(env, "DELETE", "/api/auth/sessions", nil, apitest.Bearer(c.Token)); code != 200 {
		t.Fatal(code)
	}
	if code := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(d.Token)); code != 401 {
		t.Errorf("other session survived: %d", code)
	}
	if code := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(c.Token)); code != 200 {
		t.Errorf("current session ended: %d", code)
	}
}

// A user holds at most 50 live sessions; the oldest goes first.
func TestSessionCap(t *testing.T) {
	env := apitest.AuthEnv(t)
	u := apitest.MakeUser(t, env, "liam")
	first, err := env.Auth.IssueForUser(context.Background(), u, cad.SessionTablet, "password", cad.Client{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < cad.MaxSessionsPerUser; i++ {
		env.Clock.Advance(time.Millisecond)
		if _, err := env.Auth.IssueForUser(context.Background(), u, cad.SessionTablet, "password", cad.Client{}); err != nil {
			t.Fatal(err)
		}
	}
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(first.Token)); c != 401 {
		t.Fatalf("the 51st session did not push out the oldest: %d", c)
	}
	sessions, _ := env.DB.SessionsOfUser(context.Background(), u.ID, env.Clock.Now())
	if len(sessions) != cad.MaxSessionsPerUser {
		t.Fatalf("%d sessions", len(sessions))
	}
}
