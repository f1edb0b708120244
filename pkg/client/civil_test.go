package client_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/pkg/client"
)

// The civil methods against the real server: a member's character,
// vehicle and money, and an admin's look-ups.
func TestCivilRecords(t *testing.T) {
	env := apitest.New(t)
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
	login, err := client.New(srv.URL).Login(ctx, "chief", pw)
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(srv.URL, client.WithToken(login.Token))
	g := com.GuildID
	civ, err := c.CreateCivilian(ctx, g, client.CivilianInput{FirstName: "Zoë", LastName: "O'Brien", DateOfBirth: "1991-07-04"})
	if err != nil || civ.SSN == "" {
		t.Fatalf("create: %+v %v", civ, err)
	}
	if _, err := c.CreateCivilian(ctx, g, client.CivilianInput{FirstName: "No", LastName: "Date"}); !client.IsCode(err, cad.EINVALID) {
		t.Fatalf("a refusal is a typed error: %v", err)
	}
	v, err := c.RegisterVehicle(ctx, g, client.VehicleInput{OwnerID: civ.ID, Plate: "zoe 1", Make: "Pegassi", Year: 2021})
	if err != nil || v.PlateKey != "ZOE1" {
		t.Fatalf("register: %+v %v", v, err)
	}
	m, err := c.Deposit(ctx, g, civ.ID, client.Money{Amount: "12.34", IdempotencyKey: "k1"})
	if err != nil || m.BalanceCents != 501234 || m.Balance.String() != "5012.34" {
		t.Fatalf("deposit: %+v %v", m, err)
	}
	if again, err := c.Deposit(ctx, g, civ.ID, client.Money{Amount: "12.34", IdempotencyKey: "k1"}); err != nil || !again.Replayed || again.BalanceCents != 501234 {
		t.Fatalf("repeat: %+v %v", again, err)
	}
	acct, txs, err := c.BankAccount(ctx, g, civ.ID)
	if err != nil || acct.BalanceCents != 501234 || len(txs) != 2 {
		t.Fatalf("account: %+v %d %v", acct, len(txs), err)
	}
	if _, err := c.SetLicense(ctx, g, civ.ID, "drivers", "SUSPENDED", "reckless driving"); err != nil {
		t.Fatal(err)
	}
	p, err := c.LookupPlate(ctx, g, "ZOE-1")
	if err != nil || !p.Found || p.AlertLevel != "caution" || p.Owner == nil || p.Owner.LicenseStatus != "SUSPENDED" {
		t.Fatalf("plate: %+v %v", p, err)
	}
	found, _, err := c.SearchPersons(ctx, g, client.PersonQuery{Name: "zoe o'b"})
	if err != nil || len(found) != 1 {
		t.Fatalf("search: %d %v", len(found), err)
	}
	rec, err := c.Person(ctx, g, civ.SSN)
	if err != nil || len(rec.Vehicles) != 1 || len(rec.LicenseHistory) != 1 {
		t.Fatalf("record: %+v %v", rec, err)
	}
	if _, err := c.SetStolen(ctx, g, v.ID, true, "gone"); err != nil {
		t.Fatal(err)
	}
	if list, err := c.StolenVehicles(ctx, g); err != nil || len(list) != 1 {
		t.Fatalf("stolen: %d %v", len(list), err)
	}
	if err := c.DeleteCivilian(ctx, g, civ.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Civilian(ctx, g, civ.ID); !client.IsCode(err, cad.ENOTFOUND) {
		t.Fatalf("deleted: %v", err)
	}
}

// The dispatcher's calls against the real server: an admin (every
// permission) on duty runs a call through its lifecycle.
func TestDispatchCalls(t *testing.T) {
	env := apitest.New(t)
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
	if _, err := env.Community.CreateDepartment(ctx, community.CLIActor(), &cad.Scope{Community: com},
		community.DepartmentInput{Code: "LSPD", Name: "Police", Type: cad.DeptLEO, CallSignTemplate: "1-A-{n}"}); err != nil {
		t.Fatal(err)
	}
	login, err := client.New(srv.URL).Login(ctx, "chief", pw)
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(srv.URL, client.WithToken(login.Token))
	g := com.GuildID
	unit, err := c.SetDuty(ctx, g, true, "LSPD", "")
	if err != nil || unit.CallSign != "1-A-1" || !unit.OnDuty {
		t.Fatalf("duty: %+v %v", unit, err)
	}
	call, err := c.CreateCall(ctx, g, client.CallInput{CallType: "Robbery", Location: "Fleeca", Priority: "high", Coordinates: &client.Coords{X: 1, Y: 2}})
	if err != nil || call.Status != "pending" || call.IncidentNumber == "" {
		t.Fatalf("create: %+v %v", call, err)
	}
	if pend, err := c.PendingCalls(ctx, g); err != nil || len(pend) != 1 {
		t.Fatalf("pending: %d %v", len(pend), err)
	}
	if _, err := c.AssignUnits(ctx, g, call.ID, []string{unit.UserID}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddCallNote(ctx, g, call.IncidentNumber, "On it"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetCallStatus(ctx, g, call.ID, "sleeping"); !client.IsCode(err, cad.EINVALID) {
		t.Fatalf("a status that is none: %v", err)
	}
	d, err := c.Call(ctx, g, call.ID)
	if err != nil || d.Status != "assigned" || len(d.AssignedUnits) != 1 || len(d.Notes) != 1 {
		t.Fatalf("detail: %+v %v", d, err)
	}
	if closed, err := c.SetCallStatus(ctx, g, call.ID, "closed"); err != nil || closed.Status != "closed" {
		t.Fatalf("close: %+v %v", closed, err)
	}
	b, err := c.CreateBOLO(ctx, g, client.BOLOInput{Type: "vehicle", Reason: "Getaway car", Plate: "FAST1"})
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := c.BOLOs(ctx, g, false); len(list) != 1 {
		t.Fatal("active BOLOs")
	}
	if _, err := c.ResolveBOLO(ctx, g, b.ID); err != nil {
		t.Fatal(err)
	}
	if list, _, err := c.Calls(ctx, g, url.Values{"status": {"closed"}}); err != nil || len(list) != 1 {
		t.Fatalf("history: %d %v", len(list), err)
	}
}
