package api

import (
	"encoding/json"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
)

// The answers of the civil routes, typed so that docs/openapi.yaml can
// describe them field for field (the API tests validate every answer
// against it).

// civilianOut is a character as every client reads it: both _id and id,
// the full name and dob the FiveM resources print, citizenid (the
// framework id) and the mugshot as a URL the in-game browser can load.
type civilianOut struct {
	*cad.Character
	IDAlias    string `json:"id"`
	Name       string `json:"name"`
	DOB        string `json:"dob"`
	CitizenID  string `json:"citizenid"`
	MugshotURL string `json:"mugshotUrl,omitempty"`
	// The stored image's id is part of MugshotURL; not shown apart.
	MugshotID *struct{} `json:"mugshotId,omitempty"`
}

func (s *Server) civilianJSON(ch *cad.Character) civilianOut {
	cid := ch.Identifier
	if cid == "" {
		cid = ch.SSN
	}
	return civilianOut{Character: ch, IDAlias: ch.ID, Name: ch.FullName(), DOB: ch.DateOfBirth, CitizenID: cid,
		MugshotURL: s.deps.Civil.MediaURL(ch)}
}

// mapList is f of every item of list, in order: how lists of records
// become lists of their JSON views.
func mapList[T, U any](list []T, f func(T) U) []U {
	out := make([]U, len(list))
	for i, v := range list {
		out[i] = f(v)
	}
	return out
}

// vehicleOut is a vehicle with both ids and vehicleId, which the sync
// resources read.
type vehicleOut struct {
	*cad.Vehicle
	IDAlias   string `json:"id"`
	VehicleID string `json:"vehicleId"`
}

func vehicleJSON(v *cad.Vehicle) vehicleOut {
	return vehicleOut{Vehicle: v, IDAlias: v.ID, VehicleID: v.ID}
}

// accountOut is a bank account in dollars (balance) and cents.
type accountOut struct {
	ID            string      `json:"_id"`
	IDAlias       string      `json:"id"`
	CharacterID   string      `json:"characterId"`
	AccountNumber string      `json:"accountNumber"`
	AccountStatus string      `json:"accountStatus"` // active, frozen or closed
	Balance       json.Number `json:"balance"`
	BalanceCents  int64       `json:"balanceCents"`
	Frozen        bool        `json:"frozen"`
	CreatedAt     time.Time   `json:"createdAt"`
	UpdatedAt     time.Time   `json:"updatedAt"`
}

