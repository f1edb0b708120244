package httpx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// The baseline later features compare against: one GET /healthz through the
// whole pipeline (request id, access log as JSON, recover, body limit,
// security headers, deadline, routing, the handler's JSON answer).
func BenchmarkPipelineHealthz(b *testing.B) {
	h := apitest.Quiet(b, apitest.New(b, apitest.Unlimited))
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	apitest.ServeLoop(b, h, req)
}

// The same route on a bare Echo with no middleware, to show what the
// pipeline itself costs.
func BenchmarkBareEchoHealthz(b *testing.B) {
	e := echo.New()
	e.GET("/healthz", func(c *echo.Context) error { return c.JSON(200, map[string]string{"status": "ok"}) })
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
	}
}

// /readyz adds one database ping over the embedded database's socket.
func BenchmarkPipelineReadyz(b *testing.B) {
	h := apitest.Quiet(b, apitest.New(b, apitest.Unlimited))
	req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
	apitest.ServeLoop(b, h, req)
}

// The cost a JWT adds: GET /api/auth/user with a bearer token, which parses
// and verifies the JWT and reads the session and the user (two _id look-ups
// on the embedded database). Compare with BenchmarkPipelineHealthz.
func BenchmarkJWTAuthenticatedRequest(b *testing.B) {
	env := apitest.New(b, apitest.Unlimited)
	h := apitest.Quiet(b, env)
	tok := benchLogin(b, env)
	req := httptest.NewRequest(http.MethodGet, "/api/auth/user", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	apitest.ServeLoop(b, h, req)
}

func benchLogin(b *testing.B, env *apitest.Env) string {
	if _, err := env.Auth.CreateUser(context.Background(), auth.NewUser{Username: "bench", Password: "a benchmark passphrase"}, cad.Client{}); err != nil {
		b.Fatal(err)
	}
	out, err := env.Auth.Login(context.Background(), "bench", "a benchmark passphrase", cad.SessionTablet, false, cad.Client{IP: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	return out.Token
}

// The cost an API key and the community scope add: a game server's
// GET /api/civilian/fivem-departments (key look-up, cached for 5 s; the
// community; its departments).
func BenchmarkAPIKeyScopedRequest(b *testing.B) {
	env := apitest.New(b, apitest.Unlimited)
	h := apitest.Quiet(b, env)
	ctx := context.Background()
	com, err := env.Community.Create(ctx, community.CLIActor(), "Bench RP", "123456789012345678", "")
	if err != nil {
		b.Fatal(err)
	}
	sc := &cad.Scope{Community: com}
	if _, err := env.Community.CreateDepartment(ctx, community.CLIActor(), sc, community.DepartmentInput{Code: "LSPD", Name: "Police", Type: "leo"}); err != nil {
		b.Fatal(err)
	}
	key, _, err := env.Community.CreateKey(ctx, community.CLIActor(), sc, "bench")
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/civilian/fivem-departments", nil)
	req.Header.Set("x-api-key", key)
	apitest.ServeLoop(b, h, req)
}

// What the rate limiter adds to a request: the same trivial route in the
// general API group (limited per address) and in the unlimited group,
// through the whole pipeline. The difference is the limiter: the verdict,
// the key and the four RateLimit-* headers.
func BenchmarkLimiter(b *testing.B) {
	env := apitest.New(b, apitest.Unlimited)
	ok := func(c *echo.Context) error { return c.NoContent(http.StatusNoContent) }
	env.Server.Add(http.MethodGet, "/bench/limited", httpx.Public, ok)
	env.Server.Add(http.MethodGet, "/bench/unlimited", httpx.Public, ok, httpx.Limit(httpx.GroupNone))
	for _, path := range []string{"/bench/unlimited", "/bench/limited"} {
		b.Run(path[len("/bench/"):], func(b *testing.B) {
			h := env.Server.Handler()
			req := httptest.NewRequest(http.MethodGet, path, nil)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusNoContent {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
