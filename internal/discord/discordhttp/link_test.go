package discordhttp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
)

const linkStart = "/api/auth/discord?link=1"

// signedIn is a browser that signed in with a password just now.
func signedIn(t *testing.T, br *browser, username string) *browser {
	t.Helper()
	res := br.do("POST", "/api/auth/login", map[string]string{"username": username, "password": apitest.GoodPassword}, nil)
	if res.Code != 200 || len(br.cookies) == 0 {
		t.Fatalf("login %s: %d %s", username, res.Code, res.Body)
	}
	return br
}

// discordIDOf is what the database holds of a user's Discord id.
func discordIDOf(t *testing.T, env *apitest.Env, username string) string {
	t.Helper()
	u, err := env.DB.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.DiscordID
}

func location(t *testing.T, br *browser, path string) string {
	t.Helper()
	res := br.do("GET", path, nil, nil)
	if res.Code != 302 {
		t.Fatalf("GET %s: %d %s", path, res.Code, res.Body)
	}
	return res.Header().Get("Location")
}

// A signed-in user links their Discord account: the callback links it to
// the user who started, who then signs in with Discord as themselves, and
// joins the autoJoin communities of their Discord servers (R54).
func TestDiscordLink(t *testing.T) {
	env, fake := discordEnv(t)
	fake.SignInAs(alice)
	apitest.MakeUser(t, env, "pat")
	guild, err := env.Community.Create(context.Background(), community.CLIActor(), "Alice's guild", alice.GuildIDs[0], "")
	if err != nil {
		t.Fatal(err)
	}
	br := signedIn(t, newBrowser(t, env), "pat")
	sessions := sessionCount(t, env)
	if loc := location(t, br, br.authorize(linkStart)); loc != "/app/account?linked=1" {
		t.Fatalf("after linking: %q", loc)
	}
	u, err := env.DB.UserByUsername(context.Background(), "pat")
	if err != nil || u.DiscordID != alice.ID || u.DiscordUsername != "alice" || len(u.GuildIDs) != 2 {
		t.Fatalf("linked user %+v %v", u, err)
	}
	if n := sessionCount(t, env); n != sessions {
		t.Fatalf("linking made %d sessions", n-sessions)
	}
	if res := br.do("GET", "/api/auth/me", nil, nil); res.Code != 200 || !strings.Contains(res.Body.String(), `"discordId":"`+alice.ID+`"`) ||
		!strings.Contains(res.Body.String(), guild.ID) {
		t.Fatalf("me after linking, still signed in, in the guild's community: %d %s", res.Code, res.Body)
	}
	if !strings.Contains(env.Logs.String(), cad.EventDiscordLinked) {
		t.Fatal("the link is not in the authentication trail")
	}
	// Linking again, the same Discord account: harmless.
	if loc := location(t, br, br.authorize(linkStart)); loc != "/app/account?linked=1" {
		t.Fatalf("linking twice: %q", loc)
	}
	// Discord now signs pat in.
	other := newBrowser(t, env)
	if res := other.do("GET", other.authorize("/api/auth/discord"), nil, asJSON()); res.Code != 200 || !strings.Contains(res.Body.String(), `"username":"pat"`) {
		t.Fatalf("Discord sign-in after linking: %d %s", res.Code, res.Body)
	}
	// JSON clients get the outcome as JSON.
	js := signedIn(t, newBrowser(t, env), "pat")
	if res := js.do("GET", js.authorize(linkStart), nil, asJSON()); res.Code != 200 || !strings.Contains(res.Body.String(), `"linked":true`) {
		t.Fatalf("JSON: %d %s", res.Code, res.Body)
	}
}

