package cad

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Civil records: the characters members play, their vehicles, licenses and
// bank accounts. Each belongs to one community. The json names are the
// wire names CDE's clients read and the stored field names (both engines).

// Character is a civilian: a person in the roleplay world, owned by a
// member (OwnerID) or synced by a game server for a Discord user who may not
// have signed in yet (DiscordID).
type Character struct {
	ID          string `json:"_id"`
	CommunityID string `json:"communityId"`
	// OwnerID is the owning user's id; empty for a character a game
	// server synced for a player who has no Precinct account yet.
	OwnerID   string `json:"ownerId,omitempty"`
	DiscordID string `json:"discordId,omitempty"`
	// SSN is unique in the community. The sync resources put their
	// framework identifier (citizenid, char1:…) here, so any short
	// string is allowed; Precinct generates "123-45-6789" when none is
	// given.
	SSN string `json:"ssn"`
	// Identifier is a framework identifier kept beside the SSN when a
	// resource sends one (identifier, citizenid); unique when set.
	Identifier string `json:"identifier,omitempty"`

	FirstName      string `json:"firstName"`
	MiddleName     string `json:"middleName,omitempty"`
	LastName       string `json:"lastName"`
	DateOfBirth    string `json:"dateOfBirth"` // YYYY-MM-DD
	Gender         string `json:"gender,omitempty"`
	Race           string `json:"race,omitempty"`
	HairColor      string `json:"hairColor,omitempty"`
	EyeColor       string `json:"eyeColor,omitempty"`
	Height         string `json:"height,omitempty"`
	Weight         string `json:"weight,omitempty"`
	Address        string `json:"address,omitempty"`
	Phone          string `json:"phone,omitempty"`
	SecondaryPhone string `json:"secondaryPhone,omitempty"`
	Occupation     string `json:"occupation,omitempty"`
	BloodType      string `json:"bloodType,omitempty"`
	Allergies      string `json:"allergies,omitempty"`
	Medications    string `json:"medications,omitempty"`
	Nationality    string `json:"nationality,omitempty"`
	PlaceOfBirth   string `json:"placeOfBirth,omitempty"`
	// MugshotURL is an outside image URL a caller gave; MugshotID names
	// an image Precinct stores (MediaStore), served at the character's
	// media URL. At most one is set.
	MugshotURL string `json:"mugshotUrl,omitempty"`
	MugshotID  string `json:"mugshotId,omitempty"`

	Licenses []License `json:"licenses"`

	MissingPerson    bool       `json:"missingPerson"`
	MissingDate      *time.Time `json:"missingDate,omitempty"`
	LastSeenLocation string     `json:"lastSeenLocation,omitempty"`
	MissingNote      string     `json:"missingDescription,omitempty"`

	// Extra holds the framework's own fields a sync resource sends
	// (account, registration, job): kept, shown, never interpreted.
	Extra map[string]string `json:"extra,omitempty"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// FullName is "First Middle Last".
func (c *Character) FullName() string {
	n := c.FirstName
	if c.MiddleName != "" {
		n += " " + c.MiddleName
	}
	return n + " " + c.LastName
}

// License returns the character's license of a type, or nil.
func (c *Character) License(typ string) *License {
	for i := range c.Licenses {
		if c.Licenses[i].Type == typ {
			return &c.Licenses[i]
		}
	}
	return nil
}

// License types and statuses.
const (
	LicenseDrivers    = "drivers"
	LicenseMotorcycle = "motorcycle"
	LicenseCommercial = "commercial"
	LicenseBoat       = "boat"
	LicensePilot      = "pilot"
	LicenseFirearms   = "firearms"
	LicenseHunting    = "hunting"
	LicenseFishing    = "fishing"

	LicenseValid     = "VALID"
	LicenseSuspended = "SUSPENDED"
	LicenseRevoked   = "REVOKED"
	LicenseExpired   = "EXPIRED"
)

// LicenseTypes lists every license type, in display order.
var LicenseTypes = []string{LicenseDrivers, LicenseMotorcycle, LicenseCommercial, LicenseBoat, LicensePilot,
	LicenseFirearms, LicenseHunting, LicenseFishing}

// LicenseStatuses lists every license status.
var LicenseStatuses = []string{LicenseValid, LicenseSuspended, LicenseRevoked, LicenseExpired}

// License is one license a character holds, with its last change.
type License struct {
	Type      string     `json:"type"`
	Status    string     `json:"status"`
	Expires   *time.Time `json:"expires,omitempty"`
	UpdatedAt time.Time  `json:"updatedAt"`
	UpdatedBy string     `json:"updatedBy,omitempty"`
	Reason    string     `json:"reason,omitempty"`
}

// LicenseChange is one entry of a license's history: kept for ever.
type LicenseChange struct {
	ID          string    `json:"_id"`
	CommunityID string    `json:"communityId"`
	CharacterID string    `json:"characterId"`
	Type        string    `json:"type"`
	From        string    `json:"from,omitempty"`
	To          string    `json:"to"`
	Reason      string    `json:"reason,omitempty"`
	ActorID     string    `json:"actorId"`
	ActorKind   string    `json:"actorKind"`
	Time        time.Time `json:"time"`
}

// Vehicle is a registered vehicle, owned by a character.
type Vehicle struct {
	ID          string `json:"_id"`
	CommunityID string `json:"communityId"`
	OwnerID     string `json:"ownerId"` // the owning character
	// OwnerUserID is the owning character's user, so that a member's
	// vehicles list without a join.
	OwnerUserID string `json:"ownerUserId,omitempty"`
	// Plate is as the owner wrote it; PlateKey is NormalizePlate(Plate),
	// unique in the community, what look-ups match.
	Plate    string `json:"plate"`
	PlateKey string `json:"plateKey"`
	VIN      string `json:"vin"`
	Make     string `json:"make,omitempty"`
	Model    string `json:"model,omitempty"`
	Color    string `json:"color,omitempty"`
	Year     int    `json:"year,omitempty"`

	RegistrationStatus  string     `json:"registrationStatus"`
	RegistrationExpires *time.Time `json:"registrationExpires,omitempty"`
	InsuranceStatus     string     `json:"insuranceStatus"`
	InsuranceExpires    *time.Time `json:"insuranceExpires,omitempty"`

	Stolen            bool       `json:"stolen"`
	StolenDescription string     `json:"stolenDescription,omitempty"`
	StolenDate        *time.Time `json:"stolenDate,omitempty"`
	Impounded         bool       `json:"impounded"`
	PlateDesignID     string     `json:"plateDesignId,omitempty"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Registration and insurance statuses.
const (
	DocValid     = "VALID"
	DocExpired   = "EXPIRED"
	DocSuspended = "SUSPENDED"
	DocNone      = "NONE"
)

// RegistrationValid reports whether the registration is valid at now.
func (v *Vehicle) RegistrationValid(now time.Time) bool {
	return v.RegistrationStatus == DocValid && (v.RegistrationExpires == nil || v.RegistrationExpires.After(now))
}

// InsuranceValid reports whether the insurance is valid at now.
func (v *Vehicle) InsuranceValid(now time.Time) bool {
	return v.InsuranceStatus == DocValid && (v.InsuranceExpires == nil || v.InsuranceExpires.After(now))
}

// BankAccount is a character's account. Money is integer cents.
type BankAccount struct {
	ID          string `json:"_id"`
	CommunityID string `json:"communityId"`
	CharacterID string `json:"characterId"`
	Number      string `json:"accountNumber"` // unique in the community
	Balance     int64  `json:"balanceCents"`
	Frozen      bool   `json:"frozen"`
	// Closed accounts belonged to a deleted character: kept with their
	// ledger, their number never handed out again, moving nothing.
	Closed    bool      `json:"closed,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Ledger entry types.
const (
	TxOpening     = "opening"
	TxDeposit     = "deposit"
	TxWithdrawal  = "withdrawal"
	TxTransferIn  = "transfer-in"
	TxTransferOut = "transfer-out"
	TxPaycheck    = "paycheck"
	TxAdjustment  = "adjustment"
	TxFreeze      = "freeze"
	TxUnfreeze    = "unfreeze"
)

// LedgerEntry is one movement of an account, kept for ever. Amount is
// signed cents: positive in, negative out.
type LedgerEntry struct {
	ID           string    `json:"_id"`
	CommunityID  string    `json:"communityId"`
	AccountID    string    `json:"accountId"`
	Type         string    `json:"type"`
	Amount       int64     `json:"amountCents"`
	BalanceAfter int64     `json:"balanceAfterCents"`
	Description  string    `json:"description,omitempty"`
	Counterparty string    `json:"counterparty,omitempty"` // the other account's number
	TransferID   string    `json:"transferId,omitempty"`
	ActorID      string    `json:"actorId"`
	ActorKind    string    `json:"actorKind"`
	Time         time.Time `json:"time"`
}

// IdempotentResult is the stored first answer of a money request sent with
// an idempotency key: a repeat gets it back and moves nothing.
type IdempotentResult struct {
	ID          string    `json:"_id"` // a digest of the community, caller and key
	CommunityID string    `json:"communityId"`
	Status      int       `json:"status"`
	Body        string    `json:"body"` // the JSON answer
	CreatedAt   time.Time `json:"createdAt"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

// Media is an image Precinct stores for a record (a mugshot, an ALPR
// photo): kept apart from the record, served at an unguessable URL.
type Media struct {
	ID          string    `json:"_id"` // 32 hex characters of randomness: the URL's secret
	CommunityID string    `json:"communityId"`
	OwnerID     string    `json:"ownerId"` // the character, or the ALPR hit
	ContentType string    `json:"contentType"`
	Data        []byte    `json:"data"`
	CreatedAt   time.Time `json:"createdAt"`
	// Kind is MediaMugshot or MediaALPR.
	Kind string `json:"kind,omitempty"`
	// Version is MediaVersion for an image Precinct decoded and
	// re-encoded itself (bounded in pixels), counted in its community's
	// usage. 0 marks an image stored as it was uploaded, before images
	// were normalised: never decoded, not counted, until the janitor
	// normalises it.
	Version int   `json:"version,omitempty"`
	Size    int64 `json:"size,omitempty"` // len(Data), as counted
	Width   int   `json:"width,omitempty"`
	Height  int   `json:"height,omitempty"`
}

// Kinds of stored images.
const (
	MediaMugshot = "mugshot"
	MediaALPR    = "alpr"
)

// MediaVersion is the version of the normalisation images are stored
// after.
const MediaVersion = 1

// Counted reports whether the image counts in its community's usage.
func (m *Media) Counted() bool { return m.Version >= MediaVersion }

// MaxMediaBytes bounds one image as uploaded.
const MaxMediaBytes = 5 << 20

// MediaUsage is what a community's stored images take: every counted
// image, and of them the ALPR photos.
type MediaUsage struct {
	CommunityID           string
	Bytes, Images         int64
	ALPRBytes, ALPRImages int64
}

// MediaQuota bounds what a community may store: Bytes in all, of which
// ALPRBytes for ALPR photos.
type MediaQuota struct {
	Bytes, ALPRBytes int64
}

// MediaFullError is the refusal of an image that would take a community
// past its quota (alpr: its share for ALPR photos).
func MediaFullError(alpr bool, used, quota int64) *Error {
	what := "images"
	if alpr {
		what = "ALPR photos"
	}
	return Errorf(ETOOLARGE, "This community's storage for %s is full (%s of %s used): delete some, or ask the operator for a larger quota",
		what, FormatBytes(used), FormatBytes(quota))
}

// FormatBytes writes a size for people: 512 KiB, 3.4 MiB, 1 GiB.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	s := fmt.Sprintf("%.1f", v)
	if v == float64(int64(v)) || v >= 100 {
		s = fmt.Sprintf("%.0f", v)
	}
	return s + " " + []string{"KiB", "MiB", "GiB", "TiB"}[exp]
}

// PlateDesign is a licence plate look a community offers.
type PlateDesign struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Background string `json:"background,omitempty"` // #rrggbb
	TextColor  string `json:"textColor,omitempty"`
	Header     string `json:"header,omitempty"` // "SAN ANDREAS"
	Footer     string `json:"footer,omitempty"`
	ImageURL   string `json:"imageUrl,omitempty"`
}

