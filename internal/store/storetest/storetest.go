// Package storetest gives tests a real database: a fresh SQLite file per
// test by default, or, with PRECINCT_TEST_MONGODB_URI set, a fresh database
// on that MongoDB server (dropped when the test ends). It also holds the
// contract suite that every engine passes (contract.go).
package storetest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/store"
	"github.com/precinct-cad/precinct/internal/store/sqlite"
)

// EnvURI names a MongoDB server to run the tests against instead of SQLite.
const EnvURI = "PRECINCT_TEST_MONGODB_URI"

// Timeout bounds a test's set-up and tear-down calls.
const Timeout = 10 * time.Second

// QuietLogger keeps expected warnings out of test output.
func QuietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// Main runs the tests and closes what they shared.
func Main(m *testing.M) {
	code := m.Run()
	CloseShared()
	os.Exit(code)
}

// New returns a fresh, prepared Store for one test, on the engine the
// environment selects, closed (and dropped) when the test ends.
func New(t testing.TB) *store.Store {
	t.Helper()
	if os.Getenv(EnvURI) != "" {
		return NewMongo(t, os.Getenv(EnvURI))
	}
	s, _ := NewSQLite(t, sqlite.Options{})
	return s
}

// NewObserved is New with an Observer of the store's operations (SQLite
// only).
func NewObserved(t testing.TB, obs store.Observer) *store.Store {
	t.Helper()
	_, e := NewSQLite(t, sqlite.Options{})
	return store.New(e, store.Options{Logger: QuietLogger(), Observer: obs})
}

// NewSQLite returns a fresh Store on a new SQLite file in the test's
// temporary directory, and its engine.
func NewSQLite(t testing.TB, o sqlite.Options) (*store.Store, *sqlite.Engine) {
	t.Helper()
	if o.Path == "" {
		o.Path = filepath.Join(t.TempDir(), sqlite.FileName)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	e, err := sqlite.Open(ctx, o)
	if err != nil {
		t.Fatalf("opening SQLite: %v", err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	if err := e.Prepare(ctx, store.Collections()); err != nil {
		t.Fatalf("migrating SQLite: %v", err)
	}
	return store.New(e, store.Options{Logger: QuietLogger()}), e
}

// Ctx is a context for one test step.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
