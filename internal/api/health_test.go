package api_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store"
	"github.com/precinct-cad/precinct/internal/storetest"
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
			ExpectedHeaders: map[string]string{"Allow": "OPTIONS, GET"},
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
			env := apitest.NewWith(t, apitest.DefaultConfig(t), storetest.NewDB(t), failingHealth{err})
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

// The acceptance test of the foundation: cut the database from under a
// running application; /readyz answers 503 within 2 s, and 200 again once the
// database is back, with no restart (R81, R82).
func TestReadinessFollowsARealOutage(t *testing.T) {
	dir, err := os.MkdirTemp("", "pct-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	emb, err := store.StartEmbedded(dir, storetest.QuietLogger())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Connect(ctx, store.Options{URI: emb.URI(), Database: "precinct", Timeout: 5 * time.Second, Logger: storetest.QuietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	env := apitest.NewWith(t, apitest.DefaultConfig(t), db)

	if res := env.Do(http.MethodGet, "/readyz", nil, nil, ""); res.Code != 200 {
		t.Fatalf("before the outage: %d %s", res.Code, res.Body)
	}
	if err := emb.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := env.Do(http.MethodGet, "/readyz", nil, nil, "")
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("/readyz took %v during the outage", el)
	}
	if res.Code != http.StatusServiceUnavailable {
		t.Fatalf("during the outage: %d %s", res.Code, res.Body)
	}
	apitest.CheckErrorBody(t, res, cad.EUNAVAILABLE)

	emb, err = store.StartEmbedded(dir, storetest.QuietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Stop(ctx)
	deadline := time.Now().Add(15 * time.Second)
	for {
		res := env.Do(http.MethodGet, "/readyz", nil, nil, "")
		if res.Code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery without a restart: %d %s", res.Code, res.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
