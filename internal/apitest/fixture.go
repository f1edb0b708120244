package apitest

import (
	"context"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/dispatch"
)

// Tenants is two communities with the same kinds of objects, and people of
// every standing, for the refusal and tenancy tests.
type Tenants struct {
	Env    *Env
	A, B   *cad.Community
	Users  map[string]*cad.User
	Tokens map[string]string // by person: bearer tokens
	DeptA  *cad.Department
	DeptB  *cad.Department
	KeyA   string // plaintext
	KeyB   string
	KeyAID string
	KeyBID string
	// InviteA is an invite of A (for member, unlimited) and its code.
	InviteA     *cad.Invite
	InviteACode string
	// Civil records: memberA's character in A with a vehicle (and its
	// bank account); memberB's in B.
	CivA, CivB *cad.Character
	VehA, VehB *cad.Vehicle
	// Dispatch: a call, a BOLO, a camera and adminA's unit (on duty, with
	// a linked game identifier) in A.
	CallA *cad.Call
	BoloA *cad.BOLO
}

// NewTenants builds the fixture. Its people, by standing: super, adminA,
// adminA2, supA, memberA, bannedA, adminB, memberB, outsider.
func NewTenants(t *testing.T) *Tenants {
	t.Helper()
	return NewTenantsWith(t)
}

// NewTenantsWith is NewTenants with configuration options.
func NewTenantsWith(t *testing.T, opts ...Option) *Tenants {
	t.Helper()
	return FixtureOn(t, AuthEnv(t, opts...))
}

