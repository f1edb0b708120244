package api_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestHealthRoutes(t *testing.T) {
	env := apitest.New(t)
	apitest.Run(t, env, []apitest.Scenario{
		{
			Name: "site root answers for the FiveM resources' online probe", Method: http.MethodGet, Path: "/",
			ExpectedStatus: 200,
			ExpectedJSON:   map[string]any{"name": "Precinct", "status": "online", "version": "test", "docs": "/api/docs"},
		},
		{
			Name: "liveness", Method: http.MethodGet, Path: "/healthz",
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"status": "ok"},
		},
		{
			Name: "readiness with the database up", Method: http.MethodGet, Path: "/readyz",
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"status": "ok"},
		},
		{
			Name: "api health carries the version", Method: http.MethodGet, Path: "/api/health",
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"status": "ok", "database": "ok", "version": "test"},
		},
		{
			Name: "health routes take no writes (R46, R75)", Method: http.MethodPost, Path: "/readyz",
			ExpectedStatus: 405, ErrorCode: "method_not_allowed",
			ExpectedHeaders: map[string]string{"Allow": "OPTIONS, GET, HEAD"},
		},
		{
			Name: "TRACE is refused (R75)", Method: http.MethodTrace, Path: "/healthz",
			ExpectedStatus: 405, ErrorCode: "method_not_allowed",
		},
	})
}

// failingHealth stands in for a database whose ping fails, to show that
// readiness fails closed on any error (R80).
type failingHealth struct{ err error }

func (f failingHealth) Ping(context.Context) error { return f.err }

func TestReadinessFailsClosed(t *testing.T) {
	for name, err := range map[string]error{
		"unavailable":          cad.Errorf(cad.EUNAVAILABLE, "Database unavailable"),
		"unexpected":           context.DeadlineExceeded,
		"raw driver-ish error": os.ErrClosed,
	} {
		t.Run(name, func(t *testing.T) {
			env := apitest.NewWith(t, apitest.DefaultConfig(t), storetest.New(t), failingHealth{err})
			for _, path := range []string{"/readyz", "/api/health"} {
				res := env.Do(http.MethodGet, path, nil, nil, "")
				if res.Code < 500 {
					t.Fatalf("%s answered %d during a database failure", path, res.Code)
				}
				if strings.Contains(res.Body.String(), "file already closed") {
					t.Fatalf("internal text leaked: %s", res.Body.String())
				}
			}
			// Liveness does not depend on the database.
			if res := env.Do(http.MethodGet, "/healthz", nil, nil, ""); res.Code != 200 {
				t.Fatalf("/healthz = %d", res.Code)
			}
		})
	}
}
