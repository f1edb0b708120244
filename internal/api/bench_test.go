package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/api"
	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
)

// The baseline later features compare against: one GET /healthz through the
// whole pipeline (request id, access log as JSON, recover, body limit,
// security headers, deadline, routing, the handler's JSON answer).
func BenchmarkPipelineHealthz(b *testing.B) {
	h := benchServer(b).Handler()
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	serveLoop(b, h, req)
}

// benchServer is the real application on a fresh database, logging JSON to
// nowhere (so encoding is measured, not the terminal).
func benchServer(b *testing.B, env ...*apitest.Env) *api.Server {
	if len(env) == 0 {
		env = append(env, apitest.New(b, apitest.Unlimited))
	}
	e := env[0]
	srv, err := api.New(api.Deps{
		Config: e.Config, Health: e.DB, Auth: e.Auth, Community: e.Community, Civil: e.Civil, Dispatch: e.Dispatch,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Version: "bench",
	})
	if err != nil {
		b.Fatal(err)
	}
	return srv
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
	h := benchServer(b).Handler()
	req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
	serveLoop(b, h, req)
}

// The cost a JWT adds: GET /api/auth/user with a bearer token, which parses
// and verifies the JWT and reads the session and the user (two _id look-ups
// on the embedded database). Compare with BenchmarkPipelineHealthz.
func BenchmarkJWTAuthenticatedRequest(b *testing.B) {
	env := apitest.New(b, apitest.Unlimited)
	srv := benchServer(b, env)
	tok := benchLogin(b, env)
	h := srv.Handler()
	req := httptest.NewRequest(http.MethodGet, "/api/auth/user", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	serveLoop(b, h, req)
}

// serveLoop serves req through h for the benchmark's iterations, failing on
// anything but 200.
func serveLoop(b *testing.B, h http.Handler, req *http.Request) {
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
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
	srv := benchServer(b, env)
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
	serveLoop(b, srv.Handler(), req)
}

// What the rate limiter adds to a request: the same trivial route in the
// general API group (limited per address) and in the unlimited group,
// through the whole pipeline. The difference is the limiter: the verdict,
// the key and the four RateLimit-* headers.
func BenchmarkLimiter(b *testing.B) {
	env := apitest.New(b, apitest.Unlimited)
	ok := func(c *echo.Context) error { return c.NoContent(http.StatusNoContent) }
	env.Server.AddForTest(http.MethodGet, "/bench/limited", ok)
	env.Server.AddUnlimitedForTest(http.MethodGet, "/bench/unlimited", ok)
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