// FixtureOn builds the fixture on an application made elsewhere.
func FixtureOn(t *testing.T, env *Env) *Tenants {
	t.Helper()
	ctx := context.Background()
	cli := community.CLIActor()
	tn := &Tenants{Env: env, Users: map[string]*cad.User{}, Tokens: map[string]string{}}
	for _, name := range []string{"super", "adminA", "adminA2", "supA", "memberA", "bannedA", "adminB", "memberB", "outsider"} {
		u, err := env.Auth.CreateUser(ctx, auth.NewUser{Username: name, Password: GoodPassword, SuperAdmin: name == "super"}, cad.Client{})
		if err != nil {
			t.Fatal(err)
		}
		tn.Users[name] = u
		iss, err := env.Auth.IssueForUser(ctx, u, cad.SessionTablet, "password", cad.Client{})
		if err != nil {
			t.Fatal(err)
		}
		tn.Tokens[name] = iss.Token
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
	if _, err := env.Community.UpdateMember(ctx, cli, scA, tn.Users["bannedA"].ID, community.MemberPatch{Status: &banned}); err != nil {
		t.Fatal(err)
	}
	lspd := community.DepartmentInput{Code: "LSPD", Name: "Los Santos Police", Type: cad.DeptLEO, BlipColor: 3, BlipSprite: 60, Paycheck: 500, CallSignTemplate: "1-ADAM-{n}"}
	if tn.DeptA, err = env.Community.CreateDepartment(ctx, cli, scA, lspd); err != nil {
		t.Fatal(err)
	}
	if tn.DeptB, err = env.Community.CreateDepartment(ctx, cli, scB, lspd); err != nil {
		t.Fatal(err)
	}
	var k *cad.APIKey
	if tn.KeyA, k, err = env.Community.CreateKey(ctx, cli, scA, "server A"); err != nil {
		t.Fatal(err)
	}
	tn.KeyAID = k.ID
	if tn.KeyB, k, err = env.Community.CreateKey(ctx, cli, scB, "server B"); err != nil {
		t.Fatal(err)
	}
	tn.KeyBID = k.ID
	if tn.InviteACode, tn.InviteA, err = env.Community.CreateInvite(ctx, cli, scA, community.InviteInput{}); err != nil {
		t.Fatal(err)
	}
	tn.CivA, tn.VehA = tn.MakeCivil(t, tn.A, "memberA", "SSN-A-1", "AAA111", "400000000000000011")
	tn.CivB, tn.VehB = tn.MakeCivil(t, tn.B, "memberB", "SSN-B-1", "BBB222", "400000000000000022")
	tn.mkDispatch(t)
	return tn
}

// ServerIn is a game server's view of a community, for fixtures.
func ServerIn(com *cad.Community) cad.Caller {
	return cad.Caller{Scope: &cad.Scope{Community: com, Server: true, Permissions: []string{cad.ScopeFiveM}},
		Actor: cad.Actor{UserID: "apikey:fixture", Kind: "server"}}
}

// mkDispatch makes A's dispatch records.
func (tn *Tenants) mkDispatch(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	cl := ServerIn(tn.A)
	typ, loc := "911 Call", "Legion Square"
	var err error
	if tn.CallA, err = tn.Env.Dispatch.Place911(ctx, cl, dispatch.CallInput{CallType: &typ, Location: &loc}); err != nil {
		t.Fatal(err)
	}
	kind, reason, plate := cad.BOLOVehicle, "Robbery", "ZZZ000"
	if tn.BoloA, err = tn.Env.Dispatch.CreateBOLO(ctx, cl, dispatch.BOLOInput{Kind: &kind, Reason: &reason, Plate: &plate}); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.Env.Dispatch.SyncCameras(ctx, cl, []*cad.Camera{{CamID: "camA", Name: "Del Perro", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.Env.Dispatch.GameDuty(ctx, cl, tn.Users["adminA"].DiscordID, dispatch.DutyInput{}); err == nil {
		t.Fatal("a user without a Discord id went on duty")
	}
	m, err := tn.Env.DB.Member(ctx, tn.A.ID, tn.Users["adminA"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.Env.Dispatch.SetDuty(ctx, cl, m, tn.Users["adminA"], dispatch.DutyInput{OnDuty: true, Department: "LSPD", Source: "test"}); err != nil {
		t.Fatal(err)
	}
	admin := cad.Caller{Scope: &cad.Scope{Community: tn.A, Role: cad.RoleAdmin, Rank: 3, Membership: m}, UserID: m.UserID,
		Actor: cad.Actor{UserID: m.UserID, Kind: "user"}}
	code, _, err := tn.Env.Dispatch.Link(ctx, admin, "license:aaaa")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.Env.Dispatch.ConfirmLink(ctx, cl, dispatch.ConfirmInput{Code: code, Identifiers: []string{"license:aaaa"}}); err != nil {
		t.Fatal(err)
	}
}

// MakeCivil makes a character of a member with a vehicle.
func (tn *Tenants) MakeCivil(t *testing.T, com *cad.Community, member, ssn, plate, discordID string) (*cad.Character, *cad.Vehicle) {
	t.Helper()
	ctx := context.Background()
	u := tn.Users[member]
	cl := cad.Caller{Scope: &cad.Scope{Community: com, Role: cad.RoleMember, Rank: 1, Permissions: []string{cad.DeptCivilian}},
		Actor: cad.Actor{UserID: u.ID, Kind: "user"}, UserID: u.ID, DiscordID: discordID}
	str := func(v string) *string { return &v }
	ch, err := tn.Env.Civil.CreateCharacter(ctx, cl, civil.CharacterInput{FirstName: str("Pat"), LastName: str(member),
		DateOfBirth: str("1990-05-15"), SSN: str(ssn)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := tn.Env.Civil.RegisterVehicle(ctx, cl, civil.VehicleInput{Owner: &ch.ID, Plate: str(plate), Make: str("Bravado")})
	if err != nil {
		t.Fatal(err)
	}
	return ch, v
}

// As is a person's bearer token.
func (tn *Tenants) As(name string) map[string]string { return Bearer(tn.Tokens[name]) }

// InA is a person's token with community A named.
func (tn *Tenants) InA(name string) map[string]string { return Merge(tn.As(name), In(tn.A.ID)) }

// InB is a person's token with community B named.
func (tn *Tenants) InB(name string) map[string]string { return Merge(tn.As(name), In(tn.B.ID)) }

// Snapshot is everything stored of one community, to prove nothing changed.
func (tn *Tenants) Snapshot(t *testing.T, communityID string) string {
	t.Helper()
	var out []any
	for _, coll := range []string{"members", "departments", "api_keys", "characters", "vehicles", "bank_accounts", "bank_ledger", "license_history", "media",
		"calls", "units", "duty_periods", "game_links", "bolos", "alpr_cameras", "alpr_hits", "camera_commands", "ers_callouts", "sequences",
		"invites", "announcements"} {
		for _, d := range Dump(t, tn.Env, coll) {
			if d["communityId"] == communityID {
				delete(d, "lastUsedAt")
				out = append(out, d)
			}
		}
	}
	for _, d := range Dump(t, tn.Env, "communities") {
		if d["_id"] == communityID {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		t.Fatalf("nothing stored of community %s: the snapshot would prove nothing", communityID)
	}
	return MustJSON(t, out)
}

// GiveDepartment puts a member of A in A's LEO department.
func (tn *Tenants) GiveDepartment(t *testing.T, name string) {
	t.Helper()
	deps := []string{tn.DeptA.Code}
	if _, err := tn.Env.Community.UpdateMember(context.Background(), community.CLIActor(), &cad.Scope{Community: tn.A},
		tn.Users[name].ID, community.MemberPatch{Departments: &deps}); err != nil {
		t.Fatal(err)
	}
}

// DispatchPeople adds to A a dispatcher (DISPATCH department) and an
// officer (LSPD) with Discord ids, and plainA, a member of no department.
func (tn *Tenants) DispatchPeople(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	cli := community.CLIActor()
	if _, err := tn.Env.Community.CreateDepartment(ctx, cli, &cad.Scope{Community: tn.A},
		community.DepartmentInput{Code: "DISPATCH", Name: "Communications", Type: cad.DeptDispatch}); err != nil {
		t.Fatal(err)
	}
	for name, dep := range map[string]string{"dispatcherA": "DISPATCH", "officerA": "LSPD", "plainA": ""} {
		discord := ""
		if name == "officerA" {
			// The officer plays in the game under a Discord id.
			discord = "400000000000000055"
		}
		u, err := tn.Env.Auth.CreateUser(ctx, auth.NewUser{Username: name, Password: GoodPassword, DiscordID: discord}, cad.Client{})
		if err != nil {
			t.Fatal(err)
		}
		tn.Users[name], tn.Tokens[name] = u, TokenFor(t, tn.Env, u)
		if _, err := tn.Env.Community.AddMember(ctx, cli, &cad.Scope{Community: tn.A}, name, "", cad.RoleMember); err != nil {
			t.Fatal(err)
		}
		if dep != "" {
			deps := []string{dep}
			if _, err := tn.Env.Community.UpdateMember(ctx, cli, &cad.Scope{Community: tn.A}, tn.Users[name].ID, community.MemberPatch{Departments: &deps}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// AccountNumber is the bank account number of a character.
func (tn *Tenants) AccountNumber(t *testing.T, civID string) string {
	t.Helper()
	for _, d := range Dump(t, tn.Env, "bank_accounts") {
		if d["characterId"] == civID {
			return d["accountNumber"].(string)
		}
	}
	t.Fatalf("no account for %s", civID)
	return ""
}

// Missing is an id of nothing.
const Missing = "0123456789abcdef01234567"

// Fill puts ids in a route's path: the community, and A's objects (or
// ids of nothing).
func (tn *Tenants) Fill(path, communityID string, objects bool) string {
	user, dept, k, civ, veh, ssn, plate, discord := Missing, Missing, Missing, Missing, Missing, "NO-SUCH-SSN", "ZZZ999", "400000000000000099"
	if objects {
		user, dept, k = tn.Users["memberA"].ID, tn.DeptA.ID, tn.KeyAID
		civ, veh, ssn, plate, discord = tn.CivA.ID, tn.VehA.ID, tn.CivA.SSN, tn.VehA.Plate, tn.CivA.DiscordID
	}
	call, bolo, cam, ident, invite := Missing, Missing, "no-cam", "license:none", Missing
	if objects {
		call, bolo, cam, ident, invite = tn.CallA.ID, tn.BoloA.ID, "camA", "license:aaaa", tn.InviteA.ID
	}
	switch {
	case strings.HasPrefix(path, "/api/community/:id"):
		path = strings.Replace(path, ":id", communityID, 1)
	case strings.HasPrefix(path, "/api/calls/:id"):
		path = strings.Replace(path, ":id", call, 1)
	case strings.HasPrefix(path, "/api/bolos/:id"):
		path = strings.Replace(path, ":id", bolo, 1)
	default:
		path = strings.Replace(path, ":id", civ, 1)
	}
	return strings.NewReplacer(":userId", user, ":deptId", dept, ":keyId", k, ":vehicleId", veh, ":ssnOrId", ssn,
		":civilianId", civ, ":plate", plate, ":discordId", discord, ":communityId", communityID, ":licenseType", "drivers",
		":camId", cam, ":identifier", ident, ":token", strings.Repeat("0", 64), ":inviteId", invite).Replace(path)
}
