package communityhttp_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

var inviteCodeRE = regexp.MustCompile(`^inv_[0-9a-f]{24}[A-Za-z0-9_-]{43}$`)

// makeInvite makes an invite through the API and returns its code and id.
func makeInvite(t *testing.T, env *apitest.Env, communityID string, h map[string]string, body map[string]any) (code, id string) {
	t.Helper()
	res := env.Do("POST", "/api/community/"+communityID+"/invites", body, h, "")
	if res.Code != 201 {
		t.Fatalf("making an invite: %d %s", res.Code, res.Body)
	}
	m := apitest.JSONOf(t, res)
	return m["code"].(string), m["_id"].(string)
}

func invitesStored(t *testing.T, env *apitest.Env) string {
	t.Helper()
	return apitest.MustJSON(t, apitest.Dump(t, env, "invites"))
}

// The admin's routes: who may make, list and revoke invites, and what
// each refuses (R61, R62, R63, R64, R66, R73).
func TestInviteAdminRoutes(t *testing.T) {
	tn := apitest.NewTenants(t)
	A, B := tn.A.ID, tn.B.ID
	path := "/api/community/" + A + "/invites"
	good := map[string]any{"role": "supervisor", "departments": []string{"lspd"}, "maxUses": 3}
	future := func(d time.Duration) string { return tn.Env.Clock.Now().Add(d).UTC().Format(time.RFC3339) }
	manyDeps := make([]string, 21)
	for i := range manyDeps {
		manyDeps[i] = fmt.Sprint("D", i)
	}
	apitest.Run(t, tn.Env, []apitest.Scenario{
		{Name: "make: no credential", Method: "POST", Path: path, Body: good, ExpectedStatus: 401, ErrorCode: cad.EUNAUTHORIZED},
		{Name: "make: a game server's key (R48)", Method: "POST", Path: path, Headers: apitest.Key(tn.KeyA), Body: good, ExpectedStatus: 401},
		{Name: "make: a supervisor (R61)", Method: "POST", Path: path, Headers: tn.As("supA"), Body: good, ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "make: another community's admin (R64)", Method: "POST", Path: path, Headers: tn.As("adminB"), Body: good, ExpectedStatus: 404, ErrorCode: cad.ENOTFOUND},
		{Name: "make: malformed JSON", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: `{"role":`, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "make: a body over the limit (R73)", Method: "POST", Path: path, Headers: tn.As("adminA"),
			Body: `{"role":"member","x":"` + strings.Repeat("a", 2<<20) + `"}`, ExpectedStatus: 413, ErrorCode: cad.ETOOLARGE},
		{Name: "make: an unknown role", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]any{"role": "owner"}, ExpectedStatus: 400},
		{Name: "make: an admin grants admin (R62)", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]any{"role": "admin"},
			ExpectedStatus: 403, ExpectedContent: []string{"equal to or above your own"}},
		{Name: "make: a department the community lacks", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]any{"departments": []string{"BCSO"}},
			ExpectedStatus: 400, ExpectedContent: []string{"BCSO"}},
		{Name: "make: too many departments", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]any{"departments": manyDeps}, ExpectedStatus: 400},
		{Name: "make: maxUses 0", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]any{"maxUses": 0}, ExpectedStatus: 400},
		{Name: "make: maxUses over 1000", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]any{"maxUses": 1001}, ExpectedStatus: 400},
		{Name: "make: maxUses of the wrong type", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]any{"maxUses": "3"}, ExpectedStatus: 400},
		{Name: "make: expiry in the past", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]any{"expiresAt": future(-time.Hour)}, ExpectedStatus: 400},
		{Name: "make: expiry past 30 days", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]any{"expiresAt": future(31 * 24 * time.Hour)}, ExpectedStatus: 400},
		{Name: "make: expiry not a time", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]any{"expiresAt": "tomorrow"}, ExpectedStatus: 400},
		{Name: "make: a Super Admin's invite may make admins", Method: "POST", Path: path, Headers: tn.As("super"), Body: map[string]any{"role": "admin"},
			ExpectedStatus: 201, ExpectedJSON: map[string]any{"role": "admin", "maxUses": nil, "uses": 0, "createdBy": tn.Users["super"].ID}},
		{Name: "make: 30 days ahead, unlimited", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]any{"expiresAt": future(30 * 24 * time.Hour), "maxUses": nil},
			ExpectedStatus: 201, ExpectedJSON: map[string]any{"role": "member", "maxUses": nil, "departments": []any{}}},
		{Name: "make: mass assignment is ignored (R63)", Method: "POST", Path: path, Headers: tn.As("adminA"),
			Body: map[string]any{"uses": 99, "communityId": B, "code": "inv_mine", "createdBy": "someone"}, ExpectedStatus: 201,
			ExpectedJSON: map[string]any{"uses": 0, "createdBy": tn.Users["adminA"].ID}, NotExpectedContent: []string{"inv_mine", B}},
		{Name: "make", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: good, ExpectedStatus: 201,
			ExpectedJSON: map[string]any{"role": "supervisor", "departments": []any{"LSPD"}, "maxUses": 3, "uses": 0, "createdBy": tn.Users["adminA"].ID},
			After: func(t testing.TB, env *apitest.Env, res *httptest.ResponseRecorder) {
				m := apitest.JSONOf(t, res)
				code := m["code"].(string)
				if !inviteCodeRE.MatchString(code) || !strings.Contains(code, A) {
					t.Errorf("code %q", code)
				}
				if m["url"] != "http://localhost:8080/invite/"+code {
					t.Errorf("url %q", m["url"])
				}
				exp, _ := time.Parse(time.RFC3339, m["expiresAt"].(string))
				if d := time.Until(exp); d < 7*24*time.Hour-time.Minute || d > 7*24*time.Hour+time.Minute {
					t.Errorf("default expiry in %s, want 7 days", d)
				}
			}},
	})

	time.Sleep(2 * time.Millisecond) // the newest by its time, not by its random id
	code, id := makeInvite(t, tn.Env, A, tn.As("adminA"), map[string]any{})
	stored := invitesStored(t, tn.Env)
	apitest.Run(t, tn.Env, []apitest.Scenario{
		{Name: "list: a supervisor", Method: "GET", Path: path, Headers: tn.As("supA"), ExpectedStatus: 403},
		{Name: "list: no credential", Method: "GET", Path: path, ExpectedStatus: 401},
		{Name: "list: another community's admin", Method: "GET", Path: path, Headers: tn.As("adminB"), ExpectedStatus: 404},
		{Name: "list: a forged cursor", Method: "GET", Path: path + "?after=nope", Headers: tn.As("adminA"), ExpectedStatus: 400},
		{Name: "list: B's own has none of A's", Method: "GET", Path: "/api/community/" + B + "/invites", Headers: tn.As("adminB"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"invites": []any{}, "nextCursor": nil}},
		{Name: "list: newest first, never a code", Method: "GET", Path: path + "?limit=2", Headers: tn.As("adminA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"invites.#": 2, "invites.0._id": id}, NotExpectedContent: []string{code, `"code"`, "digest"},
			After: func(t testing.TB, env *apitest.Env, res *httptest.ResponseRecorder) {
				next, _ := apitest.JSONOf(t, res)["nextCursor"].(string)
				if next == "" {
					t.Fatal("no next page of 5 invites at 2 a page")
				}
				if c := apitest.Status(env, "GET", path+"?limit=2&after="+next, nil, tn.As("adminA")); c != 200 {
					t.Fatalf("next page: %d", c)
				}
			}},
		{Name: "revoke: a supervisor", Method: "DELETE", Path: path + "/" + id, Headers: tn.As("supA"), ExpectedStatus: 403},
		{Name: "revoke: a key", Method: "DELETE", Path: path + "/" + id, Headers: apitest.Key(tn.KeyA), ExpectedStatus: 401},
		{Name: "revoke: B's admin, A's invite through B (R64)", Method: "DELETE", Path: "/api/community/" + B + "/invites/" + id, Headers: tn.As("adminB"),
			ExpectedStatus: 404, ErrorCode: cad.ENOTFOUND},
		{Name: "revoke: B's admin naming A", Method: "DELETE", Path: path + "/" + id, Headers: tn.As("adminB"), ExpectedStatus: 404},
		{Name: "revoke: an id of nothing", Method: "DELETE", Path: path + "/" + apitest.Missing, Headers: tn.As("adminA"), ExpectedStatus: 404},
	})
	if invitesStored(t, tn.Env) != stored {
		t.Fatal("a refused request changed the invites")
	}
	if c := apitest.Status(tn.Env, "GET", "/api/invites/"+code, nil, nil); c != 200 {
		t.Fatalf("the invite works before it is revoked: %d", c)
	}
	apitest.Run(t, tn.Env, []apitest.Scenario{
		{Name: "revoke", Method: "DELETE", Path: path + "/" + id, Headers: tn.As("adminA"), ExpectedStatus: 200, ExpectedJSON: map[string]any{"success": true}},
		{Name: "revoke again", Method: "DELETE", Path: path + "/" + id, Headers: tn.As("adminA"), ExpectedStatus: 404},
		{Name: "a revoked link is gone at once", Method: "GET", Path: "/api/invites/" + code, ExpectedStatus: 404},
		{Name: "made and revoked are audited", Method: "GET", Path: "/api/community/" + A + "/audit?action=invite.revoked", Headers: tn.As("adminA"), ExpectedStatus: 200,
			ExpectedJSON:       map[string]any{"entries.0.target": id, "entries.0.actorId": tn.Users["adminA"].ID, "entries.0.before.role": "member"},
			NotExpectedContent: []string{code}},
		{Name: "made is audited", Method: "GET", Path: "/api/community/" + A + "/audit?action=invite.created", Headers: tn.As("adminA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"entries.#": 6, "entries.0.target": id}, NotExpectedContent: []string{code}}, // the fixture's and these five
	})
}

// R66: at most 100 unexpired invites per community; expired ones do not
// count.
func TestInviteAllowance(t *testing.T) {
	tn := apitest.NewTenants(t)
	ctx := context.Background()
	sc := &cad.Scope{Community: tn.A}
	soon := tn.Env.Clock.Now().Add(time.Hour)
	for i := 0; i < 99; i++ { // and the fixture's
		if _, _, err := tn.Env.Community.CreateInvite(ctx, community.CLIActor(), sc, community.InviteInput{ExpiresAt: &soon}); err != nil {
			t.Fatal(err)
		}
	}
	path := "/api/community/" + tn.A.ID + "/invites"
	if res := tn.Env.Do("POST", path, map[string]any{}, tn.As("adminA"), ""); res.Code != 400 || !strings.Contains(res.Body.String(), "at most 100") {
		t.Fatalf("the 101st invite: %d %s", res.Code, res.Body)
	}
	tn.Env.Clock.Advance(2 * time.Hour)
	if c := apitest.Status(tn.Env, "POST", path, map[string]any{}, tn.As("adminA")); c != 201 {
		t.Fatalf("after 99 expired: %d", c)
	}
}

// GET /api/invites/:code: what a link offers, one 404 for every code that
// admits no one (no enumeration), failed codes limited per address, and
// codes kept out of the database and the log (R68, R78).
func TestInvitePage(t *testing.T) {
	tn := apitest.NewTenants(t)
	env, A := tn.Env, tn.A.ID
	code, _ := makeInvite(t, env, A, tn.As("adminA"), map[string]any{"role": "supervisor"})
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "what it offers, without a credential", Method: "GET", Path: "/api/invites/" + code, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"communityId": A, "communityName": "Los Santos RP", "role": "supervisor"}},
		{Name: "with a credential too", Method: "GET", Path: "/api/invites/" + code, Headers: tn.As("memberB"), ExpectedStatus: 200},
	})

	// Stored only as its SHA-256 (R68).
	sum := sha256.Sum256([]byte(code))
	var found bool
	for _, d := range apitest.Dump(t, env, "invites") {
		if strings.Contains(apitest.MustJSON(t, d), code) {
			t.Fatal("the code is stored")
		}
		found = found || d["digest"] == hex.EncodeToString(sum[:])
	}
	if !found {
		t.Fatal("no invite is stored under the code's SHA-256")
	}

	// Unknown, malformed, of nothing, used up, revoked, expired, of a
	// deleted community: one answer.
	oneUse, _ := makeInvite(t, env, A, tn.As("adminA"), map[string]any{"maxUses": 1})
	if c := apitest.Status(env, "POST", "/api/invites/"+oneUse+"/accept", nil, tn.As("outsider")); c != 200 {
		t.Fatalf("using it up: %d", c)
	}
	revoked, revokedID := makeInvite(t, env, A, tn.As("adminA"), map[string]any{})
	if c := apitest.Status(env, "DELETE", "/api/community/"+A+"/invites/"+revokedID, nil, tn.As("adminA")); c != 200 {
		t.Fatal(c)
	}
	soon := env.Clock.Now().Add(2 * time.Minute).UTC().Format(time.RFC3339)
	expiring, _ := makeInvite(t, env, A, tn.As("adminA"), map[string]any{"expiresAt": soon})
	inB, _ := makeInvite(t, env, tn.B.ID, tn.As("adminB"), map[string]any{})
	if c := apitest.Status(env, "DELETE", "/api/community/"+tn.B.ID, nil, tn.As("super")); c != 200 {
		t.Fatal(c)
	}
	env.Clock.Advance(3 * time.Minute)
	unknown := "inv_" + A + strings.Repeat("A", 43)
	want := apitest.ErrorBodyWithoutID(t, env.Do("GET", "/api/invites/"+unknown, nil, nil, ""))
	if !strings.HasPrefix(want, "404 ") {
		t.Fatalf("unknown code: %s", want)
	}
	for name, c := range map[string]string{"malformed": "abc", "another form": strings.Replace(unknown, "inv_", "key_", 1),
		"no such community": "inv_" + apitest.Missing + strings.Repeat("A", 43), "used up": oneUse, "revoked": revoked,
		"expired": expiring, "of a deleted community": inB, "long": strings.Repeat("x", 600)} {
		if got := apitest.ErrorBodyWithoutID(t, env.Do("GET", "/api/invites/"+c, nil, nil, "")); got != want {
			t.Errorf("%s: %s, want the one answer %s", name, got, want)
		}
		if got := apitest.ErrorBodyWithoutID(t, env.Do("POST", "/api/invites/"+c+"/accept", nil, tn.As("memberB"), "")); got != want {
			t.Errorf("accept %s: %s, want the one answer %s", name, got, want)
		}
	}
	if strings.Contains(env.Logs.String(), code) || strings.Contains(env.Logs.String(), oneUse) {
		t.Fatal("an invite's code reached the log (R78)")
	}
	if !strings.Contains(env.Logs.String(), `"path":"/api/invites/:code"`) {
		t.Fatal("the access log has no line of the invite page")
	}
}