// CardTemplate is how a community's ID card of one license type looks.
type CardTemplate struct {
	Title      string `json:"title,omitempty"`    // "SAN ANDREAS"
	Subtitle   string `json:"subtitle,omitempty"` // "DRIVER LICENSE"
	Background string `json:"background,omitempty"`
	Accent     string `json:"accent,omitempty"`
	TextColor  string `json:"textColor,omitempty"`
}

// CharacterFilter selects characters for a look-up; prefixes are folded
// (FoldName). After is the cursor of the previous page.
type CharacterFilter struct {
	FirstPrefix string
	LastPrefix  string
	DateOfBirth string
	After       string
	Limit       int
}

// VehicleFilter selects a community's vehicles.
type VehicleFilter struct {
	OwnerID     string // a character
	OwnerUserID string // a member's
	StolenOnly  bool
	After       string
	Limit       int
}

// Alert levels of a look-up: what its flags call for.
const (
	AlertNone    = "none"
	AlertCaution = "caution"
	AlertAlert   = "alert"
)

// PlateResult is a plate look-up's answer.
type PlateResult struct {
	Plate   string // as asked, normalised
	Vehicle *Vehicle
	Owner   *Character
	Flags   []string
	Alert   string
	// BOLO is an active BOLO on the plate; OwnerBOLO one on its owner.
	BOLO, OwnerBOLO *BOLO
}

