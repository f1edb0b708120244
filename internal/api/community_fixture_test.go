package api_test

import (
	"context"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/dispatch"
)

// tenants is two communities with the same kinds of objects, and people of
// every standing, for the refusal and tenancy tests.
type tenants struct {
	env    *apitest.Env
	A, B   *cad.Community
	users  map[string]*cad.User
	tokens map[string]string // by person: bearer tokens
	deptA  *cad.Department
	deptB  *cad.Department
	keyA   string // plaintext
	keyB   string
	keyAID string
	keyBID string
	// Civil records: memberA's character in A with a vehicle (and its
	// bank account); memberB's in B.
	civA, civB *cad.Character
	vehA, vehB *cad.Vehicle
	// Dispatch: a call, a BOLO, a camera and adminA's unit (on duty, with
	// a linked game identifier) in A.
	callA *cad.Call
	boloA *cad.BOLO
}

// people of the fixture, by standing: super, adminA, adminA2, supA, memberA,
// bannedA, adminB, memberB, outsider.
func newTenants(t *testing.T) *tenants {
	t.Helper()
	return newTenantsWith(t)
}

// newTenantsWith is newTenants with configuration options.
func newTenantsWith(t *testing.T, opts ...apitest.Option) *tenants {
	t.Helper()
	return fixtureOn(t, authEnv(t, opts...))
}

