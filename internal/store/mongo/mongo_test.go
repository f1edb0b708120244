package mongo_test

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
	"github.com/precinct-cad/precinct/internal/store/mongo"
	"github.com/precinct-cad/precinct/internal/store/mongo/mongotest"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

// The engine is tested against PRECINCT_TEST_MONGODB_URI when it is set (a
// real MongoDB replica set: every test runs), else against a FerretDB
// started here (tests that need transactions skip, saying why).
var server struct {
	uri    string
	ferret *mongotest.Ferret
	dir    string
}

func TestMain(m *testing.M) {
	server.uri = os.Getenv(storetest.EnvURI)
	if server.uri == "" {
		dir, err := os.MkdirTemp("", "pct-fdb-")
		if err != nil {
			panic(err)
		}
		server.dir = dir
		f, err := mongotest.StartFerret(dir, storetest.QuietLogger())
		if err != nil {
			panic(err)
		}
		server.ferret, server.uri = f, f.URI()
	}
	code := m.Run()
	storetest.CloseShared() // the clients first: FerretDB waits for them
	if server.ferret != nil {
		_ = server.ferret.Stop(context.Background())
		_ = os.RemoveAll(server.dir)
	}
	os.Exit(code)
}

func features(t *testing.T) storetest.Features {
	e := storetest.MongoEngine(t, server.uri)
	caps := e.Capabilities()
	return storetest.Features{Atomic: caps.Transactions,
		NotAtomic: "this server (" + caps.Engine + ") has no transactions: run with PRECINCT_TEST_MONGODB_URI set to a MongoDB replica set"}
}

func TestContract(t *testing.T) {
	storetest.Contract(t, func(t *testing.T) *store.Store { return storetest.NewMongo(t, server.uri) }, features(t))
}

// A server without transactions is refused unless the caller says it is
// a test.
func TestServerWithoutTransactionsIsRefused(t *testing.T) {
	if features(t).Atomic {
		t.Skip("this server has transactions")
	}
	_, err := mongo.Open(storetest.Ctx(t), mongo.Options{URI: server.uri, Database: "x", Timeout: 5 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "replica set") {
		t.Fatalf("opened without transactions: %v", err)
	}
}

// Declared indexes are created, creating them again is a no-op, and a unique
// index's refusal is a conflict (R85).
func TestIndexes(t *testing.T) {
	_, e := storetest.NewMongoEngine(t, server.uri)
	if err := e.Prepare(storetest.Ctx(t), store.Collections()); err != nil {
		t.Fatalf("second Prepare: %v", err)
	}
	names, err := e.IndexNames(storetest.Ctx(t), "members")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"members_community_username", "members_community_role_username", "members_user"} {
		if !names[want] {
			t.Errorf("no index %s: %v", want, names)
		}
	}
}

// R81, R82: with the server gone, calls fail fast with unavailable and no
// driver text; the same engine recovers by itself when it is back.
func TestOutageAnswersUnavailableAndRecovers(t *testing.T) {
	if server.ferret == nil {
		t.Skip("needs the FerretDB this test starts and stops")
	}
	dir, err := os.MkdirTemp("", "pct-out-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	f, err := mongotest.StartFerret(dir, storetest.QuietLogger())
	if err != nil {
		t.Fatal(err)
	}
	e, err := mongo.Open(storetest.Ctx(t), mongo.Options{URI: f.URI(), Database: "precinct", Timeout: 5 * time.Second, AllowNoTransactions: true, Logger: storetest.QuietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	env := apitest.NewWith(t, apitest.DefaultConfig(t), store.New(e, store.Options{}))
	if res := env.Do(http.MethodGet, "/readyz", nil, nil, ""); res.Code != 200 {
		t.Fatalf("before the outage: %d %s", res.Code, res.Body)
	}
	if err := f.Stop(storetest.Ctx(t)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := env.Do(http.MethodGet, "/readyz", nil, nil, "")
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("/readyz took %v during the outage", el)
	}
	if res.Code != http.StatusServiceUnavailable || strings.Contains(res.Body.String(), "sock") {
		t.Fatalf("during the outage: %d %s", res.Code, res.Body)
	}
	apitest.CheckErrorBody(t, res, cad.EUNAVAILABLE)

	f, err = mongotest.StartFerret(dir, storetest.QuietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Stop(context.Background())
	deadline := time.Now().Add(15 * time.Second)
	for env.Do(http.MethodGet, "/readyz", nil, nil, "").Code != 200 {
		if time.Now().After(deadline) {
			t.Fatal("no recovery without a restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestConnectFailsFastOnUnreachableServer(t *testing.T) {
	start := time.Now()
	_, err := mongo.Open(context.Background(), mongo.Options{URI: "mongodb://127.0.0.1:1/?directConnection=true", Database: "x", Timeout: 2 * time.Second})
	if err == nil {
		t.Fatal("connected to nothing")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("took %v", el)
	}
}

// The way a community outgrows one machine: SQLite -> export -> import into
// MongoDB -> export gives the same records, for a whole deployment and for
// one community.
func TestRoundTripFromSQLite(t *testing.T) {
	src := storetest.New(t) // SQLite unless PRECINCT_TEST_MONGODB_URI is set
	a, _ := storetest.Fill(t, src)
	t.Run("everything", func(t *testing.T) {
		storetest.RoundTrip(t, src, storetest.NewMongo(t, server.uri), "")
	})
	t.Run("one community", func(t *testing.T) {
		storetest.RoundTrip(t, src, storetest.NewMongo(t, server.uri), a.GuildID)
	})
}
