package civil

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/precinct-cad/precinct/internal/cad"
)

// CharacterInput is what a caller may set on a character; nil fields are
// left as they are (Lua drops nil keys, so clients omit what they do not
// change).
type CharacterInput struct {
	FirstName, MiddleName, LastName, DateOfBirth                       *string
	Gender, Race, HairColor, EyeColor, Height, Weight                  *string
	Address, Phone, SecondaryPhone, Occupation, BloodType              *string
	Allergies, Medications, Nationality, PlaceOfBirth, SSN, Identifier *string
	DiscordID                                                          *string
	// Mugshot is a data:image/…;base64 URI (up to 5 MB decoded), or an
	// http(s) URL (see parseMugshot); "" removes the mugshot.
	Mugshot *string
	Extra   map[string]string
}

// MaxCharactersPage bounds one listing of characters.
const MaxCharactersPage = 100

var (
	discordIDRE  = regexp.MustCompile(`^[0-9]{5,20}$`)
	errNoSSNSync = cad.Errorf(cad.EINVALID, "ssn (the framework identifier) is required to sync a character")
)

// text is one free-text field's rule.
type text struct {
	field string
	max   int
}

func checkText(t text, v string) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) {
		return "", cad.Errorf(cad.EINVALID, "%s is not valid UTF-8", t.field)
	}
	if utf8.RuneCountInString(v) > t.max {
		return "", cad.Errorf(cad.EINVALID, "%s is longer than %d characters", t.field, t.max)
	}
	for _, r := range v {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "", cad.Errorf(cad.EINVALID, "%s holds a control character", t.field)
		}
	}
	return v, nil
}

// apply validates in and writes it onto ch. strict (members) refuses
// values outside an enum; game servers' values are mapped or kept.
func apply(ch *cad.Character, in CharacterInput, strict bool) error {
	texts := []struct {
		p   *string
		dst *string
		t   text
	}{
		{in.FirstName, &ch.FirstName, text{"firstName", 50}},
		{in.MiddleName, &ch.MiddleName, text{"middleName", 50}},
		{in.LastName, &ch.LastName, text{"lastName", 50}},
		{in.Race, &ch.Race, text{"race", 64}},
		{in.Height, &ch.Height, text{"height", 16}},
		{in.Weight, &ch.Weight, text{"weight", 32}},
		{in.Address, &ch.Address, text{"address", 200}},
		{in.Phone, &ch.Phone, text{"phone", 32}},
		{in.SecondaryPhone, &ch.SecondaryPhone, text{"secondaryPhone", 32}},
		{in.Occupation, &ch.Occupation, text{"occupation", 64}},
		{in.Allergies, &ch.Allergies, text{"allergies", 500}},
		{in.Medications, &ch.Medications, text{"medications", 500}},
		{in.Nationality, &ch.Nationality, text{"nationality", 64}},
		{in.PlaceOfBirth, &ch.PlaceOfBirth, text{"placeOfBirth", 100}},
		{in.Identifier, &ch.Identifier, text{"identifier", 64}},
	}
	for _, f := range texts {
		if f.p == nil {
			continue
		}
		v, err := checkText(f.t, *f.p)
		if err != nil {
			return err
		}
		*f.dst = v
	}
	enums := []struct {
		p   *string
		dst *string
		e   enum
	}{{in.Gender, &ch.Gender, genderEnum}, {in.HairColor, &ch.HairColor, hairEnum}, {in.EyeColor, &ch.EyeColor, eyeEnum}, {in.BloodType, &ch.BloodType, bloodEnum}}
	for _, f := range enums {
		if f.p == nil {
			continue
		}
		v, err := f.e.norm(*f.p, strict)
		if err != nil {
			return err
		}
		*f.dst = v
	}
	if in.DateOfBirth != nil {
		raw := strings.TrimSpace(*in.DateOfBirth)
		d, ok := cad.NormalizeDate(raw)
		switch {
		case ok:
			ch.DateOfBirth = d
		case strict || raw == "":
			if raw != "" || strict {
				return cad.Errorf(cad.EINVALID, "dateOfBirth must be a date like 1990-05-15")
			}
		default:
			// A game server's own format is kept rather than the sync lost.
			v, err := checkText(text{"dateOfBirth", 32}, raw)
			if err != nil {
				return err
			}
			ch.DateOfBirth = v
		}
	}
	if in.SSN != nil {
		v, err := checkText(text{"ssn", 64}, *in.SSN)
		if err != nil {
			return err
		}
		if v != "" {
			ch.SSN = v
		}
	}
	if in.DiscordID != nil {
		v := strings.TrimPrefix(strings.TrimSpace(*in.DiscordID), "discord:")
		if v != "" && !discordIDRE.MatchString(v) {
			return cad.Errorf(cad.EINVALID, "discordId must be a Discord user id (digits)")
		}
		ch.DiscordID = v
	}
	if in.Extra != nil {
		if len(in.Extra) > 20 {
			return cad.Errorf(cad.EINVALID, "at most 20 extra fields")
		}
		extra := make(map[string]string, len(in.Extra))
		for k, v := range in.Extra {
			if k == "" || len(k) > 32 || len(v) > 256 {
				return cad.Errorf(cad.EINVALID, "extra fields have names of 1 to 32 bytes and values of at most 256")
			}
			extra[k] = v
		}
		ch.Extra = extra
	}
	if ch.FirstName == "" || ch.LastName == "" {
		return cad.Errorf(cad.EINVALID, "firstName and lastName are required")
	}
	if strict && ch.DateOfBirth == "" {
		return cad.Errorf(cad.EINVALID, "dateOfBirth is required")
	}
	return nil
}

