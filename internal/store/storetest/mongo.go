package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/precinct-cad/precinct/internal/store"
	"github.com/precinct-cad/precinct/internal/store/mongo"
)

// One connection per server per test binary; each test gets a database of
// its own on it.
var shared struct {
	mu      sync.Mutex
	engines map[string]*mongo.Engine
}

// MongoEngine returns the shared connection to the server at uri, opened
// on first use. Servers without transactions (FerretDB) are accepted:
// tests that need transactions skip there.
func MongoEngine(t testing.TB, uri string) *mongo.Engine {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if e, ok := shared.engines[uri]; ok {
		return e
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	e, err := mongo.Open(ctx, mongo.Options{URI: uri, Database: "precinct_test", Timeout: Timeout, AllowNoTransactions: true, Logger: QuietLogger()})
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	if shared.engines == nil {
		shared.engines = map[string]*mongo.Engine{}
	}
	shared.engines[uri] = e
	return e
}

// NewMongo returns a fresh Store on a new database of the MongoDB server at
// uri, dropped when the test ends.
func NewMongo(t testing.TB, uri string) *store.Store {
	t.Helper()
	s, _ := NewMongoEngine(t, uri)
	return s
}

// NewMongoEngine is NewMongo, with the engine on the new database.
func NewMongoEngine(t testing.TB, uri string) (*store.Store, *mongo.Engine) {
	t.Helper()
	e := MongoEngine(t, uri).WithDatabase(DatabaseName(t))
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if err := e.Prepare(ctx, store.Collections()); err != nil {
		t.Fatalf("creating indexes: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		if err := e.Drop(ctx); err != nil {
			t.Errorf("dropping test database %s: %v", e.Name(), err)
		}
	})
	return store.New(e, store.Options{Logger: QuietLogger()}), e
}

// CloseShared closes the connections tests shared; Main calls it.
func CloseShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	for _, e := range shared.engines {
		_ = e.Close(context.Background())
	}
	shared.engines = nil
}

// DatabaseName makes a database name that is unique, valid on MongoDB and
// FerretDB (letters, digits and _, at most 63), and says which test made
// it.
func DatabaseName(t testing.TB) string {
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
