package app_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/docs"
	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// echoPath turns OpenAPI's /a/{id} into Echo's /a/:id.
var paramRE = regexp.MustCompile(`\{([^}]+)\}`)

func echoPath(p string) string { return paramRE.ReplaceAllString(p, ":$1") }

// docs/openapi.yaml and the router must list the same routes: a route added
// without documentation, or documentation of a route that does not exist,
// fails here.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	ops, err := httpx.ParseOpenAPI(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, op := range ops {
		documented[op[0]+" "+echoPath(op[1])] = true
	}
	registered := map[string]bool{}
	for _, r := range apitest.New(t).Server.Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	if len(registered) == 0 {
		t.Fatal("no routes registered")
	}
	for r := range registered {
		if !documented[r] {
			t.Errorf("route %s is not in docs/openapi.yaml", r)
		}
	}
	for d := range documented {
		if !registered[d] {
			t.Errorf("docs/openapi.yaml documents %s, which the server does not have", d)
		}
	}
}

// Every route declares who may call it (R61: deny by default starts with
// knowing each route's rule).
func TestEveryRouteDeclaresAccess(t *testing.T) {
	var routes []string
	for _, r := range apitest.New(t).Server.Routes() {
		routes = append(routes, r.Method+" "+r.Path+" "+r.Access.String())
		if !r.Declared || r.Access.String() == "undeclared" {
			t.Errorf("%s %s has no declared access rule", r.Method, r.Path)
		}
	}
	sort.Strings(routes)
	t.Logf("routes:\n%s", strings.Join(routes, "\n"))
}

func TestDocsPages(t *testing.T) {
	env := apitest.New(t)
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "the OpenAPI document", Method: "GET", Path: "/api/openapi.yaml", ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "application/yaml; charset=utf-8"},
			ExpectedContent: []string{"openapi: 3.1.0", "/api/health:"}},
		{Name: "the readable page", Method: "GET", Path: "/api/docs", ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "text/html; charset=UTF-8"},
			ExpectedContent: []string{`<redoc spec-url="/api/openapi.yaml"`, `<script type="module" src="/api/docs/redoc.standalone.js"></script>`, "<noscript>"}},
		{Name: "its alias", Method: "GET", Path: "/api-docs", ExpectedStatus: 200, ExpectedContent: []string{"<redoc "}},
		{Name: "the renderer, from the binary", Method: "GET", Path: "/api/docs/redoc.standalone.js", ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "text/javascript; charset=utf-8"}},
	})
	res := env.Do("GET", "/api/docs", nil, nil, "")
	body := res.Body.String()
	csp := res.Header().Get("Content-Security-Policy")
	// No CDN and no inline script: scripts come from Precinct only.
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-eval") {
		t.Fatalf("CSP %q", csp)
	}
	if strings.Count(body, "<script") != 1 || strings.Contains(body, "https://") {
		t.Fatal("the page loads something besides its own renderer")
	}
	js := env.Do("GET", "/api/docs/redoc.standalone.js", nil, nil, "")
	if js.Body.Len() < 1<<20 || env.Do("GET", "/api/docs/redoc.standalone.js", nil, map[string]string{"If-None-Match": js.Header().Get("ETag")}, "").Code != 304 {
		t.Fatalf("renderer: %d bytes, etag %q", js.Body.Len(), js.Header().Get("ETag"))
	}
}

// Deny by default (R61): every route that is not public refuses a request
// without a credential with the standard 401, and refuses a state change
// carried by the cookie from another site (R47).
func TestEveryProtectedRouteRefusesAnonymousCallers(t *testing.T) {
	env := apitest.New(t)
	n := 0
	for _, r := range env.Server.Routes() {
		if r.Access == httpx.Public {
			continue
		}
		if r.Access == httpx.Operator {
			// Metrics: not a user credential, an allowed address or the
			// metrics token (metrics_test.go).
			if res := env.Do(r.Method, r.Path, nil, nil, ""); res.Code != 403 {
				t.Errorf("%s %s from an address not allowed: %d", r.Method, r.Path, res.Code)
			}
			continue
		}
		n++
		path := paramRE.ReplaceAllString(r.Path, "x")
		path = strings.NewReplacer(":id", strings.Repeat("a", 64)).Replace(path)
		res := env.Do(r.Method, path, `{}`, nil, "")
		if res.Code != 401 {
			t.Errorf("%s %s without a credential: %d", r.Method, r.Path, res.Code)
			continue
		}
		apitest.CheckErrorBody(t, res, "unauthorized")
	}
	if n == 0 {
		t.Fatal("no protected routes")
	}
}