// Failed codes are limited per address (20 per 15 minutes, counted with
// failed accepts); good codes are not counted, and other addresses go on.
func TestInviteCodeGuessesLimited(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	code, _ := makeInvite(t, env, tn.A.ID, tn.As("adminA"), map[string]any{})
	for i := 0; i < 30; i++ {
		if res := env.Do("GET", "/api/invites/"+code, nil, nil, "192.0.2.30:1"); res.Code != 200 {
			t.Fatalf("good look-up %d: %d", i, res.Code)
		}
	}
	bad := "inv_" + tn.A.ID + strings.Repeat("B", 43)
	got := map[int]int{}
	for i := 0; i < community.InviteMissLimit+5; i++ {
		if i%2 == 0 {
			got[env.Do("GET", "/api/invites/"+bad, nil, nil, "192.0.2.31:1").Code]++
		} else {
			got[env.Do("POST", "/api/invites/"+bad+"/accept", nil, tn.As("memberB"), "192.0.2.31:1").Code]++
		}
	}
	if got[404] != community.InviteMissLimit || got[429] != 5 {
		t.Fatalf("answers to %d bad codes: %v", community.InviteMissLimit+5, got)
	}
	res := env.Do("GET", "/api/invites/"+code, nil, nil, "192.0.2.31:1")
	if res.Code != 429 || res.Header().Get("Retry-After") == "" {
		t.Fatalf("a good code from the limited address: %d %v", res.Code, res.Header())
	}
	apitest.CheckErrorBody(t, res, cad.ERATELIMITED)
	if c := env.Do("GET", "/api/invites/"+code, nil, nil, "192.0.2.32:1").Code; c != 200 {
		t.Fatalf("another address: %d", c)
	}
}

