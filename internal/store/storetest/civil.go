package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store"
)

// civilContract runs the civil-records part of the contract.
func civilContract(t *testing.T, open func(t *testing.T) *store.Store, atomicOnly func(t *testing.T)) {
	t.Run("characters", func(t *testing.T) { testCharacters(t, open(t)) })
	t.Run("character search", func(t *testing.T) { testCharacterSearch(t, open(t)) })
	t.Run("vehicles", func(t *testing.T) { testVehicles(t, open(t)) })
	t.Run("bank", func(t *testing.T) { testBank(t, open(t)) })
	t.Run("media", func(t *testing.T) { testMedia(t, open(t)) })
	t.Run("media usage", func(t *testing.T) { testMediaUsage(t, open(t)) })
	t.Run("media quota under concurrency", func(t *testing.T) { atomicOnly(t); testConcurrentMediaQuota(t, open(t)) })
	t.Run("civil isolation", func(t *testing.T) { testCivilIsolation(t, open(t)) })
	t.Run("bank transaction rolls back", func(t *testing.T) { atomicOnly(t); testBankRollback(t, open(t)) })
}

func mkCharacter(t *testing.T, s *store.Store, c *cad.Community, ssn, first, last string) *cad.Character {
	t.Helper()
	ch := &cad.Character{SSN: ssn, FirstName: first, LastName: last, DateOfBirth: "1990-05-15", OwnerID: "owner-" + c.ID[:4]}
	must(t, s.CreateCharacter(Ctx(t), c.ID, ch))
	return ch
}

