package authhttp_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

func openRegistration(c *config.Config) { c.OpenRegistration = true }

// signUp is a register body with good questions and answers.
func signUp(username, password string) map[string]any {
	return map[string]any{"username": username, "password": password, "securityQuestions": []map[string]string{
		{"question": apitest.Q1, "answer": "Rover the dog"}, {"question": apitest.Q2, "answer": "Springfield"}}}
}

func withQuestions(body map[string]any, qs ...map[string]string) map[string]any {
	body["securityQuestions"] = qs
	return body
}

func withInvite(body map[string]any, code string) map[string]any {
	body["inviteCode"] = code
	return body
}

// invite makes an invite of A from the command line.
func invite(t *testing.T, tn *apitest.Tenants, role string, maxUses int) string {
	t.Helper()
	in := community.InviteInput{Role: role, Departments: []string{"LSPD"}}
	if maxUses > 0 {
		in.MaxUses = &maxUses
	}
	code, _, err := tn.Env.Community.CreateInvite(context.Background(), community.CLIActor(), &cad.Scope{Community: tn.A}, in)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func userExists(t *testing.T, env *apitest.Env, username string) bool {
	t.Helper()
	_, err := env.DB.UserByUsername(context.Background(), username)
	if err != nil && cad.ErrorCode(err) != cad.ENOTFOUND {
		t.Fatal(err)
	}
	return err == nil
}

func TestAuthOptions(t *testing.T) {
	apitest.Run(t, apitest.AuthEnv(t), []apitest.Scenario{
		{Name: "off by default", Method: "GET", Path: "/api/auth/options", ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"discord": false, "openRegistration": false}},
	})
	on := apitest.AuthEnv(t, openRegistration, func(c *config.Config) {
		c.DiscordClientID, c.DiscordClientSecret = "123456789", "secret"
	})
	apitest.Run(t, on, []apitest.Scenario{
		{Name: "both on, with a credential too", Method: "GET", Path: "/api/auth/options", Headers: apitest.Key("fvm_whatever"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"discord": true, "openRegistration": true}},
	})
}

