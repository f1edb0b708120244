package dispatchhttp_test

import (
	"context"
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
	"github.com/precinct-cad/precinct/internal/dispatch"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

// Game identifiers are proven by the game (issue 16): a member gets a
// one-time code, the game server posts it with the player's identifiers,
// and only then does the identifier find the member.

var linkCodeRE = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)

// linkCode asks for a link code as a member of A and returns it.
func linkCode(tn *apitest.Tenants, t testing.TB, name, identifier string) string {
	t.Helper()
	res := tn.Env.Do("POST", "/api/units/links", map[string]any{"identifier": identifier}, tn.InA(name), "")
	if res.Code != 201 {
		t.Fatalf("a link code for %s: %d %s", name, res.Code, res.Body)
	}
	code, _ := apitest.JSONOf(t, res)["code"].(string)
	if !linkCodeRE.MatchString(code) {
		t.Fatalf("a link code is 8 characters of Crockford's base32: %q", code)
	}
	return code
}

// confirmIn is the game server's confirmation of a player's identifiers.
func confirmIn(code string, ids ...string) map[string]any {
	return map[string]any{"code": code, "identifiers": ids}
}

// panicBy raises a panic from the game naming officerID and answers the
// alert as JSON.
func panicBy(tn *apitest.Tenants, t testing.TB, officerID string) string {
	t.Helper()
	res := tn.Env.Do("POST", "/api/fivem/panic", map[string]any{"officerName": "Officer", "officerId": officerID, "location": "Del Perro"}, apitest.Key(tn.KeyA), "")
	if res.Code != 200 {
		t.Fatalf("panic: %d %s", res.Code, res.Body)
	}
	return res.Body.String()
}

