package discordhttp_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/discordtest"
)

var (
	alice = discordtest.User{ID: "111111111111111111", Username: "alice", Discriminator: "0", Avatar: "a1", GuildIDs: []string{"900000000000000001", "900000000000000002"}}
	bob   = discordtest.User{ID: "222222222222222222", Username: "bob", Discriminator: "1234"}
)

// discordEnv is the application with Discord sign-in pointed at a fake.
func discordEnv(t *testing.T) (*apitest.Env, *discordtest.Fake) {
	t.Helper()
	fake, base := discordtest.Start(t, "123456789", "fake-client-secret")
	env := apitest.AuthEnv(t, func(c *config.Config) {
		c.DiscordClientID, c.DiscordClientSecret, c.DiscordBaseURL = "123456789", "fake-client-secret", base
		c.DashboardURL = "/app"
	})
	return env, fake
}

// browser keeps one browser's cookies across steps.
type browser struct {
	t       *testing.T
	env     *apitest.Env
	cookies map[string]string
}

func newBrowser(t *testing.T, env *apitest.Env) *browser {
	return &browser{t: t, env: env, cookies: map[string]string{}}
}

func (b *browser) do(method, path string, body any, h map[string]string) *httptest.ResponseRecorder {
	if h == nil {
		h = map[string]string{}
	}
	var parts []string
	for k, v := range b.cookies {
		parts = append(parts, k+"="+v)
	}
	if len(parts) > 0 {
		h["Cookie"] = strings.Join(parts, "; ")
		if _, ok := h["Sec-Fetch-Site"]; !ok {
			h["Sec-Fetch-Site"] = "same-origin"
		}
	}
	res := b.env.Do(method, path, body, h, "")
	for _, c := range res.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return res
}

