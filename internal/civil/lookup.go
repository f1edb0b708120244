package civil

import (
	"context"
	"sort"
	"strings"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Look-ups are what officers and dispatchers run, and game servers for
// their plate readers. Every one is written to the community's audit trail
// (who looked up whom, when), as real agencies require.

// Flags.
const (
	FlagStolen              = "stolen"
	FlagExpiredRegistration = "expired registration"
	FlagNoRegistration      = "no registration"
	FlagNoInsurance         = "no insurance"
	FlagSuspendedLicense    = "suspended license"
	FlagRevokedLicense      = "revoked license"
	FlagImpounded           = "impounded"
	FlagMissing             = "missing person"
	FlagBOLO                = "bolo"
)

// alertFlags raise the alert level to "alert"; any other flag is caution.
var alertFlags = map[string]bool{FlagStolen: true, FlagBOLO: true}

// AlertLevel is the level a set of flags calls for.
func AlertLevel(flags []string) string {
	level := cad.AlertNone
	for _, f := range flags {
		if alertFlags[f] {
			return cad.AlertAlert
		}
		level = cad.AlertCaution
	}
	return level
}

// PersonFlags are what a person's record flags.
func PersonFlags(ch *cad.Character) []string {
	flags := []string{}
	if l := ch.License(cad.LicenseDrivers); l != nil {
		switch l.Status {
		case cad.LicenseSuspended:
			flags = append(flags, FlagSuspendedLicense)
		case cad.LicenseRevoked:
			flags = append(flags, FlagRevokedLicense)
		}
	}
	if ch.MissingPerson {
		flags = append(flags, FlagMissing)
	}
	return flags
}

// VehicleFlags are what a vehicle and its owner flag at now.
func (s *Service) VehicleFlags(v *cad.Vehicle, owner *cad.Character) []string {
	now := s.now()
	flags := []string{}
	if v.Stolen {
		flags = append(flags, FlagStolen)
	}
	switch {
	case v.RegistrationStatus == cad.DocNone || v.RegistrationStatus == "":
		flags = append(flags, FlagNoRegistration)
	case !v.RegistrationValid(now):
		flags = append(flags, FlagExpiredRegistration)
	}
	if !v.InsuranceValid(now) {
		flags = append(flags, FlagNoInsurance)
	}
	if v.Impounded {
		flags = append(flags, FlagImpounded)
	}
	if owner != nil {
		for _, f := range PersonFlags(owner) {
			if f != FlagMissing {
				flags = append(flags, f)
			}
		}
	}
	return flags
}

// PersonQuery is a person look-up: a name ("first last", or one word for
// either), a date of birth, or an SSN.
type PersonQuery struct {
	Name        string
	FirstName   string
	LastName    string
	DateOfBirth string
	SSN         string
	After       string
	Limit       int
}

// SearchPersons runs a person look-up for an officer. A one-word name
// matches first or last names (the first page of each, merged); the other
// forms page with the cursor.
func (s *Service) SearchPersons(ctx context.Context, c cad.Caller, q PersonQuery) ([]*cad.Character, string, error) {
	if !officer(c) {
		return nil, "", errNeedOfficer
	}
	limit := pageSize(q.Limit)
	for _, v := range []string{q.Name, q.FirstName, q.LastName, q.SSN, q.DateOfBirth} {
		if len(v) > 100 {
			return nil, "", cad.Errorf(cad.EINVALID, "Search terms are at most 100 characters")
		}
	}
	list, next, err := s.searchPersons(ctx, c, q, limit)
	if err != nil {
		return nil, "", err
	}
	if err := s.lookedUp(ctx, c, "person", personQuery(q), len(list) > 0); err != nil {
		return nil, "", err
	}
	return list, next, nil
}

// personQuery is what a person search asked, for its audit entry.
func personQuery(q PersonQuery) string {
	var parts []string
	for _, p := range []struct{ name, v string }{{"name", q.Name}, {"first", q.FirstName}, {"last", q.LastName}, {"dob", q.DateOfBirth}, {"ssn", q.SSN}} {
		if v := strings.TrimSpace(p.v); v != "" {
			parts = append(parts, p.name+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

func (s *Service) searchPersons(ctx context.Context, c cad.Caller, q PersonQuery, limit int) ([]*cad.Character, string, error) {
	if ssn := strings.TrimSpace(q.SSN); ssn != "" {
		ch, err := s.db.CharacterBySSN(ctx, c.CommunityID(), ssn)
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			return []*cad.Character{}, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		return []*cad.Character{ch}, "", nil
	}
	f := cad.CharacterFilter{FirstPrefix: q.FirstName, LastPrefix: q.LastName, After: q.After, Limit: limit}
	if d := strings.TrimSpace(q.DateOfBirth); d != "" {
		norm, ok := cad.NormalizeDate(d)
		if !ok {
			return nil, "", cad.Errorf(cad.EINVALID, "dob must be a date like 1990-05-15")
		}
		f.DateOfBirth = norm
	}
	words := strings.Fields(q.Name)
	switch {
	case len(words) >= 2:
		f.FirstPrefix, f.LastPrefix = words[0], strings.Join(words[1:], " ")
	case len(words) == 1 && q.After == "":
		return s.eitherName(ctx, c, words[0], f)
	case len(words) == 1:
		f.LastPrefix = words[0]
	}
	return s.db.SearchCharacters(ctx, c.CommunityID(), f)
}

// eitherName merges the first page of last-name and first-name matches of
// one word, last-name matches first.
func (s *Service) eitherName(ctx context.Context, c cad.Caller, word string, f cad.CharacterFilter) ([]*cad.Character, string, error) {
	byLast := f
	byLast.LastPrefix, byLast.FirstPrefix = word, ""
	list, _, err := s.db.SearchCharacters(ctx, c.CommunityID(), byLast)
	if err != nil {
		return nil, "", err
	}
	byFirst := f
	byFirst.FirstPrefix, byFirst.LastPrefix = word, ""
	more, _, err := s.db.SearchCharacters(ctx, c.CommunityID(), byFirst)
	if err != nil {
		return nil, "", err
	}
	seen := map[string]bool{}
	out := make([]*cad.Character, 0, len(list)+len(more))
	for _, ch := range append(list, more...) {
		if !seen[ch.ID] && len(out) < f.Limit {
			seen[ch.ID] = true
			out = append(out, ch)
		}
	}
	return out, "", nil
}

// PersonRecord is a person's full record for an officer.
type PersonRecord struct {
	Character *cad.Character
	Vehicles  []*cad.Vehicle
	History   []*cad.LicenseChange
	Flags     []string
	Alert     string
	BOLO      *cad.BOLO // an active BOLO on the person
}

// Person returns a person's record (licenses, vehicles, flags) for an
// officer.
func (s *Service) Person(ctx context.Context, c cad.Caller, ref string) (*PersonRecord, error) {
	if !officer(c) {
		return nil, errNeedOfficer
	}
	ch, err := s.Resolve(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	vs, err := s.VehiclesOf(ctx, c, ch.ID)
	if err != nil {
		return nil, err
	}
	hist, err := s.db.LicenseHistory(ctx, c.CommunityID(), ch.ID, 50)
	if err != nil {
		return nil, err
	}
	flags := PersonFlags(ch)
	_, bolo, err := s.bolosOn(ctx, c, "", ch.ID)
	if err != nil {
		return nil, err
	}
	if bolo != nil {
		flags = append(flags, FlagBOLO)
	}
	if err := s.lookedUp(ctx, c, "person", ch.ID, true); err != nil {
		return nil, err
	}
	return &PersonRecord{Character: ch, Vehicles: vs, History: hist, Flags: flags, Alert: AlertLevel(flags), BOLO: bolo}, nil
}

// bolosOn returns the live BOLOs on a plate and on a character.
func (s *Service) bolosOn(ctx context.Context, c cad.Caller, plateKey, characterID string) (plate, person *cad.BOLO, err error) {
	list, err := s.db.BOLOsFor(ctx, c.CommunityID(), plateKey, characterID)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	for _, b := range list {
		if !b.Live(now) {
			continue
		}
		if plateKey != "" && b.PlateKey == plateKey && plate == nil {
			plate = b
		}
		if characterID != "" && b.CharacterID == characterID && person == nil {
			person = b
		}
	}
	return plate, person, nil
}

// PlateLookup runs a plate (normalised) for an officer or a game server.
func (s *Service) PlateLookup(ctx context.Context, c cad.Caller, plate string) (*cad.PlateResult, error) {
	if !officer(c) {
		return nil, errNeedOfficer
	}
	// A plate with a control character or a letter outside ASCII is a 400
	// with its reason, never reduced to what is left of it.
	key, err := cad.PlateKey(plate)
	if err != nil {
		return nil, err
	}
	if key == "" || len(key) > 32 {
		return nil, cad.Errorf(cad.EINVALID, "plate must hold letters or digits")
	}
	res := &cad.PlateResult{Plate: key, Flags: []string{}, Alert: cad.AlertNone}
	v, err := s.db.VehicleByPlate(ctx, c.CommunityID(), key)
	switch {
	case cad.ErrorCode(err) == cad.ENOTFOUND:
	case err != nil:
		return nil, err
	default:
		res.Vehicle = v
		if owner, err := s.db.Character(ctx, c.CommunityID(), v.OwnerID); err == nil {
			res.Owner = owner
		} else if cad.ErrorCode(err) != cad.ENOTFOUND {
			return nil, err
		}
		res.Flags = s.VehicleFlags(v, res.Owner)
	}
	// A BOLO may name a plate no vehicle is registered under.
	ownerID := ""
	if res.Owner != nil {
		ownerID = res.Owner.ID
	}
	if res.BOLO, res.OwnerBOLO, err = s.bolosOn(ctx, c, key, ownerID); err != nil {
		return nil, err
	}
	if res.BOLO != nil || res.OwnerBOLO != nil {
		res.Flags = append(res.Flags, FlagBOLO)
	}
	res.Alert = AlertLevel(res.Flags)
	if err := s.lookedUp(ctx, c, "plate", key, res.Vehicle != nil); err != nil {
		return nil, err
	}
	return res, nil
}

// FlaggedPlate is one plate a plate reader should watch for.
type FlaggedPlate struct {
	Vehicle *cad.Vehicle
	Owner   *cad.Character
	Flags   []string
	Alert   string
}

// MaxFlaggedPlates bounds the list a plate reader downloads.
const MaxFlaggedPlates = 5000

// FlaggedPlates lists the community's flagged plates for the game's plate
// readers: each flag is one index range, never a scan of every vehicle.
func (s *Service) FlaggedPlates(ctx context.Context, c cad.Caller) ([]FlaggedPlate, error) {
	bad, err := s.db.CharactersWithLicenseStatus(ctx, c.CommunityID(), []string{cad.LicenseSuspended, cad.LicenseRevoked}, MaxFlaggedPlates)
	if err != nil {
		return nil, err
	}
	owners := map[string]*cad.Character{}
	ids := make([]string, 0, len(bad))
	for _, ch := range bad {
		owners[ch.ID] = ch
		ids = append(ids, ch.ID)
	}
	// Active BOLOs flag their plates, and the vehicles of the people
	// they name.
	bolos, _, err := s.db.BOLOs(ctx, c.CommunityID(), true, "", MaxFlaggedPlates)
	if err != nil {
		return nil, err
	}
	boloPlates, boloPeople := map[string]bool{}, map[string]bool{}
	now := s.now()
	for _, b := range bolos {
		if !b.Live(now) {
			continue
		}
		if b.PlateKey != "" {
			boloPlates[b.PlateKey] = true
		}
		if b.CharacterID != "" {
			boloPeople[b.CharacterID] = true
			ids = append(ids, b.CharacterID)
		}
	}
	vs, err := s.db.FlaggedVehicles(ctx, c.CommunityID(), s.now(), ids, MaxFlaggedPlates)
	if err != nil {
		return nil, err
	}
	out := make([]FlaggedPlate, 0, len(vs)+len(boloPlates))
	seen := map[string]bool{}
	for _, v := range vs {
		seen[v.PlateKey] = true
		owner := owners[v.OwnerID]
		if owner == nil {
			// Owners are read one by one only for flagged vehicles.
			if o, err := s.db.Character(ctx, c.CommunityID(), v.OwnerID); err == nil {
				owner = o
			}
		}
		flags := s.VehicleFlags(v, owner)
		if boloPlates[v.PlateKey] || boloPeople[v.OwnerID] {
			flags = append(flags, FlagBOLO)
		}
		if len(flags) == 0 {
			continue
		}
		out = append(out, FlaggedPlate{Vehicle: v, Owner: owner, Flags: flags, Alert: AlertLevel(flags)})
	}
	for plate := range boloPlates {
		if !seen[plate] {
			v := &cad.Vehicle{Plate: plate, PlateKey: plate}
			out = append(out, FlaggedPlate{Vehicle: v, Flags: []string{FlagBOLO}, Alert: cad.AlertAlert})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Vehicle.PlateKey < out[j].Vehicle.PlateKey })
	return out, nil
}

// PlateDesigns returns the community's plate designs and which plates
// wear which.
func (s *Service) PlateDesigns(ctx context.Context, c cad.Caller) ([]cad.PlateDesign, map[string]string, error) {
	designs := c.Scope.Community.Settings.PlateDesigns
	byPlate := map[string]string{}
	if len(designs) == 0 {
		return []cad.PlateDesign{}, byPlate, nil
	}
	vs, err := s.db.DesignedVehicles(ctx, c.CommunityID(), MaxFlaggedPlates)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range vs {
		byPlate[v.PlateKey] = v.PlateDesignID
	}
	return designs, byPlate, nil
}