func testCharacters(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Civ")
	ch := &cad.Character{SSN: "123-45-6789", Identifier: "char1:abc", FirstName: "John", LastName: "Doe",
		DateOfBirth: "1990-05-15", OwnerID: "u1", DiscordID: "400000000000000001",
		Licenses: []cad.License{{Type: cad.LicenseDrivers, Status: cad.LicenseValid}}, Extra: map[string]string{"job": "taxi"}}
	must(t, s.CreateCharacter(ctx, c.ID, ch))
	if ch.ID == "" || ch.CommunityID != c.ID || ch.CreatedAt.IsZero() {
		t.Fatalf("created %+v", ch)
	}
	wantCode(t, s.CreateCharacter(ctx, c.ID, &cad.Character{SSN: "123-45-6789", FirstName: "A", LastName: "B"}), cad.ECONFLICT, "an SSN twice")
	for what, get := range map[string]func() (*cad.Character, error){
		"id":         func() (*cad.Character, error) { return s.Character(ctx, c.ID, ch.ID) },
		"ssn":        func() (*cad.Character, error) { return s.CharacterBySSN(ctx, c.ID, "123-45-6789") },
		"identifier": func() (*cad.Character, error) { return s.CharacterByIdentifier(ctx, c.ID, "char1:abc") },
	} {
		got, err := get()
		must(t, err)
		if got.ID != ch.ID || got.Extra["job"] != "taxi" || len(got.Licenses) != 1 || got.Licenses[0].Status != cad.LicenseValid {
			t.Fatalf("by %s: %+v", what, got)
		}
	}
	wantCode(t, second(s.Character(ctx, c.ID, "junk")), cad.ENOTFOUND, "a malformed id")
	wantCode(t, second(s.CharacterBySSN(ctx, c.ID, "")), cad.ENOTFOUND, "an empty ssn")
	mkCharacter(t, s, c, "other", "Jane", "Roe")
	up, err := s.UpdateCharacter(ctx, c.ID, ch.ID, func(x *cad.Character) error {
		x.Phone, x.ID, x.CommunityID = "555-0100", "changed", "changed"
		x.Licenses[0].Status = cad.LicenseSuspended
		return nil
	})
	must(t, err)
	if up.Phone != "555-0100" || up.ID != ch.ID || up.CommunityID != c.ID || !up.UpdatedAt.After(ch.CreatedAt.Add(-time.Millisecond)) {
		t.Fatalf("updated %+v", up)
	}
	flagged, err := s.CharactersWithLicenseStatus(ctx, c.ID, []string{cad.LicenseSuspended, cad.LicenseRevoked}, 10)
	must(t, err)
	if len(flagged) != 1 || flagged[0].ID != ch.ID {
		t.Fatalf("license status look-up %d", len(flagged))
	}
	wantCode(t, second(s.UpdateCharacter(ctx, c.ID, ch.ID, func(x *cad.Character) error { x.SSN = "other"; return nil })), cad.ECONFLICT, "an update onto a taken ssn")
	if n, err := s.CountCharactersOf(ctx, c.ID, "u1"); err != nil || n != 1 {
		t.Fatalf("count %d %v", n, err)
	}
	if list, err := s.CharactersOf(ctx, c.ID, "u1", 10); err != nil || len(list) != 1 {
		t.Fatalf("mine %d %v", len(list), err)
	}
	if list, err := s.CharactersByDiscord(ctx, c.ID, "400000000000000001", 10); err != nil || len(list) != 1 {
		t.Fatalf("by discord %d %v", len(list), err)
	}
	_, err = s.UpdateCharacter(ctx, c.ID, ch.ID, func(x *cad.Character) error {
		x.MissingPerson, x.LastSeenLocation = true, "Legion Square"
		return nil
	})
	must(t, err)
	missing, next, err := s.MissingCharacters(ctx, c.ID, "", 10)
	must(t, err)
	if len(missing) != 1 || next != "" || missing[0].LastSeenLocation != "Legion Square" {
		t.Fatalf("missing %+v", missing)
	}
	must(t, s.AddLicenseChange(ctx, &cad.LicenseChange{CommunityID: c.ID, CharacterID: ch.ID, Type: cad.LicenseDrivers, From: "VALID", To: "SUSPENDED", ActorID: "u2", ActorKind: "user", Time: time.Now()}))
	time.Sleep(2 * time.Millisecond)
	must(t, s.AddLicenseChange(ctx, &cad.LicenseChange{CommunityID: c.ID, CharacterID: ch.ID, Type: cad.LicenseDrivers, From: "SUSPENDED", To: "VALID", ActorID: "u2", ActorKind: "user", Time: time.Now()}))
	hist, err := s.LicenseHistory(ctx, c.ID, ch.ID, 10)
	must(t, err)
	if len(hist) != 2 || hist[0].To != "VALID" {
		t.Fatalf("history %+v", hist)
	}
	must(t, s.DeleteCharacter(ctx, c.ID, ch.ID))
	wantCode(t, s.DeleteCharacter(ctx, c.ID, ch.ID), cad.ENOTFOUND, "deleted twice")
	wantCode(t, second(s.CharacterBySSN(ctx, c.ID, "123-45-6789")), cad.ENOTFOUND, "a deleted character")
}

func testCharacterSearch(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Search")
	names := [][2]string{{"Zoë", "O'Brien"}, {"John", "Smith"}, {"Johanna", "Smithers"}, {"Jon", "Doe"}, {"Ann", "Smith"}}
	for i, n := range names {
		mkCharacter(t, s, c, fmt.Sprint("s", i), n[0], n[1])
	}
	search := func(f cad.CharacterFilter) []string {
		t.Helper()
		var out []string
		for {
			list, next, err := s.SearchCharacters(ctx, c.ID, f)
			must(t, err)
			for _, ch := range list {
				out = append(out, ch.FirstName+" "+ch.LastName)
			}
			if next == "" {
				return out
			}
			f.After = next
		}
	}
	for _, tc := range []struct {
		f    cad.CharacterFilter
		want string
	}{
		{cad.CharacterFilter{LastPrefix: "smi", Limit: 1}, "Ann Smith,John Smith,Johanna Smithers"},
		{cad.CharacterFilter{LastPrefix: "SMITH", FirstPrefix: "joh", Limit: 2}, "John Smith,Johanna Smithers"},
		{cad.CharacterFilter{FirstPrefix: "jo", Limit: 2}, "Johanna Smithers,John Smith,Jon Doe"},
		{cad.CharacterFilter{FirstPrefix: "zoe", Limit: 2}, "Zoë O'Brien"},
		{cad.CharacterFilter{LastPrefix: "o'b", Limit: 2}, "Zoë O'Brien"},
		{cad.CharacterFilter{LastPrefix: "nobody", Limit: 2}, ""},
	} {
		if got := strings.Join(search(tc.f), ","); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.f, got, tc.want)
		}
	}
	// One date of birth: every one, each once, in _id order.
	if got := search(cad.CharacterFilter{DateOfBirth: "1990-05-15", Limit: 2}); len(got) != len(names) {
		t.Errorf("by date of birth: %v", got)
	}
	wantCode(t, second3(s.SearchCharacters(ctx, c.ID, cad.CharacterFilter{})), cad.EINVALID, "an empty search")
	wantCode(t, second3(s.SearchCharacters(ctx, c.ID, cad.CharacterFilter{LastPrefix: "s", After: "junk"})), cad.EINVALID, "a bad cursor")
}

