package store_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/precinct-cad/precinct/internal/cad"
	. "github.com/precinct-cad/precinct/internal/store"
	"github.com/precinct-cad/precinct/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pct-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func openEmbedded(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Open(ctxT(t), OpenConfig{Database: "precinct", DataDir: dir, Timeout: 5 * time.Second, Logger: storetestLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func storetestLogger() *slog.Logger { return quiet() }

func quiet() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// Data written before a restart of the embedded database is there after it.
func TestEmbeddedKeepsDataAcrossRestart(t *testing.T) {
	dir := shortDir(t)
	db := openEmbedded(t, dir)
	if _, err := db.Collection("notes").InsertOne(ctxT(t), bson.M{"_id": "n1", "text": "unit 12 on scene"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, EmbeddedURIFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("embedded.uri left behind after stop: %v", err)
	}

	db = openEmbedded(t, dir)
	defer db.Close(context.Background())
	var got struct{ Text string }
	if err := db.Collection("notes").FindOne(ctxT(t), bson.M{"_id": "n1"}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Text != "unit 12 on scene" {
		t.Fatalf("got %q", got.Text)
	}
}

func TestEmbeddedFilesAndPermissions(t *testing.T) {
	dir := shortDir(t)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := openEmbedded(t, dir)
	defer db.Close(context.Background())

	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, want 0700", fi.Mode().Perm())
	}
	uri := RunningEmbeddedURI(dir)
	if !strings.HasPrefix(uri, "mongodb://") || !strings.Contains(uri, "embedded.sock") {
		t.Errorf("embedded.uri = %q", uri)
	}
	if fi, err := os.Stat(filepath.Join(dir, EmbeddedURIFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("embedded.uri: %v %v", fi, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, EmbeddedSocket)); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("socket: %v %v", fi, err)
	}
	if c := db.Capabilities(); c.Engine != "ferretdb" || c.Transactions || c.TTLIndexes || c.ChangeStreams || c.AtomicUpdates {
		t.Errorf("capabilities = %+v", c)
	}
}

func TestEmbeddedRefusesASecondProcessOnTheSameDataDir(t *testing.T) {
	dir := shortDir(t)
	db := openEmbedded(t, dir)
	defer db.Close(context.Background())
	_, err := StartEmbedded(dir, quiet())
	if !errors.Is(err, ErrDataDirInUse) {
		t.Fatalf("err = %v, want ErrDataDirInUse", err)
	}
}

func TestEmbeddedRefusesTooLongSocketPath(t *testing.T) {
	dir := filepath.Join(shortDir(t), strings.Repeat("d", 100))
	_, err := StartEmbedded(dir, quiet())
	if err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("err = %v", err)
	}
}

