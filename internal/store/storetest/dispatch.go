package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store"
)

// dispatchContract runs the dispatch part of the contract.
func dispatchContract(t *testing.T, open func(t *testing.T) *store.Store, atomicOnly func(t *testing.T)) {
	t.Run("calls", func(t *testing.T) { testCalls(t, open(t)) })
	t.Run("units", func(t *testing.T) { testUnits(t, open(t)) })
	t.Run("game links", func(t *testing.T) { testGameLinks(t, open(t)) })
	t.Run("link code spent once", func(t *testing.T) { testLinkCodeSpentOnce(t, open(t)) })
	t.Run("bolos", func(t *testing.T) { testBOLOs(t, open(t)) })
	t.Run("alpr and ers", func(t *testing.T) { testALPR(t, open(t)) })
	t.Run("dispatch isolation", func(t *testing.T) { testDispatchIsolation(t, open(t)) })
	t.Run("sequence under concurrency", func(t *testing.T) { atomicOnly(t); testConcurrentSequence(t, open(t)) })
	t.Run("tokens and commands handed out once", func(t *testing.T) { atomicOnly(t); testHandedOutOnce(t, open(t)) })
}

func mkCall(t *testing.T, s *store.Store, c *cad.Community, status string, created time.Time) *cad.Call {
	t.Helper()
	ctx := Ctx(t)
	n, err := s.NextSequence(ctx, c.ID, "incident")
	must(t, err)
	call := &cad.Call{IncidentNumber: fmt.Sprintf("2026-%06d", n), Seq: n, CallType: "911 Call", Priority: "normal", Source: "player",
		Status: status, CreatedAt: created, UpdatedAt: created, ExpiresAt: created.Add(25 * time.Minute)}
	must(t, s.CreateCall(ctx, c.ID, call))
	return call
}

func testCalls(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Calls")
	now := time.Now()
	old := mkCall(t, s, c, cad.CallPending, now.Add(-time.Hour))   // expired by time
	a := mkCall(t, s, c, cad.CallPending, now.Add(-time.Minute))   // open
	b := mkCall(t, s, c, cad.CallClosed, now.Add(-30*time.Second)) // closed
	if a.IncidentNumber != "2026-000002" || !a.Open || b.Open || a.Units == nil {
		t.Fatalf("made %+v / %+v", a, b)
	}
	wantCode(t, s.CreateCall(ctx, c.ID, &cad.Call{IncidentNumber: a.IncidentNumber, Status: cad.CallPending}), cad.ECONFLICT, "an incident number twice")
	got, err := s.CallByIncident(ctx, c.ID, a.IncidentNumber)
	must(t, err)
	if got.ID != a.ID {
		t.Fatal("by incident")
	}
	active, _, err := s.Calls(ctx, c.ID, cad.CallFilter{OpenOnly: true, Limit: 10}, now)
	must(t, err)
	if len(active) != 1 || active[0].ID != a.ID {
		t.Fatalf("active: %d", len(active))
	}
	all := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.Calls(ctx, c.ID, cad.CallFilter{After: after, Limit: 1}, now)
		ids := make([]string, len(list))
		for i, x := range list {
			ids[i] = x.ID
		}
		return ids, next, err
	})
	if len(all) != 3 || all[0] != b.ID || all[2] != old.ID {
		t.Fatalf("history newest first: %v", all)
	}
	if pend, _, _ := s.Calls(ctx, c.ID, cad.CallFilter{Status: cad.CallPending, Limit: 10}, now); len(pend) != 2 {
		t.Fatalf("pending by status: %d", len(pend))
	}
	up, err := s.UpdateCall(ctx, c.ID, a.ID, func(x *cad.Call) error {
		x.Status, x.Units, x.IncidentNumber = cad.CallAssigned, []string{"u1"}, "changed"
		x.Notes = append(x.Notes, cad.CallNote{ID: "n1", Text: "on the way", Time: now})
		return nil
	})
	must(t, err)
	if up.Status != cad.CallAssigned || up.IncidentNumber != a.IncidentNumber || len(up.Notes) != 1 || !up.Open {
		t.Fatalf("updated %+v", up)
	}
	if list, err := s.CallsByID(ctx, c.ID, []string{a.ID, b.ID, "junk"}); err != nil || len(list) != 2 {
		t.Fatalf("by ids: %d %v", len(list), err)
	}
	expired, err := s.ExpiredOpenCalls(ctx, now, 10)
	must(t, err)
	if len(expired) != 1 || expired[0].ID != old.ID {
		t.Fatalf("expired: %d", len(expired))
	}
	wantCode(t, second(s.Call(ctx, c.ID, "junk")), cad.ENOTFOUND, "a malformed id")
}