func testVehicles(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Cars")
	owner := mkCharacter(t, s, c, "o1", "Owner", "One")
	past := time.Now().Add(-time.Hour)
	v := &cad.Vehicle{OwnerID: owner.ID, OwnerUserID: "u1", Plate: "abc 123", PlateKey: "ABC123", VIN: "VIN1", Make: "Bravado",
		RegistrationStatus: cad.DocValid, InsuranceStatus: cad.DocValid, RegistrationExpires: &past}
	must(t, s.CreateVehicle(ctx, c.ID, v))
	wantCode(t, s.CreateVehicle(ctx, c.ID, &cad.Vehicle{OwnerID: owner.ID, Plate: "ABC-123", PlateKey: "ABC123", VIN: "VIN2"}), cad.ECONFLICT, "a plate twice")
	wantCode(t, s.CreateVehicle(ctx, c.ID, &cad.Vehicle{OwnerID: owner.ID, Plate: "X", PlateKey: "X", VIN: "VIN1"}), cad.ECONFLICT, "a VIN twice")
	clean := &cad.Vehicle{OwnerID: owner.ID, Plate: "CLEAN1", PlateKey: "CLEAN1", VIN: "VIN3", RegistrationStatus: cad.DocValid, InsuranceStatus: cad.DocValid}
	must(t, s.CreateVehicle(ctx, c.ID, clean))
	got, err := s.VehicleByPlate(ctx, c.ID, "ABC123")
	must(t, err)
	if got.ID != v.ID || got.Plate != "abc 123" || got.RegistrationExpires == nil {
		t.Fatalf("by plate %+v", got)
	}
	flagged, err := s.FlaggedVehicles(ctx, c.ID, time.Now(), nil, 100)
	must(t, err)
	if len(flagged) != 1 || flagged[0].ID != v.ID {
		t.Fatalf("flagged (expired registration) %d", len(flagged))
	}
	flagged, err = s.FlaggedVehicles(ctx, c.ID, time.Now(), []string{owner.ID}, 100)
	must(t, err)
	if len(flagged) != 2 {
		t.Fatalf("flagged by owner %d", len(flagged))
	}
	up, err := s.UpdateVehicle(ctx, c.ID, clean.ID, func(x *cad.Vehicle) error {
		x.Stolen, x.StolenDescription, x.PlateDesignID = true, "taken from Vinewood", "classic"
		return nil
	})
	must(t, err)
	if !up.Stolen || up.ID != clean.ID {
		t.Fatalf("updated %+v", up)
	}
	stolen, next, err := s.Vehicles(ctx, c.ID, cad.VehicleFilter{StolenOnly: true, Limit: 10})
	must(t, err)
	if len(stolen) != 1 || next != "" || stolen[0].StolenDescription != "taken from Vinewood" {
		t.Fatalf("stolen %+v", stolen)
	}
	if d, err := s.DesignedVehicles(ctx, c.ID, 10); err != nil || len(d) != 1 {
		t.Fatalf("designed %d %v", len(d), err)
	}
	mine := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.Vehicles(ctx, c.ID, cad.VehicleFilter{OwnerUserID: "u1", After: after, Limit: 1})
		return vehicleIDs(list), next, err
	})
	if len(mine) != 1 {
		t.Fatalf("mine %v", mine)
	}
	owned := pageAll(t, func(after string) ([]string, string, error) {
		list, next, err := s.Vehicles(ctx, c.ID, cad.VehicleFilter{OwnerID: owner.ID, After: after, Limit: 1})
		return vehicleIDs(list), next, err
	})
	if len(owned) != 2 {
		t.Fatalf("owned %v", owned)
	}
	wantCode(t, second(s.UpdateVehicle(ctx, c.ID, clean.ID, func(x *cad.Vehicle) error { x.PlateKey = "ABC123"; return nil })), cad.ECONFLICT, "an update onto a taken plate")
	must(t, s.DeleteVehicle(ctx, c.ID, v.ID))
	wantCode(t, s.DeleteVehicle(ctx, c.ID, v.ID), cad.ENOTFOUND, "deleted twice")
	if n, err := s.DeleteVehiclesOf(ctx, c.ID, owner.ID); err != nil || n != 1 {
		t.Fatalf("deleted of owner %d %v", n, err)
	}
}

