package app_test

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/docs"
	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// Every route's rate-limit group is what docs/openapi.yaml says it is.
func TestOpenAPIDocumentsEveryRoutesLimit(t *testing.T) {
	documented, err := httpx.OpenAPIRateLimits(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, g := range httpx.Groups() {
		known[string(g)] = true
	}
	for _, r := range apitest.New(t).Server.Routes() {
		key := r.Method + " " + paramRE2.ReplaceAllString(r.Path, "{$1}")
		got := documented[key]
		if got != string(r.Limit) || !known[got] {
			t.Errorf("%s: the router limits it as %q, docs/openapi.yaml says %q", key, r.Limit, got)
		}
	}
}

// small limits for the tests below.
func smallLimits(c *config.Config) {
	c.Limits.API = cad.Rate{Limit: 5, Window: time.Minute}
	c.Limits.FiveM = cad.Rate{Limit: 4, Window: time.Minute}
}

// The general limit counts per user (per address when anonymous), answers
// every limited request with RateLimit-* headers, and refuses the request
// past the limit with 429, Retry-After and the standard body; another user
// and another address are not affected; probes are never limited.
func TestGeneralLimit(t *testing.T) {
	tn := apitest.NewTenantsWith(t, smallLimits)
	env := tn.Env
	for i := 0; i < 5; i++ {
		res := env.Do("GET", "/api/auth/me", nil, tn.As("memberA"), "")
		if res.Code != 200 {
			t.Fatalf("request %d: %d", i+1, res.Code)
		}
		h := res.Header()
		if h.Get("RateLimit-Limit") != "5" || h.Get("RateLimit-Remaining") != fmt.Sprint(4-i) || h.Get("RateLimit-Policy") != `5;w=60;comment="api"` || h.Get("RateLimit-Reset") == "" {
			t.Fatalf("request %d headers: %v", i+1, h)
		}
	}
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "past the limit", Method: "GET", Path: "/api/community/" + tn.A.ID, Headers: tn.As("memberA"),
			ExpectedStatus: 429, ErrorCode: cad.ERATELIMITED, ExpectedContent: []string{"the limit is 5 per minute for API requests"},
			ExpectedHeaders: map[string]string{"Retry-After": "12", "RateLimit-Remaining": "0", "RateLimit-Limit": "5"}},
		{Name: "another user", Method: "GET", Path: "/api/auth/me", Headers: tn.As("supA"), ExpectedStatus: 200},
		{Name: "probes are never limited", Method: "GET", Path: "/healthz", ExpectedStatus: 200,
			After: func(t testing.TB, _ *apitest.Env, res *httptest.ResponseRecorder) {
				if res.Header().Get("RateLimit-Limit") != "" {
					t.Fatal("a probe carries a limit")
				}
			}},
		{Name: "HEAD on a probe", Method: "HEAD", Path: "/readyz", ExpectedStatus: 200},
	})
	// Anonymous callers count per address.
	for i := 0; i < 5; i++ {
		env.Do("GET", "/api/openapi.yaml", nil, nil, "198.51.100.7:1")
	}
	if c := env.Do("GET", "/api/openapi.yaml", nil, nil, "198.51.100.7:1").Code; c != 429 {
		t.Fatalf("sixth anonymous request from one address: %d", c)
	}
	if c := env.Do("GET", "/api/openapi.yaml", nil, nil, "198.51.100.8:1").Code; c != 200 {
		t.Fatalf("another address: %d", c)
	}
	for i := 0; i < 50; i++ {
		if c := env.Do("GET", "/healthz", nil, nil, "198.51.100.7:1").Code; c != 200 {
			t.Fatalf("probe %d: %d", i, c)
		}
	}
}