// CreateCharacter makes a character for the caller (a member's own, or a
// game server's for the Discord id it names) with its bank account and
// the community's starting balance, in one transaction. An SSN is
// generated when none is given.
func (s *Service) CreateCharacter(ctx context.Context, c cad.Caller, in CharacterInput) (*cad.Character, error) {
	ch := &cad.Character{}
	if err := apply(ch, in, !c.IsServer()); err != nil {
		return nil, err
	}
	mug, err := s.parseMugshot(ctx, c, in.Mugshot, nil)
	if err != nil {
		return nil, err
	}
	if !c.IsServer() {
		ch.OwnerID, ch.DiscordID = c.UserID, c.DiscordID
		max := c.Scope.Community.Settings.MaxCharactersPerUser
		if max <= 0 {
			max = cad.DefaultSettings().MaxCharactersPerUser
		}
		n, err := s.db.CountCharactersOf(ctx, c.CommunityID(), c.UserID)
		if err != nil {
			return nil, err
		}
		if n >= max {
			return nil, cad.Errorf(cad.EINVALID, "You have %d characters, this community's limit", max)
		}
	} else if ch.DiscordID != "" {
		if u, err := s.db.UserByDiscordID(ctx, ch.DiscordID); err == nil {
			ch.OwnerID = u.ID
		}
	}
	if err := s.insertCharacter(ctx, c, ch, mug.img); err != nil {
		return nil, err
	}
	s.record(ctx, c, "civilian.created", ch.ID, nil, map[string]any{"name": ch.FullName(), "ssn": ch.SSN})
	return ch, nil
}