// fixtureOn builds the fixture on an application made elsewhere.
func fixtureOn(t *testing.T, env *apitest.Env) *tenants {
	t.Helper()
	ctx := context.Background()
	cli := community.CLIActor()
	tn := &tenants{env: env, users: map[string]*cad.User{}, tokens: map[string]string{}}
	for _, name := range []string{"super", "adminA", "adminA2", "supA", "memberA", "bannedA", "adminB", "memberB", "outsider"} {
		u, err := env.Auth.CreateUser(ctx, auth.NewUser{Username: name, Password: goodPassword, SuperAdmin: name == "super"}, cad.Client{})
		if err != nil {
			t.Fatal(err)
		}
		tn.users[name] = u
		iss, err := env.Auth.IssueForUser(ctx, u, cad.SessionTablet, "password", cad.Client{})
		if err != nil {
			t.Fatal(err)
		}
		tn.tokens[name] = iss.Token
	}
	var err error
	if tn.A, err = env.Community.Create(ctx, cli, "Los Santos RP", "100000000000000001", "adminA"); err != nil {
		t.Fatal(err)
	}
	if tn.B, err = env.Community.Create(ctx, cli, "Blaine County RP", "200000000000000002", "adminB"); err != nil {
		t.Fatal(err)
	}
	scA, scB := &cad.Scope{Community: tn.A}, &cad.Scope{Community: tn.B}
	for name, role := range map[string]string{"adminA2": cad.RoleAdmin, "supA": cad.RoleSupervisor, "memberA": cad.RoleMember, "bannedA": cad.RoleMember} {
		if _, err := env.Community.AddMember(ctx, cli, scA, name, "", role); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.Community.AddMember(ctx, cli, scB, "memberB", "", cad.RoleMember); err != nil {
		t.Fatal(err)
	}
	banned := cad.MemberBanned
	if _, err := env.Community.UpdateMember(ctx, cli, scA, tn.users["bannedA"].ID, community.MemberPatch{Status: &banned}); err != nil {
		t.Fatal(err)
	}
	lspd := community.DepartmentInput{Code: "LSPD", Name: "Los Santos Police", Type: cad.DeptLEO, BlipColor: 3, BlipSprite: 60, Paycheck: 500, CallSignTemplate: "1-ADAM-{n}"}
	if tn.deptA, err = env.Community.CreateDepartment(ctx, cli, scA, lspd); err != nil {
		t.Fatal(err)
	}
	if tn.deptB, err = env.Community.CreateDepartment(ctx, cli, scB, lspd); err != nil {
		t.Fatal(err)
	}
	var k *cad.APIKey
	if tn.keyA, k, err = env.Community.CreateKey(ctx, cli, scA, "server A"); err != nil {
		t.Fatal(err)
	}
	tn.keyAID = k.ID
	if tn.keyB, k, err = env.Community.CreateKey(ctx, cli, scB, "server B"); err != nil {
		t.Fatal(err)
	}
	tn.keyBID = k.ID
	tn.civA, tn.vehA = tn.mkCivil(t, tn.A, "memberA", "SSN-A-1", "AAA111", "400000000000000011")
	tn.civB, tn.vehB = tn.mkCivil(t, tn.B, "memberB", "SSN-B-1", "BBB222", "400000000000000022")
	tn.mkDispatch(t)
	return tn
}

// serverIn is a game server's view of a community, for fixtures.
func serverIn(com *cad.Community) cad.Caller {
	return cad.Caller{Scope: &cad.Scope{Community: com, Server: true, Permissions: []string{cad.ScopeFiveM}},
		Actor: cad.Actor{UserID: "apikey:fixture", Kind: "server"}}
}

// mkDispatch makes A's dispatch records.
func (tn *tenants) mkDispatch(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	cl := serverIn(tn.A)
	typ, loc := "911 Call", "Legion Square"
	var err error
	if tn.callA, err = tn.env.Dispatch.Place911(ctx, cl, dispatch.CallInput{CallType: &typ, Location: &loc}); err != nil {
		t.Fatal(err)
	}
	kind, reason, plate := cad.BOLOVehicle, "Robbery", "ZZZ000"
	if tn.boloA, err = tn.env.Dispatch.CreateBOLO(ctx, cl, dispatch.BOLOInput{Kind: &kind, Reason: &reason, Plate: &plate}); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.env.Dispatch.SyncCameras(ctx, cl, []*cad.Camera{{CamID: "camA", Name: "Del Perro", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.env.Dispatch.GameDuty(ctx, cl, tn.users["adminA"].DiscordID, dispatch.DutyInput{}); err == nil {
		t.Fatal("a user without a Discord id went on duty")
	}
	m, err := tn.env.DB.Member(ctx, tn.A.ID, tn.users["adminA"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.env.Dispatch.SetDuty(ctx, cl, m, tn.users["adminA"], dispatch.DutyInput{OnDuty: true, Department: "LSPD", Source: "test"}); err != nil {
		t.Fatal(err)
	}
	admin := cad.Caller{Scope: &cad.Scope{Community: tn.A, Role: cad.RoleAdmin, Rank: 3, Membership: m}, UserID: m.UserID,
		Actor: cad.Actor{UserID: m.UserID, Kind: "user"}}
	code, _, err := tn.env.Dispatch.Link(ctx, admin, "license:aaaa")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.env.Dispatch.ConfirmLink(ctx, cl, dispatch.ConfirmInput{Code: code, Identifiers: []string{"license:aaaa"}}); err != nil {
		t.Fatal(err)
	}
}

// mkCivil makes a character of a member with a vehicle.
func (tn *tenants) mkCivil(t *testing.T, com *cad.Community, member, ssn, plate, discordID string) (*cad.Character, *cad.Vehicle) {
	t.Helper()
	ctx := context.Background()
	u := tn.users[member]
	cl := cad.Caller{Scope: &cad.Scope{Community: com, Role: cad.RoleMember, Rank: 1, Permissions: []string{cad.DeptCivilian}},
		Actor: cad.Actor{UserID: u.ID, Kind: "user"}, UserID: u.ID, DiscordID: discordID}
	str := func(v string) *string { return &v }
	ch, err := tn.env.Civil.CreateCharacter(ctx, cl, civil.CharacterInput{FirstName: str("Pat"), LastName: str(member),
		DateOfBirth: str("1990-05-15"), SSN: str(ssn)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := tn.env.Civil.RegisterVehicle(ctx, cl, civil.VehicleInput{Owner: &ch.ID, Plate: str(plate), Make: str("Bravado")})
	if err != nil {
		t.Fatal(err)
	}
	return ch, v
}

// in is the header naming a community, for routes whose path does not.
func in(communityID string) map[string]string {
	return map[string]string{"x-community-id": communityID}
}

func (tn *tenants) as(name string) map[string]string { return bearer(tn.tokens[name]) }

func key(k string) map[string]string { return map[string]string{"x-api-key": k} }

// snapshot is everything stored of one community, to prove nothing changed.
func (tn *tenants) snapshot(t *testing.T, communityID string) string {
	t.Helper()
	var out []any
	for _, coll := range []string{"members", "departments", "api_keys", "characters", "vehicles", "bank_accounts", "bank_ledger", "license_history", "media",
		"calls", "units", "duty_periods", "game_links", "bolos", "alpr_cameras", "alpr_hits", "camera_commands", "ers_callouts", "sequences"} {
		for _, d := range dump(t, tn.env, coll) {
			if d["communityId"] == communityID {
				delete(d, "lastUsedAt")
				out = append(out, d)
			}
		}
	}
	for _, d := range dump(t, tn.env, "communities") {
		if d["_id"] == communityID {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		t.Fatalf("nothing stored of community %s: the snapshot would prove nothing", communityID)
	}
	return mustJSON(t, out)
}
