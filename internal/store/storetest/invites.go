package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store"
)

// inviteContract runs the part of the contract of invite links and kept
// announcements (issue 18).
func inviteContract(t *testing.T, open func(t *testing.T) *store.Store, atomicOnly func(t *testing.T)) {
	t.Run("invites", func(t *testing.T) { testInvites(t, open(t)) })
	t.Run("invite isolation", func(t *testing.T) { testInviteIsolation(t, open(t)) })
	t.Run("a 1-use invite taken once", func(t *testing.T) { atomicOnly(t); testInviteTakenOnce(t, open(t)) })
	t.Run("announcements", func(t *testing.T) { testAnnouncements(t, open(t)) })
}

func mkInvite(t *testing.T, s *store.Store, c *cad.Community, digest string, maxUses int, expires time.Time) *cad.Invite {
	t.Helper()
	inv := &cad.Invite{CommunityID: c.ID, Digest: digest, Role: cad.RoleMember, Departments: []string{"LSPD"}, MaxUses: maxUses,
		ExpiresAt: expires, CreatedBy: "u1"}
	must(t, s.CreateInvite(Ctx(t), inv))
	return inv
}

func testInvites(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Invites")
	now := time.Now().UTC()
	two := mkInvite(t, s, c, "d-two", 2, now.Add(time.Hour))
	if len(two.ID) != 24 || two.Uses != 0 || two.CreatedAt.IsZero() || two.Departments[0] != "LSPD" || two.CommunityID != c.ID {
		t.Fatalf("created %+v", two)
	}
	wantCode(t, s.CreateInvite(ctx, &cad.Invite{CommunityID: c.ID, Digest: "d-two", Role: cad.RoleMember, ExpiresAt: now.Add(time.Hour)}),
		cad.ECONFLICT, "the same digest twice")
	got, err := s.InviteByDigest(ctx, c.ID, "d-two")
	must(t, err)
	if got.ID != two.ID || got.MaxUses != 2 || !got.ExpiresAt.Equal(store.Millis(two.ExpiresAt)) {
		t.Fatalf("read back %+v, made %+v", got, two)
	}
	wantCode(t, second(s.InviteByDigest(ctx, c.ID, "d-none")), cad.ENOTFOUND, "an unknown digest")

	// Two uses, then none: each take counts one.
	for i := 1; i <= 2; i++ {
		inv, err := s.TakeInvite(ctx, c.ID, "d-two", now)
		must(t, err)
		if inv.Uses != i {
			t.Fatalf("take %d: uses %d", i, inv.Uses)
		}
	}
	wantCode(t, second(s.TakeInvite(ctx, c.ID, "d-two", now)), cad.ENOTFOUND, "a used-up invite")
	if got, _ := s.InviteByDigest(ctx, c.ID, "d-two"); got.Uses != 2 {
		t.Fatalf("a refused take counted: %d uses", got.Uses)
	}
	// Without a limit, until it expires.
	mkInvite(t, s, c, "d-open", 0, now.Add(time.Minute))
	for i := 0; i < 5; i++ {
		must(t, second(s.TakeInvite(ctx, c.ID, "d-open", now)))
	}
	wantCode(t, second(s.TakeInvite(ctx, c.ID, "d-open", now.Add(time.Minute))), cad.ENOTFOUND, "an expired invite")

	// The list: newest first, page by page; the live count by expiry.
	time.Sleep(2 * time.Millisecond)
	late := mkInvite(t, s, c, "d-late", 1, now.Add(-time.Second))
	got2 := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.Invites(ctx, c.ID, after, 2)
		ids := make([]string, len(list))
		for i, inv := range list {
			ids[i] = inv.Digest
		}
		return ids, next, err
	})
	if want := []string{"d-late", "d-open", "d-two"}; fmt.Sprint(got2) != fmt.Sprint(want) {
		t.Fatalf("listed %v, want %v", got2, want)
	}
	wantCode(t, second3(s.Invites(ctx, c.ID, "not-a-cursor", 2)), cad.EINVALID, "a forged cursor")
	if n, err := s.CountLiveInvites(ctx, c.ID, now, 100); err != nil || n != 2 {
		t.Fatalf("live invites %d %v, want 2 (one expired)", n, err)
	}
	if n, _ := s.CountLiveInvites(ctx, c.ID, now, 1); n != 1 {
		t.Fatalf("counted past atMost: %d", n)
	}

	// Revoked: gone, and its digest is free again.
	del, err := s.DeleteInvite(ctx, c.ID, late.ID)
	must(t, err)
	if del.Digest != "d-late" {
		t.Fatalf("deleted %+v", del)
	}
	wantCode(t, second(s.DeleteInvite(ctx, c.ID, late.ID)), cad.ENOTFOUND, "revoked twice")
	wantCode(t, second(s.DeleteInvite(ctx, c.ID, "../x")), cad.ENOTFOUND, "a malformed id")
	wantCode(t, second(s.InviteByDigest(ctx, c.ID, "d-late")), cad.ENOTFOUND, "a revoked invite")
}

