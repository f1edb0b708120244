package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store"
	"github.com/precinct-cad/precinct/internal/store/sqlite"
	"github.com/precinct-cad/precinct/internal/store/storetest"

	_ "modernc.org/sqlite"
)

// statements collects every statement the engine runs, for the query plan
// test.
type statements struct {
	mu  sync.Mutex
	set map[string]bool
}

func (s *statements) add(q string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set[q] = true
}

func (s *statements) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.set))
	for q := range s.set {
		out = append(out, q)
	}
	sort.Strings(out)
	return out
}

// The contract suite on SQLite, with every statement recorded; then every
// statement's query plan is checked: no full scan of a table that grows,
// no sort of a whole result (architecture rule 5).
func TestContract(t *testing.T) {
	rec := &statements{set: map[string]bool{}}
	storetest.Contract(t, func(t *testing.T) *store.Store {
		s, _ := storetest.NewSQLite(t, sqlite.Options{OnStatement: rec.add})
		return s
	}, storetest.Features{Atomic: true})
	if t.Failed() {
		return
	}
	_, e := storetest.NewSQLite(t, sqlite.Options{})
	checkPlans(t, e.Path(), rec.list())
}

// bulk marks the statements that read or delete a whole collection or
// community on purpose (store.Query.Bulk), none of them on a request path:
// export, Dump, ending every session.
func bulk(q string) bool { return strings.HasPrefix(q, "/* bulk */ ") }

// Tables that stay small whatever the deployment's size.
var smallTables = map[string]bool{"meta": true, "schema_migrations": true}

var planWords = regexp.MustCompile(`^(SCAN|SEARCH) (\S+)`)

func checkPlans(t *testing.T, path string, stmts []string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if len(stmts) < 40 {
		t.Fatalf("only %d statements recorded: the recorder is not wired", len(stmts))
	}
	for _, q := range stmts {
		args := make([]any, strings.Count(q, "?"))
		rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Errorf("explaining %q: %v", q, err)
			continue
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if strings.Contains(step, "USE TEMP B-TREE") && !bulk(q) {
				t.Errorf("%q sorts its whole result:\n  %s", q, strings.Join(plan, "\n  "))
			}
			m := planWords.FindStringSubmatch(step)
			// A multi-row INSERT's VALUES list is no table.
			if m == nil || m[1] != "SCAN" || smallTables[m[2]] || m[2] == "json_each" || strings.HasSuffix(step, "-ROW VALUES CLAUSE") {
				continue
			}
			// Walking an index in order, without a condition, up to a
			// limit reads only the page: the newest events.
			orderedPage := strings.Contains(step, " USING INDEX ") && !strings.Contains(q, " WHERE ") &&
				strings.Contains(q, " ORDER BY ") && strings.Contains(q, " LIMIT ")
			if !bulk(q) && !orderedPage {
				t.Errorf("%q scans %s:\n  %s", q, m[2], strings.Join(plan, "\n  "))
			}
		}
	}
	if !t.Failed() {
		t.Logf("%d statements, every one served by an index", len(stmts))
	}
}