func testUnits(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Units")
	start := time.Now()
	u, err := s.UpdateUnit(ctx, c.ID, "user1", func() *cad.Unit { return &cad.Unit{DiscordID: "400000000000000001", Name: "Officer"} },
		func(u *cad.Unit) error { u.OnDuty, u.CallSign, u.DutyStart = true, "1-A-12", &start; return nil })
	must(t, err)
	if u.ID != store.UnitID(c.ID, "user1") || !u.OnDuty || u.Calls == nil {
		t.Fatalf("unit %+v", u)
	}
	wantCode(t, second(s.UpdateUnit(ctx, c.ID, "nobody", nil, func(*cad.Unit) error { return nil })), cad.ENOTFOUND, "no fresh unit")
	byDiscord, err := s.UnitByDiscord(ctx, c.ID, "400000000000000001")
	must(t, err)
	if byDiscord.UserID != "user1" {
		t.Fatal("by discord")
	}
	if list, err := s.OnDutyUnits(ctx, c.ID, 10); err != nil || len(list) != 1 {
		t.Fatalf("on duty %d %v", len(list), err)
	}
	_, err = s.UpdateUnit(ctx, c.ID, "user1", nil, func(u *cad.Unit) error { u.OnDuty = false; return nil })
	must(t, err)
	if list, _ := s.OnDutyUnits(ctx, c.ID, 10); len(list) != 0 {
		t.Fatal("still on duty")
	}
	for i := 0; i < 3; i++ {
		must(t, s.AddDutyPeriod(ctx, &cad.DutyPeriod{CommunityID: c.ID, UserID: "user1", Start: start.Add(time.Duration(i) * time.Hour), End: start.Add(time.Duration(i)*time.Hour + time.Minute), DurationMs: 60000}))
	}
	periods := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.DutyPeriods(ctx, c.ID, "user1", after, 2)
		ids := make([]string, len(list))
		for i, p := range list {
			ids[i] = p.ID
		}
		return ids, next, err
	})
	if len(periods) != 3 {
		t.Fatalf("periods %d", len(periods))
	}
}

