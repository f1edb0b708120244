package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/store"
)

// Features says what the engine under test promises beyond the basics.
type Features struct {
	// Atomic engines run transactions: rules that read before they write
	// hold under concurrency. FerretDB has none; the tests that need them
	// skip there with NotAtomic as the reason.
	Atomic    bool
	NotAtomic string
}

// Contract runs the contract suite: every method of every store interface,
// its not-found and conflict answers, an isolation test per tenant
// repository, and the concurrency rules. open returns a fresh, empty store
// for each call.
func Contract(t *testing.T, open func(t *testing.T) *store.Store, f Features) {
	atomicOnly := func(t *testing.T) {
		t.Helper()
		if !f.Atomic {
			t.Skip(f.NotAtomic)
		}
	}
	t.Run("users", func(t *testing.T) { testUsers(t, open(t)) })
	t.Run("user list", func(t *testing.T) { testUserList(t, open(t)) })
	t.Run("sessions", func(t *testing.T) { testSessions(t, open(t)) })
	t.Run("reset tokens", func(t *testing.T) { testResetTokens(t, open(t)) })
	t.Run("oauth", func(t *testing.T) { testOAuth(t, open(t)) })
	t.Run("counters", func(t *testing.T) { testCounters(t, open(t)) })
	t.Run("server keys", func(t *testing.T) { testServerKeys(t, open(t)) })
	t.Run("auth events", func(t *testing.T) { testAuthEvents(t, open(t)) })
	t.Run("communities", func(t *testing.T) { testCommunities(t, open(t)) })
	t.Run("members", func(t *testing.T) { testMembers(t, open(t)) })
	t.Run("departments", func(t *testing.T) { testDepartments(t, open(t)) })
	t.Run("api keys", func(t *testing.T) { testAPIKeys(t, open(t)) })
	t.Run("audit", func(t *testing.T) { testAudit(t, open(t)) })
	t.Run("look-ups", func(t *testing.T) { lookupContract(t, open, atomicOnly) })
	t.Run("isolation", func(t *testing.T) { testIsolation(t, open(t)) })
	t.Run("civil", func(t *testing.T) { civilContract(t, open, atomicOnly) })
	t.Run("dispatch", func(t *testing.T) { dispatchContract(t, open, atomicOnly) })
	t.Run("invites and announcements", func(t *testing.T) { inviteContract(t, open, atomicOnly) })
	t.Run("export and import", func(t *testing.T) { testExportImport(t, open) })
	t.Run("transactions", func(t *testing.T) { atomicOnly(t); testTx(t, open(t)) })
	t.Run("concurrency", func(t *testing.T) {
		t.Run("single-use token spent once", func(t *testing.T) { testConcurrentSpend(t, open(t)) })
		t.Run("counter increments", func(t *testing.T) { atomicOnly(t); testConcurrentCounter(t, open(t)) })
		t.Run("member counts", func(t *testing.T) { atomicOnly(t); testConcurrentMemberCounts(t, open(t)) })
		t.Run("two admins leaving", func(t *testing.T) { atomicOnly(t); testLastAdmins(t, open(t)) })
	})
}

// wantCode fails unless err has the code.
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := cad.ErrorCode(err); got != code {
		t.Fatalf("%s: got %v (code %q), want %q", what, err, got, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mkUser(t *testing.T, s *store.Store, name string) *cad.User {
	t.Helper()
	u := &cad.User{Username: name, PasswordHash: "$argon2id$x"}
	must(t, s.CreateUser(Ctx(t), u))
	return u
}

var guildSeq atomic.Int64

func mkCommunity(t *testing.T, s *store.Store, name string) *cad.Community {
	t.Helper()
	c := &cad.Community{Name: name, GuildID: fmt.Sprint(100000 + guildSeq.Add(1)), Settings: cad.DefaultSettings()}
	must(t, s.CreateCommunity(Ctx(t), c))
	return c
}

func mkMember(t *testing.T, s *store.Store, c *cad.Community, u *cad.User, role string) *cad.Membership {
	t.Helper()
	m := &cad.Membership{CommunityID: c.ID, UserID: u.ID, Username: u.Username, Role: role, Status: cad.MemberActive}
	must(t, s.AddMember(Ctx(t), m))
	return m
}

func testUsers(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	u := &cad.User{Username: "Alice", PasswordHash: "h1", DiscordID: "123456789", GuildIDs: []string{"1", "2"}}
	must(t, s.CreateUser(ctx, u))
	if len(u.ID) != 24 || u.UsernameKey != "alice" || u.CreatedAt.IsZero() || !u.PasswordChangedAt.Equal(u.CreatedAt) {
		t.Fatalf("created %+v", u)
	}
	wantCode(t, s.CreateUser(ctx, &cad.User{Username: "ALICE", PasswordHash: "x"}), cad.ECONFLICT, "same username, other case")
	wantCode(t, s.CreateUser(ctx, &cad.User{Username: "bob", PasswordHash: "x", DiscordID: "123456789"}), cad.ECONFLICT, "same Discord id")
	// Users without a Discord account do not collide on it.
	mkUser(t, s, "carol")
	mkUser(t, s, "dave")

	for _, get := range []func() (*cad.User, error){
		func() (*cad.User, error) { return s.UserByID(ctx, u.ID) },
		func() (*cad.User, error) { return s.UserByID(ctx, strings.ToUpper(u.ID)) },
		func() (*cad.User, error) { return s.UserByUsername(ctx, " aLiCe ") },
		func() (*cad.User, error) { return s.UserByDiscordID(ctx, "123456789") },
	} {
		got, err := get()
		must(t, err)
		if got.ID != u.ID || got.PasswordHash != "h1" || len(got.GuildIDs) != 2 || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Fatalf("read back %+v, made %+v", got, u)
		}
	}
	for name, err := range map[string]error{
		"missing id":       second(s.UserByID(ctx, "0123456789abcdef01234567")),
		"malformed id":     second(s.UserByID(ctx, "../x")),
		"missing name":     second(s.UserByUsername(ctx, "nobody")),
		"missing discord":  second(s.UserByDiscordID(ctx, "999")),
		"empty discord":    second(s.UserByDiscordID(ctx, "")),
		"update a missing": second(s.UpdateUser(ctx, "0123456789abcdef01234567", cad.UserUpdate{})),
	} {
		wantCode(t, err, cad.ENOTFOUND, name)
	}

	// Read through the cache first, then change: the change is seen at
	// once.
	_, _ = s.UserByID(ctx, u.ID)
	hash, yes, guilds := "h2", true, []string{"3"}
	time.Sleep(2 * time.Millisecond)
	got, err := s.UpdateUser(ctx, u.ID, cad.UserUpdate{PasswordHash: &hash, Disabled: &yes, GuildIDs: &guilds})
	must(t, err)
	if got.PasswordHash != "h2" || !got.Disabled || len(got.GuildIDs) != 1 || !got.PasswordChangedAt.After(u.PasswordChangedAt) || got.Username != "Alice" {
		t.Fatalf("updated %+v", got)
	}
	if again, _ := s.UserByID(ctx, u.ID); !again.Disabled || again.PasswordHash != "h2" {
		t.Fatalf("a cached read after the update: %+v", again)
	}
	// A caller changing what it was given does not change the cache.
	again, _ := s.UserByID(ctx, u.ID)
	again.Disabled = false
	if third, _ := s.UserByID(ctx, u.ID); !third.Disabled {
		t.Fatal("the cache hands out its own copy")
	}
}

func second[T any](_ T, err error) error { return err }

// Every account, by username in any letter case, page after page.
func testUserList(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	if list, next, err := s.Users(ctx, "", 0); err != nil || len(list) != 0 || next != "" {
		t.Fatalf("empty: %v %q %v", list, next, err)
	}
	for _, name := range []string{"mike", "Alpha", "zed", "Bravo", "charlie", "delta", "Echo"} {
		mkUser(t, s, name)
	}
	got := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.Users(ctx, after, 3)
		names := make([]string, len(list))
		for i, u := range list {
			names[i] = u.Username
		}
		return names, next, err
	})
	if want := []string{"Alpha", "Bravo", "charlie", "delta", "Echo", "mike", "zed"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	list, _, err := s.Users(ctx, "", 0)
	must(t, err)
	if len(list) != 7 || list[0].ID == "" || list[0].PasswordHash == "" || list[0].CreatedAt.IsZero() {
		t.Fatalf("one page of all: %+v", list)
	}
	wantCode(t, second3(s.Users(ctx, "not-a-cursor", 3)), cad.EINVALID, "a forged cursor")
}

