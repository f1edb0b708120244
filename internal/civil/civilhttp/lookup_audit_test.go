package civilhttp_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store/sqlite"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

// Issue 16, item 9: a look-up's audit entry is compact. 1,000 plate
// look-ups from a game server, 8 at a time, on a real SQLite file: the
// audit trail stores at most 512 bytes a look-up with its indexes (the
// full entry of before took about 800), the file grows by less than 1 MB,
// and every entry is read back through the audit route.
func TestLookupAuditIsCompact(t *testing.T) {
	if os.Getenv(storetest.EnvURI) != "" {
		t.Skip("measures a SQLite file")
	}
	tn := apitest.NewTenantsWith(t, apitest.Unlimited)
	env := tn.Env
	path := env.DB.Engine().(*sqlite.Engine).Path()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The file's own size, with the WAL written back and emptied.
	fileSize := func() int64 {
		t.Helper()
		if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// What the audit trail's tables and their indexes hold: the bytes of
	// their cells (payload and cell pointer), whatever the pages' slack.
	trailBytes := func() int64 {
		t.Helper()
		var n sql.NullInt64
		err := db.QueryRow(`SELECT sum(payload) + 4 * sum(ncell) FROM dbstat WHERE name IN
			(SELECT name FROM sqlite_schema WHERE tbl_name IN ('community_audit', 'lookup_audit'))
			OR name LIKE 'sqlite_autoindex_community_audit%' OR name LIKE 'sqlite_autoindex_lookup_audit%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n.Int64
	}
	const n = 1000
	size0, trail0 := fileSize(), trailBytes()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				plate := tn.VehA.PlateKey
				if i%4 == 0 {
					plate = fmt.Sprintf("MISS%04d", i) // a miss
				}
				if res := env.Do("GET", "/api/civilian/fivem-plate-lookup/"+plate, nil, apitest.Key(tn.KeyA), ""); res.Code != 200 {
					t.Errorf("look-up %d: %d %s", i, res.Code, res.Body)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	grown, perLookup := fileSize()-size0, float64(trailBytes()-trail0)/n
	t.Logf("%d look-ups: the file grew %d bytes (%.0f a look-up); the trail holds %.0f bytes a look-up with its indexes", n, grown, float64(grown)/n, perLookup)
	if perLookup > 512 {
		t.Errorf("a look-up's entry takes %.0f bytes with its indexes, over 512", perLookup)
	}
	if grown >= 1<<20 {
		t.Errorf("%d look-ups grew the file by %d bytes, over 1 MB", n, grown)
	}
	// Every one is in the trail, as the audit route shows it (validated
	// against docs/openapi.yaml), the misses among them.
	hits, misses, after := 0, 0, ""
	for {
		path := "/api/community/" + tn.A.ID + "/audit?action=lookup.plate&limit=100"
		if after != "" {
			path += "&after=" + url.QueryEscape(after)
		}
		res := env.Do("GET", path, nil, tn.As("adminA"), "")
		if res.Code != 200 {
			t.Fatalf("%d %s", res.Code, res.Body)
		}
		body := apitest.JSONOf(t, res)
		for _, e := range body["entries"].([]any) {
			e := e.(map[string]any)
			if e["action"] != "lookup.plate" || e["actorId"] != "apikey:"+tn.KeyAID || e["actorKind"] != "server" {
				t.Fatalf("entry %v", e)
			}
			switch found := e["after"].(map[string]any)["found"]; {
			case found == true && e["target"] == tn.VehA.PlateKey:
				hits++
			case found == false && strings.HasPrefix(e["target"].(string), "MISS"):
				misses++
			default:
				t.Fatalf("entry %v", e)
			}
		}
		next, _ := body["nextCursor"].(string)
		if next == "" {
			break
		}
		after = next
	}
	if hits != n*3/4 || misses != n/4 {
		t.Fatalf("%d hits and %d misses in the trail, want %d and %d", hits, misses, n*3/4, n/4)
	}
}

// Group commit keeps the promise of a look-up: answered means stored.
// Look-ups from many goroutines at once (officers' and the game's), then
// every answered one is found in the trail; once the store is drained
// (the server stopping), a look-up is refused with 503 and no record.
func TestAnsweredLookupsAreStored(t *testing.T) {
	tn := apitest.NewTenantsWith(t, apitest.Unlimited)
	env := tn.Env
	mkMemberOf(t, tn, "officerA")
	tn.GiveDepartment(t, "officerA")
	const workers, each = 24, 10
	var mu sync.Mutex
	answered := map[string]bool{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				plate := fmt.Sprintf("W%02dN%02d", w, i)
				if res := env.Do("GET", "/api/civilian/fivem-plate-lookup/"+plate, nil, apitest.Key(tn.KeyA), ""); res.Code == 200 {
					mu.Lock()
					answered[plate] = true
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	if len(answered) != workers*each {
		t.Fatalf("%d of %d look-ups answered", len(answered), workers*each)
	}
	stored := map[string]bool{}
	after := ""
	for {
		list, next, err := env.DB.Audit(context.Background(), tn.A.ID, cad.AuditFilter{Action: "lookup.plate", After: after, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			stored[e.Target] = true
		}
		if next == "" {
			break
		}
		after = next
	}
	for plate := range answered {
		if !stored[plate] {
			t.Fatalf("look-up of %s was answered but its entry is not stored", plate)
		}
	}
	// In the file itself, as another process sees it: committed, not held
	// in memory.
	if e, ok := env.DB.Engine().(*sqlite.Engine); ok {
		db, err := sql.Open("sqlite", "file:"+e.Path()+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow("SELECT count(*) FROM lookup_audit WHERE community_id = ? AND kind = 'plate'", tn.A.ID).Scan(&n); err != nil || n != len(answered) {
			t.Fatalf("%d entries in the file (%v), want %d", n, err, len(answered))
		}
	}
	// An officer's look-up goes the same way.
	if res := env.Do("GET", "/api/lookup/plate/"+tn.VehA.PlateKey, nil, tn.InA("officerA"), ""); res.Code != 200 {
		t.Fatalf("officer: %d %s", res.Code, res.Body)
	}
	if err := env.DB.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := env.Do("GET", "/api/civilian/fivem-plate-lookup/"+tn.VehA.PlateKey, nil, apitest.Key(tn.KeyA), "")
	if res.Code != 503 || strings.Contains(res.Body.String(), "Bravado") {
		t.Fatalf("a look-up whose entry cannot be stored answered %d %s", res.Code, res.Body)
	}
}

// Look-up entries past audit_lookup_retention are pruned, in batches,
// in every community; newer ones and other audit entries stay.
func TestLookupRetention(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	ctx := context.Background()
	add := func(com *cad.Community, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			e := &cad.LookupEntry{CommunityID: com.ID, Kind: "plate", ActorID: "apikey:" + tn.KeyAID, ActorKind: "server",
				Query: fmt.Sprint("OLD", i), Hit: true, Time: env.Clock.Now()}
			if err := env.DB.AddLookup(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(tn.A, 1100) // more than two batches
	add(tn.B, 3)
	env.Clock.Advance(91 * 24 * time.Hour)
	if res := env.Do("GET", "/api/civilian/fivem-plate-lookup/"+tn.VehA.PlateKey, nil, apitest.Key(tn.KeyA), ""); res.Code != 200 {
		t.Fatal(res.Code)
	}
	n, err := env.Community.PruneLookups(ctx, env.Config.LookupRetention)
	if err != nil || n != 1103 {
		t.Fatalf("pruned %d (%v), want 1103", n, err)
	}
	list, _, err := env.DB.Audit(ctx, tn.A.ID, cad.AuditFilter{Action: "lookup.plate", Limit: 50})
	if err != nil || len(list) != 1 || list[0].Target != tn.VehA.PlateKey {
		t.Fatalf("left: %+v %v", list, err)
	}
	if list, _, _ := env.DB.Audit(ctx, tn.A.ID, cad.AuditFilter{Limit: 50}); len(list) < 2 {
		t.Fatalf("the changes went too: %d entries left", len(list))
	}
}