// The migrated schema has exactly the columns and indexes schema.go
// declares, so the two cannot drift apart.
func TestSchemaMatchesDeclarations(t *testing.T) {
	_, e := storetest.NewSQLite(t, sqlite.Options{})
	db, err := sql.Open("sqlite", "file:"+e.Path()+"?_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range store.Collections() {
		cols := map[string]bool{}
		rows, err := db.Query(`SELECT name FROM pragma_table_xinfo(?)`, c.Name)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			_ = rows.Scan(&n)
			cols[n] = true
		}
		rows.Close()
		if len(cols) == 0 {
			t.Errorf("no table %s", c.Name)
			continue
		}
		want := map[string]bool{"doc": true}
		for _, f := range c.AllFields() {
			if f.Column != "" {
				want[f.Column] = true
			}
		}
		for col := range want {
			if !cols[col] {
				t.Errorf("%s has no column %s", c.Name, col)
			}
		}
		for col := range cols {
			if !want[col] {
				t.Errorf("%s has column %s that schema.go does not declare", c.Name, col)
			}
		}
		have := map[string]string{}
		rows, err = db.Query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, c.Name)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n, s string
			_ = rows.Scan(&n, &s)
			have[n] = s
		}
		rows.Close()
		for _, ix := range c.Indexes {
			got, ok := have[ix.Name]
			if !ok {
				t.Errorf("%s: no index %s", c.Name, ix.Name)
				continue
			}
			delete(have, ix.Name)
			var keys []string
			for _, k := range ix.Keys {
				f, _ := c.Field(k.Field)
				s := f.Column
				if k.Desc {
					s += " DESC"
				}
				keys = append(keys, s)
			}
			if want := "(" + strings.Join(keys, ", ") + ")"; !strings.Contains(got, want) {
				t.Errorf("index %s is %s, schema.go says %s", ix.Name, got, want)
			}
			if strings.Contains(got, "UNIQUE") != ix.Unique || strings.Contains(got, "WHERE") != ix.Sparse {
				t.Errorf("index %s is %s; schema.go says unique=%v sparse=%v", ix.Name, got, ix.Unique, ix.Sparse)
			}
		}
		for n := range have {
			t.Errorf("%s: index %s is not declared in schema.go", c.Name, n)
		}
	}
}

// Architecture rule 1: every index of a tenant collection starts with
// communityId; a keyset sort ends with _id.
func TestSchemaRules(t *testing.T) {
	for _, c := range store.Collections() {
		for _, ix := range c.Indexes {
			if c.Tenant && ix.Keys[0].Field != store.FieldCommunity && !ix.CrossTenant {
				t.Errorf("tenant index %s does not start with communityId", ix.Name)
			}
			for _, k := range ix.Keys {
				if _, ok := c.Field(k.Field); !ok {
					t.Errorf("index %s names undeclared field %s", ix.Name, k.Field)
				}
			}
		}
	}
}

// The file is private, in WAL mode, with foreign keys on and a busy
// timeout; the data directory is made private.
func TestFileSettings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	e, err := sqlite.Open(storetest.Ctx(t), sqlite.Options{Path: filepath.Join(dir, sqlite.FileName)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	if err := e.Prepare(storetest.Ctx(t), store.Collections()); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{dir: 0o700, e.Path(): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v %v, want %v", path, fi.Mode().Perm(), err, mode)
		}
	}
	db, err := sql.Open("sqlite", "file:"+e.Path()+"?_foreign_keys=1&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q %v", mode, err)
	}
	// A foreign key holds: a member of no community is refused.
	_, err = db.Exec(`INSERT INTO members (id, community_id, doc) VALUES ('x', 'nope', '{}')`)
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("a member of no community: %v", err)
	}
}

