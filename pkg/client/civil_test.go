package client_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/pkg/client"
)

// signedIn starts the real server with a Super Admin "chief" who runs one
// community, and returns a client signed in as chief in that community.
func signedIn(t *testing.T, env *apitest.Env) (*client.ClientWithResponses, *cad.Community) {
	t.Helper()
	srv := httptest.NewServer(env.Server.Handler())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	const pw = "Correct horse battery staple 7"
	if _, err := env.Auth.CreateUser(ctx, auth.NewUser{Username: "chief", Password: pw}, auth.Client{}); err != nil {
		t.Fatal(err)
	}
	com, err := env.Community.Create(ctx, community.CLIActor(), "Los Santos RP", "100000000000000001", "chief")
	if err != nil {
		t.Fatal(err)
	}
	login, err := client.New(srv.URL).LoginWithResponse(ctx, client.LoginJSONRequestBody{Username: "chief", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	return client.New(srv.URL, client.WithToken(login.JSON200.Token), client.WithCommunity(com.GuildID)), com
}

// The civil methods against the real server: a member's character,
// vehicle and money, and an admin's look-ups.
func TestCivilRecords(t *testing.T) {
	env := apitest.New(t)
	c, com := signedIn(t, env)
	ctx := context.Background()
	created, err := c.CreateCivilianWithResponse(ctx, nil, client.CivilianInput{FirstName: "Zoë", LastName: "O'Brien", DateOfBirth: "1991-07-04"})
	if err != nil || created.JSON201.Ssn == "" {
		t.Fatalf("create: %+v %v", created, err)
	}
	civ := created.JSON201
	if _, err := c.CreateCivilianWithResponse(ctx, nil, client.CivilianInput{FirstName: "No", LastName: "Date"}); !client.IsCode(err, cad.EINVALID) {
		t.Fatalf("a refusal is a typed error: %v", err)
	}
	v, err := c.RegisterVehicleWithResponse(ctx, nil, client.VehicleInput{OwnerID: &civ.UnderscoreID, Plate: "zoe 1", Make: "Pegassi", Year: 2021})
	if err != nil || v.JSON201.PlateKey != "ZOE1" {
		t.Fatalf("register: %+v %v", v, err)
	}
	deposit := client.MoneyInput{Amount: "12.34", IdempotencyKey: new("k1")}
	m, err := c.BankDepositWithResponse(ctx, civ.UnderscoreID, nil, deposit)
	if err != nil || m.JSON200.BalanceCents != 501234 || m.JSON200.Balance != 5012.34 {
		t.Fatalf("deposit: %+v %v", m, err)
	}
	if again, err := c.BankDepositWithResponse(ctx, civ.UnderscoreID, nil, deposit); err != nil || !again.JSON200.Replayed || again.JSON200.BalanceCents != 501234 {
		t.Fatalf("repeat: %+v %v", again, err)
	}
	acct, err := c.BankAccountWithResponse(ctx, civ.UnderscoreID, nil)
	if err != nil || acct.JSON200.Account.BalanceCents != 501234 || len(acct.JSON200.Transactions) != 2 {
		t.Fatalf("account: %+v %v", acct, err)
	}
	if _, err := c.SetLicenseWithResponse(ctx, civ.UnderscoreID, nil, client.LicenseInput{LicenseType: "drivers", Status: client.LicenseInputStatusSUSPENDED, Reason: new("reckless driving")}); err != nil {
		t.Fatal(err)
	}
	p, err := c.LookupPlateWithResponse(ctx, "ZOE-1", nil)
	if err != nil || !p.JSON200.Found || p.JSON200.AlertLevel != client.PlateResultAlertLevelCaution || p.JSON200.Owner == nil || p.JSON200.Owner.LicenseStatus != client.PlateOwnerLicenseStatusSUSPENDED {
		t.Fatalf("plate: %+v %v", p, err)
	}
	found, err := c.LookupPersonsWithResponse(ctx, &client.LookupPersonsParams{Name: new("zoe o'b")})
	if err != nil || len(found.JSON200.Civilians) != 1 {
		t.Fatalf("search: %+v %v", found, err)
	}
	rec, err := c.LookupPersonWithResponse(ctx, civ.Ssn, nil)
	if err != nil || len(rec.JSON200.Vehicles) != 1 || len(rec.JSON200.LicenseHistory) != 1 {
		t.Fatalf("record: %+v %v", rec, err)
	}
	if _, err := c.SetStolenWithResponse(ctx, v.JSON201.UnderscoreID, nil, client.StolenInput{Stolen: true, StolenDescription: new("gone")}); err != nil {
		t.Fatal(err)
	}
	if list, err := c.StolenVehiclesWithResponse(ctx, com.GuildID, nil); err != nil || len(list.JSON200.Vehicles) != 1 {
		t.Fatalf("stolen: %+v %v", list, err)
	}
	if _, err := c.DeleteCivilianWithResponse(ctx, civ.UnderscoreID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetCivilianWithResponse(ctx, civ.UnderscoreID, nil); !client.IsCode(err, cad.ENOTFOUND) {
		t.Fatalf("deleted: %v", err)
	}
}

// The dispatcher's calls against the real server: an admin (every
// permission) on duty runs a call through its lifecycle.
func TestDispatchCalls(t *testing.T) {
	env := apitest.New(t)
	c, com := signedIn(t, env)
	ctx := context.Background()
	if _, err := env.Community.CreateDepartment(ctx, community.CLIActor(), &cad.Scope{Community: com},
		community.DepartmentInput{Code: "LSPD", Name: "Police", Type: cad.DeptLEO, CallSignTemplate: "1-A-{n}"}); err != nil {
		t.Fatal(err)
	}
	duty, err := c.MyDutyWithResponse(ctx, nil, client.MyDutyJSONRequestBody{OnDuty: true, Department: new("LSPD")})
	if err != nil || duty.JSON200.Unit.CallSign != "1-A-1" || !duty.JSON200.Unit.OnDuty {
		t.Fatalf("duty: %+v %v", duty, err)
	}
	unit := duty.JSON200.Unit
	created, err := c.CreateCallWithResponse(ctx, nil, client.CallInput{CallType: new("Robbery"), Location: new("Fleeca"), Priority: "high",
		Coordinates: client.Coords{X: 1, Y: 2}})
	if err != nil || created.JSON201.Status != client.CallStatusPending || created.JSON201.IncidentNumber == "" {
		t.Fatalf("create: %+v %v", created, err)
	}
	call := created.JSON201
	if pend, err := c.PendingCallsWithResponse(ctx, nil); err != nil || len(*pend.JSON200) != 1 {
		t.Fatalf("pending: %+v %v", pend, err)
	}
	if _, err := c.AssignUnitsWithResponse(ctx, call.UnderscoreID, nil, client.AssignUnitsJSONRequestBody{Units: []string{unit.UserID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CallNoteWithResponse(ctx, call.IncidentNumber, nil, client.CallNoteJSONRequestBody{Note: new("On it")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CallStatusWithResponse(ctx, call.UnderscoreID, nil, client.CallStatusJSONRequestBody{Status: "sleeping"}); !client.IsCode(err, cad.EINVALID) {
		t.Fatalf("a status that is none: %v", err)
	}
	d, err := c.GetCallWithResponse(ctx, call.UnderscoreID, nil)
	if err != nil || d.JSON200.Status != client.CallDetailStatusAssigned || len(d.JSON200.AssignedUnits) != 1 || len(d.JSON200.Notes) != 1 {
		t.Fatalf("detail: %+v %v", d, err)
	}
	if closed, err := c.CallStatusWithResponse(ctx, call.UnderscoreID, nil, client.CallStatusJSONRequestBody{Status: "closed"}); err != nil || closed.JSON200.Status != client.CallStatusClosed {
		t.Fatalf("close: %+v %v", closed, err)
	}
	b, err := c.CreateBOLOWithResponse(ctx, nil, client.BOLOInput{Type: new(client.BOLOInputTypeVehicle), Reason: new("Getaway car"), Plate: new("FAST1")})
	if err != nil {
		t.Fatal(err)
	}
	if list, err := c.ListBOLOsWithResponse(ctx, nil); err != nil || len(list.JSON200.Bolos) != 1 {
		t.Fatalf("active BOLOs: %+v %v", list, err)
	}
	if _, err := c.ResolveBOLOWithResponse(ctx, b.JSON201.UnderscoreID, nil); err != nil {
		t.Fatal(err)
	}
	if list, err := c.ListCallsWithResponse(ctx, &client.ListCallsParams{Status: new(client.ListCallsParamsStatusClosed)}); err != nil || len(list.JSON200.Calls) != 1 {
		t.Fatalf("history: %+v %v", list, err)
	}
}