// POST /api/invites/:code/accept: a signed-in user joins with the
// invite's role and departments; joining twice is harmless; a banned
// member cannot rejoin; a member keeps their role.
func TestInviteAccept(t *testing.T) {
	tn := apitest.NewTenants(t)
	env, A := tn.Env, tn.A.ID
	ctx := context.Background()
	if _, err := env.Community.CreateDepartment(ctx, community.CLIActor(), &cad.Scope{Community: tn.A},
		community.DepartmentInput{Code: "SAFD", Name: "Fire", Type: cad.DeptFire}); err != nil {
		t.Fatal(err)
	}
	code, id := makeInvite(t, env, A, tn.As("adminA"), map[string]any{"role": "supervisor", "departments": []string{"LSPD", "SAFD"}, "maxUses": 5})
	accept := "/api/invites/" + code + "/accept"
	uses := func() float64 {
		for _, d := range apitest.Dump(t, env, "invites") {
			if d["_id"] == id {
				return d["uses"].(float64)
			}
		}
		t.Fatal("the invite is gone")
		return 0
	}
	before := tn.Snapshot(t, A)
	outsider := apitest.LoginAs(t, env, "outsider", apitest.GoodPassword, "192.0.2.40")
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "no credential", Method: "POST", Path: accept, ExpectedStatus: 401, ErrorCode: cad.EUNAUTHORIZED},
		{Name: "a game server's key (R48)", Method: "POST", Path: accept, Headers: apitest.Key(tn.KeyA), ExpectedStatus: 401},
		{Name: "the cookie from another site (R47)", Method: "POST", Path: accept,
			Headers: map[string]string{"Cookie": outsider.Cookie, "Sec-Fetch-Site": "cross-site"}, ExpectedStatus: 403},
		{Name: "a banned member cannot rejoin", Method: "POST", Path: accept, Headers: tn.As("bannedA"), ExpectedStatus: 403,
			ExpectedContent: []string{"banned"}},
		{Name: "a member keeps their role", Method: "POST", Path: accept, Headers: tn.As("memberA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"communityId": A, "role": "member"}},
	})
	if after := tn.Snapshot(t, A); after != before || uses() != 0 {
		t.Fatalf("refused or harmless accepts changed A (uses %v)", uses())
	}
	// SAFD goes before the invite is taken: the new member is not put in
	// a department that no longer exists.
	deps, _ := env.Community.Departments(ctx, &cad.Scope{Community: tn.A})
	for _, d := range deps {
		if d.Code == "SAFD" {
			if err := env.Community.DeleteDepartment(ctx, community.CLIActor(), &cad.Scope{Community: tn.A}, d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "accept, with the session cookie", Method: "POST", Path: accept, Headers: apitest.CookieHeader(outsider.Cookie), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"communityId": A, "role": "supervisor"}},
		{Name: "accept again: harmless", Method: "POST", Path: accept, Headers: tn.As("outsider"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"communityId": A, "role": "supervisor"}},
		{Name: "the new member is in", Method: "GET", Path: "/api/community/" + A + "/members?name=outsider", Headers: tn.As("adminA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"members.0.role": "supervisor", "members.0.departments": []any{"LSPD"}}},
		{Name: "audited", Method: "GET", Path: "/api/community/" + A + "/audit?action=member.joined", Headers: tn.As("adminA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"entries.0.target": tn.Users["outsider"].ID, "entries.0.after.via": "invite", "entries.0.after.inviteId": id,
				"entries.0.after.role": "supervisor", "entries.0.ip": "192.0.2.10"}},
	})
	if uses() != 1 {
		t.Fatalf("uses %v after one join and one repeat", uses())
	}
}

