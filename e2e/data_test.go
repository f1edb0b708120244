package e2e

import (
	"encoding/json"
	"net/url"
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
	login, err := client.New(srv.URL).Login(ctx, first.Admin.Username, seedPassword)
	if err != nil {
		t.Fatalf("the seeded admin signs in: %v", err)
	}
	admin := client.New(srv.URL, client.WithToken(login.Token))
	com, err := admin.Community(ctx, first.ID)
	if err != nil || com.MemberCount != 20 {
		t.Fatalf("seeded community %+v %v", com, err)
	}
	// Page through every member with the cursor.
	seen, after := 0, ""
	for {
		q := url.Values{"limit": {"7"}}
		if after != "" {
			q.Set("after", after)
		}
		list, next, err := admin.MembersPage(ctx, first.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		seen += len(list)
		if next == "" {
			break
		}
		after = next
	}
	if seen != 20 {
		t.Fatalf("paged %d members", seen)
	}
	if deps, err := client.New(srv.URL, client.WithAPIKey(first.APIKey)).FiveMDepartments(ctx); err != nil || len(deps) == 0 {
		t.Fatalf("the seeded key: %v", err)
	}
	// The seeded civil records: the admin plays the first character, whose
	// first vehicle is AAA 0000; the admin (an officer by role) runs it,
	// and so does the game server.
	mine, err := admin.MyCivilians(ctx, first.ID)
	if err != nil || len(mine) == 0 {
		t.Fatalf("the admin's characters: %d %v", len(mine), err)
	}
	if p, err := admin.LookupPlate(ctx, first.GuildID, "aaa 0000"); err != nil || !p.Found || p.Owner == nil || p.Owner.ID != mine[0].ID {
		t.Fatalf("plate look-up: %+v %v", p, err)
	}
	var lookup struct {
		Found bool `json:"found"`
	}
	if err := client.New(srv.URL, client.WithAPIKey(first.APIKey)).Do(ctx, "GET", "/api/api/civilian/fivem-plate-lookup/AAA0000", nil, &lookup); err != nil || !lookup.Found {
		t.Fatalf("the game server's plate look-up: %+v %v", lookup, err)
	}
	// Dispatch on the real binary: a 911 call from the game server is on
	// the admin's pending board beside the seeded history.
	var placed struct {
		IncidentNumber string `json:"incidentNumber"`
	}
	if err := client.New(srv.URL, client.WithAPIKey(first.APIKey)).Do(ctx, "POST", "/api/fivem/911",
		map[string]any{"callType": "911 Call", "location": "Legion Square"}, &placed); err != nil || placed.IncidentNumber == "" {
		t.Fatalf("911: %+v %v", placed, err)
	}
	if pend, err := admin.PendingCalls(ctx, first.ID); err != nil || len(pend) != 1 || pend[0].IncidentNumber != placed.IncidentNumber {
		t.Fatalf("pending: %+v %v", pend, err)
	}
	if hist, _, err := admin.Calls(ctx, first.ID, url.Values{"limit": {"50"}}); err != nil || len(hist) != 6 {
		t.Fatalf("history: %d %v", len(hist), err)
	}
	member := client.New(srv.URL)
	if _, err := member.Login(ctx, first.Member.Username, seedPassword); err != nil {
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
		login, err := client.New(s.URL).Login(ctx, first.Admin.Username, seedPassword)
		if err != nil {
			t.Fatalf("%s: the seeded admin: %v", d, err)
		}
		c := client.New(s.URL, client.WithToken(login.Token))
		if com, err := c.Community(ctx, first.GuildID); err != nil || com.MemberCount != 20 {
			t.Fatalf("%s: %+v %v", d, com, err)
		}
		if acct, txs, err := c.BankAccount(ctx, first.GuildID, mine[0].ID); err != nil || len(txs) != 4 || acct.BalanceCents <= 0 {
			t.Fatalf("%s: the civil records moved with the data: %+v %d %v", d, acct, len(txs), err)
		}
		s.Stop(t)
	}
}