// A precinct.db that cannot be written is found when the engine opens (a
// write probe): Writable and Ping report it, reads go on, and every write
// is unavailable (503) with a message that says so, where it was an
// internal error (500) with the driver's text as its only trace. A
// writable file is found writable, and the probe leaves nothing behind.
func TestReadOnlyDatabase(t *testing.T) {
	ctx := storetest.Ctx(t)
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	s, e := storetest.NewSQLite(t, sqlite.Options{Path: path})
	key := cad.ServerKey{ID: "k1", Purpose: "jwt", Secret: []byte(strings.Repeat("s", 32)), CreatedAt: time.Now().UTC()}
	if err := s.AddServerKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := e.Writable(); err != nil {
		t.Fatalf("a writable file was found read-only: %v", err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	var probes int
	err = db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'precinct_write_probe'`).Scan(&probes)
	_ = db.Close()
	if err != nil || probes != 0 {
		t.Fatalf("the probe left its table: %d %v", probes, err)
	}

	storetest.MakeReadOnly(t, path)
	ro, err := sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		t.Fatalf("a read-only file must open (reads go on): %v", err)
	}
	defer ro.Close(context.Background())
	if err := ro.Prepare(ctx, store.Collections()); err != nil {
		t.Fatalf("a read-only file with nothing to migrate must prepare: %v", err)
	}
	for name, err := range map[string]error{"Writable": ro.Writable(), "Ping": ro.Ping(ctx)} {
		if cad.ErrorCode(err) != cad.EUNAVAILABLE || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("%s = %v, want unavailable: read-only", name, err)
		}
	}
	rs := store.New(ro, store.Options{Logger: storetest.QuietLogger()})
	if keys, err := rs.ServerKeys(ctx, "jwt"); err != nil || len(keys) != 1 {
		t.Fatalf("reads: %v %v", keys, err)
	}
	key.ID = "k2"
	err = rs.AddServerKey(ctx, key)
	var ce *cad.Error
	if !errors.As(err, &ce) || ce.Code != cad.EUNAVAILABLE || ce.Message != sqlite.ReadOnlyMessage || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("a write = %v, want unavailable with %q and the driver's cause", err, sqlite.ReadOnlyMessage)
	}
}

// Migrations apply once each, and a database migrated by a newer Precinct
// stops the start with a clear message, changing nothing.
func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	open := func() *sqlite.Engine {
		e, err := sqlite.Open(storetest.Ctx(t), sqlite.Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := open()
	applied, err := e.Migrate(storetest.Ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	all, _ := sqlite.Migrations()
	if len(applied) != len(all) || len(all) == 0 {
		t.Fatalf("applied %d of %d", len(applied), len(all))
	}
	if again, err := e.Migrate(storetest.Ctx(t)); err != nil || len(again) != 0 {
		t.Fatalf("second run applied %d: %v", len(again), err)
	}
	cur, known, err := e.SchemaVersion(storetest.Ctx(t))
	if err != nil || cur != known || cur != len(all) {
		t.Fatalf("version %d of %d: %v", cur, known, err)
	}
	_ = e.Close(context.Background())

	db, _ := sql.Open("sqlite", "file:"+path)
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 'x')`, known+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	e = open()
	defer e.Close(context.Background())
	_, err = e.Migrate(storetest.Ctx(t))
	if !errors.Is(err, sqlite.ErrSchemaTooNew) || !strings.Contains(err.Error(), fmt.Sprintf("version %d", known+1)) {
		t.Fatalf("a newer schema: %v", err)
	}
}

// Two processes migrating one new file at once apply each step once.
func TestConcurrentMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := sqlite.Open(context.Background(), sqlite.Options{Path: path})
			if err != nil {
				errs <- err
				return
			}
			defer e.Close(context.Background())
			_, err = e.Migrate(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A backup taken while the engine runs is a database on its own, with
// everything committed before it.
func TestBackup(t *testing.T) {
	s, e := storetest.NewSQLite(t, sqlite.Options{})
	ctx := storetest.Ctx(t)
	u := &cad.User{Username: "kept", PasswordHash: "x"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := e.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	if err := e.Backup(ctx, out); err == nil {
		t.Fatal("a backup overwrote a file")
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v", fi.Mode().Perm())
	}
	b, err := sqlite.Open(ctx, sqlite.Options{Path: out})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(context.Background())
	if err := b.Prepare(ctx, store.Collections()); err != nil {
		t.Fatal(err)
	}
	got, err := store.New(b, store.Options{}).UserByUsername(ctx, "kept")
	if err != nil || got.ID != u.ID {
		t.Fatalf("the backup lacks the user: %v", err)
	}
}

// A change an admin command makes (Announce) reaches a server's cache on
// the same file through the change log.
func TestChangeLogReachesTheServer(t *testing.T) {
	server, se := storetest.NewSQLite(t, sqlite.Options{})
	ctx, cancel := context.WithCancel(storetest.Ctx(t))
	defer cancel()
	if !server.Watch(ctx) {
		t.Fatal("the SQLite engine does not watch its change log")
	}
	u := &cad.User{Username: "watched", PasswordHash: "x"}
	if err := server.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, _ := server.UserByID(ctx, u.ID); got.Disabled {
		t.Fatal("disabled from the start")
	}
	ce, err := sqlite.Open(ctx, sqlite.Options{Path: se.Path(), Announce: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ce.Close(context.Background())
	cli := store.New(ce, store.Options{})
	yes := true
	if _, err := cli.UpdateUser(ctx, u.ID, cad.UserUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		got, err := server.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Disabled {
			break
		}
		if i > 100 {
			t.Fatal("the server never saw the command's change")
		}
		waitABit()
	}
}

func waitABit() { time.Sleep(20 * time.Millisecond) }

// Migration 0004 moves the look-up entries a database already holds into
// the compact table (issue 16), where the audit trail still lists them and
// retention prunes them; the other entries stay where they were.
func TestLookupEntriesMoveToTheirTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	ms, err := sqlite.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	// A database as the release before it left it: migrations 1 to 3.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == "lookup_audit" {
			break
		}
		if _, err := db.Exec(m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?, ?, 'x')`, m.Version, m.Name); err != nil {
			t.Fatal(err)
		}
	}
	const com = "0123456789abcdef01234567"
	docs := []string{
		`{"_id":"aaaaaaaaaaaaaaaaaaaaaaa1","communityId":"` + com + `","action":"lookup.plate","actorId":"apikey:k1","actorKind":"server","ip":"192.0.2.1","requestId":"r1","target":"ABC123","after":{"alertLevel":"none","found":false},"time":"2026-01-02T03:04:05.006Z"}`,
		`{"_id":"aaaaaaaaaaaaaaaaaaaaaaa2","communityId":"` + com + `","action":"lookup.person","actorId":"u1","actorKind":"superadmin","after":{"name":"pat smith","dob":"1990-05-15","ssn":""},"time":"2026-01-02T03:04:06.000Z"}`,
		`{"_id":"aaaaaaaaaaaaaaaaaaaaaaa3","communityId":"` + com + `","action":"member.updated","actorId":"u1","actorKind":"user","target":"u2","time":"2026-01-02T03:04:07.000Z"}`,
	}
	if _, err := db.Exec(`INSERT INTO communities (id, doc) VALUES (?, ?)`, com, `{"_id":"`+com+`","name":"Old","guildId":"100000000000000009","createdAt":"2026-01-01T00:00:00Z"}`); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if _, err := db.Exec(`INSERT INTO community_audit (id, community_id, doc) VALUES (json_extract(?, '$._id'), ?, ?)`, d, com, d); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, e := storetest.NewSQLite(t, sqlite.Options{Path: path})
	if cur, known, _ := e.SchemaVersion(storetest.Ctx(t)); cur != known {
		t.Fatalf("at version %d of %d", cur, known)
	}
	list, _, err := s.Audit(storetest.Ctx(t), com, cad.AuditFilter{Limit: 10})
	if err != nil || len(list) != 3 {
		t.Fatalf("%d entries: %v", len(list), err)
	}
	got := map[string]*cad.AuditEntry{}
	for _, e := range list {
		got[e.Action] = e
	}
	plate, person := got["lookup.plate"], got["lookup.person"]
	if plate == nil || plate.Target != "ABC123" || plate.ActorID != "apikey:k1" || plate.ActorKind != "server" ||
		plate.After.(map[string]any)["found"] != false || plate.Time.Format(store.TimeLayout) != "2026-01-02T03:04:05.006Z" {
		t.Fatalf("plate look-up moved as %+v", plate)
	}
	if person == nil || person.Target != "pat smith 1990-05-15" || person.ActorKind != "superadmin" || person.After.(map[string]any)["found"] != true {
		t.Fatalf("person look-up moved as %+v", person)
	}
	if n, err := s.PruneLookups(storetest.Ctx(t), com, time.Now(), 10); err != nil || n != 2 {
		t.Fatalf("retention pruned %d moved entries: %v", n, err)
	}
	if list, _, _ := s.Audit(storetest.Ctx(t), com, cad.AuditFilter{Limit: 10}); len(list) != 1 || list[0].Action != "member.updated" {
		t.Fatalf("left %+v", list)
	}
}