func vehicleIDs(list []*cad.Vehicle) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = v.ID
	}
	return out
}

func testBank(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Bank")
	a := &cad.BankAccount{CharacterID: "ch1", Number: "1000000001", Balance: 500000}
	must(t, s.CreateAccount(ctx, c.ID, a))
	wantCode(t, s.CreateAccount(ctx, c.ID, &cad.BankAccount{CharacterID: "ch2", Number: "1000000001"}), cad.ECONFLICT, "a number twice")
	wantCode(t, s.CreateAccount(ctx, c.ID, &cad.BankAccount{CharacterID: "ch1", Number: "1000000002"}), cad.ECONFLICT, "two accounts for one character")
	got, err := s.AccountOf(ctx, c.ID, "ch1")
	must(t, err)
	if got.ID != a.ID || got.Balance != 500000 {
		t.Fatalf("account %+v", got)
	}
	got.Balance, got.Frozen = 123, true
	must(t, s.SaveAccount(ctx, got))
	got, err = s.AccountByNumber(ctx, c.ID, "1000000001")
	must(t, err)
	if got.Balance != 123 || !got.Frozen {
		t.Fatalf("saved %+v", got)
	}
	wantCode(t, second(s.AccountByNumber(ctx, c.ID, "")), cad.ENOTFOUND, "no number")
	for i := 0; i < 5; i++ {
		must(t, s.AddLedgerEntry(ctx, &cad.LedgerEntry{CommunityID: c.ID, AccountID: a.ID, Type: cad.TxDeposit, Amount: int64(i), Time: time.Now()}))
		time.Sleep(time.Millisecond)
	}
	var amounts []int64
	after := ""
	for {
		list, next, err := s.Ledger(ctx, c.ID, a.ID, after, 2)
		must(t, err)
		for _, e := range list {
			amounts = append(amounts, e.Amount)
		}
		if next == "" {
			break
		}
		after = next
	}
	if fmt.Sprint(amounts) != "[4 3 2 1 0]" {
		t.Fatalf("ledger newest first: %v", amounts)
	}
	now := time.Now()
	r := &cad.IdempotentResult{ID: "digest1", CommunityID: c.ID, Status: 200, Body: `{"ok":true}`, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, s.SaveIdempotentResult(ctx, r))
	wantCode(t, s.SaveIdempotentResult(ctx, r), cad.ECONFLICT, "a digest twice")
	res, err := s.IdempotentResult(ctx, "digest1", now)
	must(t, err)
	if res.Body != `{"ok":true}` || res.Status != 200 {
		t.Fatalf("result %+v", res)
	}
	wantCode(t, second(s.IdempotentResult(ctx, "digest1", now.Add(2*time.Hour))), cad.ENOTFOUND, "an expired result")
	// An expired answer makes way for a new one under its digest.
	later := now.Add(2 * time.Hour)
	must(t, s.SaveIdempotentResult(ctx, &cad.IdempotentResult{ID: "digest1", CommunityID: c.ID, Status: 201, Body: "{}", CreatedAt: later, ExpiresAt: later.Add(time.Hour)}))
	if n, err := s.DeleteExpired(ctx, later.Add(2*time.Hour)); err != nil || n < 1 {
		t.Fatalf("expired results deleted: %d %v", n, err)
	}
}