// A member who names another player's identifier first gets a code, not
// the identifier: the panic of that identifier is nobody's until the game
// confirms it for its player, and then it is theirs, not the squatter's.
func TestGameLinksMustBeProven(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.DispatchPeople(t)
	env := tn.Env
	officer, squatter := tn.Users["officerA"].ID, tn.Users["plainA"].ID
	const license = "license:0ff1cer"
	if c := apitest.Status(env, "POST", "/api/units/duty", map[string]any{"onDuty": true}, tn.InA("officerA")); c != 200 {
		t.Fatalf("on duty: %d", c)
	}
	var squatCode string
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "the squatter names the officer's license: a code, nothing linked", Method: "POST", Path: "/api/units/links", Headers: tn.InA("plainA"),
			Body: map[string]any{"identifier": license}, ExpectedStatus: 201,
			ExpectedJSON: map[string]any{"status": "pending", "identifier": license, "userId": squatter},
			After: func(t testing.TB, env *apitest.Env, res *httptest.ResponseRecorder) {
				squatCode, _ = apitest.JSONOf(t, res)["code"].(string)
				if !linkCodeRE.MatchString(squatCode) {
					t.Fatalf("no link code: %s", res.Body)
				}
			}},
		{Name: "the squatter's list: pending, no link, no code", Method: "GET", Path: "/api/units/links", Headers: tn.InA("plainA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"links.#": 0, "pending.identifier": license, "pending.status": "pending"}},
		{Name: "the license goes on duty as nobody", Method: "POST", Path: "/api/fivem/cde-duty", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"discordId": license, "onShift": true}, ExpectedStatus: 404},
		{Name: "the real officer asks too: no 409", Method: "POST", Path: "/api/units/links", Headers: tn.InA("officerA"),
			Body: map[string]any{"identifier": license}, ExpectedStatus: 201, ExpectedJSON: map[string]any{"userId": officer}},
	})
	if strings.Contains(panicBy(tn, t, license), `"userId"`) {
		t.Fatal("a panic from an identifier nobody proved was attributed")
	}
	if !strings.Contains(squatCode, "-") {
		t.Fatal("no code")
	}
	officerCode := linkCode(tn, t, "officerA", license)
	// A code is shown once: never stored, logged or audited as it is.
	for _, coll := range []string{"link_codes", "community_audit"} {
		for _, d := range apitest.Dump(t, env, coll) {
			if b := fmt.Sprint(d); strings.Contains(b, officerCode) || strings.Contains(b, strings.ReplaceAll(officerCode, "-", "")) {
				t.Fatalf("%s holds the code: %s", coll, b)
			}
		}
	}
	if strings.Contains(env.Logs.String(), officerCode) {
		t.Fatal("the code was logged")
	}
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "the squatter types their code: the game does not report the license for them", Method: "POST", Path: "/api/fivem/links/confirm",
			Headers: apitest.Key(tn.KeyA), Body: confirmIn(squatCode, "license:5qu4773r", "fivem:12"), ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "the code is spent by its first use", Method: "POST", Path: "/api/fivem/links/confirm",
			Headers: apitest.Key(tn.KeyA), Body: confirmIn(squatCode, license), ExpectedStatus: 404, ErrorCode: cad.ENOTFOUND},
		{Name: "the game confirms the officer's code", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: confirmIn(strings.ToLower(officerCode), "ip:192.0.2.7", license, "discord:400000000000000055", "fivem:77"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"success": true, "userId": officer, "username": "officerA", "via": "code", "identifiers.#": 1,
				"identifiers.0": license, "links.0.status": "confirmed", "links.0.confirmedBy": "code"}},
		{Name: "the officer's list", Method: "GET", Path: "/api/units/links", Headers: tn.InA("officerA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"links.#": 1, "links.0.identifier": license, "links.0.status": "confirmed", "pending": nil}},
	})
	if alert := panicBy(tn, t, license); !strings.Contains(alert, `"userId":"`+officer+`"`) || !strings.Contains(alert, `"callSign":"1-ADAM-`) {
		t.Fatalf("the confirmed officer's panic: %s", alert)
	}
	// A fresh code of the squatter's, even if the officer were tricked
	// into typing it, does not move a confirmed link.
	trick := linkCode(tn, t, "plainA", "")
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "a confirmed link does not move to another member", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: confirmIn(trick, license, "fivem:77"), ExpectedStatus: 409, ErrorCode: cad.ECONFLICT, ExpectedContent: []string{license}},
		{Name: "nor did anything of it", Method: "GET", Path: "/api/units/links", Headers: tn.InA("plainA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"links.#": 0}},
		{Name: "the squatter cannot remove it", Method: "DELETE", Path: "/api/units/links/" + license, Headers: tn.InA("plainA"), ExpectedStatus: 404},
		{Name: "an admin sees it", Method: "GET", Path: "/api/community/" + tn.A.ID + "/links?userId=" + officer, Headers: tn.As("adminA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"links.#": 1, "links.0.identifier": license, "links.0.userId": officer, "links.0.status": "confirmed"}},
		{Name: "and removes it", Method: "DELETE", Path: "/api/community/" + tn.A.ID + "/links/" + license, Headers: tn.As("adminA"), ExpectedStatus: 200},
		{Name: "gone", Method: "GET", Path: "/api/units/links", Headers: tn.InA("officerA"), ExpectedStatus: 200, ExpectedJSON: map[string]any{"links.#": 0}},
	})
	if strings.Contains(panicBy(tn, t, license), `"userId"`) {
		t.Fatal("a removed link still attributes panics")
	}
	if n := len(auditOf(t, tn, "unit.unlinked")); n != 1 {
		t.Fatalf("%d unit.unlinked entries", n)
	}
}

// auditOf is A's audit entries of one action.
func auditOf(t *testing.T, tn *apitest.Tenants, action string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, d := range apitest.Dump(t, tn.Env, "community_audit") {
		if d["communityId"] == tn.A.ID && d["action"] == action {
			out = append(out, d)
		}
	}
	return out
}

// Links made before the game had to confirm them were never proven: they
// stay, read unconfirmed, find no one, and give way to the identifier's
// confirmation for anyone. A game server may also confirm a player by the
// Discord identifier of a member's account.
func TestLinksMadeBeforeAreUnconfirmed(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.DispatchPeople(t)
	env := tn.Env
	officer, squatter := tn.Users["officerA"].ID, tn.Users["plainA"].ID
	const old = "license:01d11nk"
	storetest.LegacyLink(t, env.DB, tn.A.ID, old, squatter)
	if strings.Contains(panicBy(tn, t, old), `"userId"`) {
		t.Fatal("a link nobody proved attributed a panic")
	}
	code := linkCode(tn, t, "officerA", "")
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "it goes on duty as nobody", Method: "POST", Path: "/api/fivem/cde-duty", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"discordId": old, "onShift": true}, ExpectedStatus: 404},
		{Name: "its member sees it unconfirmed", Method: "GET", Path: "/api/units/links", Headers: tn.InA("plainA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"links.#": 1, "links.0.identifier": old, "links.0.status": "unconfirmed"}},
		{Name: "so does an admin", Method: "GET", Path: "/api/community/" + tn.A.ID + "/links", Headers: tn.As("adminA"), ExpectedStatus: 200,
			ExpectedContent: []string{`"identifier":"` + old + `"`, `"status":"unconfirmed"`}},
		{Name: "the identifier's player confirms it for the officer: the unproven link gives way", Method: "POST", Path: "/api/fivem/links/confirm",
			Headers: apitest.Key(tn.KeyA), Body: confirmIn(code, old, "steam:110000100000001"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"userId": officer, "identifiers.#": 2}},
		{Name: "the squatter's is gone", Method: "GET", Path: "/api/units/links", Headers: tn.InA("plainA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"links.#": 0}},
		{Name: "by Discord: the game names the member's account", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"identifiers": []string{"license:d15c0rd", "discord:400000000000000055"}}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"userId": officer, "via": "discord", "identifiers.#": 2}},
		{Name: "a Discord id of no member", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"identifiers": []string{"license:n0b0dy", "discord:400000000000000099"}}, ExpectedStatus: 404},
		{Name: "no code and no Discord id", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"code": "", "identifiers": []string{"license:n0b0dy"}}, ExpectedStatus: 404},
	})
	// A member banned after asking for a code is linked by nothing.
	banned := linkCode(tn, t, "memberA", "")
	b := cad.MemberBanned
	if _, err := env.Community.UpdateMember(context.Background(), community.CLIActor(), &cad.Scope{Community: tn.A}, tn.Users["memberA"].ID,
		community.MemberPatch{Status: &b}); err != nil {
		t.Fatal(err)
	}
	if c := apitest.Status(env, "POST", "/api/fivem/links/confirm", confirmIn(banned, "license:b4nn3d"), apitest.Key(tn.KeyA)); c != 404 {
		t.Fatalf("a banned member's code: %d", c)
	}
	for _, id := range []string{old, "license:d15c0rd", "steam:110000100000001"} {
		if alert := panicBy(tn, t, id); !strings.Contains(alert, `"userId":"`+officer+`"`) {
			t.Fatalf("%s: %s", id, alert)
		}
	}
}