// MaxPlateLen bounds a plate as written (the resources cap it at 16).
const MaxPlateLen = 16

// PlateKey is the form plates are stored and matched in: the ASCII letters
// and digits GTA plates are made of, upper case ("abc 123", "ABC-123" and
// "ABC%20123" decoded are all "ABC123"). A plate is printable ASCII; the
// spaces and punctuation between its letters and digits are dropped. A
// control character (NUL, a newline) or any character outside ASCII (the
// Cyrillic "А" that looks like "A", an emoji) is refused with a message
// that names it, rather than dropped: "АВС123" and "🚓123" are not "123".
// A plate of spaces and punctuation alone has the key "" and no error;
// each caller says what it needs then.
func PlateKey(p string) (string, error) {
	var key strings.Builder
	key.Grow(min(len(p), MaxPlateLen))
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c >= 'a' && c <= 'z':
			key.WriteByte(c - 'a' + 'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			key.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			return "", Errorf(EINVALID, "plate must not contain control characters (found %U)", rune(c))
		case c >= utf8.RuneSelf:
			r, _ := utf8.DecodeRuneInString(p[i:])
			return "", Errorf(EINVALID, "plate must be written in ASCII letters and digits (spaces and punctuation are ignored): %q (%U) is not one", string(r), r)
		}
	}
	return key.String(), nil
}