func testBankRollback(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Rollback")
	a := &cad.BankAccount{CharacterID: "ch1", Number: "1", Balance: 100}
	must(t, s.CreateAccount(ctx, c.ID, a))
	err := s.Tx(ctx, func(ctx context.Context) error {
		a.Balance = 0
		if err := s.SaveAccount(ctx, a); err != nil {
			return err
		}
		if err := s.AddLedgerEntry(ctx, &cad.LedgerEntry{CommunityID: c.ID, AccountID: a.ID, Type: cad.TxWithdrawal, Amount: -100, Time: time.Now()}); err != nil {
			return err
		}
		return cad.Errorf(cad.EINVALID, "changed my mind")
	})
	wantCode(t, err, cad.EINVALID, "the failed transaction")
	got, err := s.AccountOf(ctx, c.ID, "ch1")
	must(t, err)
	list, _, _ := s.Ledger(ctx, c.ID, a.ID, "", 10)
	if got.Balance != 100 || len(list) != 0 {
		t.Fatalf("rolled back: balance %d, %d ledger entries", got.Balance, len(list))
	}
}

func testMedia(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Media")
	data := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("x", 1<<20))
	m := &cad.Media{ID: "0123456789abcdef0123456789abcdef", CommunityID: c.ID, OwnerID: "ch1", ContentType: "image/png", Data: data, CreatedAt: time.Now()}
	must(t, s.PutMedia(ctx, m, cad.MediaQuota{}))
	got, err := s.Media(ctx, c.ID, m.ID)
	must(t, err)
	if string(got.Data) != string(data) || got.ContentType != "image/png" {
		t.Fatalf("media read back %d bytes", len(got.Data))
	}
	must(t, s.PutMedia(ctx, &cad.Media{ID: "second", CommunityID: c.ID, OwnerID: "ch1", ContentType: "image/jpeg", Data: []byte{0xff, 0xd8}}, cad.MediaQuota{}))
	if n, err := s.DeleteMediaOf(ctx, c.ID, "ch1"); err != nil || n != 2 {
		t.Fatalf("deleted %d %v", n, err)
	}
	wantCode(t, second(s.Media(ctx, c.ID, m.ID)), cad.ENOTFOUND, "deleted media")
}

func wantUsage(t *testing.T, s *store.Store, communityID string, want cad.MediaUsage) {
	t.Helper()
	want.CommunityID = communityID
	got, err := s.MediaUsage(Ctx(t), communityID)
	must(t, err)
	if *got != want {
		t.Fatalf("usage %+v, want %+v", *got, want)
	}
}

func mkImage(id, communityID, owner, kind string, size int) *cad.Media {
	return &cad.Media{ID: id, CommunityID: communityID, OwnerID: owner, Kind: kind, Version: cad.MediaVersion, ContentType: "image/jpeg",
		Data: []byte(strings.Repeat("j", size)), CreatedAt: time.Now()}
}