// Every refusal of the link routes, and another community's code or link
// is not there (404, nothing changes).
func TestLinkRoutesRefuse(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	links := "/api/community/" + tn.A.ID + "/links"
	big := `{"identifier":"` + strings.Repeat("x", 2<<20) + `"}`
	var tooMany []string
	for i := 0; i < 33; i++ {
		tooMany = append(tooMany, fmt.Sprintf("license:%d", i))
	}
	before := tn.Snapshot(t, tn.A.ID)
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "no credential", Method: "POST", Path: "/api/units/links", Headers: apitest.In(tn.A.ID), Body: map[string]any{}, ExpectedStatus: 401},
		{Name: "a game server's key is no member", Method: "POST", Path: "/api/units/links", Headers: apitest.Key(tn.KeyA), Body: map[string]any{}, ExpectedStatus: 401},
		{Name: "not a member of B", Method: "POST", Path: "/api/units/links", Headers: apitest.Merge(tn.As("memberA"), apitest.In(tn.B.ID)), Body: map[string]any{}, ExpectedStatus: 404},
		{Name: "an ip: is never linked", Method: "POST", Path: "/api/units/links", Headers: tn.InA("memberA"),
			Body: map[string]any{"identifier": "ip:192.0.2.1"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "nor what is no identifier", Method: "POST", Path: "/api/units/links", Headers: tn.InA("memberA"),
			Body: map[string]any{"identifier": "license:a b"}, ExpectedStatus: 400},
		{Name: "malformed JSON", Method: "POST", Path: "/api/units/links", Headers: tn.InA("memberA"), Body: `{"identifier":`, ExpectedStatus: 400},
		{Name: "oversized", Method: "POST", Path: "/api/units/links", Headers: tn.InA("memberA"), Body: big, ExpectedStatus: 413, ErrorCode: cad.ETOOLARGE},
		{Name: "another member's link", Method: "DELETE", Path: "/api/units/links/license:aaaa", Headers: tn.InA("memberA"), ExpectedStatus: 404},

		{Name: "the list: no credential", Method: "GET", Path: links, ExpectedStatus: 401},
		{Name: "the list: a key", Method: "GET", Path: links, Headers: apitest.Key(tn.KeyA), ExpectedStatus: 401},
		{Name: "the list: a member", Method: "GET", Path: links, Headers: tn.As("memberA"), ExpectedStatus: 403},
		{Name: "the list: a Supervisor", Method: "GET", Path: links, Headers: tn.As("supA"), ExpectedStatus: 403},
		{Name: "the list: B's admin", Method: "GET", Path: links, Headers: tn.As("adminB"), ExpectedStatus: 404},
		{Name: "B's list has none of A's", Method: "GET", Path: "/api/community/" + tn.B.ID + "/links", Headers: tn.As("adminB"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"links.#": 0}},
		{Name: "a bad limit", Method: "GET", Path: links + "?limit=0", Headers: tn.As("adminA"), ExpectedStatus: 400},
		{Name: "a bad cursor", Method: "GET", Path: links + "?after=nonsense", Headers: tn.As("adminA"), ExpectedStatus: 400},
		{Name: "removal: a Supervisor", Method: "DELETE", Path: links + "/license:aaaa", Headers: tn.As("supA"), ExpectedStatus: 403},
		{Name: "removal: B's admin in B names A's identifier", Method: "DELETE", Path: "/api/community/" + tn.B.ID + "/links/license:aaaa",
			Headers: tn.As("adminB"), ExpectedStatus: 404},
		{Name: "removal: no such link", Method: "DELETE", Path: links + "/license:none", Headers: tn.As("adminA"), ExpectedStatus: 404},

		{Name: "confirm: no credential", Method: "POST", Path: "/api/fivem/links/confirm", Body: confirmIn("K7QM-2XDA", "license:1"), ExpectedStatus: 401},
		{Name: "confirm: a user", Method: "POST", Path: "/api/fivem/links/confirm", Headers: tn.InA("adminA"), Body: confirmIn("K7QM-2XDA", "license:1"), ExpectedStatus: 401},
		{Name: "confirm: no identifiers", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA), Body: map[string]any{"code": "K7QM-2XDA"},
			ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "confirm: identifiers not a list", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"code": "K7QM-2XDA", "identifiers": "license:1"}, ExpectedStatus: 400},
		{Name: "confirm: too many", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA), Body: confirmIn("K7QM-2XDA", tooMany...), ExpectedStatus: 400},
		{Name: "confirm: one too long", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: confirmIn("K7QM-2XDA", "license:"+strings.Repeat("a", 130)), ExpectedStatus: 400},
		{Name: "confirm: nothing linkable", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: confirmIn("K7QM-2XDA", "ip:192.0.2.1", "tokens:3"), ExpectedStatus: 400},
		{Name: "confirm: a malformed code", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: confirmIn("K7QM-2XD", "license:1"), ExpectedStatus: 400},
		{Name: "confirm: U is no code letter", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: confirmIn("K7QM-2XDU", "license:1"), ExpectedStatus: 400},
		{Name: "confirm: oversized", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: `{"code":"K7QM-2XDA","identifiers":["` + strings.Repeat("x", 2<<20) + `"]}`, ExpectedStatus: 413},
		{Name: "confirm: an unknown code", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA),
			Body: confirmIn("K7QM-2XDA", "license:1"), ExpectedStatus: 404, ErrorCode: cad.ENOTFOUND},
	})
	if after := tn.Snapshot(t, tn.A.ID); after != before {
		t.Fatalf("community A changed:\nbefore %s\nafter  %s", before, after)
	}

	// B's server cannot spend A's code; A's still works after.
	code := linkCode(tn, t, "memberA", "")
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "B's key with A's code", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyB), Body: confirmIn(code, "license:m3"), ExpectedStatus: 404},
		{Name: "B's key naming A", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Merge(apitest.Key(tn.KeyB), apitest.In(tn.A.ID)),
			Body: confirmIn(code, "license:m3"), ExpectedStatus: 403},
		{Name: "A's key", Method: "POST", Path: "/api/fivem/links/confirm", Headers: apitest.Key(tn.KeyA), Body: confirmIn(code, "license:m3"), ExpectedStatus: 200},
	})

	// A code dies after its ten minutes.
	code = linkCode(tn, t, "memberA", "")
	env.Clock.Advance(dispatch.LinkCodeTTL + time.Second)
	if c := apitest.Status(env, "POST", "/api/fivem/links/confirm", confirmIn(code, "license:m4"), apitest.Key(tn.KeyA)); c != 404 {
		t.Fatalf("an expired code: %d", c)
	}
	if c := apitest.Status(env, "GET", "/api/units/links", nil, tn.InA("memberA")); c != 200 {
		t.Fatalf("list: %d", c)
	}
	if m := apitest.JSONOf(t, env.Do("GET", "/api/units/links", nil, tn.InA("memberA"), "")); m["pending"] != nil {
		t.Fatalf("an expired code is still pending: %v", m)
	}
}