// LegacyLink stores a game link as links were before the game had to
// confirm them (no status), the way an old export brings one in.
func LegacyLink(t testing.TB, s *store.Store, communityID, identifier, userID string) {
	t.Helper()
	h, err := json.Marshal(store.ExportHeader{Format: store.ExportFormat, Version: store.ExportVersion})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := json.Marshal(map[string]any{"collection": "game_links", "record": map[string]any{"_id": communityID + ":" + identifier,
		"communityId": communityID, "identifier": identifier, "userId": userID, "createdAt": "2025-01-01T00:00:00Z"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(Ctx(t), bytes.NewReader(append(append(h, '\n'), rec...))); err != nil {
		t.Fatal(err)
	}
}

// Links the game confirmed win over links nobody proved, never over
// another member's confirmed link; codes are one per member, live until
// they expire or are spent, and another community's are not there.
func testGameLinks(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c, other := mkCommunity(t, s, "Links"), mkCommunity(t, s, "Other links")
	now := time.Now()
	confirm := func(communityID, identifier, userID string) error {
		return s.ConfirmGameLink(ctx, &cad.GameLink{CommunityID: communityID, Identifier: identifier, UserID: userID, CreatedAt: now,
			ConfirmedAt: &now, ConfirmedBy: cad.LinkByCode})
	}
	LegacyLink(t, s, c.ID, "license:abc", "squatter")
	l, err := s.GameLink(ctx, c.ID, "license:abc")
	must(t, err)
	if l.UserID != "squatter" || l.Confirmed() {
		t.Fatalf("a link made before reads %+v", l)
	}
	must(t, confirm(c.ID, "license:abc", "user1"))
	if l, err = s.GameLink(ctx, c.ID, "license:abc"); err != nil || l.UserID != "user1" || !l.Confirmed() || l.ConfirmedBy != cad.LinkByCode ||
		l.ConfirmedAt == nil || !l.ConfirmedAt.Equal(store.Millis(now)) {
		t.Fatalf("the confirmed link replaced the unproven one: %+v %v", l, err)
	}
	wantCode(t, confirm(c.ID, "license:abc", "user2"), cad.ECONFLICT, "confirming another member's identifier")
	later := now.Add(time.Hour)
	must(t, s.ConfirmGameLink(ctx, &cad.GameLink{CommunityID: c.ID, Identifier: "license:abc", UserID: "user1", CreatedAt: later, ConfirmedAt: &later}))
	if l, _ = s.GameLink(ctx, c.ID, "license:abc"); !l.ConfirmedAt.Equal(store.Millis(now)) {
		t.Fatalf("confirming again changed the link: %+v", l)
	}
	must(t, confirm(c.ID, "steam:11000010", "user1"))
	must(t, confirm(c.ID, "fivem:42", "user2"))
	must(t, confirm(other.ID, "license:abc", "user2"))
	if list, err := s.GameLinksOf(ctx, c.ID, "user1"); err != nil || len(list) != 2 || list[0].Identifier != "license:abc" {
		t.Fatalf("links of user1: %v %v", list, err)
	}
	all := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.GameLinks(ctx, c.ID, "", after, 2)
		ids := make([]string, len(list))
		for i, l := range list {
			ids[i] = l.Identifier
		}
		return ids, next, err
	})
	if fmt.Sprint(all) != "[fivem:42 license:abc steam:11000010]" {
		t.Fatalf("the community's links: %v", all)
	}
	if list, _, err := s.GameLinks(ctx, c.ID, "user2", "", 10); err != nil || len(list) != 1 || list[0].Identifier != "fivem:42" {
		t.Fatalf("one member's: %v %v", list, err)
	}
	wantCode(t, s.UnlinkGame(ctx, c.ID, "user2", "license:abc"), cad.ENOTFOUND, "another member unlinks")
	wantCode(t, s.UnlinkGame(ctx, other.ID, "", "steam:11000010"), cad.ENOTFOUND, "another community unlinks")
	must(t, s.UnlinkGame(ctx, c.ID, "", "license:abc"))
	wantCode(t, second(s.GameLink(ctx, c.ID, "license:abc")), cad.ENOTFOUND, "a removed link")
	if l, err := s.GameLink(ctx, other.ID, "license:abc"); err != nil || l.UserID != "user2" {
		t.Fatalf("the other community's link of the same identifier: %+v %v", l, err)
	}

	code := func(digest, user string, expires time.Time) *cad.LinkCode {
		return &cad.LinkCode{ID: digest, CommunityID: c.ID, UserID: user, Identifier: "license:abc", CreatedAt: now, ExpiresAt: expires}
	}
	must(t, s.PutLinkCode(ctx, code("d1", "user1", now.Add(10*time.Minute))))
	must(t, s.PutLinkCode(ctx, code("d2", "user1", now.Add(10*time.Minute))))
	wantCode(t, second(s.SpendLinkCode(ctx, c.ID, "d1", now)), cad.ENOTFOUND, "a code its member replaced")
	if got, err := s.LinkCodeOf(ctx, c.ID, "user1", now); err != nil || got.ID != "d2" || got.Identifier != "license:abc" {
		t.Fatalf("the member's live code: %+v %v", got, err)
	}
	wantCode(t, second(s.SpendLinkCode(ctx, other.ID, "d2", now)), cad.ENOTFOUND, "another community spends the code")
	got, err := s.SpendLinkCode(ctx, c.ID, "d2", now)
	if err != nil || got.UserID != "user1" || !got.ExpiresAt.Equal(store.Millis(now.Add(10*time.Minute))) {
		t.Fatalf("spent: %+v %v", got, err)
	}
	wantCode(t, second(s.SpendLinkCode(ctx, c.ID, "d2", now)), cad.ENOTFOUND, "a code spent twice")
	wantCode(t, second(s.LinkCodeOf(ctx, c.ID, "user1", now)), cad.ENOTFOUND, "a spent code is no member's")
	must(t, s.PutLinkCode(ctx, code("d3", "user2", now.Add(time.Minute))))
	wantCode(t, second(s.SpendLinkCode(ctx, c.ID, "d3", now.Add(2*time.Minute))), cad.ENOTFOUND, "an expired code")
	wantCode(t, second(s.LinkCodeOf(ctx, c.ID, "user2", now.Add(2*time.Minute))), cad.ENOTFOUND, "an expired code is no member's")
	if n, err := s.DeleteExpired(ctx, now.Add(2*time.Minute)); err != nil || n < 1 {
		t.Fatalf("the janitor: %d %v", n, err)
	}
	wantCode(t, second(s.SpendLinkCode(ctx, c.ID, "d3", now)), cad.ENOTFOUND, "a code the janitor deleted")
}

// A link code spent by 20 at once is spent once.
func testLinkCodeSpentOnce(t *testing.T, s *store.Store) {
	c := mkCommunity(t, s, "Code once")
	now := time.Now()
	must(t, s.PutLinkCode(Ctx(t), &cad.LinkCode{ID: "digest", CommunityID: c.ID, UserID: "u", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}))
	var spent atomic.Int64
	Burst(20, func(int) {
		if _, err := s.SpendLinkCode(Ctx(t), c.ID, "digest", now); err == nil {
			spent.Add(1)
		} else if cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Error(err)
		}
	})
	if spent.Load() != 1 {
		t.Fatalf("the code was spent %d times", spent.Load())
	}
}

