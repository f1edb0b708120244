package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// Civil records: characters (civilians), vehicles, licenses, bank
// accounts, and officers' look-ups. Every call runs in the community
// communityID names (its 24-hex id or Discord guild id).

// License is one license of a civilian.
type License struct {
	Type      string    `json:"type"`
	Status    string    `json:"status"`
	UpdatedAt time.Time `json:"updatedAt"`
	UpdatedBy string    `json:"updatedBy"`
	Reason    string    `json:"reason"`
}

// Civilian is a character.
type Civilian struct {
	ID                 string            `json:"_id"`
	CommunityID        string            `json:"communityId"`
	OwnerID            string            `json:"ownerId"`
	DiscordID          string            `json:"discordId"`
	SSN                string            `json:"ssn"`
	Identifier         string            `json:"identifier"`
	Name               string            `json:"name"`
	FirstName          string            `json:"firstName"`
	MiddleName         string            `json:"middleName"`
	LastName           string            `json:"lastName"`
	DateOfBirth        string            `json:"dateOfBirth"`
	Gender             string            `json:"gender"`
	Race               string            `json:"race"`
	HairColor          string            `json:"hairColor"`
	EyeColor           string            `json:"eyeColor"`
	Height             string            `json:"height"`
	Weight             string            `json:"weight"`
	Address            string            `json:"address"`
	Phone              string            `json:"phone"`
	SecondaryPhone     string            `json:"secondaryPhone"`
	Occupation         string            `json:"occupation"`
	BloodType          string            `json:"bloodType"`
	Allergies          string            `json:"allergies"`
	Medications        string            `json:"medications"`
	Nationality        string            `json:"nationality"`
	PlaceOfBirth       string            `json:"placeOfBirth"`
	MugshotURL         string            `json:"mugshotUrl"`
	Licenses           []License         `json:"licenses"`
	MissingPerson      bool              `json:"missingPerson"`
	MissingDate        *time.Time        `json:"missingDate"`
	LastSeenLocation   string            `json:"lastSeenLocation"`
	MissingDescription string            `json:"missingDescription"`
	Extra              map[string]string `json:"extra"`
	CreatedAt          time.Time         `json:"createdAt"`
	UpdatedAt          time.Time         `json:"updatedAt"`
}

// CivilianInput is what to set on a civilian: only the fields given are
// sent, so an update changes only those. Mugshot is an http(s) URL or a
// data:image/…;base64 URI ("" removes it).
type CivilianInput struct {
	FirstName      string            `json:"firstName,omitempty"`
	MiddleName     string            `json:"middleName,omitempty"`
	LastName       string            `json:"lastName,omitempty"`
	DateOfBirth    string            `json:"dateOfBirth,omitempty"`
	Gender         string            `json:"gender,omitempty"`
	Race           string            `json:"race,omitempty"`
	HairColor      string            `json:"hairColor,omitempty"`
	EyeColor       string            `json:"eyeColor,omitempty"`
	Height         string            `json:"height,omitempty"`
	Weight         string            `json:"weight,omitempty"`
	Address        string            `json:"address,omitempty"`
	Phone          string            `json:"phone,omitempty"`
	SecondaryPhone string            `json:"secondaryPhone,omitempty"`
	Occupation     string            `json:"occupation,omitempty"`
	BloodType      string            `json:"bloodType,omitempty"`
	Allergies      string            `json:"allergies,omitempty"`
	Medications    string            `json:"medications,omitempty"`
	Nationality    string            `json:"nationality,omitempty"`
	PlaceOfBirth   string            `json:"placeOfBirth,omitempty"`
	SSN            string            `json:"ssn,omitempty"`
	Mugshot        *string           `json:"mugshotUrl,omitempty"`
	Extra          map[string]string `json:"extra,omitempty"`
}