// authorize starts a sign-in and lets the fake approve it; it returns the
// callback URL (path and query) Discord sent the browser back to.
func (b *browser) authorize(start string) string {
	b.t.Helper()
	res := b.do("GET", start, nil, nil)
	if res.Code != http.StatusFound {
		b.t.Fatalf("start: %d %s", res.Code, res.Body)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := noFollow.Get(res.Header().Get("Location"))
	if err != nil {
		b.t.Fatal(err)
	}
	r.Body.Close()
	back, err := url.Parse(r.Header.Get("Location"))
	if err != nil || back.Path != "/api/auth/discord/callback" {
		b.t.Fatalf("authorize answered %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	return back.RequestURI()
}

func asJSON() map[string]string { return map[string]string{"Accept": "application/json"} }

func sessionCount(t *testing.T, env *apitest.Env) int {
	return len(apitest.Dump(t, env, "sessions"))
}

func registration(discordID, username string) map[string]string {
	return map[string]string{
		"discordId": discordID, "username": username, "password": "a discord user's passphrase",
		"securityQuestion1": apitest.Q1, "securityAnswer1": "Rover the dog", "securityQuestion2": apitest.Q2, "securityAnswer2": "Springfield",
	}
}

func TestDiscordNotConfigured(t *testing.T) {
	env := apitest.AuthEnv(t)
	for _, r := range [][2]string{{"GET", "/api/auth/discord"}, {"GET", "/api/auth/discord/callback?code=x&state=y"}, {"POST", "/api/auth/complete-registration"}} {
		res := env.Do(r[0], r[1], registration("1", "x"), nil, "")
		if res.Code != 503 || !strings.Contains(res.Body.String(), "Discord sign-in is not configured") {
			t.Errorf("%v: %d %s", r, res.Code, res.Body)
		}
	}
	if c := apitest.Status(env, "POST", "/api/auth/login", map[string]string{"username": "x", "password": "yyyyyyyy"}, nil); c != 401 {
		t.Errorf("the rest still works: %d", c)
	}
}

// R50-R53: the redirect to Discord.
func TestDiscordStart(t *testing.T) {
	env, _ := discordEnv(t)
	res := env.Do("GET", "/api/auth/discord?returnTo=/app/calls", nil, map[string]string{"Host": "evil.example"}, "")
	if res.Code != 302 {
		t.Fatalf("%d %s", res.Code, res.Body)
	}
	loc, _ := url.Parse(res.Header().Get("Location"))
	q := loc.Query()
	if loc.Path != "/oauth2/authorize" || q.Get("response_type") != "code" || q.Get("scope") != "identify guilds" ||
		q.Get("client_id") != "123456789" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		t.Fatalf("authorize URL %s", loc)
	}
	if q.Get("redirect_uri") != "http://localhost:8080/api/auth/discord/callback" {
		t.Fatalf("redirect_uri %q follows the Host header (R52)", q.Get("redirect_uri"))
	}
	if st, err := base64.RawURLEncoding.DecodeString(q.Get("state")); err != nil || len(st) < 16 {
		t.Fatalf("state %q is under 128 bits (R50)", q.Get("state"))
	}
	cs := res.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != "precinct_oauth" || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteLaxMode || cs[0].MaxAge <= 0 || cs[0].MaxAge > 600 {
		t.Fatalf("flow cookie (R34): %+v", cs)
	}
	if strings.Contains(cs[0].Value, q.Get("state")) {
		t.Fatal("the cookie carries the state in clear")
	}
	// Two starts give two states.
	res2 := env.Do("GET", "/api/auth/discord", nil, nil, "")
	loc2, _ := url.Parse(res2.Header().Get("Location"))
	if loc2.Query().Get("state") == q.Get("state") {
		t.Fatal("state reused")
	}
}

// The whole flow for a new user, then for the same user again.
func TestDiscordRegistrationAndSignIn(t *testing.T) {
	env, fake := discordEnv(t)
	fake.SignInAs(alice)
	br := newBrowser(t, env)
	res := br.do("GET", br.authorize("/api/auth/discord"), nil, asJSON())
	if res.Code != 200 || !strings.Contains(res.Body.String(), `"registrationRequired":true`) ||
		!strings.Contains(res.Body.String(), `"discordId":"`+alice.ID+`"`) || !strings.Contains(res.Body.String(), `"discordUsername":"alice"`) {
		t.Fatalf("callback for a new user: %d %s", res.Code, res.Body)
	}
	// R51, R53: the token request carried the verifier of the challenge, as
	// a form, with client authentication; R55: the token was revoked.
	auths, reqs := fake.Authorizations(), fake.TokenRequests()
	sum := sha256.Sum256([]byte(reqs[0].Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != auths[0].Get("code_challenge") || reqs[0].Get("client_secret") == "" {
		t.Fatalf("PKCE: %v %v", reqs[0], auths[0])
	}
	if len(fake.Revocations()) != 1 {
		t.Fatalf("revocations: %v", fake.Revocations())
	}
	if strings.Contains(res.Body.String(), "access_token") {
		t.Fatal("a Discord token reached the browser (R55)")
	}

	apitest.Run(t, env, []apitest.Scenario{
		{Name: "without the pending registration's cookie", Method: "POST", Path: "/api/auth/complete-registration",
			Body: registration(alice.ID, "alice_cad"), ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
	})
	// Another Discord id than the verified one: refused (claiming accounts).
	res = br.do("POST", "/api/auth/complete-registration", registration(bob.ID, "alice_cad"), nil)
	if res.Code != 403 {
		t.Fatalf("other discordId: %d %s", res.Code, res.Body)
	}
	res = br.do("POST", "/api/auth/complete-registration", registration(alice.ID, "alice_cad"), map[string]string{"Sec-Fetch-Site": "cross-site"})
	if res.Code != 403 {
		t.Fatalf("cross-site registration: %d", res.Code)
	}
	for name, body := range map[string]map[string]string{
		"weak password": func() map[string]string {
			m := registration(alice.ID, "alice_cad")
			m["password"] = "password1"
			return m
		}(),
		"bad username": registration(alice.ID, "a"),
		"no questions": func() map[string]string {
			m := registration(alice.ID, "alice_cad")
			delete(m, "securityAnswer2")
			return m
		}(),
	} {
		if res := br.do("POST", "/api/auth/complete-registration", body, nil); res.Code != 400 {
			t.Errorf("%s: %d %s", name, res.Code, res.Body)
		}
	}
	if n := sessionCount(t, env); n != 0 {
		t.Fatalf("%d sessions before registration", n)
	}
	res = br.do("POST", "/api/auth/complete-registration", registration(alice.ID, "alice_cad"), nil)
	if res.Code != 201 {
		t.Fatalf("complete-registration: %d %s", res.Code, res.Body)
	}
	var reg struct {
		Token string
		User  map[string]any
	}
	_ = json.Unmarshal(res.Body.Bytes(), &reg)
	if reg.User["discordId"] != alice.ID || reg.User["discordUsername"] != "alice" || reg.User["username"] != "alice_cad" {
		t.Fatalf("user %v", reg.User)
	}
	if res := br.do("GET", "/api/auth/me", nil, nil); res.Code != 200 || !strings.Contains(res.Body.String(), `"username":"alice_cad"`) {
		t.Fatalf("cookie after registration: %d %s", res.Code, res.Body)
	}
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(reg.Token)); c != 200 {
		t.Fatalf("JWT after registration: %d", c)
	}
	// A second use of the pending registration fails.
	if res := br.do("POST", "/api/auth/complete-registration", registration(alice.ID, "alice_two"), nil); res.Code != 403 {
		t.Fatalf("second use: %d %s", res.Code, res.Body)
	}
	stored, _ := env.DB.UserByDiscordID(context.Background(), alice.ID)
	if len(stored.GuildIDs) != 2 {
		t.Fatalf("guild ids %v", stored.GuildIDs)
	}

	// The same Discord account, a new username on Discord: the same account,
	// refreshed (R54); a browser lands on the dashboard (returnTo kept).
	alice2 := alice
	alice2.Username = "alice_renamed"
	fake.SignInAs(alice2)
	br2 := newBrowser(t, env)
	res = br2.do("GET", br2.authorize("/api/auth/discord?returnTo=/calls/42"), nil, nil)
	if res.Code != 302 || res.Header().Get("Location") != "/app/calls/42" {
		t.Fatalf("browser callback: %d %q", res.Code, res.Header().Get("Location"))
	}
	if res := br2.do("GET", "/api/auth/me", nil, nil); !strings.Contains(res.Body.String(), `"discordUsername":"alice_renamed"`) || !strings.Contains(res.Body.String(), `"username":"alice_cad"`) {
		t.Fatalf("me after a renamed sign-in: %s", res.Body)
	}
	// The same name with another id is another person (R54).
	impostor := discordtest.User{ID: "333333333333333333", Username: "alice_renamed", Discriminator: "0"}
	fake.SignInAs(impostor)
	br3 := newBrowser(t, env)
	if res := br3.do("GET", br3.authorize("/api/auth/discord"), nil, asJSON()); !strings.Contains(res.Body.String(), "registrationRequired") {
		t.Fatalf("impostor: %s", res.Body)
	}
	// A browser of a new user is sent to the register page, which is told
	// the Discord account it completes.
	br4 := newBrowser(t, env)
	if res := br4.do("GET", br4.authorize("/api/auth/discord"), nil, nil); res.Header().Get("Location") != "/app/register?discordId="+impostor.ID+"&discordUsername="+impostor.Username {
		t.Fatalf("new user, browser: %q", res.Header().Get("Location"))
	}
}

// R50, R52, R56, R57, R58: every failure of the callback creates no session.
func TestDiscordCallbackRefusals(t *testing.T) {
	env, fake := discordEnv(t)
	fake.SignInAs(alice)
	u, err := env.Auth.CreateUser(context.Background(), auth.NewUser{Username: "alice_cad", Password: apitest.GoodPassword, DiscordID: alice.ID}, cad.Client{})
	if err != nil {
		t.Fatal(err)
	}
	_ = u
	expectRefused := func(name string, res *httptest.ResponseRecorder, status int) {
		t.Helper()
		if res.Code != status {
			t.Errorf("%s: %d %s", name, res.Code, res.Body)
		}
		if n := sessionCount(t, env); n != 0 {
			t.Fatalf("%s created a session", name)
		}
	}

	br := newBrowser(t, env)
	back := br.authorize("/api/auth/discord")
	mangled := strings.Replace(back, "state=", "state=x", 1)
	expectRefused("state mismatch", br.do("GET", mangled, nil, asJSON()), 400)

	br = newBrowser(t, env)
	back = br.authorize("/api/auth/discord")
	other := newBrowser(t, env)
	expectRefused("state from another browser", other.do("GET", back, nil, asJSON()), 400)

	br = newBrowser(t, env)
	flowCookie := ""
	back = br.authorize("/api/auth/discord")
	for k, v := range br.cookies {
		flowCookie = k + "=" + v
	}
	expectRefused("no state", br.do("GET", "/api/auth/discord/callback?code=abc", nil, asJSON()), 400)
	// Replay: the same cookie and state twice; the first use succeeds.
	replay := func() *httptest.ResponseRecorder {
		return env.Do("GET", back, nil, map[string]string{"Cookie": flowCookie, "Accept": "application/json"}, "")
	}
	br = newBrowser(t, env)
	back = br.authorize("/api/auth/discord")
	for k, v := range br.cookies {
		flowCookie = k + "=" + v
	}
	if res := replay(); res.Code != 200 {
		t.Fatalf("first use: %d %s", res.Code, res.Body)
	}
	env.DB.DeleteAllSessions(context.Background())
	expectRefused("replayed state", replay(), 400)

	// A replayed code: a fresh flow whose callback carries a spent code.
	br = newBrowser(t, env)
	back2 := br.authorize("/api/auth/discord")
	spentCode := mustQuery(t, back, "code")
	expectRefused("replayed code", br.do("GET", strings.Replace(back2, "code="+mustQuery(t, back2, "code"), "code="+spentCode, 1), nil, asJSON()), 400)

	fake.Deny()
	br = newBrowser(t, env)
	expectRefused("access_denied", br.do("GET", br.authorize("/api/auth/discord"), nil, asJSON()), 401)
	fake.SignInAs(alice)

	fake.Fail(discordtest.EndpointToken, 429, 1, "30")
	br = newBrowser(t, env)
	expectRefused("Discord 429 on the token", br.do("GET", br.authorize("/api/auth/discord"), nil, asJSON()), 503)

	fake.Fail(discordtest.EndpointMe, 500, 1, "")
	br = newBrowser(t, env)
	expectRefused("Discord 500 on users/@me", br.do("GET", br.authorize("/api/auth/discord"), nil, asJSON()), 503)

	// A short Retry-After is waited out once (R56).
	fake.Fail(discordtest.EndpointGuilds, 429, 1, "0.2")
	br = newBrowser(t, env)
	if res := br.do("GET", br.authorize("/api/auth/discord"), nil, asJSON()); res.Code != 200 {
		t.Fatalf("after a short 429: %d %s", res.Code, res.Body)
	}
	env.DB.DeleteAllSessions(context.Background())

	// Browsers get the failure as a redirect with ?error=.
	br = newBrowser(t, env)
	back = br.authorize("/api/auth/discord")
	res := newBrowser(t, env).do("GET", back, nil, nil)
	if res.Code != 302 || res.Header().Get("Location") != "/app?error=invalid_state" {
		t.Fatalf("browser failure: %d %q", res.Code, res.Header().Get("Location"))
	}
	// A disabled user is refused like at password login (R58).
	if _, _, err := env.Auth.DisableUser(context.Background(), "alice_cad", cad.Client{}); err != nil {
		t.Fatal(err)
	}
	br = newBrowser(t, env)
	expectRefused("disabled user", br.do("GET", br.authorize("/api/auth/discord"), nil, asJSON()), 401)
	// A returnTo that leaves the site is dropped (R52).
	for _, evil := range []string{"https://evil.example", "//evil.example", "/\\evil.example"} {
		res := env.Do("GET", "/api/auth/discord?returnTo="+url.QueryEscape(evil), nil, nil, "")
		if !strings.HasPrefix(res.Header().Get("Location"), fakeBase(fake, res)) {
			t.Errorf("start with returnTo %q: %q", evil, res.Header().Get("Location"))
		}
	}
	if !strings.Contains(env.Logs.String(), "discord: invalid_state") {
		t.Error("callback failures are not audited (R57)")
	}
}

func fakeBase(_ *discordtest.Fake, res *httptest.ResponseRecorder) string {
	u, _ := url.Parse(res.Header().Get("Location"))
	return u.Scheme + "://" + u.Host + "/oauth2/authorize"
}

func mustQuery(t *testing.T, uri, key string) string {
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(key)
}

// The stronger recovery path: a fresh Discord sign-in may set a password
// without the old one; a password session may not.
func TestSetPasswordAfterDiscord(t *testing.T) {
	env, fake := discordEnv(t)
	fake.SignInAs(alice)
	if _, err := env.Auth.CreateUser(context.Background(), auth.NewUser{Username: "alice_cad", Password: apitest.GoodPassword, DiscordID: alice.ID}, cad.Client{}); err != nil {
		t.Fatal(err)
	}
	other := apitest.LoginAs(t, env, "alice_cad", apitest.GoodPassword, "192.0.2.1")
	body := map[string]string{"newPassword": "recovered with discord"}
	if c := apitest.Status(env, "PUT", "/api/auth/password", body, apitest.Bearer(other.Token)); c != 403 {
		t.Fatalf("from a password session: %d", c)
	}
	if c := apitest.Status(env, "PUT", "/api/auth/password", body, nil); c != 401 {
		t.Fatalf("no credential: %d", c)
	}
	br := newBrowser(t, env)
	if res := br.do("GET", br.authorize("/api/auth/discord"), nil, asJSON()); res.Code != 200 {
		t.Fatal(res.Code)
	}
	if res := br.do("PUT", "/api/auth/password", map[string]string{"newPassword": "password1"}, nil); res.Code != 400 {
		t.Fatalf("weak: %d", res.Code)
	}
	if res := br.do("PUT", "/api/auth/password", body, nil); res.Code != 200 {
		t.Fatalf("fresh Discord session: %d %s", res.Code, res.Body)
	}
	if c := apitest.Status(env, "GET", "/api/auth/me", nil, apitest.Bearer(other.Token)); c != 401 {
		t.Fatalf("other session survived: %d", c)
	}
	apitest.LoginAs(t, env, "alice_cad", "recovered with discord", "192.0.2.2")
	env.Clock.Advance(11 * time.Minute)
	if res := br.do("PUT", "/api/auth/password", map[string]string{"newPassword": "too late for this one"}, nil); res.Code != 403 {
		t.Fatalf("after 10 minutes: %d", res.Code)
	}
}

// A Discord sign-in joins the user, as a member, to every community with
// autoJoin whose Discord server they are in.
func TestDiscordAutoJoin(t *testing.T) {
	env, fake := discordEnv(t)
	ctx := context.Background()
	cli := community.CLIActor()
	joined, err := env.Community.Create(ctx, cli, "Guild One RP", alice.GuildIDs[0], "")
	if err != nil {
		t.Fatal(err)
	}
	closed, err := env.Community.Create(ctx, cli, "Guild Two RP", alice.GuildIDs[1], "")
	if err != nil {
		t.Fatal(err)
	}
	off := false
	if _, err := env.Community.Update(ctx, cli, &cad.Scope{Community: closed}, community.Patch{Settings: &community.SettingsPatch{AutoJoin: &off}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Community.Create(ctx, cli, "Elsewhere RP", "900000000000000099", ""); err != nil {
		t.Fatal(err)
	}
	fake.SignInAs(alice)
	br := newBrowser(t, env)
	br.do("GET", br.authorize("/api/auth/discord"), nil, asJSON())
	if res := br.do("POST", "/api/auth/complete-registration", registration(alice.ID, "alice_cad"), nil); res.Code != 201 {
		t.Fatal(res.Code, res.Body)
	}
	res := br.do("GET", "/api/auth/me", nil, nil)
	var me struct {
		Communities []struct{ CommunityID, Role string }
	}
	_ = json.Unmarshal(res.Body.Bytes(), &me)
	if len(me.Communities) != 1 || me.Communities[0].CommunityID != joined.ID || me.Communities[0].Role != "member" {
		t.Fatalf("communities after sign-in: %s", res.Body)
	}
	// Signing in again changes nothing (already a member).
	br2 := newBrowser(t, env)
	br2.do("GET", br2.authorize("/api/auth/discord"), nil, asJSON())
	if res := br2.do("GET", "/api/community/mine", nil, nil); strings.Count(res.Body.String(), `"role"`) != 1 {
		t.Fatalf("mine: %s", res.Body)
	}
}