// POST /api/auth/register with open registration: the rules of every
// account (R1-R5, R19-R20), a browser session like login's (R30, R34),
// and the refusals of a public write.
func TestRegisterOpen(t *testing.T) {
	env := apitest.AuthEnv(t, openRegistration)
	apitest.MakeUser(t, env, "taken")
	good := "a long and fine passphrase"
	scenarios := []apitest.Scenario{
		{Name: "malformed JSON", Method: "POST", Path: "/api/auth/register", Body: `{"username":`, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "a body over the limit (R73)", Method: "POST", Path: "/api/auth/register",
			Body: `{"username":"big","password":"` + strings.Repeat("a", 2<<20) + `"}`, ExpectedStatus: 413, ErrorCode: cad.ETOOLARGE},
		{Name: "no password", Method: "POST", Path: "/api/auth/register", Body: signUp("newbie", ""), ExpectedStatus: 400},
		{Name: "too short (R1)", Method: "POST", Path: "/api/auth/register", Body: signUp("newbie", "seven77"), ExpectedStatus: 400},
		{Name: "too long (R2)", Method: "POST", Path: "/api/auth/register", Body: signUp("newbie", strings.Repeat("é", 129)), ExpectedStatus: 400},
		{Name: "a common password (R5)", Method: "POST", Path: "/api/auth/register", Body: signUp("newbie", "password123"), ExpectedStatus: 400},
		{Name: "the username as password (R5)", Method: "POST", Path: "/api/auth/register", Body: signUp("newbie", "newbie2024"), ExpectedStatus: 400},
		{Name: "a bad username", Method: "POST", Path: "/api/auth/register", Body: signUp("a b", good), ExpectedStatus: 400},
		{Name: "one question", Method: "POST", Path: "/api/auth/register", Body: withQuestions(signUp("newbie", good),
			map[string]string{"question": apitest.Q1, "answer": "Rover the dog"}), ExpectedStatus: 400},
		{Name: "no questions", Method: "POST", Path: "/api/auth/register", Body: map[string]any{"username": "newbie", "password": good}, ExpectedStatus: 400},
		{Name: "a question not on the list (R20)", Method: "POST", Path: "/api/auth/register", Body: withQuestions(signUp("newbie", good),
			map[string]string{"question": "Your favourite colour?", "answer": "Rover the dog"}, map[string]string{"question": apitest.Q2, "answer": "Springfield"}),
			ExpectedStatus: 400},
		{Name: "the same question twice (R20)", Method: "POST", Path: "/api/auth/register", Body: withQuestions(signUp("newbie", good),
			map[string]string{"question": apitest.Q1, "answer": "Rover the dog"}, map[string]string{"question": apitest.Q1, "answer": "Springfield"}),
			ExpectedStatus: 400},
		{Name: "an empty answer", Method: "POST", Path: "/api/auth/register", Body: withQuestions(signUp("newbie", good),
			map[string]string{"question": apitest.Q1, "answer": ""}, map[string]string{"question": apitest.Q2, "answer": "Springfield"}),
			ExpectedStatus: 400},
		{Name: "the username as an answer (R20)", Method: "POST", Path: "/api/auth/register", Body: withQuestions(signUp("newbie", good),
			map[string]string{"question": apitest.Q1, "answer": "newbie"}, map[string]string{"question": apitest.Q2, "answer": "Springfield"}),
			ExpectedStatus: 400},
		{Name: "a taken username, in another case (R15: shown as taken)", Method: "POST", Path: "/api/auth/register", Body: signUp("TAKEN", good),
			ExpectedStatus: 409, ErrorCode: cad.ECONFLICT},
		{Name: "from another site (R47)", Method: "POST", Path: "/api/auth/register", Body: signUp("newbie", good),
			Headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, ExpectedStatus: 403},
		{Name: "an invite that admits no one: its 404 while anyone may sign up", Method: "POST", Path: "/api/auth/register",
			Body: withInvite(signUp("newbie", good), "inv_0123456789abcdef01234567"+strings.Repeat("A", 43)), ExpectedStatus: 404, ErrorCode: cad.ENOTFOUND},
		{Name: "an invite code over 128 bytes", Method: "POST", Path: "/api/auth/register", Body: withInvite(signUp("newbie", good), strings.Repeat("x", 129)),
			ExpectedStatus: 400},
		{Name: "sign up; a Super Admin flag is ignored (R63)", Method: "POST", Path: "/api/auth/register",
			Body: func() map[string]any {
				b := signUp("Newbie", good)
				b["superAdmin"] = true
				b["discordId"] = "400000000000000001"
				return b
			}(),
			ExpectedStatus: 201, ExpectedJSON: map[string]any{"user.username": "Newbie", "user.discordId": nil}, ExpectedContent: []string{`"token":"eyJ`},
			After: func(t testing.TB, env *apitest.Env, res *httptest.ResponseRecorder) {
				cookie := apitest.SessionCookie(t, res)
				if cookie == "" {
					t.Fatal("no session cookie")
				}
				me := env.Do("GET", "/api/auth/sessions", nil, apitest.CookieHeader(cookie), "")
				if me.Code != 200 || !strings.Contains(me.Body.String(), `"kind":"browser"`) {
					t.Fatalf("the cookie's session: %d %s", me.Code, me.Body)
				}
				u, err := env.DB.UserByUsername(context.Background(), "newbie")
				if err != nil || u.SuperAdmin || u.DiscordID != "" || !u.HasSecurityQuestions() {
					t.Fatalf("stored %+v %v", u, err)
				}
			}},
		{Name: "the account signs in", Method: "POST", Path: "/api/auth/login", Body: map[string]string{"username": "newbie", "password": good}, ExpectedStatus: 200},
	}
	for i := range scenarios {
		// Each from an address of its own: registrations are limited per
		// address (TestRegisterRateLimited).
		scenarios[i].RemoteAddr = fmt.Sprintf("192.0.2.%d:1", 200+i)
	}
	apitest.Run(t, env, scenarios)
}

// Without open registration, sign-up needs an invite that admits someone:
// one 403 otherwise, and no account is made. With one, the account joins
// the invite's community, with its role and departments, in the same
// step.
func TestRegisterWithAnInvite(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	one := invite(t, tn, cad.RoleSupervisor, 1)
	dead := "inv_" + tn.A.ID + strings.Repeat("A", 43)
	noInvite := env.Do("POST", "/api/auth/register", signUp("nobody1", "a long and fine passphrase"), nil, "")
	if noInvite.Code != 403 || !strings.Contains(noInvite.Body.String(), "Registration needs a valid invite") {
		t.Fatalf("without an invite: %d %s", noInvite.Code, noInvite.Body)
	}
	badInvite := env.Do("POST", "/api/auth/register", withInvite(signUp("nobody2", "a long and fine passphrase"), dead), nil, "")
	if apitest.ErrorBodyWithoutID(t, badInvite) != apitest.ErrorBodyWithoutID(t, noInvite) {
		t.Fatalf("a dead invite answers %s; no invite %s", badInvite.Body, noInvite.Body)
	}
	res := env.Do("POST", "/api/auth/register", withInvite(signUp("recruit", "a long and fine passphrase"), one), nil, "")
	if res.Code != 201 {
		t.Fatalf("with the invite: %d %s", res.Code, res.Body)
	}
	cookie := apitest.SessionCookie(t, res)
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "the new user is in the community", Method: "GET", Path: "/api/auth/me", Headers: apitest.CookieHeader(cookie), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"username": "recruit", "communities.0.communityId": tn.A.ID, "communities.0.role": "supervisor",
				"communities.0.permissions": []any{"civilian", "leo"}}},
		{Name: "its join is audited", Method: "GET", Path: "/api/community/" + tn.A.ID + "/audit?action=member.joined", Headers: tn.As("adminA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"entries.0.after.via": "invite", "entries.0.after.role": "supervisor"}},
	})
	used := env.Do("POST", "/api/auth/register", withInvite(signUp("latecomer", "a long and fine passphrase"), one), nil, "")
	if apitest.ErrorBodyWithoutID(t, used) != apitest.ErrorBodyWithoutID(t, noInvite) {
		t.Fatalf("a used-up invite answers %s", used.Body)
	}
	for _, name := range []string{"nobody1", "nobody2", "latecomer"} {
		if userExists(t, env, name) {
			t.Errorf("%s got an account without an invite", name)
		}
	}
}