// LicenseChange is one entry of a civilian's license history.
type LicenseChange struct {
	ID        string    `json:"_id"`
	Type      string    `json:"type"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Reason    string    `json:"reason"`
	ActorID   string    `json:"actorId"`
	ActorKind string    `json:"actorKind"`
	Time      time.Time `json:"time"`
}

// Vehicle is a registered vehicle.
type Vehicle struct {
	ID                  string     `json:"_id"`
	OwnerID             string     `json:"ownerId"`
	Plate               string     `json:"plate"`
	PlateKey            string     `json:"plateKey"`
	VIN                 string     `json:"vin"`
	Make                string     `json:"make"`
	Model               string     `json:"model"`
	Color               string     `json:"color"`
	Year                int        `json:"year"`
	RegistrationStatus  string     `json:"registrationStatus"`
	RegistrationExpires *time.Time `json:"registrationExpires"`
	InsuranceStatus     string     `json:"insuranceStatus"`
	InsuranceExpires    *time.Time `json:"insuranceExpires"`
	Stolen              bool       `json:"stolen"`
	StolenDescription   string     `json:"stolenDescription"`
	StolenDate          *time.Time `json:"stolenDate"`
	Impounded           bool       `json:"impounded"`
	PlateDesignID       string     `json:"plateDesignId"`
	CreatedAt           time.Time  `json:"createdAt"`
	UpdatedAt           time.Time  `json:"updatedAt"`
}

// VehicleInput is what to set on a vehicle; only the fields given are sent.
type VehicleInput struct {
	OwnerID             string     `json:"ownerId,omitempty"`
	Plate               string     `json:"plate,omitempty"`
	VIN                 string     `json:"vin,omitempty"`
	Make                string     `json:"make,omitempty"`
	Model               string     `json:"model,omitempty"`
	Color               string     `json:"color,omitempty"`
	Year                int        `json:"year,omitempty"`
	RegistrationStatus  string     `json:"registrationStatus,omitempty"`
	RegistrationExpires *time.Time `json:"registrationExpires,omitempty"`
	InsuranceStatus     string     `json:"insuranceStatus,omitempty"`
	InsuranceExpires    *time.Time `json:"insuranceExpires,omitempty"`
	Impounded           *bool      `json:"impounded,omitempty"`
	PlateDesignID       string     `json:"plateDesignId,omitempty"`
}

// Account is a bank account; Balance is in dollars, BalanceCents exact.
type Account struct {
	ID            string      `json:"_id"`
	CharacterID   string      `json:"characterId"`
	AccountNumber string      `json:"accountNumber"`
	AccountStatus string      `json:"accountStatus"`
	Balance       json.Number `json:"balance"`
	BalanceCents  int64       `json:"balanceCents"`
	Frozen        bool        `json:"frozen"`
}

// Transaction is one ledger entry.
type Transaction struct {
	ID           string      `json:"_id"`
	Type         string      `json:"type"`
	Amount       json.Number `json:"amount"`
	AmountCents  int64       `json:"amountCents"`
	BalanceAfter json.Number `json:"balanceAfter"`
	Description  string      `json:"description"`
	Counterparty string      `json:"counterparty"`
	Date         time.Time   `json:"date"`
}

// Movement is the answer of a money request.
type Movement struct {
	Balance      json.Number  `json:"balance"`
	BalanceCents int64        `json:"balanceCents"`
	Transaction  *Transaction `json:"transaction"`
	// Replayed: the stored first answer of the idempotency key.
	Replayed bool    `json:"replayed"`
	Account  Account `json:"account"`
}

// Money is a money request. Amount is in dollars as a decimal string
// ("12.34"), read exactly by the server.
type Money struct {
	Amount          string `json:"amount"`
	Description     string `json:"description,omitempty"`
	IdempotencyKey  string `json:"idempotencyKey,omitempty"`
	ToAccountNumber string `json:"toAccountNumber,omitempty"`
}

// PlateResult is a plate look-up's answer.
type PlateResult struct {
	Found      bool     `json:"found"`
	Plate      string   `json:"plate"`
	AlertLevel string   `json:"alertLevel"`
	Flags      []string `json:"flags"`
	Vehicle    *struct {
		ID    string `json:"_id"`
		Plate string `json:"plate"`
		Make  string `json:"make"`
		Model string `json:"model"`
		Color string `json:"color"`
	} `json:"vehicle"`
	Owner *struct {
		ID            string `json:"_id"`
		Name          string `json:"name"`
		LicenseStatus string `json:"licenseStatus"`
	} `json:"owner"`
}

// PersonRecord is a person's record for an officer.
type PersonRecord struct {
	Civilian       Civilian        `json:"civilian"`
	Vehicles       []Vehicle       `json:"vehicles"`
	LicenseHistory []LicenseChange `json:"licenseHistory"`
	Flags          []string        `json:"flags"`
	AlertLevel     string          `json:"alertLevel"`
}

func civPath(rest ...string) string {
	p := "/api/civilian"
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// CreateCivilian makes a character of the caller's, with a bank account.
func (c *Client) CreateCivilian(ctx context.Context, communityID string, in CivilianInput) (*Civilian, error) {
	var out Civilian
	return &out, c.DoIn(ctx, communityID, http.MethodPost, civPath(), in, &out)
}

// MyCivilians lists the caller's characters.
func (c *Client) MyCivilians(ctx context.Context, communityID string) ([]Civilian, error) {
	var out struct {
		Civilians []Civilian `json:"civilians"`
	}
	return out.Civilians, c.DoIn(ctx, communityID, http.MethodGet, civPath(), nil, &out)
}

// Civilian reads a character by CAD id or SSN.
func (c *Client) Civilian(ctx context.Context, communityID, id string) (*Civilian, error) {
	var out Civilian
	return &out, c.DoIn(ctx, communityID, http.MethodGet, civPath(id), nil, &out)
}

// UpdateCivilian changes the fields in gives.
func (c *Client) UpdateCivilian(ctx context.Context, communityID, id string, in CivilianInput) (*Civilian, error) {
	var out Civilian
	return &out, c.DoIn(ctx, communityID, http.MethodPut, civPath(id), in, &out)
}

// DeleteCivilian deletes a character with its vehicles and images.
func (c *Client) DeleteCivilian(ctx context.Context, communityID, id string) error {
	return c.DoIn(ctx, communityID, http.MethodDelete, civPath(id), nil, nil)
}

// SetMissing reports a character missing (or found).
func (c *Client) SetMissing(ctx context.Context, communityID, id string, missing bool, lastSeen, description string) (*Civilian, error) {
	var out Civilian
	in := map[string]any{"missingPerson": missing, "lastSeenLocation": lastSeen, "description": description}
	return &out, c.DoIn(ctx, communityID, http.MethodPut, civPath(id, "missing"), in, &out)
}

// MissingPersons lists the community's missing persons.
func (c *Client) MissingPersons(ctx context.Context, communityID string) ([]Civilian, error) {
	var out struct {
		Civilians []Civilian `json:"civilians"`
	}
	return out.Civilians, c.Do(ctx, http.MethodGet, civPath("missing-persons", communityID), nil, &out)
}

// SetLicense changes a license (LEO, Supervisor and up) with a reason.
func (c *Client) SetLicense(ctx context.Context, communityID, id, licenseType, status, reason string) (*Civilian, error) {
	var out Civilian
	in := map[string]string{"licenseType": licenseType, "status": status, "reason": reason}
	return &out, c.DoIn(ctx, communityID, http.MethodPut, civPath(id, "license"), in, &out)
}

// LicenseHistory lists a character's license changes, newest first.
func (c *Client) LicenseHistory(ctx context.Context, communityID, id string) ([]LicenseChange, error) {
	var out struct {
		History []LicenseChange `json:"history"`
	}
	return out.History, c.DoIn(ctx, communityID, http.MethodGet, civPath(id, "licenses"), nil, &out)
}

// RegisterVehicle registers a vehicle to one of the caller's characters.
func (c *Client) RegisterVehicle(ctx context.Context, communityID string, in VehicleInput) (*Vehicle, error) {
	var out Vehicle
	return &out, c.DoIn(ctx, communityID, http.MethodPost, civPath("vehicle"), in, &out)
}

// MyVehicles lists the vehicles of the caller's characters.
func (c *Client) MyVehicles(ctx context.Context, communityID string) ([]Vehicle, error) {
	var out struct {
		Vehicles []Vehicle `json:"vehicles"`
	}
	return out.Vehicles, c.DoIn(ctx, communityID, http.MethodGet, civPath("vehicle"), nil, &out)
}

// Vehicle reads a vehicle by id or plate.
func (c *Client) Vehicle(ctx context.Context, communityID, id string) (*Vehicle, error) {
	var out Vehicle
	return &out, c.DoIn(ctx, communityID, http.MethodGet, civPath("vehicle", id), nil, &out)
}

// UpdateVehicle changes the fields in gives.
func (c *Client) UpdateVehicle(ctx context.Context, communityID, id string, in VehicleInput) (*Vehicle, error) {
	var out Vehicle
	return &out, c.DoIn(ctx, communityID, http.MethodPut, civPath("vehicle", id), in, &out)
}

// DeleteVehicle deletes a vehicle.
func (c *Client) DeleteVehicle(ctx context.Context, communityID, id string) error {
	return c.DoIn(ctx, communityID, http.MethodDelete, civPath("vehicle", id), nil, nil)
}

// SetStolen reports a vehicle stolen (or recovered).
func (c *Client) SetStolen(ctx context.Context, communityID, id string, stolen bool, description string) (*Vehicle, error) {
	var out struct {
		Vehicle Vehicle `json:"vehicle"`
	}
	in := map[string]any{"stolen": stolen, "stolenDescription": description}
	return &out.Vehicle, c.DoIn(ctx, communityID, http.MethodPut, civPath("vehicle", id, "stolen"), in, &out)
}

// StolenVehicles lists the community's stolen vehicles.
func (c *Client) StolenVehicles(ctx context.Context, communityID string) ([]Vehicle, error) {
	var out struct {
		Vehicles []Vehicle `json:"vehicles"`
	}
	return out.Vehicles, c.Do(ctx, http.MethodGet, civPath("stolen-vehicles", communityID), nil, &out)
}

// BankAccount reads a character's account and its newest transactions.
func (c *Client) BankAccount(ctx context.Context, communityID, id string) (*Account, []Transaction, error) {
	var out struct {
		Account      Account       `json:"account"`
		Transactions []Transaction `json:"transactions"`
	}
	err := c.DoIn(ctx, communityID, http.MethodGet, civPath(id, "bank"), nil, &out)
	return &out.Account, out.Transactions, err
}

func (c *Client) money(ctx context.Context, communityID, id, op string, m Money) (*Movement, error) {
	var out Movement
	return &out, c.DoIn(ctx, communityID, http.MethodPost, civPath(id, "bank", op), m, &out)
}

// Deposit puts money in a character's account.
func (c *Client) Deposit(ctx context.Context, communityID, id string, m Money) (*Movement, error) {
	return c.money(ctx, communityID, id, "deposit", m)
}

// Withdraw takes money out; never below zero.
func (c *Client) Withdraw(ctx context.Context, communityID, id string, m Money) (*Movement, error) {
	return c.money(ctx, communityID, id, "withdraw", m)
}

// Transfer moves money to m.ToAccountNumber.
func (c *Client) Transfer(ctx context.Context, communityID, id string, m Money) (*Movement, error) {
	return c.money(ctx, communityID, id, "transfer", m)
}

// Adjust credits m.Amount (Supervisors and up; m.Description is the reason).
func (c *Client) Adjust(ctx context.Context, communityID, id string, m Money) (*Movement, error) {
	return c.money(ctx, communityID, id, "adjust", m)
}

// SetFrozen freezes or unfreezes an account (Supervisors and up).
func (c *Client) SetFrozen(ctx context.Context, communityID, id string, frozen bool, reason string) (*Account, error) {
	op := "unfreeze"
	if frozen {
		op = "freeze"
	}
	var out struct {
		Account Account `json:"account"`
	}
	return &out.Account, c.DoIn(ctx, communityID, http.MethodPost, civPath(id, "bank", op), map[string]string{"description": reason}, &out)
}

// PersonQuery is a person look-up: Name, or FirstName/LastName prefixes,
// or DateOfBirth, or SSN.
type PersonQuery struct {
	Name, FirstName, LastName, DateOfBirth, SSN, After string
	Limit                                              int
}

// SearchPersons runs a person look-up (LEO or dispatch) and returns the
// cursor of the next page.
func (c *Client) SearchPersons(ctx context.Context, communityID string, q PersonQuery) ([]Civilian, string, error) {
	v := url.Values{}
	for k, s := range map[string]string{"name": q.Name, "firstName": q.FirstName, "lastName": q.LastName, "dob": q.DateOfBirth, "ssn": q.SSN, "after": q.After} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit > 0 {
		v.Set("limit", itoa(q.Limit))
	}
	var out struct {
		Civilians  []Civilian `json:"civilians"`
		NextCursor *string    `json:"nextCursor"`
	}
	err := c.DoIn(ctx, communityID, http.MethodGet, withQuery("/api/lookup/person", v), nil, &out)
	next := ""
	if out.NextCursor != nil {
		next = *out.NextCursor
	}
	return out.Civilians, next, err
}

// Person reads a person's record (LEO or dispatch).
func (c *Client) Person(ctx context.Context, communityID, id string) (*PersonRecord, error) {
	var out PersonRecord
	return &out, c.DoIn(ctx, communityID, http.MethodGet, "/api/lookup/person/"+url.PathEscape(id), nil, &out)
}

// LookupPlate runs a plate (LEO or dispatch).
func (c *Client) LookupPlate(ctx context.Context, communityID, plate string) (*PlateResult, error) {
	var out PlateResult
	return &out, c.DoIn(ctx, communityID, http.MethodGet, "/api/lookup/plate/"+url.PathEscape(plate), nil, &out)
}
