package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store"
)

// lookupContract: look-ups' compact audit entries (issue 16), written by
// group commit and read back through the audit trail with the changes.
func lookupContract(t *testing.T, open func(t *testing.T) *store.Store, atomicOnly func(t *testing.T)) {
	t.Run("read back with the changes", func(t *testing.T) { testLookupEntries(t, open(t)) })
	t.Run("retention", func(t *testing.T) { testPruneLookups(t, open(t)) })
	t.Run("concurrent look-ups are all stored", func(t *testing.T) { testConcurrentLookups(t, open(t)) })
	t.Run("inside a transaction", func(t *testing.T) { atomicOnly(t); testLookupInTx(t, open(t)) })
	t.Run("drain", func(t *testing.T) { testLookupDrain(t, open(t)) })
	t.Run("a user's memberships are never stale", func(t *testing.T) { testUserMembershipsCached(t, open(t)) })
	t.Run("a plate's BOLOs are never stale", func(t *testing.T) { testBOLOsForCached(t, open(t)) })
}

// Plate look-ups read a community's active BOLOs from the identity cache:
// a BOLO made, resolved or changed counts at the next look-up, and a
// community with more than the cache keeps is read by index.
func testBOLOsForCached(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	a, b := mkCommunity(t, s, "A"), mkCommunity(t, s, "B")
	count := func(c *cad.Community, plate, person string) int {
		t.Helper()
		list, err := s.BOLOsFor(ctx, c.ID, plate, person)
		must(t, err)
		return len(list)
	}
	if n := count(a, "ABC123", "ch1"); n != 0 {
		t.Fatalf("%d before any", n)
	}
	v := &cad.BOLO{Kind: cad.BOLOVehicle, Reason: "Stolen", PlateKey: "ABC123", Active: true, AuthorID: "u"}
	must(t, s.CreateBOLO(ctx, a.ID, v))
	if n := count(a, "ABC123", "ch1"); n != 1 {
		t.Fatalf("%d after one was made", n)
	}
	if n := count(b, "ABC123", ""); n != 0 {
		t.Fatal("B sees A's BOLO")
	}
	_, err := s.UpdateBOLO(ctx, a.ID, v.ID, func(x *cad.BOLO) error { x.PlateKey = "XYZ9"; return nil })
	must(t, err)
	if count(a, "ABC123", "") != 0 || count(a, "XYZ9", "") != 1 {
		t.Fatal("a changed plate is not seen at once")
	}
	_, err = s.UpdateBOLO(ctx, a.ID, v.ID, func(x *cad.BOLO) error { x.Active = false; return nil })
	must(t, err)
	if n := count(a, "XYZ9", ""); n != 0 {
		t.Fatalf("%d after it was resolved", n)
	}
	for i := 0; i < 205; i++ {
		must(t, s.CreateBOLO(ctx, b.ID, &cad.BOLO{Kind: cad.BOLOPerson, Reason: "Wanted", CharacterID: fmt.Sprint("p", i), Active: true, AuthorID: "u"}))
	}
	if count(b, "", "p3") != 1 || count(b, "", "p204") != 1 || count(b, "", "p999") != 0 {
		t.Fatal("a community with many BOLOs")
	}
}

func addLookup(t *testing.T, s *store.Store, c *cad.Community, kind, actor, query string, hit bool, at time.Time) *cad.LookupEntry {
	t.Helper()
	e := &cad.LookupEntry{CommunityID: c.ID, Kind: kind, ActorID: actor, ActorKind: "user", Query: query, Hit: hit, Time: at}
	if strings.HasPrefix(actor, "apikey:") {
		e.ActorKind = "server"
	}
	must(t, s.AddLookup(Ctx(t), e))
	if e.ID == "" {
		t.Fatal("no id given")
	}
	return e
}