// R60, R64: another community's invite is not found, by digest or id, and
// cannot be taken or revoked; nothing of it changes.
func testInviteIsolation(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	a, b := mkCommunity(t, s, "A"), mkCommunity(t, s, "B")
	inv := mkInvite(t, s, a, "d-a", 1, time.Now().Add(time.Hour))
	wantCode(t, second(s.InviteByDigest(ctx, b.ID, "d-a")), cad.ENOTFOUND, "B reads A's invite")
	wantCode(t, second(s.TakeInvite(ctx, b.ID, "d-a", time.Now())), cad.ENOTFOUND, "B takes A's invite")
	wantCode(t, second(s.DeleteInvite(ctx, b.ID, inv.ID)), cad.ENOTFOUND, "B revokes A's invite")
	if list, _, _ := s.Invites(ctx, b.ID, "", 10); len(list) != 0 {
		t.Fatal("B lists A's invites")
	}
	if n, _ := s.CountLiveInvites(ctx, b.ID, time.Now(), 10); n != 0 {
		t.Fatal("B counts A's invites")
	}
	if got, err := s.InviteByDigest(ctx, a.ID, "d-a"); err != nil || got.Uses != 0 {
		t.Fatalf("A's invite after B's tries: %+v %v", got, err)
	}
	must(t, s.AddAnnouncement(ctx, &cad.Announcement{CommunityID: a.ID, Title: "A only", Message: "m", Priority: "normal"}))
	if list, _, _ := s.Announcements(ctx, b.ID, "", 10); len(list) != 0 {
		t.Fatal("B lists A's announcements")
	}
}

// Of 20 concurrent takes of a 1-use invite, exactly one gets it.
func testInviteTakenOnce(t *testing.T, s *store.Store) {
	c := mkCommunity(t, s, "Once")
	now := time.Now()
	mkInvite(t, s, c, "d-once", 1, now.Add(time.Hour))
	var taken atomic.Int64
	Burst(20, func(int) {
		if _, err := s.TakeInvite(Ctx(t), c.ID, "d-once", now); err == nil {
			taken.Add(1)
		} else if cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Error(err)
		}
	})
	if got, _ := s.InviteByDigest(Ctx(t), c.ID, "d-once"); taken.Load() != 1 || got.Uses != 1 {
		t.Fatalf("a 1-use invite was taken %d times (uses %d)", taken.Load(), got.Uses)
	}
}

func testAnnouncements(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "News")
	base := time.Now().UTC().Add(-time.Hour)
	for i := 0; i < 5; i++ {
		must(t, s.AddAnnouncement(ctx, &cad.Announcement{CommunityID: c.ID, Title: fmt.Sprint("t", i), Message: "m", Priority: "normal",
			AuthorID: "u1", AuthorName: "chief", CreatedAt: base.Add(time.Duration(i) * time.Minute)}))
	}
	got := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.Announcements(ctx, c.ID, after, 2)
		titles := make([]string, len(list))
		for i, a := range list {
			titles[i] = a.Title
		}
		return titles, next, err
	})
	if want := []string{"t4", "t3", "t2", "t1", "t0"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	list, _, err := s.Announcements(ctx, c.ID, "", 1)
	must(t, err)
	if a := list[0]; len(a.ID) != 24 || a.AuthorName != "chief" || !a.CreatedAt.Equal(store.Millis(base.Add(4*time.Minute))) || a.CommunityID != c.ID {
		t.Fatalf("read back %+v", a)
	}
	wantCode(t, second3(s.Announcements(ctx, c.ID, "not-a-cursor", 2)), cad.EINVALID, "a forged cursor")
}