// A game server's key has the FiveM limit; a Super Admin sets a
// community's own, which applies at once, and can give it back.
func TestFiveMLimitAndACommunitysOwn(t *testing.T) {
	tn := apitest.NewTenantsWith(t, func(c *config.Config) { c.Limits.FiveM = cad.Rate{Limit: 4, Window: time.Minute} })
	env := tn.Env
	fivem := func(k string) int {
		return env.Do("GET", "/api/civilian/fivem-departments", nil, apitest.Key(k), "").Code
	}
	for i := 0; i < 4; i++ {
		if c := fivem(tn.KeyA); c != 200 {
			t.Fatalf("request %d: %d", i+1, c)
		}
	}
	if c := fivem(tn.KeyA); c != 429 {
		t.Fatalf("fifth request: %d", c)
	}
	if c := fivem(tn.KeyB); c != 200 {
		t.Fatalf("another community's key: %d", c)
	}
	path := "/api/community/" + tn.A.ID + "/limits"
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "admin reads", Method: "GET", Path: path, Headers: tn.As("adminA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"fivem.limit": 4.0, "fivem.custom": false, "fivemHighImpact.limit": 20.0, "fivem.windowSeconds": 60.0}},
		{Name: "read: supervisor", Method: "GET", Path: path, Headers: tn.As("supA"), ExpectedStatus: 403},
		{Name: "read: another community's admin", Method: "GET", Path: path, Headers: tn.As("adminB"), ExpectedStatus: 404},
		{Name: "read: anonymous", Method: "GET", Path: path, ExpectedStatus: 401},
		{Name: "read: a key", Method: "GET", Path: path, Headers: apitest.Key(tn.KeyA), ExpectedStatus: 401},
		{Name: "set: community admin", Method: "PUT", Path: path, Headers: tn.As("adminA"), Body: map[string]int{"fivemPerMinute": 600}, ExpectedStatus: 403},
		{Name: "set: not a number", Method: "PUT", Path: path, Headers: tn.As("super"), Body: `{"fivemPerMinute":"lots"}`, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "set: zero", Method: "PUT", Path: path, Headers: tn.As("super"), Body: map[string]int{"fivemPerMinute": 0}, ExpectedStatus: 400},
		{Name: "set: too many", Method: "PUT", Path: path, Headers: tn.As("super"), Body: map[string]int{"fivemPerMinute": cad.MaxCommunityLimit + 1}, ExpectedStatus: 400},
		{Name: "set: a missing community", Method: "PUT", Path: "/api/community/0123456789abcdef01234567/limits", Headers: tn.As("super"), Body: map[string]int{"fivemPerMinute": 9}, ExpectedStatus: 404},
		{Name: "Super Admin raises it", Method: "PUT", Path: path, Headers: tn.As("super"), Body: map[string]any{"fivemPerMinute": 600, "fivemHighImpactPerMinute": nil},
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"fivem.limit": 600.0, "fivem.custom": true, "fivemHighImpact.custom": false}},
	})
	res := env.Do("GET", "/api/civilian/fivem-departments", nil, apitest.Key(tn.KeyA), "")
	if res.Code != 200 || res.Header().Get("RateLimit-Limit") != "600" {
		t.Fatalf("after the raise: %d %v", res.Code, res.Header())
	}
	if c := fivem(tn.KeyB); c != 200 || env.Do("GET", "/api/civilian/fivem-departments", nil, apitest.Key(tn.KeyB), "").Header().Get("RateLimit-Limit") != "4" {
		t.Fatal("B's key got A's limit")
	}
	entries, _, _ := env.DB.Audit(t.Context(), tn.A.ID, cad.AuditFilter{Action: "community.limits_changed", Limit: 5})
	if len(entries) != 1 {
		t.Fatalf("%d audit entries", len(entries))
	}
	// Back to the default.
	if c := env.Do("PUT", path, map[string]any{}, tn.As("super"), "").Code; c != 200 {
		t.Fatal(c)
	}
	if h := env.Do("GET", "/api/civilian/fivem-departments", nil, apitest.Key(tn.KeyA), "").Header().Get("RateLimit-Limit"); h != "4" {
		t.Fatalf("after going back: limit %s", h)
	}
}

// paramRE2 finds Echo's :params, to write them as OpenAPI's {params}.
var paramRE2 = regexp.MustCompile(`:([A-Za-z]+)`)
