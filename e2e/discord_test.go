package e2e

import (
	"testing"

	"github.com/precinct-cad/precinct/internal/discordtest"
	"github.com/precinct-cad/precinct/internal/e2etest"
	"github.com/precinct-cad/precinct/pkg/client"
)

// The acceptance test of Discord sign-in, on the real binary against the
// fake Discord, driven the way a browser does (redirects followed, cookies
// kept): a new user is told to register, registers, and the cookie then
// works; the same user signs in again and lands signed in; the JWT from
// either works as a bearer token.
func TestDiscordSignInEndToEnd(t *testing.T) {
	fake, base := discordtest.Start(t, "424242", "e2e-discord-secret")
	fake.SignInAs(discordtest.User{ID: "555555555555555555", Username: "officer.jane", Discriminator: "0", GuildIDs: []string{"777"}})
	srv := e2etest.Start(t, e2etest.Options{Env: map[string]string{
		"PRECINCT_DISCORD_CLIENT_ID": "424242", "PRECINCT_DISCORD_CLIENT_SECRET": "e2e-discord-secret",
		"PRECINCT_DISCORD_BASE_URL": base,
	}})
	ctx := ctxT(t)

	browser := client.New(srv.URL, client.WithCookieJar())
	answer, err := browser.DiscordSignIn(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	first, err := answer.AsRegistrationRequired()
	if err != nil || !first.RegistrationRequired || first.DiscordID != "555555555555555555" || first.DiscordUsername != "officer.jane" {
		t.Fatalf("first sign-in: %+v %v", first, err)
	}
	reg, err := browser.CompleteRegistrationWithResponse(ctx, client.CompleteRegistrationJSONRequestBody{
		DiscordID: first.DiscordID, Username: "jane", Password: "patrol car seven two",
		SecurityQuestion1: "What is your pet's name?", SecurityAnswer1: "Sergeant Biscuit",
		SecurityQuestion2: "What city were you born in?", SecurityAnswer2: "Los Santos",
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := me(ctx, browser); err != nil || p.Username != "jane" || p.DiscordID == nil || *p.DiscordID != "555555555555555555" {
		t.Fatalf("me by cookie after registration: %+v %v", p, err)
	}
	if _, err := client.New(srv.URL, client.WithToken(reg.JSON201.Token)).AuthUserWithResponse(ctx); err != nil {
		t.Fatalf("registration JWT: %v", err)
	}

	again := client.New(srv.URL, client.WithCookieJar())
	answer, err = again.DiscordSignIn(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if reg, err := answer.AsRegistrationRequired(); err != nil || reg.RegistrationRequired {
		t.Fatalf("the second sign-in asks to register: %+v %v", reg, err)
	}
	second, err := answer.AsSignIn()
	if err != nil || second.User.Username != "jane" || second.Token == "" {
		t.Fatalf("second sign-in: %+v %v", second, err)
	}
	if p, err := me(ctx, again); err != nil || p.Username != "jane" {
		t.Fatalf("me by cookie after sign-in: %+v %v", p, err)
	}
	if _, err := me(ctx, client.New(srv.URL, client.WithToken(second.Token))); err != nil {
		t.Fatalf("sign-in JWT: %v", err)
	}
	// The fresh Discord session may set a password without the old one.
	if _, err := again.SetPasswordWithResponse(ctx, client.SetPasswordJSONRequestBody{NewPassword: "a recovered passphrase"}); err != nil {
		t.Fatal(err)
	}
	if _, err := login(ctx, client.New(srv.URL), "jane", "a recovered passphrase"); err != nil {
		t.Fatal(err)
	}
	// Discord failing: no session, a clear error.
	fake.Fail(discordtest.EndpointToken, 500, -1, "")
	if _, err := client.New(srv.URL, client.WithCookieJar()).DiscordSignIn(ctx, ""); !client.IsCode(err, "unavailable") {
		t.Fatalf("Discord down: %v", err)
	}
}
