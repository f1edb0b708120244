package communityhttp_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
)

func TestCommunityEndpoints(t *testing.T) {
	tn := apitest.NewTenants(t)
	A, B := tn.A.ID, tn.B.ID
	apitest.Run(t, tn.Env, []apitest.Scenario{
		// POST /api/community
		{Name: "create: no credential", Method: "POST", Path: "/api/community", Body: map[string]string{"name": "X", "guildId": "300000000000000003"}, ExpectedStatus: 401},
		{Name: "create: a community admin is no Super Admin", Method: "POST", Path: "/api/community", Headers: tn.As("adminA"),
			Body: map[string]string{"name": "X", "guildId": "300000000000000003"}, ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "create: a game server key", Method: "POST", Path: "/api/community", Headers: apitest.Key(tn.KeyA),
			Body: map[string]string{"name": "X", "guildId": "300000000000000003"}, ExpectedStatus: 401},
		{Name: "create: bad guild id", Method: "POST", Path: "/api/community", Headers: tn.As("super"),
			Body: map[string]string{"name": "X Y", "guildId": "not-a-guild"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "create: a guild with a community", Method: "POST", Path: "/api/community", Headers: tn.As("super"),
			Body: map[string]string{"name": "Again", "guildId": tn.A.GuildID}, ExpectedStatus: 409, ErrorCode: cad.ECONFLICT},
		{Name: "create", Method: "POST", Path: "/api/community", Headers: tn.As("super"),
			Body: map[string]string{"name": "Paleto Bay RP", "guildId": "300000000000000003"}, ExpectedStatus: 201,
			ExpectedJSON: map[string]any{"name": "Paleto Bay RP", "guildId": "300000000000000003", "memberCount": 0,
				"settings.autoJoin": true, "settings.startingBalance": 5000, "settings.maxCharactersPerUser": 10, "settings.allowPublicStatus": false}},
		// GET /api/community/mine
		{Name: "mine", Method: "GET", Path: "/api/community/mine", Headers: tn.As("supA"), ExpectedStatus: 200,
			ExpectedJSON:       map[string]any{"communities.0._id": A, "communities.0.role": "supervisor", "communities.0.name": "Los Santos RP"},
			NotExpectedContent: []string{B}},
		{Name: "mine: a banned member does not see it", Method: "GET", Path: "/api/community/mine", Headers: tn.As("bannedA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"communities": []any{}}},
		{Name: "mine: no credential", Method: "GET", Path: "/api/community/mine", ExpectedStatus: 401},
		// GET /api/community/:id
		{Name: "get as member, by id", Method: "GET", Path: "/api/community/" + A, Headers: tn.As("memberA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"_id": A, "departments.0.code": "LSPD", "memberCount": 5}},
		{Name: "get by guild id", Method: "GET", Path: "/api/community/" + tn.A.GuildID, Headers: tn.As("memberA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"_id": A}},
		{Name: "get: not a member", Method: "GET", Path: "/api/community/" + A, Headers: tn.As("memberB"), ExpectedStatus: 404, ErrorCode: cad.ENOTFOUND},
		{Name: "get: banned", Method: "GET", Path: "/api/community/" + A, Headers: tn.As("bannedA"), ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "get: a key", Method: "GET", Path: "/api/community/" + A, Headers: apitest.Key(tn.KeyA), ExpectedStatus: 401},
		{Name: "get: Super Admin without membership", Method: "GET", Path: "/api/community/" + A, Headers: tn.As("super"), ExpectedStatus: 200},
		// PATCH /api/community/:id
		{Name: "patch: supervisor", Method: "PATCH", Path: "/api/community/" + A, Headers: tn.As("supA"), Body: map[string]any{"name": "Hacked"},
			ExpectedStatus: 403, ExpectedContent: []string{"Required role: Community Admin"}},
		{Name: "patch: bad settings", Method: "PATCH", Path: "/api/community/" + A, Headers: tn.As("adminA"),
			Body: map[string]any{"settings": map[string]any{"maxCharactersPerUser": 0}}, ExpectedStatus: 400},
		{Name: "patch: nested cadSettings value", Method: "PATCH", Path: "/api/community/" + A, Headers: tn.As("adminA"),
			Body: map[string]any{"settings": map[string]any{"cadSettings": map[string]any{"x": map[string]any{"y": 1}}}}, ExpectedStatus: 400},
		{Name: "patch: mass assignment is ignored (R63)", Method: "PATCH", Path: "/api/community/" + A, Headers: tn.As("adminA"),
			Body: map[string]any{"guildId": "999999999999", "memberCount": 99, "settings": map[string]any{"startingBalance": 7500,
				"statusCodes": []map[string]string{{"code": "10-8", "label": "In Service"}}, "cadSettings": map[string]any{"penalCode": "LS"}}},
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"guildId": tn.A.GuildID, "memberCount": 5, "settings.startingBalance": 7500,
				"settings.statusCodes.0.code": "10-8", "settings.cadSettings.penalCode": "LS", "settings.autoJoin": true}},
		// Members
		{Name: "members: a member may not list", Method: "GET", Path: "/api/community/" + A + "/members", Headers: tn.As("memberA"), ExpectedStatus: 403},
		{Name: "members: supervisor lists, filtered", Method: "GET", Path: "/api/community/" + A + "/members?role=admin", Headers: tn.As("supA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"members.0.username": "adminA", "members.1.username": "adminA2"}},
		{Name: "members: by name", Method: "GET", Path: "/api/community/" + A + "/members?name=MEMB", Headers: tn.As("supA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"members.0.username": "memberA"}},
		{Name: "members: bad role filter", Method: "GET", Path: "/api/community/" + A + "/members?role=god", Headers: tn.As("supA"), ExpectedStatus: 400},
		{Name: "members: page size capped (R73)", Method: "GET", Path: "/api/community/" + A + "/members?limit=100000", Headers: tn.As("supA"), ExpectedStatus: 400},
		{Name: "add: supervisor may not", Method: "POST", Path: "/api/community/" + A + "/members", Headers: tn.As("supA"),
			Body: map[string]string{"username": "outsider"}, ExpectedStatus: 403},
		{Name: "add: unknown user", Method: "POST", Path: "/api/community/" + A + "/members", Headers: tn.As("adminA"),
			Body: map[string]string{"username": "nobody"}, ExpectedStatus: 404},
		{Name: "add: already a member", Method: "POST", Path: "/api/community/" + A + "/members", Headers: tn.As("adminA"),
			Body: map[string]string{"username": "memberA"}, ExpectedStatus: 409},
		{Name: "add: bad role", Method: "POST", Path: "/api/community/" + A + "/members", Headers: tn.As("adminA"),
			Body: map[string]string{"username": "outsider", "role": "owner"}, ExpectedStatus: 400},
		{Name: "add", Method: "POST", Path: "/api/community/" + A + "/members", Headers: tn.As("adminA"),
			Body: map[string]string{"username": "outsider", "role": "supervisor"}, ExpectedStatus: 201,
			ExpectedJSON: map[string]any{"username": "outsider", "role": "supervisor", "status": "active"}},
		{Name: "update: departments must exist", Method: "PATCH", Path: "/api/community/" + A + "/members/" + tn.Users["memberA"].ID, Headers: tn.As("adminA"),
			Body: map[string]any{"departments": []string{"BCSO"}}, ExpectedStatus: 400},
		{Name: "update: departments and call sign", Method: "PATCH", Path: "/api/community/" + A + "/members/" + tn.Users["memberA"].ID, Headers: tn.As("adminA"),
			Body: map[string]any{"departments": []string{"lspd"}, "callSign": "1-ADAM-12"}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"departments.0": "LSPD", "callSign": "1-ADAM-12"}},
		{Name: "update: unknown member", Method: "PATCH", Path: "/api/community/" + A + "/members/" + tn.Users["memberB"].ID, Headers: tn.As("adminA"),
			Body: map[string]any{"callSign": "x"}, ExpectedStatus: 404},
		{Name: "update: bad status", Method: "PATCH", Path: "/api/community/" + A + "/members/" + tn.Users["memberA"].ID, Headers: tn.As("adminA"),
			Body: map[string]any{"status": "frozen"}, ExpectedStatus: 400},
		// Departments
		{Name: "departments: member lists", Method: "GET", Path: "/api/community/" + A + "/departments", Headers: tn.As("memberA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"departments.0.code": "LSPD"}},
		{Name: "departments: member may not create", Method: "POST", Path: "/api/community/" + A + "/departments", Headers: tn.As("memberA"),
			Body: map[string]any{"code": "SAFD", "name": "Fire", "type": "fire"}, ExpectedStatus: 403},
		{Name: "departments: bad type", Method: "POST", Path: "/api/community/" + A + "/departments", Headers: tn.As("adminA"),
			Body: map[string]any{"code": "SAFD", "name": "Fire", "type": "navy"}, ExpectedStatus: 400},
		{Name: "departments: taken code", Method: "POST", Path: "/api/community/" + A + "/departments", Headers: tn.As("adminA"),
			Body: map[string]any{"code": "lspd", "name": "Again", "type": "leo"}, ExpectedStatus: 409},
		{Name: "departments: create", Method: "POST", Path: "/api/community/" + A + "/departments", Headers: tn.As("adminA"),
			Body: map[string]any{"code": "safd", "name": "San Andreas Fire", "type": "fire", "blipColor": 1, "paycheck": 400}, ExpectedStatus: 201,
			ExpectedJSON: map[string]any{"code": "SAFD", "type": "fire", "paycheck": 400}},
		{Name: "departments: update", Method: "PATCH", Path: "/api/community/" + A + "/departments/" + tn.DeptA.ID, Headers: tn.As("adminA"),
			Body: map[string]any{"name": "LS Police Dept", "type": "leo", "paycheck": 650}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"code": "LSPD", "name": "LS Police Dept", "paycheck": 650}},
		{Name: "departments: the code cannot change", Method: "PATCH", Path: "/api/community/" + A + "/departments/" + tn.DeptA.ID, Headers: tn.As("adminA"),
			Body: map[string]any{"code": "NEW", "name": "LS Police Dept", "type": "leo"}, ExpectedStatus: 400},
		{Name: "departments: unknown id", Method: "DELETE", Path: "/api/community/" + A + "/departments/0123456789abcdef01234567", Headers: tn.As("adminA"), ExpectedStatus: 404},
		// Public status
		{Name: "public status off", Method: "GET", Path: "/api/community/" + A + "/public/status", ExpectedStatus: 404, ErrorCode: cad.ENOTFOUND},
		{Name: "public status of nothing", Method: "GET", Path: "/api/community/0123456789abcdef01234567/public/status", ExpectedStatus: 404},
		// Audit
		{Name: "audit: supervisor may not", Method: "GET", Path: "/api/community/" + A + "/audit", Headers: tn.As("supA"), ExpectedStatus: 403},
		{Name: "audit: role changes recorded with before and after", Method: "GET", Path: "/api/community/" + A + "/audit?action=member.departments_changed", Headers: tn.As("adminA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"entries.0.action": "member.departments_changed", "entries.0.actorId": tn.Users["adminA"].ID,
				"entries.0.before.departments": []any{}, "entries.0.after.departments.0": "LSPD", "entries.0.ip": "192.0.2.10"}},
	})
	// memberA is now in LSPD: /me shows the leo permission.
	res := tn.Env.Do("GET", "/api/auth/me?guildId="+tn.A.GuildID, nil, tn.As("memberA"), "")
	var me struct {
		Communities []struct {
			CommunityID, GuildID, Role string
			Permissions                []string
		}
	}
	_ = json.Unmarshal(res.Body.Bytes(), &me)
	if len(me.Communities) != 1 || me.Communities[0].CommunityID != A || strings.Join(me.Communities[0].Permissions, ",") != "civilian,leo" {
		t.Fatalf("me: %s", res.Body)
	}
	if res := tn.Env.Do("GET", "/api/auth/me?guildId="+tn.B.GuildID, nil, tn.As("memberA"), ""); !strings.Contains(res.Body.String(), `"communities":[]`) {
		t.Fatalf("me for another guild: %s", res.Body)
	}
	// Public status, when allowed.
	if c := apitest.Status(tn.Env, "PATCH", "/api/community/"+A, map[string]any{"settings": map[string]any{"allowPublicStatus": true}}, tn.As("adminA")); c != 200 {
		t.Fatal(c)
	}
	res = tn.Env.Do("GET", "/api/community/"+tn.A.GuildID+"/public/status", nil, nil, "")
	if res.Code != 200 || !strings.Contains(res.Body.String(), `"name":"Los Santos RP"`) || !strings.Contains(res.Body.String(), `"unitsOnDuty":0`) {
		t.Fatalf("public status: %d %s", res.Code, res.Body)
	}
}

// R59, R64: how the community is chosen, and what non-members see.
func TestCommunityScope(t *testing.T) {
	tn := apitest.NewTenants(t)
	A := tn.A.ID
	nothing := tn.Env.Do("GET", "/api/community/0123456789abcdef01234567", nil, tn.As("memberB"), "")
	other := tn.Env.Do("GET", "/api/community/"+A, nil, tn.As("memberB"), "")
	if apitest.ErrorBodyWithoutID(t, nothing) != apitest.ErrorBodyWithoutID(t, other) {
		t.Fatalf("another community's answer differs from a missing one's (R64): %s vs %s", other.Body, nothing.Body)
	}
	apitest.Run(t, tn.Env, []apitest.Scenario{
		{Name: "header and path disagree", Method: "GET", Path: "/api/community/" + A, Headers: apitest.Merge(tn.As("memberA"), map[string]string{"x-community-id": tn.B.ID}),
			ExpectedStatus: 400, ExpectedContent: []string{"does not match"}},
		{Name: "header and path agree", Method: "GET", Path: "/api/community/" + A, Headers: apitest.Merge(tn.As("memberA"), map[string]string{"x-community-id": A}), ExpectedStatus: 200},
		{Name: "malformed community id", Method: "GET", Path: "/api/community/not-an-id!", Headers: tn.As("memberA"), ExpectedStatus: 404},
		{Name: "an API key names no community: its own", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: apitest.Key(tn.KeyA), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"departments.0.code": "LSPD", "departments.0.type": "leo", "departments.0.blipSprite": 60, "departments.0.callSign": "1-ADAM-{n}"}},
		{Name: "an API key with its own guild id", Method: "GET", Path: "/api/civilian/fivem-departments?communityId=" + tn.A.GuildID, Headers: apitest.Key(tn.KeyA), ExpectedStatus: 200},
		{Name: "an API key naming another community (R69)", Method: "GET", Path: "/api/civilian/fivem-departments?communityId=" + tn.B.GuildID, Headers: apitest.Key(tn.KeyA),
			ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "an API key naming another community by header", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: apitest.Merge(apitest.Key(tn.KeyA), map[string]string{"x-community-id": tn.B.ID}),
			ExpectedStatus: 403},
		{Name: "an API key naming no existing community", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: apitest.Merge(apitest.Key(tn.KeyA), map[string]string{"x-community-id": "0123456789abcdef01234567"}),
			ExpectedStatus: 403},
		{Name: "a user on a server route (R48)", Method: "GET", Path: "/api/civilian/fivem-departments?communityId=" + A, Headers: tn.As("adminA"),
			ExpectedStatus: 401, ErrorCode: cad.EUNAUTHORIZED},
	})
	// A Super Admin is let in and that is audited.
	if c := apitest.Status(tn.Env, "GET", "/api/community/"+A+"/members", nil, tn.As("super")); c != 200 {
		t.Fatal(c)
	}
	entries, _, _ := tn.Env.DB.Audit(context.Background(), A, cad.AuditFilter{Action: "superadmin.entry", Limit: 10})
	if len(entries) == 0 || entries[0].ActorID != tn.Users["super"].ID || entries[0].Target != "GET /api/community/:id/members" {
		t.Fatalf("super admin entry not audited: %+v", entries)
	}
}

// R62: no escalation, no self-promotion, the last admin stays, and a
// demotion applies on the next request.
func TestEscalation(t *testing.T) {
	tn := apitest.NewTenants(t)
	A := tn.A.ID
	m := func(who string) string { return "/api/community/" + A + "/members/" + tn.Users[who].ID }
	apitest.Run(t, tn.Env, []apitest.Scenario{
		{Name: "supervisor promotes self", Method: "PATCH", Path: m("supA"), Headers: tn.As("supA"), Body: map[string]string{"role": "admin"}, ExpectedStatus: 403},
		{Name: "admin promotes self", Method: "PATCH", Path: m("adminA"), Headers: tn.As("adminA"), Body: map[string]string{"role": "admin", "status": "banned"}, ExpectedStatus: 403},
		{Name: "admin grants admin", Method: "PATCH", Path: m("memberA"), Headers: tn.As("adminA"), Body: map[string]string{"role": "admin"}, ExpectedStatus: 403},
		{Name: "admin adds an admin", Method: "POST", Path: "/api/community/" + A + "/members", Headers: tn.As("adminA"),
			Body: map[string]string{"username": "outsider", "role": "admin"}, ExpectedStatus: 403},
		{Name: "admin demotes another admin", Method: "PATCH", Path: m("adminA2"), Headers: tn.As("adminA"), Body: map[string]string{"role": "member"}, ExpectedStatus: 403},
		{Name: "admin removes another admin", Method: "DELETE", Path: m("adminA2"), Headers: tn.As("adminA"), ExpectedStatus: 403},
		{Name: "member removes another member", Method: "DELETE", Path: m("supA"), Headers: tn.As("memberA"), ExpectedStatus: 403},
		{Name: "member edits a member", Method: "PATCH", Path: m("supA"), Headers: tn.As("memberA"), Body: map[string]string{"callSign": "x"}, ExpectedStatus: 403},
		{Name: "superadmin flag through the API is ignored (R63)", Method: "PATCH", Path: m("memberA"), Headers: tn.As("adminA"),
			Body: map[string]any{"superAdmin": true, "communityId": tn.B.ID, "callSign": "2-BOY-1"}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"role": "member", "callSign": "2-BOY-1"}},
		{Name: "admin promotes a member to supervisor", Method: "PATCH", Path: m("memberA"), Headers: tn.As("adminA"), Body: map[string]string{"role": "supervisor"}, ExpectedStatus: 200},
		{Name: "admin bans a supervisor", Method: "PATCH", Path: m("supA"), Headers: tn.As("adminA"), Body: map[string]string{"status": "banned"}, ExpectedStatus: 200},
		{Name: "Super Admin demotes an admin", Method: "PATCH", Path: m("adminA2"), Headers: tn.As("super"), Body: map[string]string{"role": "member"}, ExpectedStatus: 200},
		{Name: "the last admin cannot be demoted", Method: "PATCH", Path: m("adminA"), Headers: tn.As("super"), Body: map[string]string{"role": "member"}, ExpectedStatus: 409},
		{Name: "the last admin cannot be banned", Method: "PATCH", Path: m("adminA"), Headers: tn.As("super"), Body: map[string]string{"status": "banned"}, ExpectedStatus: 409},
		{Name: "the last admin cannot leave", Method: "DELETE", Path: m("adminA"), Headers: tn.As("adminA"), ExpectedStatus: 409},
		{Name: "a member may leave", Method: "DELETE", Path: m("adminA2"), Headers: tn.As("adminA2"), ExpectedStatus: 200},
	})
	// The ban applies on the next request; so does the demotion.
	if c := apitest.Status(tn.Env, "GET", "/api/community/"+A+"/members", nil, tn.As("supA")); c != 403 {
		t.Fatalf("banned supervisor: %d", c)
	}
	if c := apitest.Status(tn.Env, "GET", "/api/community/"+A, nil, tn.As("adminA2")); c != 404 {
		t.Fatalf("a member who left: %d", c)
	}
	if c := apitest.Status(tn.Env, "GET", "/api/community/"+A+"/members", nil, tn.As("memberA")); c != 200 {
		t.Fatalf("promoted supervisor: %d", c)
	}
}

// Super Admin only: delete, then restore within 30 days; nothing is lost.
func TestDeleteAndRestoreCommunity(t *testing.T) {
	tn := apitest.NewTenants(t)
	A := tn.A.ID
	apitest.Run(t, tn.Env, []apitest.Scenario{
		{Name: "an admin cannot delete", Method: "DELETE", Path: "/api/community/" + A, Headers: tn.As("adminA"), ExpectedStatus: 403},
		{Name: "no credential", Method: "DELETE", Path: "/api/community/" + A, ExpectedStatus: 401},
		{Name: "restore a live community", Method: "POST", Path: "/api/community/" + A + "/restore", Headers: tn.As("super"), ExpectedStatus: 409},
		{Name: "an admin cannot restore", Method: "POST", Path: "/api/community/" + A + "/restore", Headers: tn.As("adminA"), ExpectedStatus: 403},
		{Name: "delete", Method: "DELETE", Path: "/api/community/" + A, Headers: tn.As("super"), ExpectedStatus: 200},
		{Name: "gone for members", Method: "GET", Path: "/api/community/" + A, Headers: tn.As("memberA"), ExpectedStatus: 404},
		{Name: "gone for its key", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: apitest.Key(tn.KeyA), ExpectedStatus: 404},
		{Name: "restore", Method: "POST", Path: "/api/community/" + A + "/restore", Headers: tn.As("super"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"_id": A, "memberCount": 5}},
		{Name: "back", Method: "GET", Path: "/api/community/" + A, Headers: tn.As("memberA"), ExpectedStatus: 200, ExpectedJSON: map[string]any{"departments.0.code": "LSPD"}},
	})
	if c := apitest.Status(tn.Env, "DELETE", "/api/community/"+A, nil, tn.As("super")); c != 200 {
		t.Fatal(c)
	}
	tn.Env.Clock.Advance(31 * 24 * time.Hour)
	iss, err := tn.Env.Auth.IssueForUser(context.Background(), tn.Users["super"], cad.SessionTablet, "password", cad.Client{})
	if err != nil {
		t.Fatal(err)
	}
	if c := apitest.Status(tn.Env, "POST", "/api/community/"+A+"/restore", nil, apitest.Bearer(iss.Token)); c != 409 {
		t.Fatalf("restore after 31 days: %d", c)
	}
}
