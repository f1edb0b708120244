package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/e2etest"
	"github.com/precinct-cad/precinct/pkg/client"
)

// An operator's first steps, on the real binary: a community from the
// command line with its first admin, a game server's key printed once, and
// the key then working for its own community only.
func TestCommunityAndKeyFromTheCommandLine(t *testing.T) {
	dir := shortTemp(t)
	env := map[string]string{"PRECINCT_DATA_DIR": dir}
	srv := e2etest.Start(t, e2etest.Options{DataDir: dir})
	ctx := ctxT(t)
	run := func(stdin string, args ...string) string {
		t.Helper()
		code, out, _ := e2etest.RunWithInput(t, args, env, stdin, 60*time.Second)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, out)
		}
		return out
	}
	run("a captain's passphrase\n", "user", "create", "--username", "captain")
	out := run("", "community", "create", "--name", "Los Santos RP", "--guild-id", "123456789012345678", "--admin", "captain")
	if !strings.Contains(out, "created community Los Santos RP") {
		t.Fatal(out)
	}
	out = run("", "apikey", "create", "--community", "123456789012345678", "--name", "main server")
	var key string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "fvm_") {
			key = strings.TrimSpace(line)
		}
	}
	if len(key) != 68 {
		t.Fatalf("no key printed: %q", out)
	}
	captain, err := login(ctx, client.New(srv.URL), "captain", "a captain's passphrase")
	if err != nil {
		t.Fatal(err)
	}
	admin := client.New(srv.URL, client.WithToken(captain.Token))
	mine, err := admin.MyCommunitiesWithResponse(ctx)
	if err != nil || len(mine.JSON200.Communities) != 1 || mine.JSON200.Communities[0].Role != client.MyCommunityRoleAdmin {
		t.Fatalf("mine: %+v %v", mine, err)
	}
	id := client.CommunityID(mine.JSON200.Communities[0].ID)
	if _, err := admin.CreateDepartmentWithResponse(ctx, id, nil, client.DepartmentInput{Code: "LSPD", Name: "Los Santos Police", Type: client.DepartmentInputTypeLeo, BlipColor: new(3)}); err != nil {
		t.Fatal(err)
	}
	server := client.New(srv.URL, client.WithAPIKey(key))
	deps, err := server.FivemDepartmentsWithResponse(ctx, nil)
	if err != nil || len(deps.JSON200.Departments) != 1 || deps.JSON200.Departments[0].Code != "LSPD" {
		t.Fatalf("fivem-departments: %+v %v", deps, err)
	}
	keys, err := admin.ListKeysWithResponse(ctx, id, nil)
	if err != nil || len(keys.JSON200.APIKeys) != 1 || keys.JSON200.APIKeys[0].Prefix != key[4:12] {
		t.Fatalf("keys: %+v %v", keys, err)
	}
	if _, err := admin.RevokeKeyWithResponse(ctx, id, keys.JSON200.APIKeys[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := server.FivemDepartmentsWithResponse(ctx, nil); !client.IsCode(err, "unauthorized") {
		t.Fatalf("revoked key: %v", err)
	}
	if strings.Contains(srv.Output(), key[4:]) {
		t.Fatal("the key reached the server's log")
	}
}
