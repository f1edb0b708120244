package httpx

import (
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// The answers of the records more than one area answers with, typed so
// that docs/openapi.yaml can describe them field for field (the API tests
// validate every answer against it): a user (the password and Discord
// sign-ins), a civilian and a vehicle (the civil routes, and the calls
// they are attached to), a plate look-up (the plate readers, and a
// traffic stop).

// Records writes civil records as every client reads them.
type Records struct {
	// MediaURL is the public URL of a character's stored mugshot, or ""
	// (civil.Service.MediaURL).
	MediaURL func(*cad.Character) string
	// Now says whether a registration or insurance has expired.
	Now func() time.Time
}

// UserOut is the reference's user object; absent Discord fields are null.
type UserOut struct {
	ID              string  `json:"id"`
	Username        string  `json:"username"`
	DiscordID       *string `json:"discordId"`
	DiscordUsername *string `json:"discordUsername"`
}

// Nullable is s, or null when it is empty.
func Nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// User is a user as the reference shows it.
func User(u *cad.User) UserOut {
	return UserOut{ID: u.ID, Username: u.Username, DiscordID: Nullable(u.DiscordID), DiscordUsername: Nullable(u.DiscordUsername)}
}

// CivilianOut is a character as every client reads it: both _id and id,
// the full name and dob the FiveM resources print, citizenid (the
// framework id) and the mugshot as a URL the in-game browser can load.
type CivilianOut struct {
	*cad.Character
	IDAlias    string `json:"id"`
	Name       string `json:"name"`
	DOB        string `json:"dob"`
	CitizenID  string `json:"citizenid"`
	MugshotURL string `json:"mugshotUrl,omitempty"`
	// The stored image's id is part of MugshotURL; not shown apart.
	MugshotID *struct{} `json:"mugshotId,omitempty"`
}

// Civilian is a character as every client reads it.
func (r Records) Civilian(ch *cad.Character) CivilianOut {
	cid := ch.Identifier
	if cid == "" {
		cid = ch.SSN
	}
	return CivilianOut{Character: ch, IDAlias: ch.ID, Name: ch.FullName(), DOB: ch.DateOfBirth, CitizenID: cid,
		MugshotURL: r.MediaURL(ch)}
}

// MapList is f of every item of list, in order: how lists of records
// become lists of their JSON views.
func MapList[T, U any](list []T, f func(T) U) []U {
	out := make([]U, len(list))
	for i, v := range list {
		out[i] = f(v)
	}
	return out
}

// VehicleOut is a vehicle with both ids and vehicleId, which the sync
// resources read.
type VehicleOut struct {
	*cad.Vehicle
	IDAlias   string `json:"id"`
	VehicleID string `json:"vehicleId"`
}

// Vehicle is a vehicle as every client reads it.
func Vehicle(v *cad.Vehicle) VehicleOut {
	return VehicleOut{Vehicle: v, IDAlias: v.ID, VehicleID: v.ID}
}

// PlateResultOut is a plate look-up as the FiveM plate readers read it.
type PlateResultOut struct {
	Success     bool             `json:"success"`
	Found       bool             `json:"found"`
	Plate       string           `json:"plate"`
	AlertLevel  string           `json:"alertLevel"`
	Flags       []string         `json:"flags"`
	Vehicle     *PlateVehicle    `json:"vehicle"`
	Owner       *PlateOwner      `json:"owner"`
	Bolo        *BOLOOut         `json:"bolo"`
	OwnerBolo   *BOLOOut         `json:"ownerBolo"`
	PlateDesign *cad.PlateDesign `json:"plateDesign"`
}

// PlateVehicle is the vehicle of a plate look-up, its documents as they
// stand now.
type PlateVehicle struct {
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

// PlateOwner is the owner of a plate look-up's vehicle.
type PlateOwner struct {
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

// PlateVehicle is a vehicle as a plate look-up answers it.
func (r Records) PlateVehicle(v *cad.Vehicle) *PlateVehicle {
	now := r.Now()
	return &PlateVehicle{ID: v.ID, Plate: v.Plate, VIN: v.VIN, Make: v.Make, Model: v.Model, Color: v.Color, Year: v.Year,
		Stolen: v.Stolen, Impounded: v.Impounded,
		RegistrationStatus: effective(v.RegistrationStatus, v.RegistrationValid(now)),
		InsuranceStatus:    effective(v.InsuranceStatus, v.InsuranceValid(now))}
}

// LicenseStatus is a character's driver's license status, or NONE.
func LicenseStatus(ch *cad.Character) string {
	if l := ch.License(cad.LicenseDrivers); l != nil {
		return l.Status
	}
	return "NONE"
}

// plateOwner is a plate's owner, or nil.
func (r Records) plateOwner(ch *cad.Character) *PlateOwner {
	if ch == nil {
		return nil
	}
	return &PlateOwner{ID: ch.ID, Name: ch.FullName(), DateOfBirth: ch.DateOfBirth, SSN: ch.SSN, LicenseStatus: LicenseStatus(ch),
		MugshotURL: r.MediaURL(ch)}
}

// designOf is the community's plate design of that id, or nil.
func designOf(com *cad.Community, id string) *cad.PlateDesign {
	for i := range com.Settings.PlateDesigns {
		if com.Settings.PlateDesigns[i].ID == id {
			return &com.Settings.PlateDesigns[i]
		}
	}
	return nil
}

// BOLOOut is a BOLO as the plate readers read it (reason, description,
// priority).
type BOLOOut struct {
	ID          string `json:"_id"`
	Type        string `json:"type"`
	Reason      string `json:"reason"`
	Description string `json:"description"`
	Priority    string `json:"priority"`
	Plate       string `json:"plate,omitempty"`
}

// bolo is a BOLO as the plate readers read it, or nil.
func bolo(b *cad.BOLO) *BOLOOut {
	if b == nil {
		return nil
	}
	return &BOLOOut{ID: b.ID, Type: b.Kind, Reason: b.Reason, Description: b.Description, Priority: b.Priority, Plate: b.Plate}
}

// PlateResult is a plate look-up as the plate readers read it, with the
// community's design of the plate.
func (r Records) PlateResult(com *cad.Community, res *cad.PlateResult) PlateResultOut {
	out := PlateResultOut{Success: true, Found: res.Vehicle != nil, Plate: res.Plate, AlertLevel: res.Alert, Flags: res.Flags,
		Owner: r.plateOwner(res.Owner), Bolo: bolo(res.BOLO), OwnerBolo: bolo(res.OwnerBOLO)}
	if res.Vehicle != nil {
		out.Vehicle = r.PlateVehicle(res.Vehicle)
		out.Plate = res.Vehicle.PlateKey
		out.PlateDesign = designOf(com, res.Vehicle.PlateDesignID)
	}
	return out
}
