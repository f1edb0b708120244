// Package storetest gives tests a real database: one embedded FerretDB per
// test binary (or the server named by PRECINCT_TEST_MONGODB_URI), and a
// fresh, uniquely named database per test that is dropped when the test ends.
//
// A package that uses it stops the shared server cleanly with
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/store"
)

// EnvURI names an external server to test against instead of the embedded one.
const EnvURI = "PRECINCT_TEST_MONGODB_URI"

// Timeout is the client-side operation timeout tests run with.
const Timeout = 10 * time.Second

var shared struct {
	once sync.Once
	db   *store.DB // connection to the shared server, on a throwaway database name
	emb  *store.Embedded
	dir  string
	err  error
}

func start() {
	uri := os.Getenv(EnvURI)
	if uri == "" {
		// A short path: the socket must fit in sun_path.
		dir, err := os.MkdirTemp("", "pct-db-")
		if err != nil {
			shared.err = err
			return
		}
		shared.dir = dir
		emb, err := store.StartEmbedded(dir, QuietLogger())
		if err != nil {
			shared.err = err
			return
		}
		shared.emb = emb
		uri = emb.URI()
	}
	shared.db, shared.err = store.Connect(context.Background(), store.Options{URI: uri, Database: "precinct_test", Timeout: Timeout, Logger: QuietLogger()})
}

// QuietLogger keeps the embedded database's chatter out of test output
// unless something is really wrong.
func QuietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// Main runs the tests and then stops the shared database server.
func Main(m *testing.M) {
	code := m.Run()
	stop()
	os.Exit(code)
}

func stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if shared.db != nil {
		_ = shared.db.Close(ctx)
	}
	if shared.emb != nil {
		_ = shared.emb.Stop(ctx)
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
}

// URI returns the connection string of the shared test server, starting it
// on first use.
func URI(t testing.TB) string {
	t.Helper()
	server(t)
	if shared.emb != nil {
		return shared.emb.URI()
	}
	return os.Getenv(EnvURI)
}

func server(t testing.TB) *store.DB {
	t.Helper()
	shared.once.Do(start)
	if shared.err != nil {
		t.Fatalf("test database: %v", shared.err)
	}
	return shared.db
}

// NewDB returns a fresh database on the shared server, with Precinct's
// indexes in place, dropped when the test ends.
func NewDB(t testing.TB) *store.DB {
	t.Helper()
	db := server(t).WithDatabase(Name(t))
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if err := db.EnsureIndexes(ctx); err != nil {
		t.Fatalf("ensure indexes: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		if err := db.Drop(ctx); err != nil {
			t.Errorf("dropping test database %s: %v", db.Name(), err)
		}
	})
	return db
}

// Name makes a database name that is unique, valid on MongoDB and FerretDB
// (letters, digits, _ and -, at most 63), and says which test made it.
func Name(t testing.TB) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	base := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name())
	if len(base) > 40 {
		base = base[:40]
	}
	return fmt.Sprintf("t_%s_%s", base, hex.EncodeToString(b[:]))
}