func testLookupEntries(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	a, b := mkCommunity(t, s, "A"), mkCommunity(t, s, "B")
	base := time.Now().Add(-time.Hour)
	// Changes and look-ups interleaved in time: minute i.
	var want []string
	for i := 0; i < 10; i++ {
		at := base.Add(time.Duration(i) * time.Minute)
		switch i % 3 {
		case 0:
			e := &cad.AuditEntry{CommunityID: a.ID, Action: "member.updated", ActorID: "officer", ActorKind: "user", Time: at}
			must(t, s.AddAudit(ctx, e))
			want = append(want, e.ID)
		case 1:
			want = append(want, addLookup(t, s, a, "plate", "apikey:k1", fmt.Sprintf("PLATE%d", i), i != 4, at).ID)
		case 2:
			want = append(want, addLookup(t, s, a, "person", "officer", "name=pat mem", true, at).ID)
		}
	}
	addLookup(t, s, b, "plate", "apikey:k2", "BPLATE", true, base)
	for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
		want[i], want[j] = want[j], want[i]
	}
	// The whole trail, newest first, by cursor in pages of 3: changes and
	// look-ups merged.
	ids := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.Audit(ctx, a.ID, cad.AuditFilter{After: after, Limit: 3})
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = e.ID
		}
		return out, next, err
	})
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("merged trail\n got %v\nwant %v", ids, want)
	}
	// By offset too.
	list, _, err := s.Audit(ctx, a.ID, cad.AuditFilter{Offset: 3, Limit: 3})
	must(t, err)
	if len(list) != 3 || list[0].ID != want[3] || list[2].ID != want[5] {
		t.Fatalf("page at offset 3: %+v", list)
	}
	// The plate look-ups, as an audit reader sees them.
	list, _, err = s.Audit(ctx, a.ID, cad.AuditFilter{Action: "lookup.plate", Limit: 10})
	must(t, err)
	if len(list) != 3 {
		t.Fatalf("%d plate look-ups", len(list))
	}
	e := list[1] // minute 4: a miss
	if e.Action != "lookup.plate" || e.ActorID != "apikey:k1" || e.ActorKind != "server" || e.Target != "PLATE4" ||
		e.CommunityID != a.ID || !e.Time.Equal(store.Millis(base.Add(4*time.Minute))) {
		t.Fatalf("plate look-up read back as %+v", e)
	}
	if after, _ := e.After.(map[string]any); after["found"] != false {
		t.Fatalf("a miss read back as %#v", e.After)
	}
	// One actor's entries, changes and look-ups.
	list, _, err = s.Audit(ctx, a.ID, cad.AuditFilter{ActorID: "officer", Limit: 20})
	must(t, err)
	if len(list) != 7 || list[0].Action != "member.updated" || list[1].Action != "lookup.person" || list[1].ActorKind != "user" {
		t.Fatalf("officer's entries: %d, first %+v", len(list), list[0])
	}
	list, _, err = s.Audit(ctx, a.ID, cad.AuditFilter{ActorID: "officer", Action: "lookup.person", Limit: 20})
	must(t, err)
	if len(list) != 3 {
		t.Fatalf("officer's person look-ups: %d", len(list))
	}
	// A time window.
	list, _, err = s.Audit(ctx, a.ID, cad.AuditFilter{Since: base.Add(4 * time.Minute), Until: base.Add(6 * time.Minute), Limit: 10})
	must(t, err)
	if len(list) != 2 {
		t.Fatalf("window: %d", len(list))
	}
	// B sees its own only.
	list, _, err = s.Audit(ctx, b.ID, cad.AuditFilter{Limit: 10})
	must(t, err)
	if len(list) != 1 || list[0].Target != "BPLATE" {
		t.Fatalf("B's trail: %+v", list)
	}
	// What was asked is kept to cad.MaxLookupQuery bytes, whole characters.
	long := addLookup(t, s, a, "person", "officer", strings.Repeat("é", 80), false, time.Now())
	list, _, _ = s.Audit(ctx, a.ID, cad.AuditFilter{Action: "lookup.person", Limit: 1})
	if list[0].ID != long.ID || len(list[0].Target) != cad.MaxLookupQuery || !strings.HasSuffix(list[0].Target, "é") {
		t.Fatalf("long question kept as %q", list[0].Target)
	}
}

func testPruneLookups(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	a, b := mkCommunity(t, s, "A"), mkCommunity(t, s, "B")
	now := time.Now()
	for i := 0; i < 5; i++ {
		addLookup(t, s, a, "plate", "apikey:k", "OLD", true, now.AddDate(0, 0, -100+i))
		addLookup(t, s, a, "person", "u", "OLD", true, now.AddDate(0, 0, -100+i))
		addLookup(t, s, b, "plate", "apikey:k", "OLD", true, now.AddDate(0, 0, -100))
	}
	kept := addLookup(t, s, a, "plate", "apikey:k", "NEW", true, now)
	change := &cad.AuditEntry{CommunityID: a.ID, Action: "member.updated", Time: now.AddDate(-1, 0, 0)}
	must(t, s.AddAudit(ctx, change))
	cut := now.AddDate(0, 0, -90)
	// Oldest first, at most the limit.
	n, err := s.PruneLookups(ctx, a.ID, cut, 4)
	must(t, err)
	if n != 4 {
		t.Fatalf("pruned %d, want 4", n)
	}
	total := n
	for n == 4 {
		n, err = s.PruneLookups(ctx, a.ID, cut, 4)
		must(t, err)
		total += n
	}
	if total != 10 {
		t.Fatalf("pruned %d in all, want 10", total)
	}
	list, _, err := s.Audit(ctx, a.ID, cad.AuditFilter{Limit: 50})
	must(t, err)
	if len(list) != 2 || list[0].ID != kept.ID || list[1].ID != change.ID {
		t.Fatalf("after pruning A: %+v", list)
	}
	if list, _, _ := s.Audit(ctx, b.ID, cad.AuditFilter{Limit: 50}); len(list) != 5 {
		t.Fatalf("pruning A took B's entries: %d left", len(list))
	}
	ids, err := s.CommunityIDs(ctx)
	must(t, err)
	if len(ids) != 2 {
		t.Fatalf("community ids %v", ids)
	}
}