func testBOLOs(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "BOLOs")
	b := &cad.BOLO{Kind: cad.BOLOVehicle, Reason: "Armed robbery", Priority: "high", Plate: "abc 123", PlateKey: "ABC123", Active: true, AuthorID: "u1"}
	must(t, s.CreateBOLO(ctx, c.ID, b))
	must(t, s.CreateBOLO(ctx, c.ID, &cad.BOLO{Kind: cad.BOLOPerson, Reason: "Wanted", CharacterID: "ch1", Active: true, AuthorID: "u1"}))
	if list, err := s.BOLOsFor(ctx, c.ID, "ABC123", "ch1"); err != nil || len(list) != 2 {
		t.Fatalf("for plate and character: %d %v", len(list), err)
	}
	up, err := s.UpdateBOLO(ctx, c.ID, b.ID, func(x *cad.BOLO) error { x.Active, x.AuthorID = false, "changed"; return nil })
	must(t, err)
	if up.Active || up.AuthorID != "u1" {
		t.Fatalf("resolved %+v", up)
	}
	if list, _, _ := s.BOLOs(ctx, c.ID, true, "", 10); len(list) != 1 {
		t.Fatalf("active %d", len(list))
	}
	if list, _, _ := s.BOLOs(ctx, c.ID, false, "", 10); len(list) != 2 {
		t.Fatalf("all %d", len(list))
	}
	wantCode(t, second(s.BOLO(ctx, c.ID, "0123456789abcdef01234567")), cad.ENOTFOUND, "a missing BOLO")
}