// Guessing codes is bounded: ten tries per player in ten minutes, counted
// before the look-up, then 429 with Retry-After; another player is not
// held back, and the real code still works for its player.
func TestLinkCodeGuessesAreLimited(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	// Tries are counted in fixed ten-minute windows: start at the start
	// of one, so that the test does not cross into the next.
	env.Clock.Advance(time.Duration(600-env.Clock.Now().Unix()%600) * time.Second)
	code := linkCode(tn, t, "memberA", "")
	guess := func(player string) *httptest.ResponseRecorder {
		return env.Do("POST", "/api/fivem/links/confirm", confirmIn("0000-0000", player), apitest.Key(tn.KeyA), "")
	}
	for i := 0; i < 10; i++ {
		if res := guess("license:gu355"); res.Code != 404 {
			t.Fatalf("guess %d: %d %s", i, res.Code, res.Body)
		}
	}
	res := guess("license:gu355")
	if res.Code != 429 || res.Header().Get("Retry-After") == "" {
		t.Fatalf("the 11th guess: %d %v %s", res.Code, res.Header(), res.Body)
	}
	apitest.CheckErrorBody(t, res, cad.ERATELIMITED)
	if c := guess("license:0th3r").Code; c != 404 {
		t.Fatalf("another player: %d", c)
	}
	if c := apitest.Status(env, "POST", "/api/fivem/links/confirm", confirmIn(code, "license:r34l"), apitest.Key(tn.KeyA)); c != 200 {
		t.Fatalf("the real code: %d", c)
	}
	// The community's bound: 100 tries in the window, whoever tries (12
	// so far: a try the player's limit refused is not counted for the
	// community).
	for i := 0; i < 88; i++ {
		if c := guess(fmt.Sprintf("license:p%d", i)).Code; c != 404 {
			t.Fatalf("try %d of the community: %d", 13+i, c)
		}
	}
	if c := guess("license:l4st").Code; c != 429 {
		t.Fatalf("past the community's bound: %d", c)
	}
}