// What a community's images take is kept with every store and deletion
// (R66): counted images only, ALPR photos apart, a quota refusing what
// would go past it with nothing stored, another community untouched.
func testMediaUsage(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	a, b := mkCommunity(t, s, "A"), mkCommunity(t, s, "B")
	wantUsage(t, s, a.ID, cad.MediaUsage{})
	q := cad.MediaQuota{Bytes: 1000, ALPRBytes: 300}
	must(t, s.PutMedia(ctx, mkImage("m1", a.ID, "ch1", cad.MediaMugshot, 400), q))
	must(t, s.PutMedia(ctx, mkImage("p1", a.ID, "hit1", cad.MediaALPR, 200), q))
	wantUsage(t, s, a.ID, cad.MediaUsage{Bytes: 600, Images: 2, ALPRBytes: 200, ALPRImages: 1})
	if got, _ := s.Media(ctx, a.ID, "m1"); got.Size != 400 {
		t.Fatalf("stored size %d", got.Size)
	}
	// Past the ALPR share, then past the whole quota: refused, not stored.
	err := s.PutMedia(ctx, mkImage("p2", a.ID, "hit1", cad.MediaALPR, 101), q)
	wantCode(t, err, cad.ETOOLARGE, "an ALPR photo past its share")
	if !strings.Contains(cad.ErrorMessage(err), "ALPR") {
		t.Fatalf("message %q", cad.ErrorMessage(err))
	}
	wantCode(t, s.PutMedia(ctx, mkImage("m2", a.ID, "ch2", cad.MediaMugshot, 401), q), cad.ETOOLARGE, "an image past the quota")
	wantCode(t, second(s.Media(ctx, a.ID, "m2")), cad.ENOTFOUND, "the refused image")
	must(t, s.PutMedia(ctx, mkImage("m2", a.ID, "ch2", cad.MediaMugshot, 400), q))
	wantUsage(t, s, a.ID, cad.MediaUsage{Bytes: 1000, Images: 3, ALPRBytes: 200, ALPRImages: 1})
	// B is not A: its own usage, its own quota.
	must(t, s.PutMedia(ctx, mkImage("b1", b.ID, "chB", cad.MediaMugshot, 900), q))
	wantUsage(t, s, b.ID, cad.MediaUsage{Bytes: 900, Images: 1})
	// Deleting takes off what was added, once.
	must(t, s.DeleteMedia(ctx, a.ID, "m1"))
	must(t, s.DeleteMedia(ctx, a.ID, "m1"))
	must(t, s.DeleteMedia(ctx, b.ID, "p1")) // another community's: nothing
	wantUsage(t, s, a.ID, cad.MediaUsage{Bytes: 600, Images: 2, ALPRBytes: 200, ALPRImages: 1})
	if n, err := s.DeleteMediaOf(ctx, a.ID, "hit1"); err != nil || n != 1 {
		t.Fatalf("deleted %d %v", n, err)
	}
	wantUsage(t, s, a.ID, cad.MediaUsage{Bytes: 400, Images: 1})
	all, err := s.AllMediaUsage(ctx)
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("%d usages", len(all))
	}

	// An image stored before normalisation is not counted until the
	// janitor puts its normalised copy in its place.
	old := &cad.Media{ID: "legacy", CommunityID: a.ID, OwnerID: "ch3", ContentType: "image/png", Data: []byte(strings.Repeat("p", 5000)), CreatedAt: time.Now()}
	must(t, s.PutMedia(ctx, old, q))
	wantUsage(t, s, a.ID, cad.MediaUsage{Bytes: 400, Images: 1})
	list, err := s.UncountedMedia(ctx, 10)
	must(t, err)
	if len(list) != 1 || list[0].ID != "legacy" {
		t.Fatalf("uncounted %+v", list)
	}
	norm := mkImage("legacy", a.ID, "ch3", cad.MediaMugshot, 700)
	if ok, err := s.ReplaceUncountedMedia(ctx, norm); err != nil || !ok {
		t.Fatalf("replace %v %v", ok, err)
	}
	if ok, err := s.ReplaceUncountedMedia(ctx, norm); err != nil || ok {
		t.Fatalf("replaced twice %v %v", ok, err)
	}
	wantUsage(t, s, a.ID, cad.MediaUsage{Bytes: 1100, Images: 2})
	if list, _ := s.UncountedMedia(ctx, 10); len(list) != 0 {
		t.Fatalf("still uncounted: %d", len(list))
	}
	// A legacy image deleted before the janitor reached it takes nothing
	// off.
	must(t, s.PutMedia(ctx, &cad.Media{ID: "legacy2", CommunityID: a.ID, OwnerID: "ch4", ContentType: "image/png", Data: []byte("x")}, q))
	must(t, s.DeleteMedia(ctx, a.ID, "legacy2"))
	wantUsage(t, s, a.ID, cad.MediaUsage{Bytes: 1100, Images: 2})

	// The sweep pages through every community's images by id.
	var ids []string
	after := ""
	for {
		page, err := s.MediaPage(ctx, after, 1)
		must(t, err)
		if len(page) == 0 {
			break
		}
		ids = append(ids, page[0].ID)
		after = page[0].ID
	}
	if strings.Join(ids, ",") != "b1,legacy,m2" {
		t.Fatalf("swept %v", ids)
	}
}