func testSessions(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	u := mkUser(t, s, "sam")
	other := mkUser(t, s, "otto")
	now := time.Now().UTC()
	mk := func(id string, user *cad.User, created time.Time, life time.Duration) *cad.Session {
		ss := &cad.Session{ID: id, Kind: cad.SessionBrowser, UserID: user.ID, AuthMethod: "password",
			CreatedAt: created, LastSeenAt: created, IdleExpiresAt: created.Add(life), ExpiresAt: created.Add(life), IP: "192.0.2.1"}
		must(t, s.CreateSession(ctx, ss))
		return ss
	}
	a := mk("a", u, now.Add(-3*time.Minute), time.Hour)
	mk("b", u, now.Add(-2*time.Minute), time.Hour)
	mk("dead", u, now.Add(-2*time.Hour), time.Hour)
	mk("o", other, now, time.Hour)
	wantCode(t, s.CreateSession(ctx, &cad.Session{ID: "a", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour), IdleExpiresAt: now.Add(time.Hour)}), cad.ECONFLICT, "same id")

	got, err := s.Session(ctx, "a", now)
	must(t, err)
	if got.UserID != u.ID || got.Kind != cad.SessionBrowser || !got.ExpiresAt.Equal(a.ExpiresAt) {
		t.Fatalf("session %+v", got)
	}
	wantCode(t, second(s.Session(ctx, "dead", now)), cad.ENOTFOUND, "expired session")
	wantCode(t, second(s.Session(ctx, "a", now.Add(2*time.Hour))), cad.ENOTFOUND, "a session read after it expired")
	wantCode(t, second(s.Session(ctx, "nope", now)), cad.ENOTFOUND, "missing session")

	list, err := s.SessionsOfUser(ctx, u.ID, now)
	must(t, err)
	if len(list) != 2 || list[0].ID != "b" || list[1].ID != "a" {
		t.Fatalf("live sessions newest first: %v", ids(list))
	}
	must(t, s.TouchSession(ctx, "a", now, now.Add(30*time.Minute)))
	if got, _ := s.Session(ctx, "a", now); !got.IdleExpiresAt.Equal(store.Millis(now.Add(30*time.Minute))) || !got.LastSeenAt.Equal(store.Millis(now)) {
		t.Fatalf("touched %+v", got)
	}
	must(t, s.TouchSession(ctx, "gone", now, now)) // nothing to touch is no error

	wantCode(t, s.DeleteSession(ctx, other.ID, "a"), cad.ENOTFOUND, "another user's session")
	must(t, s.DeleteSession(ctx, u.ID, "a"))
	wantCode(t, second(s.Session(ctx, "a", now)), cad.ENOTFOUND, "a deleted session")
	wantCode(t, s.DeleteSession(ctx, u.ID, "a"), cad.ENOTFOUND, "deleted twice")

	mk("c", u, now, time.Hour)
	n, err := s.DeleteSessionsOfUser(ctx, u.ID, "c")
	must(t, err)
	if n != 2 { // b and dead
		t.Fatalf("ended %d", n)
	}
	if _, err := s.Session(ctx, "c", now); err != nil {
		t.Fatal("the kept session ended")
	}
	must(t, s.DeleteSessionByID(ctx, "c"))
	wantCode(t, second(s.Session(ctx, "c", now)), cad.ENOTFOUND, "deleted by id")

	// At most MaxSessionsPerUser live sessions: the oldest go.
	for i := 0; i < cad.MaxSessionsPerUser+3; i++ {
		mk(fmt.Sprintf("m%02d", i), u, now.Add(time.Duration(i)*time.Millisecond), time.Hour)
	}
	list, _ = s.SessionsOfUser(ctx, u.ID, now)
	if len(list) != cad.MaxSessionsPerUser || list[len(list)-1].ID != "m03" {
		t.Fatalf("after %d logins: %d live, oldest %s", cad.MaxSessionsPerUser+3, len(list), list[len(list)-1].ID)
	}

	mk("old", other, now.Add(-3*time.Hour), time.Hour)
	n, err = s.DeleteExpired(ctx, now)
	must(t, err)
	if n < 1 {
		t.Fatalf("janitor removed %d", n)
	}
	if dump, _ := s.Dump(ctx, "sessions"); len(dump) != cad.MaxSessionsPerUser+1 {
		t.Fatalf("%d sessions stored after the janitor", len(dump))
	}
	n, err = s.DeleteAllSessions(ctx)
	must(t, err)
	if n != cad.MaxSessionsPerUser+1 {
		t.Fatalf("DeleteAllSessions ended %d", n)
	}
	wantCode(t, second(s.Session(ctx, "o", now)), cad.ENOTFOUND, "after all sessions ended")
}

