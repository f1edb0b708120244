package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/api"
	"github.com/precinct-cad/precinct/internal/apitest"
)

// The baseline later features compare against: one GET /healthz through the
// whole pipeline (request id, access log as JSON, recover, body limit,
// security headers, deadline, routing, the handler's JSON answer).
func BenchmarkPipelineHealthz(b *testing.B) {
	h := benchServer(b).Handler()
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// benchServer is the real application on a fresh database, logging JSON to
// nowhere (so encoding is measured, not the terminal).
func benchServer(b *testing.B) *api.Server {
	env := apitest.New(b)
	srv, err := api.New(api.Deps{
		Config: env.Config, Health: env.DB, Auth: env.Auth,
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
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