// Twenty users accept a 1-use invite at once: exactly one joins, the use is
// counted once, and the member count grows by one.
func TestInviteAcceptedOnceUnderConcurrency(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	env.NeedAtomic(t)
	code, _ := makeInvite(t, env, tn.A.ID, tn.As("adminA"), map[string]any{"maxUses": 1})
	before, err := env.DB.Community(context.Background(), tn.A.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, 20)
	for i := range tokens {
		tokens[i] = apitest.TokenFor(t, env, apitest.MakeUser(t, env, fmt.Sprintf("racer%d", i)))
	}
	var mu sync.Mutex
	got := map[int]int{}
	storetest.Burst(len(tokens), func(i int) {
		c := env.Do("POST", "/api/invites/"+code+"/accept", nil, apitest.Bearer(tokens[i]), fmt.Sprintf("192.0.2.%d:1", 100+i)).Code
		mu.Lock()
		got[c]++
		mu.Unlock()
	})
	if got[200] != 1 || got[404] != len(tokens)-1 {
		t.Fatalf("answers %v, want one 200 and the rest 404", got)
	}
	com, err := env.DB.Community(context.Background(), tn.A.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if com.MemberCount != before.MemberCount+1 {
		t.Fatalf("member count %d, was %d", com.MemberCount, before.MemberCount)
	}
	if n := usesOf(t, env, code); n != 1 {
		t.Fatalf("uses %v", n)
	}
}

// usesOf is how many uses the invite of a code has counted.
func usesOf(t *testing.T, env *apitest.Env, code string) float64 {
	t.Helper()
	sum := sha256.Sum256([]byte(code))
	for _, d := range apitest.Dump(t, env, "invites") {
		if d["digest"] == hex.EncodeToString(sum[:]) {
			return d["uses"].(float64)
		}
	}
	t.Fatal("no such invite")
	return 0
}
