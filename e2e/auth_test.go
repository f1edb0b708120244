package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/e2etest"
	"github.com/precinct-cad/precinct/pkg/client"
)

const adminPassword = "an operator's long passphrase"

// login signs in by password (POST /api/auth/login): the JWT and its user.
func login(ctx context.Context, c *client.ClientWithResponses, username, password string) (*client.SignIn, error) {
	res, err := c.LoginWithResponse(ctx, client.LoginJSONRequestBody{Username: username, Password: password})
	if err != nil {
		return nil, err
	}
	return res.JSON200, nil
}

// me reads the signed-in user's profile (GET /api/auth/me).
func me(ctx context.Context, c *client.ClientWithResponses) (*client.Profile, error) {
	res, err := c.MeWithResponse(ctx, nil)
	if err != nil {
		return nil, err
	}
	return res.JSON200, nil
}

// The first Super Admin of a fresh install comes from the command line
// (there is no default account, R9), whether the server runs or not; then
// the whole sign-in cycle works over HTTP through pkg/client.
func TestFirstAdminAndSignInCycle(t *testing.T) {
	dir := shortTemp(t)
	env := map[string]string{"PRECINCT_DATA_DIR": dir}

	// With no server running, the command starts its own embedded database.
	code, out, _ := e2etest.RunWithInput(t, []string{"user", "create", "--username", "chief", "--super-admin"}, env, adminPassword+"\n", 60*time.Second)
	if code != 0 || !strings.Contains(out, "created Super Admin chief") {
		t.Fatalf("user create: %d %s", code, out)
	}
	code, out, _ = e2etest.RunWithInput(t, []string{"user", "create", "--username", "chief"}, env, adminPassword+"\n", 60*time.Second)
	if code == 0 || !strings.Contains(out, "already registered") {
		t.Fatalf("a second chief: %d %s", code, out)
	}

	srv := e2etest.Start(t, e2etest.Options{DataDir: dir})
	ctx := ctxT(t)
	anon := client.New(srv.URL)
	for _, creds := range [][2]string{{"admin", "admin"}, {"root", "root"}, {"chief", "wrong password"}} {
		if _, err := login(ctx, anon, creds[0], creds[1]); !client.IsCode(err, "unauthorized") {
			t.Fatalf("login %v: %v", creds, err)
		}
	}

	// A browser: the cookie jar carries the session.
	browser := client.New(srv.URL, client.WithCookieJar())
	li, err := login(ctx, browser, "chief", adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := me(ctx, browser); err != nil || p.Username != "chief" || !p.SuperAdmin {
		t.Fatalf("me by cookie: %+v %v", p, err)
	}
	// A script: the JWT from the same login.
	script := client.New(srv.URL, client.WithToken(li.Token))
	if u, err := script.AuthUserWithResponse(ctx); err != nil || u.JSON200.User.Username != "chief" {
		t.Fatalf("user by JWT: %+v %v", u, err)
	}

	// While the server runs, the command reaches its database.
	code, out, _ = e2etest.RunWithInput(t, []string{"user", "create", "--username", "dispatcher1"}, env, "another long passphrase\n", 60*time.Second)
	if code != 0 {
		t.Fatalf("user create beside the server: %d %s", code, out)
	}
	tablet, err := anon.TabletLoginWithResponse(ctx, client.TabletLoginJSONRequestBody{Username: "dispatcher1", Password: "another long passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	disp := client.New(srv.URL, client.WithToken(tablet.JSON200.Token))
	if _, err := me(ctx, disp); err != nil {
		t.Fatal(err)
	}
	code, out, _ = e2etest.RunToExit(t, []string{"user", "disable", "--username", "dispatcher1"}, env, 60*time.Second)
	if code != 0 || !strings.Contains(out, "1 session(s) ended") {
		t.Fatalf("disable: %d %s", code, out)
	}
	// The command logs the change for the running server, which reads the
	// log ten times a second and drops the user and sessions it cached.
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := me(ctx, disp)
		if client.IsCode(err, "unauthorized") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("disabled user's token still works: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Logout ends the session: the cookie and the JWT stop at once.
	if _, err := browser.LogoutWithResponse(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := script.AuthUserWithResponse(ctx); !client.IsCode(err, "unauthorized") {
		t.Fatalf("JWT after logout: %v", err)
	}
	if _, err := me(ctx, browser); !client.IsCode(err, "unauthorized") {
		t.Fatalf("cookie after logout: %v", err)
	}

	// The secret-key reset: every session ends.
	li, err = login(ctx, anon, "chief", adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	script = client.New(srv.URL, client.WithToken(li.Token))
	code, out, _ = e2etest.RunToExit(t, []string{"jwt", "rotate", "--revoke-all"}, env, 60*time.Second)
	if code != 0 {
		t.Fatalf("jwt rotate: %d %s", code, out)
	}
	if _, err := me(ctx, script); !client.IsCode(err, "unauthorized") {
		t.Fatalf("token after --revoke-all: %v", err)
	}
	if _, err := login(ctx, anon, "chief", adminPassword); err != nil {
		t.Fatalf("login after the reset: %v", err)
	}
	// Nothing secret reached the server's log (R78).
	logs := srv.Output()
	for _, s := range []string{adminPassword, li.Token, "another long passphrase"} {
		if strings.Contains(logs, s) {
			t.Fatalf("the log contains a secret")
		}
	}
	if code := srv.Stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
