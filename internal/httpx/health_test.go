package httpx_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/store"
	"github.com/precinct-cad/precinct/internal/store/sqlite"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

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

// A read-only precinct.db (a real file made read-only: mode 0400, and the
// immutable flag when the tests run as root) is found when the engine
// opens: readiness answers 503 saying so, reads go on, and every write is
// a 503 whose message says the database is read-only, its cause logged at
// error level with the request id. It was a 500 with nothing said.
func TestReadOnlyDatabase(t *testing.T) {
	ctx := context.Background()
	cfg := apitest.DefaultConfig(t, func(c *config.Config) { c.JWTSecret = []byte(apitest.TestJWTSecret) })
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	db, e := storetest.NewSQLite(t, sqlite.Options{Path: path})
	tn := apitest.FixtureOn(t, apitest.NewWith(t, cfg, db))
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.MakeReadOnly(t, path)
	ro, err := sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ro.Close(context.Background()) })
	if err := ro.Prepare(ctx, store.Collections()); err != nil {
		t.Fatal(err)
	}
	env := apitest.NewWith(t, cfg, store.New(ro, store.Options{Logger: storetest.QuietLogger()}))
	readOnly := []string{"The database is read-only"}
	write := map[string]string{"X-Request-ID": "req-read-only-write"}
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "readiness reports it", Method: "GET", Path: "/readyz", ExpectedStatus: 503, ErrorCode: cad.EUNAVAILABLE, ExpectedContent: readOnly},
		{Name: "so does the health answer", Method: "GET", Path: "/api/health", ExpectedStatus: 503, ErrorCode: cad.EUNAVAILABLE, ExpectedContent: readOnly},
		{Name: "liveness does not depend on it", Method: "GET", Path: "/healthz", ExpectedStatus: 200},
		{Name: "reads go on", Method: "GET", Path: "/api/civilian/" + tn.CivA.ID, Headers: tn.InA("memberA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"_id": tn.CivA.ID}},
		{Name: "a game server's too", Method: "GET", Path: "/api/civilian/fivem-civilian/" + tn.CivA.SSN, Headers: apitest.Key(tn.KeyA), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"_id": tn.CivA.ID}},
		{Name: "a member's write is a 503 that says why", Method: "POST", Path: "/api/civilian", Headers: apitest.Merge(tn.InA("memberA"), write),
			Body: map[string]any{"firstName": "Ro", "lastName": "Only", "dateOfBirth": "1990-01-01"}, ExpectedStatus: 503,
			ErrorCode: cad.EUNAVAILABLE, ExpectedContent: readOnly},
		{Name: "so is a game server's", Method: "POST", Path: "/api/fivem/bank/deposit", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"civilianId": tn.CivA.ID, "amount": 5}, ExpectedStatus: 503, ErrorCode: cad.EUNAVAILABLE, ExpectedContent: readOnly},
	})
	failed := logLine(env, "request failed", "req-read-only-write")
	if failed == nil || failed["level"] != "ERROR" || !strings.Contains(fmt.Sprint(failed["error"]), "readonly") {
		t.Errorf("the write's cause was not logged at error level with its request id: %v", failed)
	}
}