func ids(list []*cad.Session) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.ID
	}
	return out
}

func testResetTokens(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	u := mkUser(t, s, "rita")
	now := time.Now()
	must(t, s.CreateResetToken(ctx, "t1", u.ID, now, now.Add(time.Minute)))
	must(t, s.CreateResetToken(ctx, "t2", u.ID, now, now.Add(time.Minute)))
	wantCode(t, second(s.ResetTokenUser(ctx, "t1", now)), cad.ENOTFOUND, "a superseded token")
	if id, err := s.ResetTokenUser(ctx, "t2", now); err != nil || id != u.ID {
		t.Fatalf("token user %q %v", id, err)
	}
	wantCode(t, second(s.ResetTokenUser(ctx, "t2", now.Add(2*time.Minute))), cad.ENOTFOUND, "an expired token")
	wantCode(t, second(s.ConsumeResetToken(ctx, "t2", now.Add(2*time.Minute))), cad.ENOTFOUND, "spending an expired token")
	if id, err := s.ConsumeResetToken(ctx, "t2", now); err != nil || id != u.ID {
		t.Fatalf("spend %q %v", id, err)
	}
	wantCode(t, second(s.ConsumeResetToken(ctx, "t2", now)), cad.ENOTFOUND, "spent twice")
	must(t, s.CreateResetToken(ctx, "t3", u.ID, now, now.Add(time.Minute)))
	must(t, s.DeleteResetTokensOfUser(ctx, u.ID))
	wantCode(t, second(s.ResetTokenUser(ctx, "t3", now)), cad.ENOTFOUND, "after the user's tokens were deleted")
}

func testOAuth(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	now := time.Now()
	must(t, s.CreateOAuthState(ctx, "st", now.Add(time.Minute)))
	must(t, s.CreateOAuthState(ctx, "old", now.Add(-time.Minute)))
	if ok, err := s.ConsumeOAuthState(ctx, "old", now); ok || err != nil {
		t.Fatalf("an expired state: %v %v", ok, err)
	}
	if ok, err := s.ConsumeOAuthState(ctx, "st", now); !ok || err != nil {
		t.Fatalf("a live state: %v %v", ok, err)
	}
	if ok, _ := s.ConsumeOAuthState(ctx, "st", now); ok {
		t.Fatal("a state spent twice")
	}
	p := cad.PendingRegistration{ID: "p", DiscordID: "42424242", DiscordUsername: "d", GuildIDs: []string{"g"}, ExpiresAt: now.Add(time.Minute)}
	must(t, s.CreatePending(ctx, p))
	got, err := s.Pending(ctx, "p", now)
	must(t, err)
	if got.DiscordID != "42424242" || len(got.GuildIDs) != 1 {
		t.Fatalf("pending %+v", got)
	}
	wantCode(t, second(s.Pending(ctx, "p", now.Add(time.Hour))), cad.ENOTFOUND, "expired pending")
	if ok, _ := s.DeletePending(ctx, "p"); !ok {
		t.Fatal("delete pending")
	}
	if ok, _ := s.DeletePending(ctx, "p"); ok {
		t.Fatal("deleted twice")
	}
}

func testCounters(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	now := time.Now()
	for i := 1; i <= 3; i++ {
		c, err := s.AddCounter(ctx, "k", 1, now.Add(time.Minute))
		must(t, err)
		if c.Count != int64(i) {
			t.Fatalf("count %d, want %d", c.Count, i)
		}
	}
	c, _ := s.AddCounter(ctx, "k", -1, now.Add(time.Second))
	if c.Count != 2 {
		t.Fatalf("after -1: %d", c.Count)
	}
	got, err := s.Counters(ctx, now, "k", "missing")
	must(t, err)
	if len(got) != 1 || got["k"].Count != 2 {
		t.Fatalf("counters %+v", got)
	}
	// The expiry never moves back: read past the shorter one, it lives.
	if got, _ := s.Counters(ctx, now.Add(30*time.Second), "k"); got["k"].Count != 2 {
		t.Fatal("an earlier expiry shortened the counter")
	}
	if got, _ := s.Counters(ctx, now.Add(2*time.Minute), "k"); len(got) != 0 {
		t.Fatal("an expired counter reads as non-zero")
	}
	if ok, err := s.LockCounter(ctx, "k", 3, now.Add(time.Minute), now.Add(time.Hour)); ok || err != nil {
		t.Fatalf("locked below the threshold: %v %v", ok, err)
	}
	if ok, err := s.LockCounter(ctx, "k", 2, now.Add(time.Minute), now.Add(time.Hour)); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	got, _ = s.Counters(ctx, now, "k")
	if c := got["k"]; c.Count != 0 || c.Lockouts != 1 || !c.LockedUntil.Equal(store.Millis(now.Add(time.Minute))) {
		t.Fatalf("locked counter %+v", c)
	}
	if ok, _ := s.LockCounter(ctx, "nope", 0, now, now); ok {
		t.Fatal("locked a missing counter")
	}
	must(t, s.DeleteCounter(ctx, "k"))
	must(t, s.DeleteCounter(ctx, "k"))
	if got, _ := s.Counters(ctx, now, "k"); len(got) != 0 {
		t.Fatal("deleted counter reads")
	}
	// A counter past its expiry counts from zero again.
	_, _ = s.AddCounter(ctx, "e", 5, now.Add(-time.Second))
	if c, _ := s.AddCounter(ctx, "e", 1, now.Add(time.Minute)); c.Count != 1 {
		t.Fatalf("an expired counter went on from %d", c.Count-1)
	}
}