func testALPR(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "ALPR")
	must(t, s.SyncCameras(ctx, c.ID, []*cad.Camera{{CamID: "cam1", Name: "Del Perro"}, {CamID: "cam2", Enabled: true}}))
	must(t, s.SyncCameras(ctx, c.ID, []*cad.Camera{{CamID: "cam2", Name: "Again", Enabled: true}}))
	list, err := s.Cameras(ctx, c.ID)
	must(t, err)
	if len(list) != 1 || list[0].Name != "Again" {
		t.Fatalf("cameras %+v", list)
	}
	h := &cad.ALPRHit{CommunityID: c.ID, CamID: "cam2", Plate: "ABC123", Flags: []string{"stolen"}, Time: time.Now()}
	must(t, s.AddHit(ctx, h))
	_, err = s.UpdateHit(ctx, c.ID, h.ID, func(x *cad.ALPRHit) error { x.Photos = append(x.Photos, "m1"); return nil })
	must(t, err)
	hits, _, err := s.Hits(ctx, c.ID, "", 10)
	must(t, err)
	if len(hits) != 1 || len(hits[0].Photos) != 1 {
		t.Fatalf("hits %+v", hits)
	}
	must(t, s.PutUploadToken(ctx, &cad.UploadToken{ID: "digest", CommunityID: c.ID, HitID: h.ID, Kind: "screenshot", ExpiresAt: time.Now().Add(time.Hour)}))
	tok, err := s.SpendUploadToken(ctx, "digest", time.Now())
	must(t, err)
	if tok.HitID != h.ID {
		t.Fatal("token")
	}
	wantCode(t, second(s.SpendUploadToken(ctx, "digest", time.Now())), cad.ENOTFOUND, "a token spent twice")
	must(t, s.PutUploadToken(ctx, &cad.UploadToken{ID: "old", CommunityID: c.ID, ExpiresAt: time.Now().Add(-time.Second)}))
	wantCode(t, second(s.SpendUploadToken(ctx, "old", time.Now())), cad.ENOTFOUND, "an expired token")
	must(t, s.AddCameraCommand(ctx, &cad.CameraCommand{CommunityID: c.ID, CamID: "cam2", Changes: map[string]any{"enabled": false}, CreatedAt: time.Now()}))
	cmds, err := s.TakeCameraCommands(ctx, c.ID, 10)
	must(t, err)
	if len(cmds) != 1 || cmds[0].Changes["enabled"] != false {
		t.Fatalf("commands %+v", cmds)
	}
	if again, _ := s.TakeCameraCommands(ctx, c.ID, 10); len(again) != 0 {
		t.Fatal("a command handed out twice")
	}
	must(t, s.AddERSCallout(ctx, &cad.ERSCallout{CommunityID: c.ID, ERSCalloutID: "ers-1", CallType: "Shots fired", Priority: "high", CreatedAt: time.Now()}))
	if p, _ := s.PendingERSCallouts(ctx, c.ID, 10); len(p) != 1 {
		t.Fatal("pending")
	}
	ok, err := s.AckERSCallout(ctx, c.ID, "ers-1")
	must(t, err)
	if !ok {
		t.Fatal("ack")
	}
	if ok, _ := s.AckERSCallout(ctx, c.ID, "ers-1"); ok {
		t.Fatal("acknowledged twice")
	}
	if p, _ := s.PendingERSCallouts(ctx, c.ID, 10); len(p) != 0 {
		t.Fatal("still pending")
	}
}