// A code confirmed by 20 players at once links one of them (R86).
func TestLinkCodeSpentOnceUnderConcurrency(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	code := linkCode(tn, t, "memberA", "")
	var mu sync.Mutex
	codes := map[int]int{}
	storetest.Burst(20, func(i int) {
		res := env.Do("POST", "/api/fivem/links/confirm", confirmIn(code, fmt.Sprintf("license:p14y3r%d", i)), apitest.Key(tn.KeyA), "")
		mu.Lock()
		codes[res.Code]++
		mu.Unlock()
	})
	if codes[200] != 1 || codes[404] != 19 {
		t.Fatalf("20 concurrent confirms of one code: %v", codes)
	}
	m := apitest.JSONOf(t, env.Do("GET", "/api/units/links", nil, tn.InA("memberA"), ""))
	if list, _ := m["links"].([]any); len(list) != 1 {
		t.Fatalf("the member has %d links", len(list))
	}
}

// The admins' list pages by identifier.
func TestAdminListsLinksInPages(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	for i := 0; i < 3; i++ {
		code := linkCode(tn, t, "memberA", "")
		if c := apitest.Status(env, "POST", "/api/fivem/links/confirm", confirmIn(code, fmt.Sprintf("license:m%d", i)), apitest.Key(tn.KeyA)); c != 200 {
			t.Fatalf("confirm: %d", c)
		}
	}
	seen := map[string]bool{}
	path := "/api/community/" + tn.A.ID + "/links?limit=2"
	for next := ""; ; {
		p := path
		if next != "" {
			p += "&after=" + next
		}
		m := apitest.JSONOf(t, env.Do("GET", p, nil, tn.As("adminA"), ""))
		for _, l := range m["links"].([]any) {
			seen[l.(map[string]any)["identifier"].(string)] = true
		}
		n, _ := m["nextCursor"].(string)
		if n == "" {
			break
		}
		next = n
	}
	// adminA's license:aaaa (the fixture) and memberA's three.
	if len(seen) != 4 || !seen["license:aaaa"] || !seen["license:m2"] {
		t.Fatalf("paged links: %v", seen)
	}
}