func testServerKeys(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	now := time.Now()
	must(t, s.AddServerKey(ctx, cad.ServerKey{ID: "k1", Purpose: "jwt", Secret: []byte("one"), CreatedAt: now.Add(-2 * time.Hour)}))
	must(t, s.AddServerKey(ctx, cad.ServerKey{ID: "k2", Purpose: "jwt", Secret: []byte{0, 255, 1}, CreatedAt: now}))
	must(t, s.AddServerKey(ctx, cad.ServerKey{ID: "c1", Purpose: "cookie", Secret: []byte("c"), CreatedAt: now}))
	wantCode(t, s.AddServerKey(ctx, cad.ServerKey{ID: "k1", Purpose: "jwt", CreatedAt: now}), cad.ECONFLICT, "same kid")
	keys, err := s.ServerKeys(ctx, "jwt")
	must(t, err)
	if len(keys) != 2 || keys[0].ID != "k2" || string(keys[0].Secret) != string([]byte{0, 255, 1}) {
		t.Fatalf("keys %+v", keys)
	}
	must(t, s.DeleteServerKeysBefore(ctx, "jwt", now.Add(-time.Hour)))
	if keys, _ := s.ServerKeys(ctx, "jwt"); len(keys) != 1 || keys[0].ID != "k2" {
		t.Fatalf("after deleting old keys: %+v", keys)
	}
	if keys, _ := s.ServerKeys(ctx, "cookie"); len(keys) != 1 {
		t.Fatal("another purpose's keys were touched")
	}
}

func testAuthEvents(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	base := time.Now().Add(-time.Hour)
	for i := 0; i < 25; i++ {
		typ := cad.EventLoginFail
		if i%5 == 0 {
			typ = cad.EventLoginSuccess
		}
		user := "u1"
		if i%2 == 1 {
			user = "u2"
		}
		must(t, s.AddAuthEvent(ctx, &cad.AuthEvent{Type: typ, Outcome: cad.OutcomeFailure, UserID: user, IP: "192.0.2.1",
			Time: base.Add(time.Duration(i/2) * time.Second)})) // pairs share a time: ties break by id
	}
	all := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.AuthEvents(ctx, cad.AuthEventFilter{After: after, Limit: 7})
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = e.Time.Format(store.TimeLayout) + e.ID
		}
		return out, next, err
	})
	if len(all) != 25 || !sort.SliceIsSorted(all, func(i, j int) bool { return all[i] > all[j] }) {
		t.Fatalf("paging every event newest first gave %d, sorted=%v", len(all), sort.SliceIsSorted(all, func(i, j int) bool { return all[i] > all[j] }))
	}
	list, _, err := s.AuthEvents(ctx, cad.AuthEventFilter{UserID: "u1", Type: cad.EventLoginSuccess, Limit: 50})
	must(t, err)
	for _, e := range list {
		if e.UserID != "u1" || e.Type != cad.EventLoginSuccess {
			t.Fatalf("filter let through %+v", e)
		}
	}
	if len(list) != 3 { // i = 0, 10, 20
		t.Fatalf("%d events of u1's successes", len(list))
	}
	list, _, _ = s.AuthEvents(ctx, cad.AuthEventFilter{Since: base.Add(5 * time.Second), Until: base.Add(7 * time.Second), Limit: 50})
	if len(list) != 4 {
		t.Fatalf("time window: %d", len(list))
	}
	list, _, _ = s.AuthEvents(ctx, cad.AuthEventFilter{Offset: 20, Limit: 50})
	if len(list) != 5 {
		t.Fatalf("offset 20: %d", len(list))
	}
	wantCode(t, second3(s.AuthEvents(ctx, cad.AuthEventFilter{After: "not-a-cursor", Limit: 5})), cad.EINVALID, "a bad cursor")
	wantCode(t, second3(s.AuthEvents(ctx, cad.AuthEventFilter{Offset: store.MaxSkip + 1, Limit: 5})), cad.EINVALID, "an offset past the bound")
}

func second3[A, B any](_ A, _ B, err error) error { return err }

// pageAll follows cursors to the end and returns every item.
func pageAll(t *testing.T, get func(after string) ([]string, string, error)) []string {
	t.Helper()
	var all []string
	after := ""
	for i := 0; i < 1000; i++ {
		list, next, err := get(after)
		must(t, err)
		all = append(all, list...)
		if next == "" {
			return all
		}
		after = next
	}
	t.Fatal("paging never ended")
	return nil
}