func testDispatchIsolation(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	a, b := mkCommunity(t, s, "A"), mkCommunity(t, s, "B")
	call := mkCall(t, s, a, cad.CallPending, time.Now())
	if n, _ := s.NextSequence(ctx, b.ID, "incident"); n != 1 {
		t.Fatalf("B's sequence starts at %d", n)
	}
	wantCode(t, second(s.Call(ctx, b.ID, call.ID)), cad.ENOTFOUND, "B reads A's call")
	wantCode(t, second(s.CallByIncident(ctx, b.ID, call.IncidentNumber)), cad.ENOTFOUND, "B reads A's call by number")
	wantCode(t, second(s.UpdateCall(ctx, b.ID, call.ID, func(x *cad.Call) error { x.Status = cad.CallClosed; return nil })), cad.ENOTFOUND, "B closes A's call")
	if list, _, _ := s.Calls(ctx, b.ID, cad.CallFilter{Limit: 10}, time.Now()); len(list) != 0 {
		t.Fatal("B lists A's calls")
	}
	if list, _ := s.CallsByID(ctx, b.ID, []string{call.ID}); len(list) != 0 {
		t.Fatal("B reads A's call by id list")
	}
	_, err := s.UpdateUnit(ctx, a.ID, "u1", func() *cad.Unit { return &cad.Unit{DiscordID: "400000000000000001"} }, func(u *cad.Unit) error { u.OnDuty = true; return nil })
	must(t, err)
	wantCode(t, second(s.UnitByDiscord(ctx, b.ID, "400000000000000001")), cad.ENOTFOUND, "B reads A's unit")
	bo := &cad.BOLO{Kind: cad.BOLOVehicle, Reason: "x", PlateKey: "AAA", Active: true}
	must(t, s.CreateBOLO(ctx, a.ID, bo))
	wantCode(t, second(s.BOLO(ctx, b.ID, bo.ID)), cad.ENOTFOUND, "B reads A's BOLO")
	if list, _ := s.BOLOsFor(ctx, b.ID, "AAA", ""); len(list) != 0 {
		t.Fatal("B sees A's BOLO on a plate")
	}
	must(t, s.AddCameraCommand(ctx, &cad.CameraCommand{CommunityID: a.ID, CamID: "c"}))
	if list, _ := s.TakeCameraCommands(ctx, b.ID, 10); len(list) != 0 {
		t.Fatal("B takes A's commands")
	}
}

// 50 concurrent calls of one community get 50 different numbers.
func testConcurrentSequence(t *testing.T, s *store.Store) {
	c := mkCommunity(t, s, "Seq")
	var mu sync.Mutex
	seen := map[int64]bool{}
	Burst(50, func(int) {
		err := s.Tx(Ctx(t), func(ctx context.Context) error {
			n, err := s.NextSequence(ctx, c.ID, "incident")
			if err != nil {
				return err
			}
			mu.Lock()
			seen[n] = true
			mu.Unlock()
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	})
	if len(seen) != 50 || !seen[1] || !seen[50] {
		t.Fatalf("%d distinct numbers", len(seen))
	}
}

// A one-time token spent by 20 at once is spent once; 20 pollers at once
// take each command once.
func testHandedOutOnce(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Once")
	must(t, s.PutUploadToken(ctx, &cad.UploadToken{ID: "t", CommunityID: c.ID, ExpiresAt: time.Now().Add(time.Hour)}))
	for i := 0; i < 30; i++ {
		must(t, s.AddCameraCommand(ctx, &cad.CameraCommand{CommunityID: c.ID, CamID: fmt.Sprint(i)}))
	}
	var mu sync.Mutex
	spent, taken := 0, map[string]int{}
	Burst(20, func(int) {
		if _, err := s.SpendUploadToken(Ctx(t), "t", time.Now()); err == nil {
			mu.Lock()
			spent++
			mu.Unlock()
		}
		list, err := s.TakeCameraCommands(Ctx(t), c.ID, 5)
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		for _, cmd := range list {
			taken[cmd.ID]++
		}
		mu.Unlock()
	})
	if spent != 1 {
		t.Fatalf("the token was spent %d times", spent)
	}
	for id, n := range taken {
		if n != 1 {
			t.Fatalf("command %s handed out %d times", id, n)
		}
	}
	if len(taken) != 30 {
		t.Fatalf("%d of 30 commands handed out", len(taken))
	}
}