func accountJSON(a *cad.BankAccount) accountOut {
	status := "active"
	switch {
	case a.Closed:
		status = "closed"
	case a.Frozen:
		status = "frozen"
	}
	return accountOut{ID: a.ID, IDAlias: a.ID, CharacterID: a.CharacterID, AccountNumber: a.Number, AccountStatus: status,
		Balance: money(a.Balance), BalanceCents: a.Balance, Frozen: a.Frozen, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// transactionOut is a ledger entry as CDE's bank clients read it (type,
// amount, description, date), with the rest beside it.
type transactionOut struct {
	ID           string      `json:"_id"`
	Type         string      `json:"type"`
	Amount       json.Number `json:"amount"`
	AmountCents  int64       `json:"amountCents"`
	BalanceAfter json.Number `json:"balanceAfter"`
	Description  string      `json:"description"`
	Counterparty string      `json:"counterparty,omitempty"`
	Date         time.Time   `json:"date"`
	ActorKind    string      `json:"actorKind"`
}

func transactionJSON(e *cad.LedgerEntry) *transactionOut {
	if e == nil {
		return nil
	}
	return &transactionOut{ID: e.ID, Type: e.Type, Amount: money(e.Amount), AmountCents: e.Amount, BalanceAfter: money(e.BalanceAfter),
		Description: e.Description, Counterparty: e.Counterparty, Date: e.Time, ActorKind: e.ActorKind}
}

// movementOut answers a deposit, withdrawal, transfer, paycheck or
// adjustment: success, the balance after, and the transaction.
type movementOut struct {
	Success       bool            `json:"success"`
	Balance       json.Number     `json:"balance"`
	BalanceCents  int64           `json:"balanceCents"`
	SenderBalance *json.Number    `json:"senderBalance,omitempty"`
	Transaction   *transactionOut `json:"transaction"`
	Replayed      bool            `json:"replayed"`
	Account       accountOut      `json:"account"`
}

func movementJSON(m *civil.Movement, transfer bool) movementOut {
	out := movementOut{Success: true, Balance: money(m.Account.Balance), BalanceCents: m.Account.Balance,
		Transaction: transactionJSON(m.Entry), Replayed: m.Replayed, Account: accountJSON(m.Account)}
	if transfer {
		b := out.Balance
		out.SenderBalance = &b
	}
	return out
}

// plateResultOut is a plate look-up as the FiveM plate readers read it.
type plateResultOut struct {
	Success     bool             `json:"success"`
	Found       bool             `json:"found"`
	Plate       string           `json:"plate"`
	AlertLevel  string           `json:"alertLevel"`
	Flags       []string         `json:"flags"`
	Vehicle     *plateVehicle    `json:"vehicle"`
	Owner       *plateOwner      `json:"owner"`
	Bolo        *boloOut         `json:"bolo"`
	OwnerBolo   *boloOut         `json:"ownerBolo"`
	PlateDesign *cad.PlateDesign `json:"plateDesign"`
}

type plateVehicle struct {
	ID                 string `json:"_id"`
	Plate              string `json:"plate"`
	VIN                string `json:"vin"`
	Make               string `json:"make"`
	Model              string `json:"model"`
	Color              string `json:"color"`
	Year               int    `json:"year,omitempty"`
	Stolen             bool   `json:"stolen"`
	Impounded          bool   `json:"impounded"`
	RegistrationStatus string `json:"registrationStatus"`
	InsuranceStatus    string `json:"insuranceStatus"`
}

type plateOwner struct {
	ID            string `json:"_id"`
	Name          string `json:"name"`
	DateOfBirth   string `json:"dateOfBirth"`
	SSN           string `json:"ssn"`
	LicenseStatus string `json:"licenseStatus"`
	HasWarrants   bool   `json:"hasWarrants"`
	IsDangerous   bool   `json:"isDangerous"`
	MugshotURL    string `json:"mugshotUrl,omitempty"`
}

// effective is a registration or insurance status as it stands now: a
// valid one past its expiry reads EXPIRED.
func effective(status string, valid bool) string {
	if status == cad.DocValid && !valid {
		return cad.DocExpired
	}
	if status == "" {
		return cad.DocNone
	}
	return status
}

func (s *Server) plateVehicleJSON(v *cad.Vehicle) *plateVehicle {
	now := s.deps.Auth.Now()
	return &plateVehicle{ID: v.ID, Plate: v.Plate, VIN: v.VIN, Make: v.Make, Model: v.Model, Color: v.Color, Year: v.Year,
		Stolen: v.Stolen, Impounded: v.Impounded,
		RegistrationStatus: effective(v.RegistrationStatus, v.RegistrationValid(now)),
		InsuranceStatus:    effective(v.InsuranceStatus, v.InsuranceValid(now))}
}

func licenseStatus(ch *cad.Character) string {
	if l := ch.License(cad.LicenseDrivers); l != nil {
		return l.Status
	}
	return "NONE"
}

func (s *Server) plateOwnerJSON(ch *cad.Character) *plateOwner {
	if ch == nil {
		return nil
	}
	return &plateOwner{ID: ch.ID, Name: ch.FullName(), DateOfBirth: ch.DateOfBirth, SSN: ch.SSN, LicenseStatus: licenseStatus(ch),
		MugshotURL: s.deps.Civil.MediaURL(ch)}
}

func designOf(com *cad.Community, id string) *cad.PlateDesign {
	for i := range com.Settings.PlateDesigns {
		if com.Settings.PlateDesigns[i].ID == id {
			return &com.Settings.PlateDesigns[i]
		}
	}
	return nil
}

// boloOut is a BOLO as the plate readers read it (reason, description,
// priority).
type boloOut struct {
	ID          string `json:"_id"`
	Type        string `json:"type"`
	Reason      string `json:"reason"`
	Description string `json:"description"`
	Priority    string `json:"priority"`
	Plate       string `json:"plate,omitempty"`
}

func boloJSON(b *cad.BOLO) *boloOut {
	if b == nil {
		return nil
	}
	return &boloOut{ID: b.ID, Type: b.Kind, Reason: b.Reason, Description: b.Description, Priority: b.Priority, Plate: b.Plate}
}

func (s *Server) plateResultJSON(com *cad.Community, r *cad.PlateResult) plateResultOut {
	out := plateResultOut{Success: true, Found: r.Vehicle != nil, Plate: r.Plate, AlertLevel: r.Alert, Flags: r.Flags,
		Owner: s.plateOwnerJSON(r.Owner), Bolo: boloJSON(r.BOLO), OwnerBolo: boloJSON(r.OwnerBOLO)}
	if r.Vehicle != nil {
		out.Vehicle = s.plateVehicleJSON(r.Vehicle)
		out.Plate = r.Vehicle.PlateKey
		out.PlateDesign = designOf(com, r.Vehicle.PlateDesignID)
	}
	return out
}