func testCommunities(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	b := &cad.Community{Name: "Bravo", GuildID: "22222", Settings: cad.DefaultSettings()}
	must(t, s.CreateCommunity(ctx, b))
	a := &cad.Community{Name: "Alpha", GuildID: "11111", Settings: cad.DefaultSettings()}
	must(t, s.CreateCommunity(ctx, a))
	wantCode(t, s.CreateCommunity(ctx, &cad.Community{Name: "Again", GuildID: "11111"}), cad.ECONFLICT, "a guild's second community")
	for _, ref := range []string{a.ID, strings.ToUpper(a.ID), "11111"} {
		got, err := s.Community(ctx, ref, false)
		must(t, err)
		if got.ID != a.ID || got.Name != "Alpha" || !got.Settings.AutoJoin || got.Settings.CADSettings == nil {
			t.Fatalf("%s: %+v", ref, got)
		}
	}
	for _, ref := range []string{"0123456789abcdef01234567", "99999", "x", ""} {
		wantCode(t, second(s.Community(ctx, ref, false)), cad.ENOTFOUND, "community "+ref)
	}
	st := a.Settings
	st.CADSettings = map[string]any{"theme": "dark", "n": 3.0}
	st.StatusCodes = []cad.StatusCode{{Code: "10-8", Label: "In service"}}
	got, err := s.UpdateCommunity(ctx, a.ID, "Alpha RP", st)
	must(t, err)
	if got.Name != "Alpha RP" || got.Settings.CADSettings["theme"] != "dark" || len(got.Settings.StatusCodes) != 1 {
		t.Fatalf("updated %+v", got)
	}
	if got, _ := s.Community(ctx, "11111", false); got.Name != "Alpha RP" || got.Settings.CADSettings["n"] != 3.0 {
		t.Fatalf("read after update %+v", got)
	}
	lim, err := s.SetCommunityLimits(ctx, a.ID, cad.CommunityLimits{FiveMPerMinute: 600, FiveMHighImpactPerMinute: 40})
	must(t, err)
	if got, _ := s.Community(ctx, a.ID, false); lim.Limits.FiveMPerMinute != 600 || got.Limits.FiveMHighImpactPerMinute != 40 || got.Name != "Alpha RP" {
		t.Fatalf("limits %+v, read back %+v", lim.Limits, got.Limits)
	}
	list, err := s.CommunitiesByGuilds(ctx, []string{"22222", "11111", "33333"})
	must(t, err)
	if len(list) != 2 || list[0].Name != "Alpha RP" || list[1].Name != "Bravo" {
		t.Fatalf("by guilds: %+v", list)
	}
	if list, _ := s.CommunitiesByGuilds(ctx, nil); len(list) != 0 {
		t.Fatal("no guilds, some communities")
	}
	list, _ = s.CommunitiesByIDs(ctx, []string{b.ID, a.ID, "junk"})
	if len(list) != 2 || list[0].ID != a.ID {
		t.Fatalf("by ids: %+v", list)
	}

	at := time.Now()
	del, err := s.MarkCommunityDeleted(ctx, b.ID, &at)
	must(t, err)
	if del.DeletedAt == nil || !del.DeletedAt.Equal(store.Millis(at)) {
		t.Fatalf("deleted %+v", del)
	}
	wantCode(t, second(s.Community(ctx, b.ID, false)), cad.ENOTFOUND, "a deleted community")
	wantCode(t, second(s.Community(ctx, "22222", false)), cad.ENOTFOUND, "a deleted community by guild")
	if got, err := s.Community(ctx, b.ID, true); err != nil || got.DeletedAt == nil {
		t.Fatalf("with includeDeleted: %v", err)
	}
	wantCode(t, second(s.UpdateCommunity(ctx, b.ID, "x", st)), cad.ENOTFOUND, "updating a deleted community")
	wantCode(t, second(s.SetCommunityLimits(ctx, b.ID, cad.CommunityLimits{FiveMPerMinute: 9})), cad.ENOTFOUND, "limits of a deleted community")
	if list, _ := s.CommunitiesByIDs(ctx, []string{b.ID}); len(list) != 0 {
		t.Fatal("a deleted community is listed")
	}
	if _, err := s.MarkCommunityDeleted(ctx, b.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Community(ctx, b.ID, false); err != nil {
		t.Fatal("a restored community is missing")
	}
	wantCode(t, second(s.MarkCommunityDeleted(ctx, "0123456789abcdef01234567", nil)), cad.ENOTFOUND, "deleting a missing community")
}

func testMembers(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Members")
	var users []*cad.User
	for i := 0; i < 12; i++ {
		users = append(users, mkUser(t, s, fmt.Sprintf("user%02d", i)))
	}
	admin := mkMember(t, s, c, users[0], cad.RoleAdmin)
	if admin.JoinedAt.IsZero() || admin.Departments == nil {
		t.Fatalf("added %+v", admin)
	}
	for _, u := range users[1:] {
		mkMember(t, s, c, u, cad.RoleMember)
	}
	wantCode(t, s.AddMember(ctx, &cad.Membership{CommunityID: c.ID, UserID: users[1].ID, Username: "x", Role: cad.RoleMember, Status: cad.MemberActive}), cad.ECONFLICT, "a member twice")
	counts := func(members, admins int) {
		t.Helper()
		got, err := s.Community(ctx, c.ID, false)
		must(t, err)
		if got.MemberCount != members || got.AdminCount != admins {
			t.Fatalf("counts %d/%d, want %d/%d", got.MemberCount, got.AdminCount, members, admins)
		}
	}
	counts(12, 1)

	m, err := s.Member(ctx, c.ID, users[3].ID)
	must(t, err)
	if m.Username != "user03" || m.Role != cad.RoleMember {
		t.Fatalf("member %+v", m)
	}
	wantCode(t, second(s.Member(ctx, c.ID, "0123456789abcdef01234567")), cad.ENOTFOUND, "a missing member")
	if list, _ := s.MembershipsOfUser(ctx, users[3].ID); len(list) != 1 || list[0].CommunityID != c.ID {
		t.Fatalf("memberships %+v", list)
	}

	sup, deps := cad.RoleSupervisor, []string{"LSPD", "SAFR"}
	up, err := s.UpdateMember(ctx, c.ID, users[2].ID, cad.MemberUpdate{Role: &sup, Departments: &deps})
	must(t, err)
	if up.Role != sup || len(up.Departments) != 2 {
		t.Fatalf("updated %+v", up)
	}
	adm := cad.RoleAdmin
	_, err = s.UpdateMember(ctx, c.ID, users[4].ID, cad.MemberUpdate{Role: &adm})
	must(t, err)
	counts(12, 2)
	banned := cad.MemberBanned
	_, err = s.UpdateMember(ctx, c.ID, users[4].ID, cad.MemberUpdate{Status: &banned})
	must(t, err)
	counts(12, 1) // a banned admin is no active admin
	wantCode(t, second(s.UpdateMember(ctx, c.ID, "0123456789abcdef01234567", cad.MemberUpdate{Role: &sup})), cad.ENOTFOUND, "updating a missing member")

	// Listings: by username, filtered, paged by cursor.
	names := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.Members(ctx, c.ID, cad.MemberFilter{After: after, Limit: 5})
		out := make([]string, len(list))
		for i, m := range list {
			out[i] = m.Username
		}
		return out, next, err
	})
	if len(names) != 12 || !sort.StringsAreSorted(names) {
		t.Fatalf("every member by cursor: %v", names)
	}
	list, _, err := s.Members(ctx, c.ID, cad.MemberFilter{Role: cad.RoleSupervisor, Limit: 50})
	must(t, err)
	if len(list) != 1 || list[0].UserID != users[2].ID {
		t.Fatalf("supervisors: %+v", list)
	}
	if list, _, _ := s.Members(ctx, c.ID, cad.MemberFilter{Department: "SAFR", Limit: 50}); len(list) != 1 {
		t.Fatalf("department filter: %d", len(list))
	}
	if list, _, _ := s.Members(ctx, c.ID, cad.MemberFilter{Name: "ER1", Limit: 50}); len(list) != 2 { // user10, user11
		t.Fatalf("name filter: %d", len(list))
	}
	if list, _, _ := s.Members(ctx, c.ID, cad.MemberFilter{Offset: 10, Limit: 50}); len(list) != 2 {
		t.Fatalf("offset: %d", len(list))
	}

	must(t, s.RemoveDepartmentFromMembers(ctx, c.ID, "LSPD"))
	if m, _ := s.Member(ctx, c.ID, users[2].ID); len(m.Departments) != 1 || m.Departments[0] != "SAFR" {
		t.Fatalf("after the department went: %+v", m.Departments)
	}

	must(t, s.RemoveMember(ctx, c.ID, users[5].ID))
	counts(11, 1)
	wantCode(t, s.RemoveMember(ctx, c.ID, users[5].ID), cad.ENOTFOUND, "removed twice")
	wantCode(t, second(s.Member(ctx, c.ID, users[5].ID)), cad.ENOTFOUND, "a removed member")
	must(t, s.RemoveMember(ctx, c.ID, users[0].ID))
	counts(10, 0)
}