// Admin commands reach a running server's embedded database through its URI
// file, and start their own when none runs (a stale file included).
func TestOpenShared(t *testing.T) {
	dir := shortDir(t)
	server := openEmbedded(t, dir)
	if _, err := server.Collection("c").InsertOne(ctxT(t), bson.M{"_id": 1}); err != nil {
		t.Fatal(err)
	}
	admin, err := OpenShared(ctxT(t), OpenConfig{Database: "precinct", DataDir: dir, Timeout: 5 * time.Second, Logger: quiet()})
	if err != nil {
		t.Fatalf("OpenShared beside a running server: %v", err)
	}
	if n, err := admin.Collection("c").CountDocuments(ctxT(t), bson.M{}); err != nil || n != 1 {
		t.Fatalf("count = %d, %v", n, err)
	}
	admin.Close(ctxT(t))
	server.Close(ctxT(t))

	// A crashed server leaves its URI file; OpenShared must start its own.
	if err := os.WriteFile(filepath.Join(dir, EmbeddedURIFile), []byte("mongodb://%2Fnonexistent%2Fx.sock/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	admin, err = OpenShared(ctxT(t), OpenConfig{Database: "precinct", DataDir: dir, Timeout: 2 * time.Second, Logger: quiet()})
	if err != nil {
		t.Fatalf("OpenShared with a stale URI file: %v", err)
	}
	defer admin.Close(context.Background())
	if n, err := admin.Collection("c").CountDocuments(ctxT(t), bson.M{}); err != nil || n != 1 {
		t.Fatalf("count = %d, %v", n, err)
	}
}

// With the database gone, calls fail fast with unavailable (R81), and the
// same client recovers by itself when it is back (R82).
func TestOutageAnswersUnavailableAndRecovers(t *testing.T) {
	dir := shortDir(t)
	emb, err := StartEmbedded(dir, quiet())
	if err != nil {
		t.Fatal(err)
	}
	db, err := Connect(ctxT(t), Options{URI: emb.URI(), Database: "precinct", Timeout: 5 * time.Second, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	if err := emb.Stop(ctxT(t)); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	start := time.Now()
	err = db.Ping(ctx)
	cancel()
	if cad.ErrorCode(err) != cad.EUNAVAILABLE {
		t.Fatalf("ping during outage: %v (code %q)", err, cad.ErrorCode(err))
	}
	if el := time.Since(start); el > 1500*time.Millisecond {
		t.Fatalf("ping during outage took %v", el)
	}
	if msg := cad.ErrorMessage(err); strings.Contains(msg, "sock") || strings.Contains(msg, "connection") {
		t.Fatalf("driver text leaked into the message: %q", msg)
	}

	emb, err = StartEmbedded(dir, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Stop(context.Background())
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.Ping(ctx)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestEnsureIndexesIsIdempotent(t *testing.T) {
	db := storetest.NewDB(t)
	specs := []Index{
		{Collection: "things", Name: "things_community_code", Keys: bson.D{{Key: "communityId", Value: 1}, {Key: "code", Value: 1}}, Unique: true, Tenant: true},
		{Collection: "things", Name: "things_discord", Keys: bson.D{{Key: "discordId", Value: 1}}, Unique: true, Sparse: true},
		{Collection: "expiring", Name: "expiring_expires", Keys: bson.D{{Key: "expiresAt", Value: 1}}, ExpireAfter: time.Second},
	}
	for i := 0; i < 2; i++ {
		if err := EnsureIndexList(db, ctxT(t), specs); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	cur, err := db.Collection("things").Indexes().List(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []bson.M
	if err := cur.All(ctxT(t), &got); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, ix := range got {
		names[ix["name"].(string)] = true
	}
	if !names["things_community_code"] || !names["things_discord"] {
		t.Fatalf("indexes = %v", names)
	}
	// The unique index holds, and its violation maps to conflict (R85).
	doc := bson.M{"communityId": "a", "code": "LSPD"}
	if _, err := db.Collection("things").InsertOne(ctxT(t), doc); err != nil {
		t.Fatal(err)
	}
	_, err = db.Collection("things").InsertOne(ctxT(t), bson.M{"communityId": "a", "code": "LSPD"})
	if cad.ErrorCode(MapErr(err)) != cad.ECONFLICT {
		t.Fatalf("duplicate insert: %v", err)
	}
	// The same code in another community is fine: uniqueness is per tenant.
	if _, err := db.Collection("things").InsertOne(ctxT(t), bson.M{"communityId": "b", "code": "LSPD"}); err != nil {
		t.Fatal(err)
	}
}

// Architecture rule 1: every tenant index starts with communityId.
func TestDeclaredIndexes(t *testing.T) {
	seen := map[string]bool{}
	for _, ix := range Indexes() {
		if ix.Collection == "" || ix.Name == "" || len(ix.Keys) == 0 {
			t.Errorf("incomplete index %+v", ix)
		}
		if seen[ix.Collection+"/"+ix.Name] {
			t.Errorf("index %s declared twice", ix.Name)
		}
		seen[ix.Collection+"/"+ix.Name] = true
		if ix.Tenant && ix.Keys[0].Key != "communityId" {
			t.Errorf("tenant index %s does not start with communityId", ix.Name)
		}
	}
	db := storetest.NewDB(t) // NewDB runs EnsureIndexes on the real list
	if err := db.EnsureIndexes(ctxT(t)); err != nil {
		t.Fatalf("second EnsureIndexes: %v", err)
	}
}

func TestConnectFailsFastOnUnreachableServer(t *testing.T) {
	start := time.Now()
	_, err := Connect(ctxT(t), Options{URI: "mongodb://127.0.0.1:1/?directConnection=true", Database: "x", Timeout: 2 * time.Second})
	if err == nil {
		t.Fatal("connected to nothing")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("took %v", el)
	}
}

func TestMapErr(t *testing.T) {
	if MapErr(nil) != nil {
		t.Fatal("nil")
	}
	if got := cad.ErrorCode(MapErr(context.DeadlineExceeded)); got != cad.EUNAVAILABLE {
		t.Errorf("deadline: %s", got)
	}
	if got := cad.ErrorCode(MapErr(errors.New("strange"))); got != cad.EINTERNAL {
		t.Errorf("other: %s", got)
	}
	orig := cad.Errorf(cad.EFORBIDDEN, "no")
	if MapErr(orig) != error(orig) {
		t.Errorf("cad errors pass through")
	}
}
