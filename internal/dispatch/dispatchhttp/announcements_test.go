package dispatchhttp_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
)

// Announcements are kept: the admin's post stores one (and still sends
// it live, realtimehttp's TestAnnouncements), members page through them
// newest first, and no one else reads them (R48, R61, R64).
func TestAnnouncementsKept(t *testing.T) {
	tn := apitest.NewTenants(t)
	A, B := tn.A.ID, tn.B.ID
	path := "/api/community/" + A + "/announcements"
	var first string
	for i, title := range []string{"Server restart", "New penal code", "Event tonight"} {
		res := tn.Env.Do("POST", path, map[string]string{"title": title, "message": "Read me", "priority": "high"}, tn.As("adminA"), "")
		if res.Code != 201 {
			t.Fatalf("post %d: %d %s", i, res.Code, res.Body)
		}
		if i == 0 {
			m := apitest.JSONOf(t, res)
			first = m["_id"].(string)
			if m["authorName"] != "adminA" || m["createdAt"] != m["timestamp"] {
				t.Fatalf("posted %v", m)
			}
		}
		tn.Env.Clock.Advance(2 * time.Millisecond) // distinct times, however fast the posts
	}
	before := apitest.MustJSON(t, apitest.Dump(t, tn.Env, "announcements"))
	apitest.Run(t, tn.Env, []apitest.Scenario{
		{Name: "no credential", Method: "GET", Path: path, ExpectedStatus: 401, ErrorCode: cad.EUNAUTHORIZED},
		{Name: "a game server's key (R48)", Method: "GET", Path: path, Headers: apitest.Key(tn.KeyA), ExpectedStatus: 401},
		{Name: "another community's member (R64)", Method: "GET", Path: path, Headers: tn.As("memberB"), ExpectedStatus: 404, ErrorCode: cad.ENOTFOUND},
		{Name: "a banned member", Method: "GET", Path: path, Headers: tn.As("bannedA"), ExpectedStatus: 403},
		{Name: "a forged cursor", Method: "GET", Path: path + "?after=nope", Headers: tn.As("memberA"), ExpectedStatus: 400},
		{Name: "a page too large (R73)", Method: "GET", Path: path + "?limit=1000", Headers: tn.As("memberA"), ExpectedStatus: 400},
		{Name: "B's members read none of A's", Method: "GET", Path: "/api/community/" + B + "/announcements", Headers: tn.As("memberB"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"announcements": []any{}, "nextCursor": nil}},
		{Name: "a member posts none (R61)", Method: "POST", Path: path, Headers: tn.As("memberA"), Body: map[string]string{"message": "x"}, ExpectedStatus: 403},
		{Name: "B's admin posts none in A", Method: "POST", Path: path, Headers: tn.As("adminB"), Body: map[string]string{"message": "x"}, ExpectedStatus: 404},
		{Name: "no message", Method: "POST", Path: path, Headers: tn.As("adminA"), Body: map[string]string{"title": "x"}, ExpectedStatus: 400},
		{Name: "a member reads them, newest first", Method: "GET", Path: path + "?limit=2", Headers: tn.As("memberA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"announcements.#": 2, "announcements.0.title": "Event tonight", "announcements.1.title": "New penal code",
				"announcements.0.authorId": tn.Users["adminA"].ID, "announcements.0.authorName": "adminA", "announcements.0.priority": "high"},
			After: func(t testing.TB, env *apitest.Env, res *httptest.ResponseRecorder) {
				next, _ := apitest.JSONOf(t, res)["nextCursor"].(string)
				page := env.Do("GET", path+"?limit=2&after="+next, nil, tn.As("memberA"), "")
				m := apitest.JSONOf(t, page)
				list, _ := m["announcements"].([]any)
				if page.Code != 200 || len(list) != 1 || list[0].(map[string]any)["_id"] != first || m["nextCursor"] != nil {
					t.Fatalf("the last page: %d %s", page.Code, page.Body)
				}
			}},
	})
	if apitest.MustJSON(t, apitest.Dump(t, tn.Env, "announcements")) != before {
		t.Fatal("a refused post was stored")
	}
}