func testDepartments(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Deps")
	d := &cad.Department{Code: "SAFR", Name: "Fire", Type: cad.DeptFire, BlipColor: 1, Paycheck: 500}
	must(t, s.CreateDepartment(ctx, c.ID, d))
	must(t, s.CreateDepartment(ctx, c.ID, &cad.Department{Code: "LSPD", Name: "Police", Type: cad.DeptLEO}))
	wantCode(t, s.CreateDepartment(ctx, c.ID, &cad.Department{Code: "LSPD", Name: "Again", Type: cad.DeptLEO}), cad.ECONFLICT, "a code twice")
	list, err := s.Departments(ctx, c.ID)
	must(t, err)
	if len(list) != 2 || list[0].Code != "LSPD" || list[1].Paycheck != 500 {
		t.Fatalf("departments %+v", list)
	}
	got, err := s.Department(ctx, c.ID, d.ID)
	must(t, err)
	if got.Name != "Fire" || got.CommunityID != c.ID {
		t.Fatalf("department %+v", got)
	}
	// The list is cached (permissions come from it): changing what a
	// caller was given changes nothing, and every write is seen at once.
	list[0].Type = cad.DeptDispatch
	changed := *d
	changed.Name, changed.Paycheck, changed.Type = "Fire & Rescue", 700, cad.DeptEMS
	out, err := s.UpdateDepartment(ctx, c.ID, &changed)
	must(t, err)
	if out.Name != "Fire & Rescue" || out.Paycheck != 700 || out.Code != "SAFR" {
		t.Fatalf("updated %+v", out)
	}
	if list, _ := s.Departments(ctx, c.ID); len(list) != 2 || list[0].Type != cad.DeptLEO || list[1].Type != cad.DeptEMS {
		t.Fatalf("departments after an update, read through the cache: %+v %+v", list[0], list[1])
	}
	changed.Code = "LSPD"
	wantCode(t, second(s.UpdateDepartment(ctx, c.ID, &changed)), cad.ECONFLICT, "an update onto a taken code")
	must(t, s.DeleteDepartment(ctx, c.ID, d.ID))
	if list, _ := s.Departments(ctx, c.ID); len(list) != 1 {
		t.Fatalf("departments after a delete, read through the cache: %d", len(list))
	}
	must(t, s.CreateDepartment(ctx, c.ID, &cad.Department{Code: "EMS", Name: "EMS", Type: cad.DeptEMS}))
	if list, _ := s.Departments(ctx, c.ID); len(list) != 2 {
		t.Fatalf("departments after a create, read through the cache: %d", len(list))
	}
	wantCode(t, s.DeleteDepartment(ctx, c.ID, d.ID), cad.ENOTFOUND, "deleted twice")
	wantCode(t, second(s.Department(ctx, c.ID, d.ID)), cad.ENOTFOUND, "a deleted department")
	wantCode(t, second(s.Department(ctx, c.ID, "junk")), cad.ENOTFOUND, "a malformed id")
	changed.ID = "0123456789abcdef01234567"
	wantCode(t, second(s.UpdateDepartment(ctx, c.ID, &changed)), cad.ENOTFOUND, "updating a missing department")
}

func testAPIKeys(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Keys")
	k1 := &cad.APIKey{Hash: "hash1", CommunityID: c.ID, Name: "one", Prefix: "01234567", Scopes: []string{cad.ScopeFiveM}, CreatedBy: "u"}
	must(t, s.CreateAPIKey(ctx, k1))
	time.Sleep(2 * time.Millisecond)
	k2 := &cad.APIKey{Hash: "hash2", CommunityID: c.ID, Name: "two", Prefix: "89abcdef", Scopes: []string{cad.ScopeFiveM}}
	must(t, s.CreateAPIKey(ctx, k2))
	wantCode(t, s.CreateAPIKey(ctx, &cad.APIKey{Hash: "hash1", CommunityID: c.ID, Name: "dup"}), cad.ECONFLICT, "a key hash twice")
	if len(k1.ID) != 24 || k1.CreatedAt.IsZero() {
		t.Fatalf("created %+v", k1)
	}
	got, err := s.APIKeyByHash(ctx, "hash1")
	must(t, err)
	if got.ID != k1.ID || got.CommunityID != c.ID || len(got.Scopes) != 1 || got.LastUsedAt != nil {
		t.Fatalf("by hash %+v", got)
	}
	wantCode(t, second(s.APIKeyByHash(ctx, "nope")), cad.ENOTFOUND, "an unknown hash")
	list, err := s.APIKeys(ctx, c.ID)
	must(t, err)
	if len(list) != 2 || list[0].Name != "two" {
		t.Fatalf("keys newest first: %+v", list)
	}
	if got, err := s.APIKey(ctx, c.ID, k2.ID); err != nil || got.Hash != "hash2" {
		t.Fatalf("by id: %+v %v", got, err)
	}
	wantCode(t, second(s.APIKey(ctx, c.ID, "junk")), cad.ENOTFOUND, "a malformed key id")
	at := time.Now()
	must(t, s.TouchAPIKey(ctx, "hash1", at))
	if got, _ := s.APIKeyByHash(ctx, "hash1"); got.LastUsedAt == nil || !got.LastUsedAt.Equal(store.Millis(at)) {
		t.Fatalf("touched %+v", got)
	}
	must(t, s.TouchAPIKey(ctx, "gone", at))
	must(t, s.DeleteAPIKey(ctx, c.ID, "hash1"))
	wantCode(t, second(s.APIKeyByHash(ctx, "hash1")), cad.ENOTFOUND, "a revoked key (read through the cache before)")
	wantCode(t, s.DeleteAPIKey(ctx, c.ID, "hash1"), cad.ENOTFOUND, "revoked twice")
}

