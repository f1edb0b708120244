package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store"
)

// Fill makes a little of everything export carries, for round-trip tests:
// two communities with members of every role and state, departments, keys,
// audit entries with nested states, and sign-in events.
func Fill(t *testing.T, s *store.Store) (a, b *cad.Community) {
	t.Helper()
	ctx := Ctx(t)
	a, b = mkCommunity(t, s, "Export A"), mkCommunity(t, s, "Export B")
	st := a.Settings
	st.CADSettings = map[string]any{"theme": "dark", "mapScale": 1.5, "flag": true, "none": nil}
	st.StatusCodes = []cad.StatusCode{{Code: "10-8", Label: "In service", Color: "#0f0"}}
	var err error
	a, err = s.UpdateCommunity(ctx, a.ID, a.Name, st)
	must(t, err)
	for i := 0; i < 6; i++ {
		u := &cad.User{Username: fmt.Sprintf("exp%d", i), PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", GuildIDs: []string{a.GuildID}}
		if i == 0 {
			u.DiscordID, u.SecurityQuestion1, u.SecurityAnswer1Hash = "80351110224678912", "q1", "$argon2id$a1"
		}
		must(t, s.CreateUser(ctx, u))
		role := []string{cad.RoleAdmin, cad.RoleSupervisor, cad.RoleMember}[i%3]
		m := &cad.Membership{CommunityID: a.ID, UserID: u.ID, Username: u.Username, Role: role, Status: cad.MemberActive, CallSign: fmt.Sprint("1-A-", i)}
		if i == 4 {
			m.Status = cad.MemberBanned
		}
		if i%2 == 0 {
			m.Departments = []string{"LSPD"}
		}
		must(t, s.AddMember(ctx, m))
		if i < 2 {
			mkMember(t, s, b, u, cad.RoleAdmin)
		}
		must(t, s.AddAuthEvent(ctx, &cad.AuthEvent{Type: cad.EventLoginSuccess, Outcome: cad.OutcomeSuccess, UserID: u.ID, IP: "192.0.2.1", Time: time.Now()}))
	}
	for _, c := range []*cad.Community{a, b} {
		must(t, s.CreateDepartment(ctx, c.ID, &cad.Department{Code: "LSPD", Name: "Police", Type: cad.DeptLEO, BlipColor: 3, Paycheck: 850}))
		must(t, s.CreateAPIKey(ctx, &cad.APIKey{Hash: "hash-" + c.ID, CommunityID: c.ID, Name: "server", Prefix: "01234567", Scopes: []string{cad.ScopeFiveM}}))
		must(t, s.AddAudit(ctx, &cad.AuditEntry{CommunityID: c.ID, Action: "member.role_changed", ActorID: "x", ActorKind: "user",
			Before: map[string]any{"role": "member", "departments": []string{"LSPD"}}, After: map[string]any{"n": 3}, Time: time.Now()}))
	}
	must(t, s.TouchAPIKey(ctx, "hash-"+a.ID, time.Now()))
	// An invite (used once) and an announcement of A.
	must(t, s.CreateInvite(ctx, &cad.Invite{CommunityID: a.ID, Digest: "digest-" + a.ID, Role: cad.RoleSupervisor, Departments: []string{"LSPD"},
		MaxUses: 5, ExpiresAt: time.Now().Add(time.Hour), CreatedBy: "x"}))
	must(t, second(s.TakeInvite(ctx, a.ID, "digest-"+a.ID, time.Now())))
	must(t, s.AddAnnouncement(ctx, &cad.Announcement{CommunityID: a.ID, Title: "Welcome", Message: "Server restart at 8", Priority: "high", AuthorID: "x", AuthorName: "exp0"}))
	// Civil records of A: every kind once.
	ch := &cad.Character{SSN: "123-45-6789", FirstName: "Zoë", LastName: "O'Brien", DateOfBirth: "1991-07-04",
		Licenses: []cad.License{{Type: cad.LicenseDrivers, Status: cad.LicenseValid, UpdatedAt: store.Millis(time.Now())}}, Extra: map[string]string{"job": "taxi"}}
	must(t, s.CreateCharacter(ctx, a.ID, ch))
	must(t, s.AddLicenseChange(ctx, &cad.LicenseChange{CommunityID: a.ID, CharacterID: ch.ID, Type: cad.LicenseDrivers, To: cad.LicenseValid, ActorID: "x", ActorKind: "user", Time: time.Now()}))
	expires := time.Now().Add(time.Hour)
	must(t, s.CreateVehicle(ctx, a.ID, &cad.Vehicle{OwnerID: ch.ID, Plate: "zoe 1", PlateKey: "ZOE1", VIN: "VIN1", RegistrationStatus: cad.DocValid, RegistrationExpires: &expires}))
	acct := &cad.BankAccount{CharacterID: ch.ID, Number: "1000000001", Balance: 500000}
	must(t, s.CreateAccount(ctx, a.ID, acct))
	must(t, s.AddLedgerEntry(ctx, &cad.LedgerEntry{CommunityID: a.ID, AccountID: acct.ID, Type: cad.TxOpening, Amount: 500000, BalanceAfter: 500000, Time: time.Now()}))
	must(t, s.PutMedia(ctx, &cad.Media{ID: "0123456789abcdef0123456789abcdef", CommunityID: a.ID, OwnerID: ch.ID, ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\n\x00\xff"), CreatedAt: time.Now()}, cad.MediaQuota{}))
	must(t, s.PutMedia(ctx, mkImage("1123456789abcdef0123456789abcdef", a.ID, ch.ID, cad.MediaMugshot, 1234), cad.MediaQuota{}))
	at := time.Now()
	b, err = s.MarkCommunityDeleted(ctx, b.ID, &at)
	must(t, err)
	return a, b
}

// Records returns an export's record lines (the header left out).
func Records(t *testing.T, export []byte) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(export)), "\n")
	var h store.ExportHeader
	if err := json.Unmarshal([]byte(lines[0]), &h); err != nil || h.Format != store.ExportFormat {
		t.Fatalf("header %q: %v", lines[0], err)
	}
	return lines[1:]
}

func exportOf(t *testing.T, s *store.Store, community string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := s.Export(Ctx(t), &buf, community); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// RoundTrip exports from, imports the file into to, exports to, and fails
// unless the two exports hold the same records.
func RoundTrip(t *testing.T, from, to *store.Store, community string) {
	t.Helper()
	first := exportOf(t, from, community)
	stats, err := to.Import(Ctx(t), bytes.NewReader(first))
	must(t, err)
	if len(stats) == 0 {
		t.Fatal("nothing imported")
	}
	second := exportOf(t, to, community)
	a, b := Records(t, first), Records(t, second)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		for i := 0; i < len(a) && i < len(b); i++ {
			if a[i] != b[i] {
				t.Fatalf("record %d differs after the round trip:\n%s\n%s", i+1, a[i], b[i])
			}
		}
		t.Fatalf("%d records exported, %d after the round trip", len(a), len(b))
	}
}

func testExportImport(t *testing.T, open func(t *testing.T) *store.Store) {
	src := open(t)
	a, b := Fill(t, src)
	t.Run("everything", func(t *testing.T) {
		dst := open(t)
		RoundTrip(t, src, dst, "")
		recs := Records(t, exportOf(t, src, ""))
		for _, want := range []string{`"collection":"users"`, `"collection":"communities"`, `"collection":"members"`, `"collection":"departments"`,
			`"collection":"api_keys"`, `"collection":"community_audit"`, `"collection":"auth_events"`, `"collection":"characters"`,
			`"collection":"license_history"`, `"collection":"vehicles"`, `"collection":"bank_accounts"`, `"collection":"bank_ledger"`,
			`"collection":"media"`, `"collection":"invites"`, `"collection":"announcements"`} {
			if !strings.Contains(strings.Join(recs, "\n"), want) {
				t.Errorf("the export lacks %s", want)
			}
		}
		// The imported data works through the store.
		got, err := dst.Community(Ctx(t), a.GuildID, false)
		must(t, err)
		if got.MemberCount != 6 || got.AdminCount != 2 || got.Settings.CADSettings["mapScale"] != 1.5 {
			t.Fatalf("imported community %+v", got)
		}
		// Usage is not exported: import counts what it brings (the
		// normalised image; the older one waits for the janitor).
		wantUsage(t, dst, a.ID, cad.MediaUsage{Bytes: 1234, Images: 1})
		if _, err := dst.Community(Ctx(t), b.ID, false); cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Fatal("a deleted community came back alive")
		}
		if k, err := dst.APIKeyByHash(Ctx(t), "hash-"+a.ID); err != nil || k.LastUsedAt == nil {
			t.Fatalf("imported key %+v %v", k, err)
		}
		// The invite keeps its uses and is still taken by its digest.
		if inv, err := dst.TakeInvite(Ctx(t), a.ID, "digest-"+a.ID, time.Now()); err != nil || inv.Uses != 2 || inv.Role != cad.RoleSupervisor {
			t.Fatalf("imported invite %+v %v", inv, err)
		}
		if list, _, err := dst.Announcements(Ctx(t), a.ID, "", 10); err != nil || len(list) != 1 || list[0].AuthorName != "exp0" {
			t.Fatalf("imported announcements %+v %v", list, err)
		}
		if ch, err := dst.CharacterBySSN(Ctx(t), a.ID, "123-45-6789"); err != nil || ch.FirstName != "Zoë" {
			t.Fatalf("imported character %+v %v", ch, err)
		} else if found, _, _ := dst.SearchCharacters(Ctx(t), a.ID, cad.CharacterFilter{FirstPrefix: "zoe", Limit: 5}); len(found) != 1 {
			t.Fatal("the imported character is not found by name: its look-up keys were not kept")
		}
		// Importing the same file again is refused, and doubles nothing.
		_, err = dst.Import(Ctx(t), bytes.NewReader(exportOf(t, src, "")))
		wantCode(t, err, cad.ECONFLICT, "importing twice")
		if !strings.Contains(err.Error(), "line 2") {
			t.Fatalf("the error names no line: %v", err)
		}
	})
	t.Run("one community", func(t *testing.T) {
		dst := open(t)
		RoundTrip(t, src, dst, a.ID)
		recs := strings.Join(Records(t, exportOf(t, src, a.ID)), "\n")
		if strings.Contains(recs, b.ID) || strings.Contains(recs, `"collection":"auth_events"`) {
			t.Fatal("a one-community export holds another community's records or platform records")
		}
		if list, _, _ := dst.Members(Ctx(t), a.ID, cad.MemberFilter{Limit: 50}); len(list) != 6 {
			t.Fatalf("%d members imported", len(list))
		}
	})
	t.Run("a bad file changes nothing", func(t *testing.T) {
		good := strings.Split(strings.TrimSpace(string(exportOf(t, src, ""))), "\n")
		for name, c := range map[string]struct {
			lines []string
			want  string
		}{
			"empty":            {nil, "line 1"},
			"no header":        {good[1:], "line 1"},
			"newer format":     {append([]string{strings.Replace(good[0], `"version":1`, `"version":9`, 1)}, good[1:]...), "version 9"},
			"garbage line":     {append(append([]string{}, good[:3]...), "{not json"), "line 4"},
			"unknown table":    {append(append([]string{}, good[:2]...), `{"collection":"secrets","record":{"_id":"x"}}`), "line 3"},
			"ephemeral":        {append(append([]string{}, good[:2]...), `{"collection":"sessions","record":{"_id":"x"}}`), "line 3"},
			"unknown field":    {append(append([]string{}, good[:2]...), `{"collection":"users","record":{"_id":"x","isGod":true}}`), "line 3"},
			"orphan member":    {append([]string{good[0]}, `{"collection":"members","record":{"_id":"0123456789abcdef01234567:u","communityId":"0123456789abcdef01234567","userId":"u"}}`), "line 2"},
			"no id":            {append([]string{good[0]}, `{"collection":"users","record":{"username":"x"}}`), "line 2"},
			"truncated at end": {append(append([]string{}, good...), `{"collection":"users","record":`), fmt.Sprintf("line %d", len(good)+1)},
		} {
			t.Run(name, func(t *testing.T) {
				dst := open(t)
				_, err := dst.Import(Ctx(t), strings.NewReader(strings.Join(c.lines, "\n")))
				if cad.ErrorCode(err) != cad.EINVALID || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("got %v, want invalid naming %q", err, c.want)
				}
				if dump, _ := dst.Dump(Ctx(t), "users"); len(dump) != 0 {
					t.Fatalf("a refused file left %d users", len(dump))
				}
			})
		}
	})
	t.Run("each community whole or not at all", func(t *testing.T) {
		dst := open(t)
		// B's department already exists in the target (the same _id):
		// B's records are refused, all of them; A's go in.
		lines := Records(t, exportOf(t, src, ""))
		var bDept string
		for _, l := range lines {
			if strings.Contains(l, `"collection":"departments"`) && strings.Contains(l, b.ID) {
				bDept = l
			}
		}
		header := strings.Split(string(exportOf(t, src, "")), "\n")[0]
		var users []string
		for _, l := range lines {
			if strings.Contains(l, `"collection":"users"`) || strings.Contains(l, `"collection":"communities"`) && strings.Contains(l, b.ID) {
				users = append(users, l)
			}
		}
		_, err := dst.Import(Ctx(t), strings.NewReader(strings.Join(append(append([]string{header}, users...), bDept), "\n")))
		must(t, err)
		_, err = dst.Import(Ctx(t), strings.NewReader(strings.Join(append([]string{header}, withoutUsers(lines)...), "\n")))
		wantCode(t, err, cad.ECONFLICT, "a community with a clash")
		if _, err := dst.Community(Ctx(t), a.ID, false); err != nil {
			t.Fatalf("A was not imported: %v", err)
		}
		if list, _, _ := dst.Members(Ctx(t), a.ID, cad.MemberFilter{Limit: 50}); len(list) != 6 {
			t.Fatalf("A has %d members", len(list))
		}
		if list, _, _ := dst.Members(Ctx(t), b.ID, cad.MemberFilter{Limit: 50}); len(list) != 0 {
			t.Fatalf("half of B went in: %d members", len(list))
		}
	})
}

func withoutUsers(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !strings.Contains(l, `"collection":"users"`) && !strings.Contains(l, `"collection":"auth_events"`) {
			out = append(out, l)
		}
	}
	return out
}