// A 1-use invite and ten sign-ups at once: one account is made and joins;
// the other nine make no account at all (the account and the invite's use
// are one transaction).
func TestRegisterWithAnInviteConcurrently(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	env.NeedAtomic(t)
	code := invite(t, tn, cad.RoleMember, 1)
	var mu sync.Mutex
	got := map[int]int{}
	storetest.Burst(10, func(i int) {
		res := env.Do("POST", "/api/auth/register", withInvite(signUp(fmt.Sprintf("rush%d", i), "a long and fine passphrase"), code), nil,
			fmt.Sprintf("192.0.2.%d:1", 150+i))
		mu.Lock()
		got[res.Code]++
		mu.Unlock()
	})
	if got[201] != 1 || got[403] != 9 {
		t.Fatalf("answers %v, want one 201 and nine 403", got)
	}
	made := 0
	for i := 0; i < 10; i++ {
		if userExists(t, env, fmt.Sprintf("rush%d", i)) {
			made++
		}
	}
	if made != 1 {
		t.Fatalf("%d accounts made by a 1-use invite", made)
	}
	if inv, err := env.DB.InviteByDigest(context.Background(), tn.A.ID, digest(code)); err != nil || inv.Uses != 1 {
		t.Fatalf("uses %+v %v", inv, err)
	}
}

func digest(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// lateCheck passes every invite at the first look, as when another
// sign-up takes an invite's last use between the look and the join.
type lateCheck struct{ auth.Invites }

func (lateCheck) CheckInvite(context.Context, string, cad.Client) error { return nil }

// An invite used up between the first look and the join makes no account:
// the account is made in the transaction that takes the use, and goes
// with it.
func TestRegisterMakesNoAccountWhenTheInviteGoesMeanwhile(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	code := invite(t, tn, cad.RoleMember, 1)
	if c := apitest.Status(env, "POST", "/api/invites/"+code+"/accept", nil, tn.As("outsider")); c != 200 {
		t.Fatalf("using it up: %d", c)
	}
	env.Auth.Invites = lateCheck{env.Auth.Invites}
	res := env.Do("POST", "/api/auth/register", withInvite(signUp("toolate", "a long and fine passphrase"), code), nil, "")
	if res.Code != 403 || apitest.SessionCookie(t, res) != "" {
		t.Fatalf("%d %s", res.Code, res.Body)
	}
	if userExists(t, env, "toolate") {
		t.Fatal("the account was made without the invite's use")
	}
}

// R15: at most 10 registrations per address per hour, counted with
// complete-registration's, refused or not; other addresses go on.
func TestRegisterRateLimited(t *testing.T) {
	env := apitest.AuthEnv(t)
	for i := 0; i < 10; i++ {
		if c := env.Do("POST", "/api/auth/register", signUp(fmt.Sprintf("try%d", i), "a long and fine passphrase"), nil, "192.0.2.60:1").Code; c != 403 {
			t.Fatalf("try %d: %d", i, c)
		}
	}
	res := env.Do("POST", "/api/auth/register", signUp("try10", "a long and fine passphrase"), nil, "192.0.2.60:1")
	if res.Code != 429 || res.Header().Get("Retry-After") == "" {
		t.Fatalf("the 11th: %d %v", res.Code, res.Header())
	}
	apitest.CheckErrorBody(t, res, cad.ERATELIMITED)
	if c := env.Do("POST", "/api/auth/register", signUp("other", "a long and fine passphrase"), nil, "192.0.2.61:1").Code; c != 403 {
		t.Fatalf("another address: %d", c)
	}
}