func testAudit(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Audit")
	base := time.Now().Add(-time.Hour)
	type state struct {
		Role string `json:"role"`
		N    int    `json:"n"`
	}
	for i := 0; i < 9; i++ {
		action := "member.updated"
		if i%3 == 0 {
			action = "department.created"
		}
		must(t, s.AddAudit(ctx, &cad.AuditEntry{CommunityID: c.ID, Action: action, ActorID: fmt.Sprint("actor", i%2), ActorKind: "user",
			Target: "t", Before: state{"member", i}, After: map[string]any{"role": "admin"}, Time: base.Add(time.Duration(i) * time.Minute)}))
	}
	all := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.Audit(ctx, c.ID, cad.AuditFilter{After: after, Limit: 4})
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = e.Time.Format(store.TimeLayout)
		}
		return out, next, err
	})
	if len(all) != 9 || all[0] <= all[8] {
		t.Fatalf("audit newest first by cursor: %v", all)
	}
	list, _, err := s.Audit(ctx, c.ID, cad.AuditFilter{Action: "department.created", ActorID: "actor0", Limit: 10})
	must(t, err)
	if len(list) != 2 { // i = 0, 6
		t.Fatalf("filtered: %d", len(list))
	}
	before, _ := list[0].Before.(map[string]any)
	if before["role"] != "member" || before["n"] != 6.0 {
		t.Fatalf("before state read back as %#v", list[0].Before)
	}
	list, _, _ = s.Audit(ctx, c.ID, cad.AuditFilter{Since: base.Add(2 * time.Minute), Until: base.Add(4 * time.Minute), Limit: 10})
	if len(list) != 2 {
		t.Fatalf("window: %d", len(list))
	}
}

// testIsolation: each tenant repository, community A's records are
// invisible from community B, look-ups by id included (R60, R64).
func testIsolation(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	a, b := mkCommunity(t, s, "A"), mkCommunity(t, s, "B")
	u := mkUser(t, s, "someone")
	t.Run("members", func(t *testing.T) {
		mkMember(t, s, a, u, cad.RoleAdmin)
		wantCode(t, second(s.Member(ctx, b.ID, u.ID)), cad.ENOTFOUND, "B reads A's member")
		if list, _, _ := s.Members(ctx, b.ID, cad.MemberFilter{Limit: 10}); len(list) != 0 {
			t.Fatalf("B lists %d members", len(list))
		}
		role := cad.RoleMember
		wantCode(t, second(s.UpdateMember(ctx, b.ID, u.ID, cad.MemberUpdate{Role: &role})), cad.ENOTFOUND, "B updates A's member")
		wantCode(t, s.RemoveMember(ctx, b.ID, u.ID), cad.ENOTFOUND, "B removes A's member")
		if m, err := s.Member(ctx, a.ID, u.ID); err != nil || m.Role != cad.RoleAdmin {
			t.Fatalf("A's member changed: %+v %v", m, err)
		}
		if c, _ := s.Community(ctx, b.ID, false); c.MemberCount != 0 || c.AdminCount != 0 {
			t.Fatalf("B counts A's member: %+v", c)
		}
	})
	t.Run("departments", func(t *testing.T) {
		d := &cad.Department{Code: "LSPD", Name: "Police", Type: cad.DeptLEO}
		must(t, s.CreateDepartment(ctx, a.ID, d))
		wantCode(t, second(s.Department(ctx, b.ID, d.ID)), cad.ENOTFOUND, "B reads A's department")
		if list, _ := s.Departments(ctx, b.ID); len(list) != 0 {
			t.Fatal("B lists A's department")
		}
		changed := *d
		changed.Name = "Stolen"
		wantCode(t, second(s.UpdateDepartment(ctx, b.ID, &changed)), cad.ENOTFOUND, "B updates A's department")
		wantCode(t, s.DeleteDepartment(ctx, b.ID, d.ID), cad.ENOTFOUND, "B deletes A's department")
		if got, _ := s.Department(ctx, a.ID, d.ID); got.Name != "Police" {
			t.Fatal("A's department changed")
		}
		// The same code is free in B: uniqueness is per community.
		must(t, s.CreateDepartment(ctx, b.ID, &cad.Department{Code: "LSPD", Name: "Other", Type: cad.DeptLEO}))
	})
	t.Run("api keys", func(t *testing.T) {
		k := &cad.APIKey{Hash: "h-a", CommunityID: a.ID, Name: "A", Prefix: "01234567"}
		must(t, s.CreateAPIKey(ctx, k))
		wantCode(t, second(s.APIKey(ctx, b.ID, k.ID)), cad.ENOTFOUND, "B reads A's key")
		if list, _ := s.APIKeys(ctx, b.ID); len(list) != 0 {
			t.Fatal("B lists A's key")
		}
		wantCode(t, s.DeleteAPIKey(ctx, b.ID, k.Hash), cad.ENOTFOUND, "B revokes A's key")
		if _, err := s.APIKeyByHash(ctx, k.Hash); err != nil {
			t.Fatal("A's key is gone")
		}
	})
	t.Run("audit", func(t *testing.T) {
		must(t, s.AddAudit(ctx, &cad.AuditEntry{CommunityID: a.ID, Action: "x", Time: time.Now()}))
		if list, _, _ := s.Audit(ctx, b.ID, cad.AuditFilter{Limit: 10}); len(list) != 0 {
			t.Fatal("B reads A's audit log")
		}
	})
}