// insertCharacter stores ch, its image and its account in one
// transaction. A generated SSN and account number are drawn until free
// (read first, so that a conflict is only a race with a concurrent
// request). A race is retried, but only when this is the outermost
// transaction: inside a caller's (a bulk sync's batch) the first attempt's
// writes cannot be undone alone, so the conflict goes to the caller, whose
// transaction rolls back whole.
func (s *Service) insertCharacter(ctx context.Context, c cad.Caller, ch *cad.Character, img *Image) error {
	given := ch.SSN != ""
	start := c.Scope.Community.Settings.StartingBalance * 100
	attempts := 4
	if s.db.InTx(ctx) {
		attempts = 1
	}
	var err error
	for attempt := 0; attempt < attempts; attempt++ {
		draft := *ch
		if draft.SSN, err = s.freeSSN(ctx, c, ch.SSN); err != nil {
			return err
		}
		err = s.db.Tx(ctx, func(ctx context.Context) error {
			d := draft
			if err := s.db.CreateCharacter(ctx, c.CommunityID(), &d); err != nil {
				return err
			}
			if img != nil {
				id := newMediaID()
				if err := s.putImage(ctx, c.Scope.Community, id, d.ID, cad.MediaMugshot, img); err != nil {
					return err
				}
				d.MugshotID, d.MugshotURL = id, ""
				if _, err := s.db.UpdateCharacter(ctx, c.CommunityID(), d.ID, func(x *cad.Character) error {
					x.MugshotID, x.MugshotURL = id, ""
					return nil
				}); err != nil {
					return err
				}
			}
			if err := s.openAccount(ctx, c, d.ID, start); err != nil {
				return err
			}
			*ch = d
			return nil
		})
		if cad.ErrorCode(err) != cad.ECONFLICT || given {
			return err
		}
	}
	return err
}

// freeSSN is the given SSN when no character has it (else a conflict), or
// a generated one no character has.
func (s *Service) freeSSN(ctx context.Context, c cad.Caller, given string) (string, error) {
	for i := 0; i < 10; i++ {
		ssn := given
		if ssn == "" {
			ssn = NewSSN()
		}
		_, err := s.db.CharacterBySSN(ctx, c.CommunityID(), ssn)
		switch {
		case cad.ErrorCode(err) == cad.ENOTFOUND:
			return ssn, nil
		case err != nil:
			return "", err
		case given != "":
			return "", cad.Errorf(cad.ECONFLICT, "A civilian with that SSN exists already in this community")
		}
	}
	return "", cad.Errorf(cad.EUNAVAILABLE, "No free SSN was found; try again")
}

// Resolve finds a character by its CAD id, its SSN or its framework
// identifier: the FiveM resources name characters every way (R64: another
// community's is not found).
func (s *Service) Resolve(ctx context.Context, c cad.Caller, ref string) (*cad.Character, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 128 {
		return nil, cad.Errorf(cad.ENOTFOUND, "Civilian not found")
	}
	if ch, err := s.db.Character(ctx, c.CommunityID(), ref); cad.ErrorCode(err) != cad.ENOTFOUND {
		return ch, err
	}
	if ch, err := s.db.CharacterBySSN(ctx, c.CommunityID(), ref); cad.ErrorCode(err) != cad.ENOTFOUND {
		return ch, err
	}
	return s.db.CharacterByIdentifier(ctx, c.CommunityID(), ref)
}