// R46: no route changes state through GET or HEAD: every GET route is a
// read, which the list below names on purpose.
func TestNoStateChangeThroughGET(t *testing.T) {
	reads := map[string]bool{
		"/": true, "/healthz": true, "/readyz": true, "/api/health": true, "/api/openapi.yaml": true, "/api/docs": true, "/api-docs": true, "/api/docs/redoc.standalone.js": true,
		"/api/auth/me": true, "/api/auth/user": true, "/api/auth/security-questions": true, "/api/auth/sessions": true,
		"/api/admin/auth-events": true,
		// The OAuth redirect endpoints are GETs by protocol; the state they
		// spend is single-use and bound to the browser's cookie (R50).
		"/api/auth/discord": true, "/api/auth/discord/callback": true,
		"/api/community/mine": true, "/api/community/:id": true, "/api/community/:id/public/status": true,
		"/api/community/:id/members": true, "/api/community/:id/departments": true, "/api/community/:id/api-keys": true,
		"/api/community/:id/audit": true, "/api/civilian/fivem-departments": true, "/api/community/:id/limits": true,
		"/api/community/:id/links": true, "/metrics": true,
		// Issue 18. An invite's page counts a failed code against the
		// address (a limit), never a use of the invite.
		"/api/auth/options": true, "/api/community/:id/invites": true, "/api/invites/:code": true,
		"/api/community/:id/announcements": true,
		// Civil records. Look-ups, fingerprints and ID cards write an
		// audit entry (who looked up whom), never the records.
		"/api/civilian": true, "/api/civilian/:id": true, "/api/civilian/:id/licenses": true,
		"/api/civilian/missing-persons/:communityId": true, "/api/civilian/vehicle": true,
		"/api/civilian/vehicle/:vehicleId": true, "/api/civilian/stolen-vehicles/:communityId": true,
		"/api/civilian/:id/bank": true, "/api/lookup/person": true, "/api/lookup/person/:id": true,
		"/api/lookup/plate/:plate": true, "/api/media/:communityId/:mediaId": true,
		"/api/civilian/fivem-civilians-by-discord/:discordId": true, "/api/civilian/fivem-civilian/:ssnOrId": true,
		"/api/civilian/fivem-fingerprint/:civilianId": true, "/api/civilian/fivem-vehicle/:plate": true,
		"/api/civilian/fivem-plate-lookup/:plate": true, "/api/civilian/fivem-flagged-plates": true,
		"/api/civilian/fivem-plate-designs": true, "/api/civilian/fivem-community-settings": true,
		"/api/banking/fivem/account": true, "/api/fivem/bank/account/:civilianId": true,
		"/api/fivem/license-templates/render/:civilianId/:licenseType": true,
		// Dispatch.
		"/api/calls": true, "/api/calls/pending": true, "/api/calls/:id": true, "/api/units": true, "/api/units/duty-log": true,
		"/api/units/links": true, "/api/bolos": true, "/api/dispatch/positions": true, "/api/civilian/911-markers/:communityId": true,
		"/api/dispatch/alpr/hits": true, "/api/dispatch/alpr/cameras": true, "/api/fivem/unit-calls": true, "/api/fivem/unit-active": true,
		"/api/fivem/route-call": true, "/api/fivem/ers/pending-dispatch-callouts": true,
		// The one GET that changes state, by CDE's design: the ALPR
		// resource polls it with no acknowledgement, so each camera
		// command is handed out once, and marked delivered as it is.
		"/api/fivem/alpr/commands": true,
		// Real time: a GET opens a socket, whose own messages change
		// nothing stored either.
		"/socket.io/": true, "/api/events": true,
	}
	for _, r := range apitest.New(t).Server.Routes() {
		if (r.Method == "GET" || r.Method == "HEAD") && !reads[r.Path] {
			t.Errorf("GET %s is not a known read: review it and add it here if it changes nothing", r.Path)
		}
	}
}