// Who may link, and what is refused (R47, R48, R50, R54, R57): a browser
// without a session, a bearer token, a stale session, a Discord account of
// another user, a second Discord account, and a flow finished by another
// browser or another session. Nothing is linked by any of them.
func TestDiscordLinkRefusals(t *testing.T) {
	env, fake := discordEnv(t)
	for _, name := range []string{"pat", "mallory", "quinn"} {
		apitest.MakeUser(t, env, name)
	}
	for name, id := range map[string]string{"bob_cad": bob.ID, "carol": "444444444444444444"} {
		if _, err := env.Auth.CreateUser(context.Background(), authUser(name, id), cad.Client{}); err != nil {
			t.Fatal(err)
		}
	}
	fake.SignInAs(alice)

	// No session: the account page says so; JSON clients get 401.
	if loc := location(t, newBrowser(t, env), linkStart); loc != "/app/account?error=not_signed_in" {
		t.Errorf("no session: %q", loc)
	}
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "no session, JSON", Method: "GET", Path: linkStart, Headers: asJSON(), ExpectedStatus: 401, ErrorCode: cad.EUNAUTHORIZED},
		{Name: "a bearer token is not the browser's session (R48)", Method: "GET", Path: linkStart,
			Headers: apitest.Merge(asJSON(), apitest.Bearer(apitest.LoginAs(t, env, "pat", apitest.GoodPassword, "192.0.2.70").Token)), ExpectedStatus: 401},
		{Name: "a game server's key", Method: "GET", Path: linkStart, Headers: apitest.Merge(asJSON(), apitest.Key("fvm_"+strings.Repeat("0", 64))), ExpectedStatus: 401},
	})

	// Another user's Discord account (R54): refused, nothing changes.
	fake.SignInAs(bob)
	br := signedIn(t, newBrowser(t, env), "pat")
	if loc := location(t, br, br.authorize(linkStart)); loc != "/app/account?error=discord_taken" {
		t.Errorf("bob's Discord: %q", loc)
	}
	br = signedIn(t, newBrowser(t, env), "pat")
	if res := br.do("GET", br.authorize(linkStart), nil, asJSON()); res.Code != 409 {
		t.Errorf("bob's Discord, JSON: %d %s", res.Code, res.Body)
	}
	// A user with a Discord account already cannot swap it for another.
	fake.SignInAs(alice)
	br = signedIn(t, newBrowser(t, env), "carol")
	if loc := location(t, br, br.authorize(linkStart)); loc != "/app/account?error=discord_already_linked" {
		t.Errorf("a second Discord account: %q", loc)
	}

	// Another browser cannot finish pat's flow: it lacks the flow's cookie.
	pat := signedIn(t, newBrowser(t, env), "pat")
	back := pat.authorize(linkStart)
	mallory := signedIn(t, newBrowser(t, env), "mallory")
	if loc := location(t, mallory, back); loc != "/app?error=invalid_state" {
		t.Errorf("another browser: %q", loc)
	}
	// Nor with the flow's cookie copied, signed in as someone else: the
	// state is bound to pat's session (R50).
	for k, v := range pat.cookies {
		if strings.Contains(k, "oauth") {
			mallory.cookies[k] = v
		}
	}
	if loc := location(t, mallory, back); loc != "/app/account?error=not_signed_in" {
		t.Errorf("the flow's cookie in another session: %q", loc)
	}
	// Nor quinn's own browser once signed out.
	quinn := signedIn(t, newBrowser(t, env), "quinn")
	back2 := quinn.authorize(linkStart)
	if res := quinn.do("POST", "/api/auth/logout", nil, nil); res.Code != 200 {
		t.Fatal(res.Code)
	}
	if loc := location(t, quinn, back2); loc != "/app/account?error=not_signed_in" {
		t.Errorf("signed out meanwhile: %q", loc)
	}
	for name, want := range map[string]string{"pat": "", "mallory": "", "quinn": "", "carol": "444444444444444444", "bob_cad": bob.ID} {
		if got := discordIDOf(t, env, name); got != want {
			t.Errorf("%s's Discord id is %q after refusals, want %q", name, got, want)
		}
	}
	// The flow mallory could not finish is still pat's to finish.
	if loc := location(t, pat, back); loc != "/app/account?linked=1" || discordIDOf(t, env, "pat") != alice.ID {
		t.Errorf("pat finishing their flow: %q", loc)
	}
	// A session signed in over 10 minutes ago must sign in again: a stolen
	// cookie cannot tie its thief's Discord account to the user.
	stale := signedIn(t, newBrowser(t, env), "quinn")
	env.Clock.Advance(11 * time.Minute)
	if loc := location(t, stale, linkStart); loc != "/app/account?error=reauth_required" {
		t.Errorf("a stale session: %q", loc)
	}
	if res := stale.do("GET", linkStart, nil, asJSON()); res.Code != 403 {
		t.Errorf("a stale session, JSON: %d", res.Code)
	}
	if got := discordIDOf(t, env, "quinn"); got != "" {
		t.Errorf("a stale session linked %q", got)
	}
}

func TestDiscordLinkNotConfigured(t *testing.T) {
	env := apitest.AuthEnv(t)
	apitest.MakeUser(t, env, "pat")
	br := signedIn(t, newBrowser(t, env), "pat")
	if res := br.do("GET", linkStart, nil, nil); res.Code != 503 {
		t.Fatalf("%d %s", res.Code, res.Body)
	}
}

// authUser is an account with a Discord id, made from the command line.
func authUser(name, discordID string) auth.NewUser {
	return auth.NewUser{Username: name, Password: apitest.GoodPassword, DiscordID: discordID}
}
