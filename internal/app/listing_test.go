package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
)

// Listings page by keyset: every page carries nextCursor, following it reads
// every item once and in order, a cursor that is not one is a 400 with the
// standard body, and page numbers still work up to the documented bound.
func TestListingsPageByCursor(t *testing.T) {
	tn := apitest.NewTenants(t)
	ctx := context.Background()
	for i := 0; i < 23; i++ {
		u := &cad.User{Username: fmt.Sprintf("pager%02d", i), PasswordHash: "x"}
		if err := tn.Env.DB.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := tn.Env.DB.AddMember(ctx, &cad.Membership{CommunityID: tn.A.ID, UserID: u.ID, Username: u.Username, Role: cad.RoleMember, Status: cad.MemberActive}); err != nil {
			t.Fatal(err)
		}
		if err := tn.Env.DB.AddAudit(ctx, &cad.AuditEntry{CommunityID: tn.A.ID, Action: "test.entry", Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	follow := func(t *testing.T, path, items string, headers map[string]string) []string {
		t.Helper()
		var all []string
		after := ""
		for pages := 0; ; pages++ {
			q := url.Values{"limit": {"5"}}
			if after != "" {
				q.Set("after", after)
			}
			res := tn.Env.Do("GET", path+"?"+q.Encode(), nil, headers, "")
			if res.Code != 200 {
				t.Fatalf("%s: %d %s", path, res.Code, res.Body)
			}
			var body map[string]json.RawMessage
			if err := json.Unmarshal(res.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			var list []map[string]any
			_ = json.Unmarshal(body[items], &list)
			if len(list) > 5 {
				t.Fatalf("a page of %d over the limit", len(list))
			}
			for _, it := range list {
				key := it["id"] // events and entries; members by username
				if items == "members" {
					key = it["username"]
				}
				all = append(all, fmt.Sprint(key))
			}
			var next *string
			if err := json.Unmarshal(body["nextCursor"], &next); err != nil {
				t.Fatalf("no nextCursor in %s", res.Body)
			}
			if next == nil {
				return all
			}
			after = *next
			if pages > 100 {
				t.Fatal("paging never ends")
			}
		}
	}
	t.Run("members", func(t *testing.T) {
		all := follow(t, "/api/community/"+tn.A.ID+"/members", "members", tn.As("adminA"))
		if len(all) != 28 || !sort.StringsAreSorted(all) { // 23 + 5 of the fixture
			t.Fatalf("%d members by cursor, sorted=%v: %q", len(all), sort.StringsAreSorted(all), all)
		}
	})
	t.Run("audit", func(t *testing.T) {
		all := follow(t, "/api/community/"+tn.A.ID+"/audit", "entries", tn.As("adminA"))
		if len(all) < 23 || len(dedupe(all)) != len(all) {
			t.Fatalf("%d audit entries by cursor", len(all))
		}
	})
	t.Run("auth events", func(t *testing.T) {
		if all := follow(t, "/api/admin/auth-events", "events", tn.As("super")); len(all) < 9 || len(dedupe(all)) != len(all) {
			t.Fatalf("%d events by cursor: %q", len(all), all)
		}
	})
	apitest.Run(t, tn.Env, []apitest.Scenario{
		{Name: "a made-up cursor", Method: "GET", Path: "/api/community/" + tn.A.ID + "/members?after=bm9wZQ", Headers: tn.As("adminA"),
			ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"after is not a cursor"}},
		{Name: "a cursor too long", Method: "GET", Path: "/api/community/" + tn.A.ID + "/audit?after=" + string(make([]byte, 0)) + longCursor, Headers: tn.As("adminA"),
			ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "a page past the offset bound", Method: "GET", Path: "/api/admin/auth-events?page=500&limit=100", Headers: tn.As("super"),
			ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"after cursor"}},
		{Name: "a page number still works", Method: "GET", Path: "/api/community/" + tn.A.ID + "/members?page=2&limit=5", Headers: tn.As("adminA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"page": 2.0, "limit": 5.0, "members.0.username": "pager01"}},
		{Name: "the last page says so", Method: "GET", Path: "/api/community/" + tn.A.ID + "/members?limit=100", Headers: tn.As("adminA"),
			ExpectedStatus: 200, ExpectedContent: []string{`"nextCursor":null`}},
	})
}

var longCursor = func() string {
	b := make([]byte, 600)
	for i := range b {
		b[i] = 'A'
	}
	return string(b)
}()

func dedupe(list []string) map[string]bool {
	out := map[string]bool{}
	for _, s := range list {
		out[s] = true
	}
	return out
}