// NormalizePlate is PlateKey without its reason: "" for a plate that has no
// key, because nothing is left or because PlateKey refuses it.
func NormalizePlate(p string) string {
	key, _ := PlateKey(p)
	return key
}

var dateLayouts = []string{"2006-01-02", "2006/01/02", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "01/02/2006", "1/2/2006"}

// NormalizeDate reads a date of birth in the forms clients send and
// returns it as YYYY-MM-DD: ISO dates and times, YYYY/MM/DD, US
// MM/DD/YYYY, and DD/MM/YYYY when the day makes that certain (over 12).
func NormalizeDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		return "", false
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return plausible(t)
		}
	}
	// DD/MM/YYYY, which ESX's identity resource uses.
	if parts := strings.Split(s, "/"); len(parts) == 3 {
		d, e1 := strconv.Atoi(parts[0])
		m, e2 := strconv.Atoi(parts[1])
		y, e3 := strconv.Atoi(parts[2])
		if e1 == nil && e2 == nil && e3 == nil && d > 12 {
			t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
			if t.Day() == d && int(t.Month()) == m {
				return plausible(t)
			}
		}
	}
	return "", false
}

func plausible(t time.Time) (string, bool) {
	if t.Year() < 1800 || t.Year() > 2200 {
		return "", false
	}
	return t.Format("2006-01-02"), true
}