// Concurrent uploads into one community never go past its quota, and the
// usage is exactly what is stored, also after concurrent deletions.
func testConcurrentMediaQuota(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	c := mkCommunity(t, s, "Quota")
	if _, err := s.MediaUsage(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	const size, fit, tries = 100, 10, 30
	q := cad.MediaQuota{Bytes: size * fit}
	var wg sync.WaitGroup
	var stored atomic.Int64
	errs := make(chan error, tries)
	for i := 0; i < tries; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := s.PutMedia(ctx, mkImage(fmt.Sprintf("c%02d", i), c.ID, "ch", cad.MediaMugshot, size), q)
			switch cad.ErrorCode(err) {
			case "":
				stored.Add(1)
			case cad.ETOOLARGE:
			default:
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if stored.Load() != fit {
		t.Fatalf("%d stored under a quota of %d", stored.Load(), fit)
	}
	wantUsage(t, s, c.ID, cad.MediaUsage{Bytes: size * fit, Images: fit})
	for i := 0; i < tries; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := s.DeleteMedia(ctx, c.ID, fmt.Sprintf("c%02d", i)); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	wantUsage(t, s, c.ID, cad.MediaUsage{})
}

func testCivilIsolation(t *testing.T, s *store.Store) {
	ctx := Ctx(t)
	a, b := mkCommunity(t, s, "A"), mkCommunity(t, s, "B")
	ch := mkCharacter(t, s, a, "111", "Alice", "Anders")
	wantCode(t, second(s.Character(ctx, b.ID, ch.ID)), cad.ENOTFOUND, "B reads A's character")
	wantCode(t, second(s.CharacterBySSN(ctx, b.ID, "111")), cad.ENOTFOUND, "B reads A's character by ssn")
	wantCode(t, second(s.UpdateCharacter(ctx, b.ID, ch.ID, func(x *cad.Character) error { x.FirstName = "Eve"; return nil })), cad.ENOTFOUND, "B updates A's character")
	wantCode(t, s.DeleteCharacter(ctx, b.ID, ch.ID), cad.ENOTFOUND, "B deletes A's character")
	if list, _, _ := s.SearchCharacters(ctx, b.ID, cad.CharacterFilter{LastPrefix: "anders", Limit: 10}); len(list) != 0 {
		t.Fatal("B finds A's character")
	}
	// The same SSN is free in B.
	mkCharacter(t, s, b, "111", "Bob", "Banks")
	v := &cad.Vehicle{OwnerID: ch.ID, Plate: "AAA", PlateKey: "AAA", VIN: "V"}
	must(t, s.CreateVehicle(ctx, a.ID, v))
	wantCode(t, second(s.Vehicle(ctx, b.ID, v.ID)), cad.ENOTFOUND, "B reads A's vehicle")
	wantCode(t, second(s.VehicleByPlate(ctx, b.ID, "AAA")), cad.ENOTFOUND, "B runs A's plate")
	wantCode(t, s.DeleteVehicle(ctx, b.ID, v.ID), cad.ENOTFOUND, "B deletes A's vehicle")
	acct := &cad.BankAccount{CharacterID: ch.ID, Number: "42", Balance: 1}
	must(t, s.CreateAccount(ctx, a.ID, acct))
	wantCode(t, second(s.AccountByNumber(ctx, b.ID, "42")), cad.ENOTFOUND, "B reads A's account")
	stolen := *acct
	stolen.CommunityID, stolen.Balance = b.ID, 1_000_000
	wantCode(t, s.SaveAccount(ctx, &stolen), cad.ENOTFOUND, "B saves A's account")
	if got, _ := s.AccountOf(ctx, a.ID, ch.ID); got.Balance != 1 {
		t.Fatal("A's balance changed")
	}
	must(t, s.PutMedia(ctx, &cad.Media{ID: "m1", CommunityID: a.ID, OwnerID: ch.ID, ContentType: "image/png", Data: []byte{1}}, cad.MediaQuota{}))
	wantCode(t, second(s.Media(ctx, b.ID, "m1")), cad.ENOTFOUND, "B reads A's image")
}