// Every look-up answered concurrently has its entry stored, whatever
// batch it went in.
func testConcurrentLookups(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Busy")
	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- s.AddLookup(ctx, &cad.LookupEntry{CommunityID: c.ID, Kind: "plate", ActorID: "apikey:k", ActorKind: "server",
				Query: fmt.Sprintf("P%04d", i), Hit: true, Time: time.Now()})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	seen := map[string]bool{}
	pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.Audit(ctx, c.ID, cad.AuditFilter{Action: "lookup.plate", After: after, Limit: 100})
		for _, e := range list {
			seen[e.Target] = true
		}
		return nil, next, err
	})
	if len(seen) != n {
		t.Fatalf("%d of %d concurrent look-ups stored", len(seen), n)
	}
}

// Inside a transaction a look-up's entry is written with it, and goes
// when it is rolled back.
func testLookupInTx(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Tx")
	boom := errors.New("boom")
	err := s.Tx(ctx, func(ctx context.Context) error {
		must(t, s.AddLookup(ctx, &cad.LookupEntry{CommunityID: c.ID, Kind: "plate", ActorID: "u", Query: "GONE", Time: time.Now()}))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	must(t, s.Tx(ctx, func(ctx context.Context) error {
		return s.AddLookup(ctx, &cad.LookupEntry{CommunityID: c.ID, Kind: "plate", ActorID: "u", Query: "KEPT", Time: time.Now()})
	}))
	list, _, err := s.Audit(ctx, c.ID, cad.AuditFilter{Limit: 10})
	must(t, err)
	if len(list) != 1 || list[0].Target != "KEPT" {
		t.Fatalf("entries %+v", list)
	}
}

// A drained store has written every entry handed to it and refuses new
// ones; a caller whose context has ended is not kept waiting.
func testLookupDrain(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Drain")
	done, cancel := context.WithCancel(ctx)
	cancel()
	err := s.AddLookup(done, &cad.LookupEntry{CommunityID: c.ID, Kind: "plate", ActorID: "u", Query: "LATE", Time: time.Now()})
	wantCode(t, err, cad.EUNAVAILABLE, "a look-up whose context ended")
	addLookup(t, s, c, "plate", "u", "FIRST", true, time.Now())
	must(t, s.Drain(ctx))
	err = s.AddLookup(ctx, &cad.LookupEntry{CommunityID: c.ID, Kind: "plate", ActorID: "u", Query: "AFTER", Time: time.Now()})
	wantCode(t, err, cad.EUNAVAILABLE, "a look-up after the drain")
	must(t, s.Drain(ctx)) // twice is harmless
	list, _, err := s.Audit(ctx, c.ID, cad.AuditFilter{Limit: 10})
	must(t, err)
	for _, e := range list {
		if e.Target == "AFTER" {
			t.Fatal("an entry refused was stored")
		}
	}
	if len(list) == 0 || list[0].Target != "FIRST" && (len(list) < 2 || list[1].Target != "FIRST") {
		t.Fatalf("entries %+v", list)
	}
}

// A user's memberships (GET /api/auth/me reads them from the identity
// cache) follow every change at once: joining, a new role, leaving.
func testUserMembershipsCached(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	a, b := mkCommunity(t, s, "A"), mkCommunity(t, s, "B")
	u := mkUser(t, s, "cached")
	roles := func() string {
		t.Helper()
		list, err := s.MembershipsOfUser(ctx, u.ID)
		must(t, err)
		var out []string
		for _, m := range list {
			name := "A"
			if m.CommunityID == b.ID {
				name = "B"
			}
			out = append(out, name+":"+m.Role+":"+strings.Join(m.Departments, "+"))
		}
		return strings.Join(out, ",")
	}
	if got := roles(); got != "" {
		t.Fatalf("before joining: %q", got)
	}
	mkMember(t, s, a, u, cad.RoleMember)
	if got := roles(); got != "A:member:" {
		t.Fatalf("after joining A: %q", got)
	}
	mkMember(t, s, b, u, cad.RoleMember)
	if got := roles(); !strings.Contains(got, "B:member:") {
		t.Fatalf("after joining B: %q", got)
	}
	sup, deps := cad.RoleSupervisor, []string{"LSPD"}
	_, err := s.UpdateMember(ctx, a.ID, u.ID, cad.MemberUpdate{Role: &sup, Departments: &deps})
	must(t, err)
	if got := roles(); !strings.Contains(got, "A:supervisor:LSPD") {
		t.Fatalf("after the role change: %q", got)
	}
	must(t, s.RemoveDepartmentFromMembers(ctx, a.ID, "LSPD"))
	if got := roles(); !strings.Contains(got, "A:supervisor:,") && !strings.HasSuffix(got, "A:supervisor:") {
		t.Fatalf("after the department went: %q", got)
	}
	must(t, s.RemoveMember(ctx, b.ID, u.ID))
	if got := roles(); got != "A:supervisor:" {
		t.Fatalf("after leaving B: %q", got)
	}
	// What a caller changes in its copy stays its own.
	list, _ := s.MembershipsOfUser(ctx, u.ID)
	list[0].Role, list[0].Departments = "hacked", append(list[0].Departments, "X")
	if got := roles(); got != "A:supervisor:" {
		t.Fatalf("the cache kept a caller's change: %q", got)
	}
}