// visible finds a character the caller may manage: a game server any of
// its community's, a member their own, a Supervisor and up anyone's.
// Others get not_found, as for a missing one.
func (s *Service) visible(ctx context.Context, c cad.Caller, ref string) (*cad.Character, error) {
	ch, err := s.Resolve(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	if !owns(c, ch) && !c.IsSupervisor() {
		return nil, cad.Errorf(cad.ENOTFOUND, "Civilian not found")
	}
	return ch, nil
}

// Character returns a character the caller may manage.
func (s *Service) Character(ctx context.Context, c cad.Caller, ref string) (*cad.Character, error) {
	return s.visible(ctx, c, ref)
}

// MyCharacters lists the caller's own characters in the community.
func (s *Service) MyCharacters(ctx context.Context, c cad.Caller) ([]*cad.Character, error) {
	return s.db.CharactersOf(ctx, c.CommunityID(), c.UserID, MaxCharactersPage)
}

// CharactersByDiscord lists the characters of a Discord user (game
// servers).
func (s *Service) CharactersByDiscord(ctx context.Context, c cad.Caller, discordID string) ([]*cad.Character, error) {
	discordID = strings.TrimPrefix(strings.TrimSpace(discordID), "discord:")
	if !discordIDRE.MatchString(discordID) {
		return nil, cad.Errorf(cad.EINVALID, "discordId must be a Discord user id (digits)")
	}
	return s.db.CharactersByDiscord(ctx, c.CommunityID(), discordID, MaxCharactersPage)
}

// UpdateCharacter changes the fields in gives of a character the caller may
// manage.
func (s *Service) UpdateCharacter(ctx context.Context, c cad.Caller, ref string, in CharacterInput) (*cad.Character, error) {
	if !c.IsServer() {
		// A member's characters carry the member's own Discord id: moving
		// one to another player's would put it in their game.
		in.DiscordID = nil
	}
	ch, err := s.visible(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	mug, err := s.parseMugshot(ctx, c, in.Mugshot, ch)
	if err != nil {
		return nil, err
	}
	before := *ch
	var out *cad.Character
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		newImage := ""
		if mug.img != nil {
			newImage = newMediaID()
		}
		var old string
		out, err = s.db.UpdateCharacter(ctx, c.CommunityID(), ch.ID, func(x *cad.Character) error {
			if err := apply(x, in, !c.IsServer()); err != nil {
				return err
			}
			if mug.set {
				old = x.MugshotID
				x.MugshotID, x.MugshotURL = newImage, ""
			}
			return nil
		})
		if err != nil {
			return err
		}
		// The old image goes first, so that the quota counts the new one
		// in its place.
		if old != "" && old != newImage {
			if err := s.db.DeleteMedia(ctx, c.CommunityID(), old); err != nil {
				return err
			}
		}
		if mug.img == nil {
			return nil
		}
		return s.putImage(ctx, c.Scope.Community, newImage, ch.ID, cad.MediaMugshot, mug.img)
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "civilian.updated", ch.ID, changedFields(&before, out), nil)
	return out, nil
}

// changedFields names what an update changed, for the audit trail
// (values of personal fields stay out of it).
func changedFields(a, b *cad.Character) map[string]any {
	var names []string
	pairs := map[string][2]string{
		"firstName": {a.FirstName, b.FirstName}, "lastName": {a.LastName, b.LastName}, "middleName": {a.MiddleName, b.MiddleName},
		"dateOfBirth": {a.DateOfBirth, b.DateOfBirth}, "ssn": {a.SSN, b.SSN}, "address": {a.Address, b.Address},
		"phone": {a.Phone, b.Phone}, "mugshot": {a.MugshotID + a.MugshotURL, b.MugshotID + b.MugshotURL},
		"gender": {a.Gender, b.Gender}, "occupation": {a.Occupation, b.Occupation},
	}
	for k, v := range pairs {
		if v[0] != v[1] {
			names = append(names, k)
		}
	}
	return map[string]any{"changed": names}
}

// SyncCharacter is a game server's upsert: the character with the SSN (its
// framework identifier) is updated, or made when there is none. The same
// character posted twice, even at once, is one record.
func (s *Service) SyncCharacter(ctx context.Context, c cad.Caller, in CharacterInput) (*cad.Character, bool, error) {
	if in.SSN == nil || strings.TrimSpace(*in.SSN) == "" {
		if in.Identifier == nil || strings.TrimSpace(*in.Identifier) == "" {
			return nil, false, errNoSSNSync
		}
		in.SSN = in.Identifier
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var ch *cad.Character
		ch, err = s.db.CharacterBySSN(ctx, c.CommunityID(), strings.TrimSpace(*in.SSN))
		switch {
		case err == nil:
			out, err := s.UpdateCharacter(ctx, c, ch.ID, in)
			return out, false, err
		case cad.ErrorCode(err) != cad.ENOTFOUND:
			return nil, false, err
		}
		ch, err = s.CreateCharacter(ctx, c, in)
		if cad.ErrorCode(err) != cad.ECONFLICT {
			return ch, err == nil, err
		}
		// Another sync of the same character won the insert: update it.
	}
	return nil, false, err
}

// DeleteCharacter deletes a character the caller may manage with its
// vehicles and images; its bank account is closed and kept with its
// ledger. One transaction.
func (s *Service) DeleteCharacter(ctx context.Context, c cad.Caller, ref string) error {
	ch, err := s.visible(ctx, c, ref)
	if err != nil {
		return err
	}
	cid := c.CommunityID()
	var vehicles int64
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if vehicles, err = s.db.DeleteVehiclesOf(ctx, cid, ch.ID); err != nil {
			return err
		}
		if _, err := s.db.DeleteMediaOf(ctx, cid, ch.ID); err != nil {
			return err
		}
		if a, err := s.db.AccountOf(ctx, cid, ch.ID); err == nil {
			a.Closed, a.Frozen = true, true
			if err := s.db.SaveAccount(ctx, a); err != nil {
				return err
			}
		} else if cad.ErrorCode(err) != cad.ENOTFOUND {
			return err
		}
		return s.db.DeleteCharacter(ctx, cid, ch.ID)
	})
	if err != nil {
		return err
	}
	s.record(ctx, c, "civilian.deleted", ch.ID, map[string]any{"name": ch.FullName(), "ssn": ch.SSN}, map[string]any{"vehiclesDeleted": vehicles})
	return nil
}

