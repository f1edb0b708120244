package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/e2etest"
	"github.com/precinct-cad/precinct/pkg/client"
)

const seedPassword = "correct horse battery staple"

type seeded struct {
	Communities []struct {
		ID, GuildID, APIKey string
		Admin, Member       struct{ Username string }
	}
}

// The data commands on the real binary, beside a running server: seed
// prints what it made and it works at once; a database with real data is
// refused; export, backup and import move the data to other databases,
// where the seeded accounts sign in.
func TestDataCommands(t *testing.T) {
	dir := shortTemp(t)
	env := map[string]string{"PRECINCT_DATA_DIR": dir}
	srv := e2etest.Start(t, e2etest.Options{DataDir: dir})
	ctx := ctxT(t)

	code, out, errOut := e2etest.RunSplit(t, []string{"seed", "--communities", "3", "--members", "20", "--civilians", "10", "--vehicles", "10", "--calls", "5", "--password", seedPassword}, env, time.Minute)
	if code != 0 {
		t.Fatalf("seed: %d %s", code, errOut)
	}
	var res seeded
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Communities) != 3 {
		t.Fatalf("seed printed %q: %v", out, err)
	}
	first := res.Communities[0]
	signedIn, err := login(ctx, client.New(srv.URL), first.Admin.Username, seedPassword)
	if err != nil {
		t.Fatalf("the seeded admin signs in: %v", err)
	}
	// The admin's client names the community by its id; the look-ups below
	// name it by its guild id.
	admin := client.New(srv.URL, client.WithToken(signedIn.Token), client.WithCommunity(first.ID))
	guild := client.XCommunityID(first.GuildID)
	com, err := admin.GetCommunityWithResponse(ctx, client.CommunityID(first.ID), nil)
	if err != nil || com.JSON200.MemberCount != 20 {
		t.Fatalf("seeded community %+v %v", com, err)
	}
	// Page through every member with the cursor.
	seen, q := 0, &client.ListMembersParams{Limit: new(7)}
	for {
		page, err := admin.ListMembersWithResponse(ctx, client.CommunityID(first.ID), q)
		if err != nil {
			t.Fatal(err)
		}
		seen += len(page.JSON200.Members)
		if page.JSON200.NextCursor == nil {
			break
		}
		q.After = page.JSON200.NextCursor
	}
	if seen != 20 {
		t.Fatalf("paged %d members", seen)
	}
	game := client.New(srv.URL, client.WithAPIKey(first.APIKey))
	if deps, err := game.FivemDepartmentsWithResponse(ctx, nil); err != nil || len(deps.JSON200.Departments) == 0 {
		t.Fatalf("the seeded key: %v", err)
	}
	// The seeded civil records: the admin plays the first character, whose
	// first vehicle is AAA 0000; the admin (an officer by role) runs it,
	// and so does the game server.
	mine, err := admin.MyCiviliansWithResponse(ctx, nil)
	if err != nil || len(mine.JSON200.Civilians) == 0 {
		t.Fatalf("the admin's characters: %+v %v", mine, err)
	}
	character := mine.JSON200.Civilians[0]
	if p, err := admin.LookupPlateWithResponse(ctx, "aaa 0000", &client.LookupPlateParams{XCommunityID: &guild}); err != nil ||
		!p.JSON200.Found || p.JSON200.Owner == nil || p.JSON200.Owner.UnderscoreID != character.UnderscoreID {
		t.Fatalf("plate look-up: %+v %v", p, err)
	}
	// The FiveM resources' URL form, /api/api/…, answers as /api/….
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/api/civilian/fivem-plate-lookup/AAA0000", nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := game.Do(ctx, req)
	if err != nil {
		t.Fatalf("the game server's plate look-up: %v", err)
	}
	if lookup, err := client.ParseFivemPlateLookupResponse(raw); err != nil || !lookup.JSON200.Found {
		t.Fatalf("the game server's plate look-up: %+v %v", lookup, err)
	}
	// Dispatch on the real binary: a 911 call from the game server is on
	// the admin's pending board beside the seeded history.
	placed, err := game.Fivem911WithResponse(ctx, nil, client.Fivem911JSONRequestBody{CallType: new("911 Call"), Location: new("Legion Square")})
	if err != nil || placed.JSON201.IncidentNumber == "" {
		t.Fatalf("911: %+v %v", placed, err)
	}
	if pend, err := admin.PendingCallsWithResponse(ctx, nil); err != nil || len(*pend.JSON200) != 1 || (*pend.JSON200)[0].IncidentNumber != placed.JSON201.IncidentNumber {
		t.Fatalf("pending: %+v %v", pend, err)
	}
	if hist, err := admin.ListCallsWithResponse(ctx, &client.ListCallsParams{Limit: new(50)}); err != nil || len(hist.JSON200.Calls) != 6 {
		t.Fatalf("history: %+v %v", hist, err)
	}
	if _, err := login(ctx, client.New(srv.URL), first.Member.Username, seedPassword); err != nil {
		t.Fatalf("the seeded member signs in: %v", err)
	}

	// Export and back up beside the running server.
	code, exported, errOut := e2etest.RunSplit(t, []string{"export"}, env, time.Minute)
	if code != 0 || !strings.HasPrefix(exported, `{"format":"precinct-export"`) || !strings.Contains(errOut, "members 60") ||
		!strings.Contains(errOut, "characters 30") || !strings.Contains(errOut, "vehicles 30") {
		t.Fatalf("export: %d %s", code, errOut)
	}
	if strings.Contains(exported, seedPassword) || strings.Contains(exported, first.APIKey[4:]) {
		t.Fatal("the export holds a secret in clear")
	}
	backup := filepath.Join(shortTemp(t), "precinct.db")
	if code, out, _ := e2etest.RunToExit(t, []string{"backup", backup}, env, time.Minute); code != 0 {
		t.Fatalf("backup: %d %s", code, out)
	}
	code, one, _ := e2etest.RunSplit(t, []string{"export", "--community", first.GuildID}, env, time.Minute)
	if code != 0 || strings.Contains(one, res.Communities[1].ID) {
		t.Fatalf("one-community export: %d", code)
	}

	// Real data in the database: seed refuses without --force.
	if code, out, _ := e2etest.RunWithInput(t, []string{"user", "create", "--username", "chief"}, env, "another long passphrase\n", time.Minute); code != 0 {
		t.Fatalf("user create: %s", out)
	}
	if code, out, _ := e2etest.RunToExit(t, []string{"seed", "--password", seedPassword}, env, time.Minute); code == 0 || !strings.Contains(out, "--force") {
		t.Fatalf("seed over real data: %d %s", code, out)
	}
	if code, out, _ := e2etest.RunToExit(t, []string{"migrate"}, env, time.Minute); code != 0 || !strings.Contains(out, "schema at version") {
		t.Fatalf("migrate: %d %s", code, out)
	}
	if code := srv.Stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}

	// Import into an empty database: the seeded admin signs in there.
	file := filepath.Join(shortTemp(t), "export.jsonl")
	if err := os.WriteFile(file, []byte(exported), 0o600); err != nil {
		t.Fatal(err)
	}
	other := shortTemp(t)
	code, out, errOut = e2etest.RunSplit(t, []string{"import", file}, map[string]string{"PRECINCT_DATA_DIR": other}, time.Minute)
	if code != 0 || !strings.Contains(out, "members 60") {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	// Again: every community clashes, nothing is doubled.
	if code, out, _ := e2etest.RunToExit(t, []string{"import", file}, map[string]string{"PRECINCT_DATA_DIR": other}, time.Minute); code == 0 || !strings.Contains(out, "line 2") {
		t.Fatalf("a second import: %d %s", code, out)
	}
	for _, d := range []string{other, filepath.Dir(backup)} {
		s := e2etest.Start(t, e2etest.Options{DataDir: d})
		signedIn, err := login(ctx, client.New(s.URL), first.Admin.Username, seedPassword)
		if err != nil {
			t.Fatalf("%s: the seeded admin: %v", d, err)
		}
		c := client.New(s.URL, client.WithToken(signedIn.Token), client.WithCommunity(first.GuildID))
		if com, err := c.GetCommunityWithResponse(ctx, client.CommunityID(first.GuildID), nil); err != nil || com.JSON200.MemberCount != 20 {
			t.Fatalf("%s: %+v %v", d, com, err)
		}
		if acct, err := c.BankAccountWithResponse(ctx, character.UnderscoreID, nil); err != nil || len(acct.JSON200.Transactions) != 4 || acct.JSON200.Account.BalanceCents <= 0 {
			t.Fatalf("%s: the civil records moved with the data: %+v %v", d, acct, err)
		}
		s.Stop(t)
	}
}
