package authhttp_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
)

// The reference's JWT holds the user id, the Discord id and the expiry.
func TestJWTCarriesTheDiscordID(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "nodiscord")
	if _, err := env.Auth.CreateUser(context.Background(), auth.NewUser{Username: "linked", Password: apitest.GoodPassword, DiscordID: "80351110224678912"}, cad.Client{}); err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]string{"nodiscord": "", "linked": "80351110224678912"} {
		_, c := claimsOf(t, apitest.LoginAs(t, env, user, apitest.GoodPassword, "192.0.2.1").Token)
		id, ok := c["discordId"]
		if !ok || id != want || c["sub"] == "" || c["exp"] == nil {
			t.Errorf("%s: claims %v, want discordId %q", user, c, want)
		}
	}
}

// The browser cookie lives 24 hours and is renewed as the session is used,
// never past the session's 7 days; "rememberMe" makes it 30 days.
func TestSessionCookieLifetime(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "browser")
	maxAge := func(res *httptest.ResponseRecorder) int {
		for _, c := range res.Result().Cookies() {
			if strings.HasSuffix(c.Name, "precinct_session") {
				return c.MaxAge
			}
		}
		return 0
	}
	res := env.Do("POST", "/api/auth/login", map[string]string{"username": "browser", "password": apitest.GoodPassword}, nil, "")
	if res.Code != 200 || maxAge(res) != 24*3600 {
		t.Fatalf("login: %d, cookie Max-Age %d, want %d", res.Code, maxAge(res), 24*3600)
	}
	cookie := apitest.SessionCookie(t, res)
	// Used within the minute: nothing to renew.
	if r := env.Do("GET", "/api/auth/me", nil, apitest.CookieHeader(cookie), ""); r.Code != 200 || maxAge(r) != 0 {
		t.Fatalf("an early use: %d, Max-Age %d", r.Code, maxAge(r))
	}
	// Used 20 hours later: renewed for another day.
	env.Clock.Advance(20 * time.Hour)
	r := env.Do("GET", "/api/auth/me", nil, apitest.CookieHeader(cookie), "")
	if r.Code != 200 || maxAge(r) < 24*3600-5 || maxAge(r) > 24*3600 {
		t.Fatalf("a use 20 hours on: %d, Max-Age %d", r.Code, maxAge(r))
	}
	// Days of use never carry it past the session's week: on day 6.7 it
	// lives only to the end of day 7.
	for i := 0; i < 7; i++ {
		env.Clock.Advance(20 * time.Hour)
		r = env.Do("GET", "/api/auth/me", nil, apitest.CookieHeader(cookie), "")
	}
	if r.Code != 200 || maxAge(r) > 8*3600 {
		t.Fatalf("near the end of the week: %d, Max-Age %d", r.Code, maxAge(r))
	}
	env.Clock.Advance(20 * time.Hour)
	r = env.Do("GET", "/api/auth/me", nil, apitest.CookieHeader(cookie), "")
	if r.Code != 401 {
		t.Fatalf("past the absolute limit: %d", r.Code)
	}

	remembered := env.Do("POST", "/api/auth/login", map[string]any{"username": "browser", "password": apitest.GoodPassword, "rememberMe": true}, nil, "")
	if remembered.Code != 200 || maxAge(remembered) != 30*24*3600 {
		t.Fatalf("rememberMe: %d, Max-Age %d", remembered.Code, maxAge(remembered))
	}
	cookie = apitest.SessionCookie(t, remembered)
	env.Clock.Advance(10 * 24 * time.Hour) // ten idle days: a plain session would be gone
	if c := env.Do("GET", "/api/auth/me", nil, apitest.CookieHeader(cookie), "").Code; c != 200 {
		t.Fatalf("a remembered session after ten idle days: %d", c)
	}
	env.Clock.Advance(21 * 24 * time.Hour)
	if c := env.Do("GET", "/api/auth/me", nil, apitest.CookieHeader(cookie), "").Code; c != 401 {
		t.Fatalf("a remembered session after 31 days: %d", c)
	}
}