// MissingInput reports a character missing or found.
type MissingInput struct {
	Missing          bool
	Date             *time.Time
	LastSeenLocation string
	Description      string
}

// SetMissing reports a character missing, or found. The owner, a
// Supervisor, an officer (LEO or dispatch) or a game server may.
func (s *Service) SetMissing(ctx context.Context, c cad.Caller, ref string, in MissingInput) (*cad.Character, error) {
	ch, err := s.Resolve(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	if !owns(c, ch) && !c.IsSupervisor() && !officer(c) {
		return nil, cad.Errorf(cad.ENOTFOUND, "Civilian not found")
	}
	loc, err := checkText(text{"lastSeenLocation", 200}, in.LastSeenLocation)
	if err != nil {
		return nil, err
	}
	desc, err := checkText(text{"description", 1000}, in.Description)
	if err != nil {
		return nil, err
	}
	out, err := s.db.UpdateCharacter(ctx, c.CommunityID(), ch.ID, func(x *cad.Character) error {
		x.MissingPerson = in.Missing
		if in.Missing {
			d := s.now()
			if in.Date != nil {
				d = *in.Date
			}
			d = d.UTC()
			x.MissingDate, x.LastSeenLocation, x.MissingNote = &d, loc, desc
		} else {
			x.MissingDate, x.LastSeenLocation, x.MissingNote = nil, "", ""
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "civilian.missing", ch.ID, map[string]any{"missing": ch.MissingPerson}, map[string]any{"missing": in.Missing})
	return out, nil
}

// MissingPersons lists the community's missing persons.
func (s *Service) MissingPersons(ctx context.Context, c cad.Caller, after string, limit int) ([]*cad.Character, string, error) {
	return s.db.MissingCharacters(ctx, c.CommunityID(), after, pageSize(limit))
}

func pageSize(n int) int {
	if n <= 0 || n > MaxCharactersPage {
		return 50
	}
	return n
}

// SetLicense changes one license of a character and records who changed
// it, when and why. Officers with the LEO permission, Supervisors and up,
// and game servers may.
func (s *Service) SetLicense(ctx context.Context, c cad.Caller, ref, typ, status, reason string) (*cad.Character, error) {
	if !c.Has(cad.DeptLEO) && !c.IsSupervisor() {
		return nil, errNeedLicense
	}
	typ, status = strings.ToLower(strings.TrimSpace(typ)), strings.ToUpper(strings.TrimSpace(status))
	typ = licenseSynonyms[typ]
	if typ == "" {
		return nil, cad.Errorf(cad.EINVALID, "licenseType must be one of %s", strings.Join(cad.LicenseTypes, ", "))
	}
	if status == "ACTIVE" {
		status = cad.LicenseValid
	}
	if !slices.Contains(cad.LicenseStatuses, status) {
		return nil, cad.Errorf(cad.EINVALID, "status must be one of %s", strings.Join(cad.LicenseStatuses, ", "))
	}
	reason, err := checkText(text{"reason", 500}, reason)
	if err != nil {
		return nil, err
	}
	ch, err := s.Resolve(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	var from string
	var out *cad.Character
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		out, err = s.db.UpdateCharacter(ctx, c.CommunityID(), ch.ID, func(x *cad.Character) error {
			l := x.License(typ)
			if l == nil {
				x.Licenses = append(x.Licenses, cad.License{Type: typ})
				l = &x.Licenses[len(x.Licenses)-1]
			}
			from = l.Status
			l.Status, l.UpdatedAt, l.UpdatedBy, l.Reason = status, now, c.Actor.UserID, reason
			return nil
		})
		if err != nil {
			return err
		}
		return s.db.AddLicenseChange(ctx, &cad.LicenseChange{CommunityID: c.CommunityID(), CharacterID: ch.ID, Type: typ,
			From: from, To: status, Reason: reason, ActorID: c.Actor.UserID, ActorKind: c.Actor.Kind, Time: now})
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "license.changed", ch.ID, map[string]any{"type": typ, "status": from}, map[string]any{"type": typ, "status": status, "reason": reason})
	return out, nil
}

// LicenseHistory lists a character's license changes, newest first, for
// whoever may see the character or run look-ups.
func (s *Service) LicenseHistory(ctx context.Context, c cad.Caller, ref string) ([]*cad.LicenseChange, error) {
	ch, err := s.Resolve(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	if !owns(c, ch) && !c.IsSupervisor() && !officer(c) {
		return nil, cad.Errorf(cad.ENOTFOUND, "Civilian not found")
	}
	return s.db.LicenseHistory(ctx, c.CommunityID(), ch.ID, 200)
}

// licenseSynonyms maps the names clients use onto license types.
var licenseSynonyms = map[string]string{
	"drivers": cad.LicenseDrivers, "driver": cad.LicenseDrivers, "dl": cad.LicenseDrivers, "car": cad.LicenseDrivers,
	"driverslicense": cad.LicenseDrivers, "drivers_license": cad.LicenseDrivers, "license_car": cad.LicenseDrivers,
	"motorcycle": cad.LicenseMotorcycle, "bike": cad.LicenseMotorcycle, "license_bike": cad.LicenseMotorcycle,
	"commercial": cad.LicenseCommercial, "cdl": cad.LicenseCommercial, "truck": cad.LicenseCommercial, "license_truck": cad.LicenseCommercial,
	"boat": cad.LicenseBoat, "license_boat": cad.LicenseBoat,
	"pilot": cad.LicensePilot, "license_pilot": cad.LicensePilot,
	"firearms": cad.LicenseFirearms, "firearm": cad.LicenseFirearms, "weapon": cad.LicenseFirearms, "ccw": cad.LicenseFirearms,
	"hunting": cad.LicenseHunting, "fishing": cad.LicenseFishing,
}

// LicenseType maps a client's name of a license type onto Precinct's, or
// "".
func LicenseType(name string) string {
	return licenseSynonyms[strings.ToLower(strings.TrimSpace(name))]
}

// SetMugshot stores an uploaded image as the mugshot of a character the
// caller may manage, replacing the one before.
func (s *Service) SetMugshot(ctx context.Context, c cad.Caller, ref string, data []byte) (*cad.Character, error) {
	if _, _, err := CheckHeader(data); err != nil {
		return nil, err
	}
	ch, err := s.visible(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	img, err := s.prepare(ctx, c.Scope.Community, cad.MediaMugshot, data, s.replaced(ctx, ch))
	if err != nil {
		return nil, err
	}
	var out *cad.Character
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		id := newMediaID()
		var old string
		out, err = s.db.UpdateCharacter(ctx, c.CommunityID(), ch.ID, func(x *cad.Character) error {
			old, x.MugshotID, x.MugshotURL = x.MugshotID, id, ""
			return nil
		})
		if err != nil {
			return err
		}
		// The old image goes first, so that the quota counts the new one
		// in its place.
		if old != "" {
			if err := s.db.DeleteMedia(ctx, c.CommunityID(), old); err != nil {
				return err
			}
		}
		return s.putImage(ctx, c.Scope.Community, id, ch.ID, cad.MediaMugshot, img)
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "civilian.updated", ch.ID, map[string]any{"changed": []string{"mugshot"}}, nil)
	return out, nil
}
