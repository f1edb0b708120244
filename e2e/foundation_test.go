// Package e2e runs the real precinct binary and drives it over HTTP with
// pkg/client, as operators, game servers and browsers do.
package e2e

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/e2etest"
	"github.com/precinct-cad/precinct/internal/store/mongo/mongotest"
	"github.com/precinct-cad/precinct/internal/store/storetest"
	"github.com/precinct-cad/precinct/pkg/client"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// A fresh install: no settings at all but a data directory, the SQLite
// file is made (private), the API answers, and SIGTERM shuts everything
// down cleanly (exit 0, the data directory free for the next start).
func TestZeroSetupServeAndGracefulShutdown(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			srv := e2etest.Start(t, e2etest.Options{})
			c := client.New(srv.URL + "/api/") // the FiveM resources' URL form
			root, err := c.RootWithResponse(ctxT(t))
			if err != nil || root.JSON200.Name != "Precinct" || root.JSON200.Version != "e2e" {
				t.Fatalf("root = %+v, %v", root, err)
			}
			h, err := c.APIHealthWithResponse(ctxT(t))
			if err != nil || h.JSON200.Status != "ok" || h.JSON200.Version != "e2e" {
				t.Fatalf("health = %+v, %v", h, err)
			}
			if _, err := c.HealthzWithResponse(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			// Metrics, to loopback (the default allow-list).
			res, err := c.MetricsWithResponse(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			b := res.Body
			if !strings.Contains(string(b), `precinct_build_info{version="e2e"} 1`) ||
				!strings.Contains(string(b), `precinct_db_operation_duration_seconds_count{engine="sqlite"`) ||
				!strings.Contains(string(b), "precinct_realtime_connections 0") || !strings.Contains(string(b), "precinct_bus_dropped_total 0") {
				t.Fatalf("/metrics:\n%.400s", b)
			}
			if fi, err := os.Stat(filepath.Join(srv.DataDir, "precinct.db")); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("precinct.db while running: %v %v", fi, err)
			}
			req, err := http.NewRequest(http.MethodGet, c.BaseURL()+"/api/no-such-route", nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Do(ctxT(t), req)
			var ce *client.Error
			if !errors.As(err, &ce) || ce.Status != 404 || ce.Code != "not_found" || ce.RequestID == "" {
				t.Fatalf("unknown route: %#v", err)
			}

			if code := srv.Signal(t, sig); code != 0 {
				t.Fatalf("exit code %d after %v:\n%s", code, sig, srv.Output())
			}
			if _, err := os.Stat(filepath.Join(srv.DataDir, "precinct.db-wal")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the write-ahead log was not folded in at shutdown: %v", err)
			}
			if !strings.Contains(srv.Output(), "shut down cleanly") {
				t.Fatalf("no clean shutdown in the log:\n%s", srv.Output())
			}
		})
	}
}

// Bad configuration stops the start quickly, with a message naming the key.
func TestBadConfigurationFailsFastNamingTheKey(t *testing.T) {
	busy := e2etest.Start(t, e2etest.Options{})
	busyAddr := strings.TrimPrefix(busy.URL, "http://")
	dir := t.TempDir()
	file := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(file, []byte("log_levle: debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A data directory of the FerretDB-based Precinct: its files in db/.
	old := shortTemp(t)
	if err := os.MkdirAll(filepath.Join(old, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unparsable address", nil, map[string]string{"PRECINCT_HTTP_ADDR": "localhost"}, "PRECINCT_HTTP_ADDR"},
		{"address in use", nil, map[string]string{"PRECINCT_HTTP_ADDR": busyAddr, "PRECINCT_DATA_DIR": shortTemp(t)}, "PRECINCT_HTTP_ADDR"},
		{"unreachable MongoDB", nil, map[string]string{"PRECINCT_MONGODB_URI": "mongodb://precinct:pw123@127.0.0.1:1/?directConnection=true"}, "PRECINCT_MONGODB_URI"},
		{"data directory in use", nil, map[string]string{"PRECINCT_DATA_DIR": busy.DataDir, "PRECINCT_HTTP_ADDR": "127.0.0.1:0"}, "PRECINCT_DATA_DIR"},
		{"an old FerretDB data directory", nil, map[string]string{"PRECINCT_DATA_DIR": old, "PRECINCT_HTTP_ADDR": "127.0.0.1:0"}, "embedded FerretDB database of an earlier Precinct"},
		{"bad flag value", []string{"--request-timeout", "forever"}, nil, "--request-timeout"},
		{"unknown key in the file", []string{"--config", file}, nil, `unknown key "log_levle"`},
		{"unknown command", []string{"frobnicate"}, nil, `unknown command "frobnicate"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if len(args) == 0 || args[0] != "frobnicate" {
				args = append([]string{"serve"}, args...)
			}
			code, out, took := e2etest.RunToExit(t, args, tc.env, 20*time.Second)
			if code == 0 {
				t.Fatalf("exit 0:\n%s", out)
			}
			if took > 15*time.Second {
				t.Fatalf("took %v", took)
			}
			if !strings.Contains(out, tc.want) {
				t.Fatalf("output does not name %s:\n%s", tc.want, out)
			}
			if strings.Contains(out, "pw123") {
				t.Fatalf("the database password reached the output:\n%s", out)
			}
		})
	}
}

func shortTemp(t *testing.T) string {
	d, err := os.MkdirTemp("", "pct-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func TestVersionCommand(t *testing.T) {
	code, out, _ := e2etest.RunToExit(t, []string{"version"}, nil, 10*time.Second)
	if code != 0 || strings.TrimSpace(out) != "precinct e2e" {
		t.Fatalf("exit %d: %q", code, out)
	}
}

// The acceptance test for outages, on the real binary pointed at a MongoDB
// URI: the network to the database is cut under a running server; /readyz
// answers 503 within 2 s, and 200 again when the network is back, without a
// restart (R81, R82).
func TestDatabaseOutageThroughAProxy(t *testing.T) {
	dir := shortTemp(t)
	fdb, err := mongotest.StartFerret(dir, storetest.QuietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer fdb.Stop(context.Background())
	proxy := e2etest.NewProxy(t, "unix", fdb.SocketPath())

	// FerretDB has no transactions; the binary refuses such a server
	// unless told it is a test.
	srv := e2etest.Start(t, e2etest.Options{Env: map[string]string{
		"PRECINCT_MONGODB_URI":                    "mongodb://" + proxy.Addr() + "/?directConnection=true",
		"PRECINCT_MONGODB_UNSAFE_NO_TRANSACTIONS": "true",
	}})
	c := client.New(srv.URL)
	ready := func() error {
		_, err := c.ReadyzWithResponse(ctxT(t))
		return err
	}
	if err := ready(); err != nil {
		t.Fatal(err)
	}

	proxy.Cut()
	start := time.Now()
	err = ready()
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("/readyz took %v during the outage", took)
	}
	if !client.IsCode(err, "unavailable") {
		t.Fatalf("during the outage: %v", err)
	}
	if _, err := c.HealthzWithResponse(ctxT(t)); err != nil {
		t.Fatalf("liveness must not depend on the database: %v", err)
	}

	proxy.Restore()
	deadline := time.Now().Add(20 * time.Second)
	for ready() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("no recovery without a restart:\n%s", srv.Output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code := srv.Stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