// testTx: a transaction that fails leaves nothing behind; one inside
// another joins it.
func testTx(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	boom := errors.New("boom")
	err := s.Tx(ctx, func(ctx context.Context) error {
		must(t, s.CreateUser(ctx, &cad.User{Username: "ghost", PasswordHash: "x"}))
		return s.Tx(ctx, func(ctx context.Context) error {
			must(t, s.CreateUser(ctx, &cad.User{Username: "ghost2", PasswordHash: "x"}))
			return boom
		})
	})
	if !errors.Is(err, boom) {
		t.Fatalf("the failure did not come back: %v", err)
	}
	for _, n := range []string{"ghost", "ghost2"} {
		wantCode(t, second(s.UserByUsername(ctx, n)), cad.ENOTFOUND, n+" after a rolled-back transaction")
	}
	// A rolled-back membership leaves the counts as they were.
	c := mkCommunity(t, s, "Tx")
	u := mkUser(t, s, "txuser")
	_ = s.Tx(ctx, func(ctx context.Context) error {
		must(t, s.AddMember(ctx, &cad.Membership{CommunityID: c.ID, UserID: u.ID, Username: u.Username, Role: cad.RoleAdmin, Status: cad.MemberActive}))
		return boom
	})
	if got, _ := s.Community(ctx, c.ID, false); got.MemberCount != 0 || got.AdminCount != 0 {
		t.Fatalf("counts after a rolled-back join: %+v", got)
	}
	wantCode(t, second(s.Member(ctx, c.ID, u.ID)), cad.ENOTFOUND, "a rolled-back member")
}

// Burst runs fn n times at once: the goroutines start together, so the
// calls race as concurrent requests do. It returns when all are done.
func Burst(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			fn(i)
		}(i)
	}
	close(start)
	wg.Wait()
}

// R86: of 20 concurrent spends of one single-use token, exactly one wins.
func testConcurrentSpend(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	u := mkUser(t, s, "spender")
	now := time.Now()
	must(t, s.CreateResetToken(ctx, "tok", u.ID, now, now.Add(time.Minute)))
	must(t, s.CreateOAuthState(ctx, "state", now.Add(time.Minute)))
	var tokens, states atomic.Int64
	Burst(20, func(int) {
		if _, err := s.ConsumeResetToken(ctx, "tok", now); err == nil {
			tokens.Add(1)
		} else if cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Error(err)
		}
		if ok, err := s.ConsumeOAuthState(ctx, "state", now); ok {
			states.Add(1)
		} else if err != nil {
			t.Error(err)
		}
	})
	if tokens.Load() != 1 || states.Load() != 1 {
		t.Fatalf("20 concurrent spends: reset token %d, OAuth state %d; want 1 each", tokens.Load(), states.Load())
	}
}

// R12: 50 concurrent increments of one counter end at 50.
func testConcurrentCounter(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	Burst(50, func(int) {
		if _, err := s.AddCounter(ctx, "k", 1, time.Now().Add(time.Hour)); err != nil {
			t.Error(err)
		}
	})
	got, err := s.Counters(ctx, time.Now(), "k")
	must(t, err)
	if got["k"].Count != 50 {
		t.Fatalf("counter after 50 concurrent increments: %d", got["k"].Count)
	}
}

// The kept counts stay exact under concurrent joins and leaves.
func testConcurrentMemberCounts(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Busy")
	users := make([]*cad.User, 50)
	for i := range users {
		users[i] = mkUser(t, s, fmt.Sprintf("busy%02d", i))
	}
	for _, u := range users[:25] {
		mkMember(t, s, c, u, cad.RoleAdmin)
	}
	Burst(50, func(i int) {
		u := users[i]
		var err error
		if i < 25 {
			err = s.RemoveMember(ctx, c.ID, u.ID)
		} else {
			err = s.AddMember(ctx, &cad.Membership{CommunityID: c.ID, UserID: u.ID, Username: u.Username, Role: cad.RoleMember, Status: cad.MemberActive})
		}
		if err != nil {
			t.Error(err)
		}
	})
	got, _ := s.Community(ctx, c.ID, false)
	if got.MemberCount != 25 || got.AdminCount != 0 {
		t.Fatalf("after 25 admins left and 25 members joined at once: %d members, %d admins", got.MemberCount, got.AdminCount)
	}
}

// Two admins leaving at the same moment leave one admin: the community
// service's rule, checked in the store's transaction.
func testLastAdmins(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	as, err := auth.New(ctx, s, auth.Config{Issuer: "http://test", HashConcurrency: 2}, QuietLogger())
	must(t, err)
	svc := community.New(s, as, QuietLogger())
	for round := 0; round < 6; round++ {
		c := mkCommunity(t, s, fmt.Sprintf("Two admins %d", round))
		a1, a2 := mkUser(t, s, fmt.Sprintf("first%d", round)), mkUser(t, s, fmt.Sprintf("second%d", round))
		mkMember(t, s, c, a1, cad.RoleAdmin)
		mkMember(t, s, c, a2, cad.RoleAdmin)
		sc := &cad.Scope{Community: c}
		var left atomic.Int64
		Burst(2, func(i int) {
			u := []*cad.User{a1, a2}[i]
			err := svc.RemoveMember(ctx, cad.Actor{UserID: u.ID, Kind: "user", Rank: cad.RoleRank(cad.RoleAdmin)}, sc, u.ID)
			switch cad.ErrorCode(err) {
			case "":
				left.Add(1)
			case cad.ECONFLICT:
			default:
				t.Error(err)
			}
		})
		got, _ := s.Community(ctx, c.ID, false)
		if left.Load() != 1 || got.AdminCount != 1 || got.MemberCount != 1 {
			t.Fatalf("round %d: %d left; %d admins and %d members remain", round, left.Load(), got.AdminCount, got.MemberCount)
		}
	}
}
