package cad

import (
	"context"
	"time"
)

// The store interfaces: what the services need of a database. Each engine
// (internal/store on SQLite or MongoDB) implements all of them and passes
// one contract suite (internal/store/storetest). Every method of tenant data
// takes the community id and filters on it, look-ups by id included: an
// object of another community answers not_found, exactly like a missing one.
//
// Errors are *Error: not_found, conflict (a unique key taken), unavailable
// (the database is down or too slow) and internal; driver text never
// reaches a caller.

// Transactor runs work that must change several records together.
type Transactor interface {
	// Tx runs fn in one transaction: everything fn writes through ctx
	// commits together or not at all, and rules that read before they
	// write (the last admin of a community, a balance) hold under
	// concurrency. A Tx inside a Tx joins the outer one. fn may be run
	// more than once when the database asks for a retry, so it must not
	// have effects outside the store.
	Tx(ctx context.Context, fn func(ctx context.Context) error) error
}

// UserStore keeps accounts.
type UserStore interface {
	// CreateUser stores u and fills in its ID and timestamps. A taken
	// username (in any letter case) or Discord id is a conflict.
	CreateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, id string) (*User, error)
	// UserByUsername finds a username in any letter case.
	UserByUsername(ctx context.Context, username string) (*User, error)
	UserByDiscordID(ctx context.Context, discordID string) (*User, error)
	// UpdateUser applies up and returns the new state.
	UpdateUser(ctx context.Context, id string, up UserUpdate) (*User, error)
}

// UserUpdate lists the fields a change may set; nil means unchanged.
type UserUpdate struct {
	PasswordHash        *string
	SecurityQuestion1   *string
	SecurityAnswer1Hash *string
	SecurityQuestion2   *string
	SecurityAnswer2Hash *string
	Disabled            *bool
	SuperAdmin          *bool
	DiscordUsername     *string
	Avatar              *string
	GuildIDs            *[]string
	// DiscordID links a Discord account; one linked to another user is a
	// conflict.
	DiscordID *string
}

// SessionStore keeps the server-side sessions behind every user credential.
type SessionStore interface {
	// CreateSession stores s; when its user then holds more than
	// MaxSessionsPerUser live sessions, the oldest are deleted.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns a live session; an expired one is not_found
	// whatever the database's own expiry has done so far.
	Session(ctx context.Context, id string, now time.Time) (*Session, error)
	// TouchSession records use: last seen, and the idle expiry moved.
	TouchSession(ctx context.Context, id string, now, idleExpires time.Time) error
	// SessionsOfUser lists a user's live sessions, newest first.
	SessionsOfUser(ctx context.Context, userID string, now time.Time) ([]*Session, error)
	// DeleteSession ends one session of a user; another user's is
	// not_found.
	DeleteSession(ctx context.Context, userID, id string) error
	// DeleteSessionByID ends a session whoever holds it.
	DeleteSessionByID(ctx context.Context, id string) error
	// DeleteSessionsOfUser ends every session of a user but keep (which
	// may be empty) and says how many ended.
	DeleteSessionsOfUser(ctx context.Context, userID, keep string) (int64, error)
	// DeleteAllSessions ends every session of every user.
	DeleteAllSessions(ctx context.Context) (int64, error)
}

// ResetTokenStore keeps password-reset tokens by their hash.
type ResetTokenStore interface {
	// CreateResetToken stores a token for a user and deletes the user's
	// older ones: issuing one invalidates the rest.
	CreateResetToken(ctx context.Context, hash, userID string, now, expires time.Time) error
	// ResetTokenUser returns the user of a live token without spending it.
	ResetTokenUser(ctx context.Context, hash string, now time.Time) (string, error)
	// ConsumeResetToken spends a live token: of concurrent callers exactly
	// one gets its user, the others not_found.
	ConsumeResetToken(ctx context.Context, hash string, now time.Time) (string, error)
	DeleteResetTokensOfUser(ctx context.Context, userID string) error
}

// PendingRegistration is a Discord identity that Discord verified and that
// has no account yet, waiting for complete-registration.
type PendingRegistration struct {
	ID              string // hex SHA-256 of the secret the browser's cookie holds
	DiscordID       string
	DiscordUsername string
	Avatar          string
	GuildIDs        []string
	ExpiresAt       time.Time
}

// OAuthStore keeps Discord sign-in's two short-lived records.
type OAuthStore interface {
	CreateOAuthState(ctx context.Context, hash string, expires time.Time) error
	// ConsumeOAuthState spends a live state; of concurrent callers exactly
	// one gets true.
	ConsumeOAuthState(ctx context.Context, hash string, now time.Time) (bool, error)
	CreatePending(ctx context.Context, p PendingRegistration) error
	Pending(ctx context.Context, hash string, now time.Time) (*PendingRegistration, error)
	// DeletePending spends a pending registration; false when it was
	// already gone.
	DeletePending(ctx context.Context, hash string) (bool, error)
}

// Counter is the state of one failure counter.
type Counter struct {
	Count       int64
	Lockouts    int64     // how many times the key was locked (for growing locks)
	LockedUntil time.Time // zero when not locked
}

// CounterStore keeps the failure counters behind sign-in limits and locks.
// They live in the database so that every instance shares them.
type CounterStore interface {
	// AddCounter adds delta (which may be negative) to key and returns the
	// new state; concurrent additions are never lost. A new counter
	// expires at expiresAt; an existing one's expiry moves to expiresAt
	// when that is later.
	AddCounter(ctx context.Context, key string, delta int64, expiresAt time.Time) (Counter, error)
	// Counters returns each key's state; a missing or expired key reads
	// as zero (absent from the map).
	Counters(ctx context.Context, now time.Time, keys ...string) (map[string]Counter, error)
	// LockCounter locks key until until, sets its count to zero and counts
	// the lockout, only while the count is still at least atLeast: of two
	// concurrent failures that both reached the threshold, one locks.
	LockCounter(ctx context.Context, key string, atLeast int64, until, expiresAt time.Time) (bool, error)
	DeleteCounter(ctx context.Context, key string) error
}

// ServerKey is a secret the server generated for itself (JWT signing,
// cookie keys). It must be readable to sign, so it cannot be stored hashed;
// the database is its trust boundary.
type ServerKey struct {
	ID        string // the kid
	Purpose   string
	Secret    []byte
	CreatedAt time.Time
}

// ServerKeyStore keeps the server's own keys.
type ServerKeyStore interface {
	// ServerKeys returns the keys of a purpose, newest first.
	ServerKeys(ctx context.Context, purpose string) ([]ServerKey, error)
	AddServerKey(ctx context.Context, k ServerKey) error
	// DeleteServerKeysBefore removes keys of a purpose made before t.
	DeleteServerKeysBefore(ctx context.Context, purpose string, t time.Time) error
}

// AuthEventStore keeps the authentication audit trail.
type AuthEventStore interface {
	AddAuthEvent(ctx context.Context, e *AuthEvent) error
	// AuthEvents lists events matching f, newest first, and the cursor of
	// the next page ("" at the end).
	AuthEvents(ctx context.Context, f AuthEventFilter) ([]*AuthEvent, string, error)
}

// Expirer deletes what has expired. Nothing depends on it for correctness:
// every read checks expiry itself.
type Expirer interface {
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}

// CommunityStore keeps communities.
type CommunityStore interface {
	// CreateCommunity stores c; a guild that has a community is a conflict.
	CreateCommunity(ctx context.Context, c *Community) error
	// Community finds a community by its 24-hex id or its Discord guild
	// id; a deleted one only with includeDeleted.
	Community(ctx context.Context, idOrGuild string, includeDeleted bool) (*Community, error)
	// CommunitiesByGuilds and CommunitiesByIDs return the live communities
	// named, by name.
	CommunitiesByGuilds(ctx context.Context, guildIDs []string) ([]*Community, error)
	CommunitiesByIDs(ctx context.Context, ids []string) ([]*Community, error)
	// UpdateCommunity replaces a live community's name and settings.
	UpdateCommunity(ctx context.Context, id, name string, s CommunitySettings) (*Community, error)
	// MarkCommunityDeleted sets (at) or clears (nil) the deletion mark.
	MarkCommunityDeleted(ctx context.Context, id string, at *time.Time) (*Community, error)
	// SetCommunityLimits replaces a live community's own limits.
	SetCommunityLimits(ctx context.Context, id string, l CommunityLimits) (*Community, error)
}

// MemberStore keeps memberships. The community's member and admin counts
// change in the same transaction as the membership, so they never drift.
type MemberStore interface {
	// AddMember joins a user to a community; already a member is a
	// conflict.
	AddMember(ctx context.Context, m *Membership) error
	Member(ctx context.Context, communityID, userID string) (*Membership, error)
	// MembershipsOfUser lists a user's memberships in every community.
	MembershipsOfUser(ctx context.Context, userID string) ([]*Membership, error)
	// Members lists a community's members by username, and the cursor of
	// the next page ("" at the end).
	Members(ctx context.Context, communityID string, f MemberFilter) ([]*Membership, string, error)
	UpdateMember(ctx context.Context, communityID, userID string, up MemberUpdate) (*Membership, error)
	RemoveMember(ctx context.Context, communityID, userID string) error
	// RemoveDepartmentFromMembers takes a department code off every member
	// of the community.
	RemoveDepartmentFromMembers(ctx context.Context, communityID, code string) error
}

// MemberFilter narrows a member listing. After, when set, is the cursor a
// previous page returned, and wins over Offset.
type MemberFilter struct {
	Role       string
	Department string
	Name       string // a case-insensitive substring of the username
	After      string
	Offset     int
	Limit      int
}

// MemberUpdate lists what a change sets; nil means unchanged.
type MemberUpdate struct {
	Role        *string
	Departments *[]string
	CallSign    *string
	Status      *string
}

// DepartmentStore keeps departments.
type DepartmentStore interface {
	// CreateDepartment stores a department; a code taken in the community
	// is a conflict.
	CreateDepartment(ctx context.Context, communityID string, d *Department) error
	// Departments lists a community's departments by code.
	Departments(ctx context.Context, communityID string) ([]*Department, error)
	Department(ctx context.Context, communityID, id string) (*Department, error)
	UpdateDepartment(ctx context.Context, communityID string, d *Department) (*Department, error)
	DeleteDepartment(ctx context.Context, communityID, id string) error
}

// APIKeyStore keeps game-server keys by the SHA-256 of the key.
type APIKeyStore interface {
	// CreateAPIKey stores a key and fills in its public id.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash is the look-up of every game-server request.
	APIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// APIKeys lists a community's keys, newest first.
	APIKeys(ctx context.Context, communityID string) ([]*APIKey, error)
	APIKey(ctx context.Context, communityID, id string) (*APIKey, error)
	// DeleteAPIKey revokes a key: the next request with it finds nothing.
	DeleteAPIKey(ctx context.Context, communityID, hash string) error
	TouchAPIKey(ctx context.Context, hash string, at time.Time) error
}

// InviteStore keeps invite links by the SHA-256 of their code, which
// starts with the community's id: every call names the community.
type InviteStore interface {
	// CreateInvite stores an invite and fills in its id, its creation
	// time and its uses (none); a digest taken is a conflict.
	CreateInvite(ctx context.Context, inv *Invite) error
	// Invites lists a community's invites, newest first, and the cursor
	// of the next page ("" at the end).
	Invites(ctx context.Context, communityID, after string, limit int) ([]*Invite, string, error)
	// CountLiveInvites counts a community's invites not expired at now,
	// up to atMost.
	CountLiveInvites(ctx context.Context, communityID string, now time.Time, atMost int) (int, error)
	// InviteByDigest finds an invite by its code's digest, whether it
	// still admits anyone or not.
	InviteByDigest(ctx context.Context, communityID, digest string) (*Invite, error)
	// TakeInvite counts one use of the invite with this digest when it
	// admits someone at now, and returns it; of concurrent takers of its
	// last use exactly one gets it, the others not_found.
	TakeInvite(ctx context.Context, communityID, digest string, now time.Time) (*Invite, error)
	// DeleteInvite revokes an invite by its id and returns what it was.
	DeleteInvite(ctx context.Context, communityID, id string) (*Invite, error)
}

// AnnouncementStore keeps the announcements Community Admins post.
type AnnouncementStore interface {
	// AddAnnouncement stores an announcement and fills in its id.
	AddAnnouncement(ctx context.Context, a *Announcement) error
	// Announcements lists a community's announcements, newest first, and
	// the cursor of the next page.
	Announcements(ctx context.Context, communityID, after string, limit int) ([]*Announcement, string, error)
}

// AuditStore keeps each community's audit log.
type AuditStore interface {
	AddAudit(ctx context.Context, e *AuditEntry) error
	// Audit lists a community's entries, look-ups among them, newest
	// first, and the cursor of the next page.
	Audit(ctx context.Context, communityID string, f AuditFilter) ([]*AuditEntry, string, error)
	// AddLookup stores one look-up's compact entry and returns once it is
	// durable. Concurrent look-ups share one write (group commit); a
	// wait ends early when ctx does, the entry then still on its way.
	AddLookup(ctx context.Context, e *LookupEntry) error
	// PruneLookups deletes up to limit of a community's look-up entries
	// made before cut, oldest first, and says how many.
	PruneLookups(ctx context.Context, communityID string, cut time.Time, limit int) (int, error)
	// CommunityIDs lists every community's id, deleted ones too (the
	// retention's work list; not for request paths).
	CommunityIDs(ctx context.Context) ([]string, error)
}

// CharacterStore keeps characters and their license history. SSNs are
// unique in a community (conflict).
type CharacterStore interface {
	CreateCharacter(ctx context.Context, communityID string, c *Character) error
	Character(ctx context.Context, communityID, id string) (*Character, error)
	CharacterBySSN(ctx context.Context, communityID, ssn string) (*Character, error)
	CharacterByIdentifier(ctx context.Context, communityID, identifier string) (*Character, error)
	// UpdateCharacter lets fn change the stored character inside one
	// transaction and stores what it leaves.
	UpdateCharacter(ctx context.Context, communityID, id string, fn func(*Character) error) (*Character, error)
	DeleteCharacter(ctx context.Context, communityID, id string) error
	CharactersOf(ctx context.Context, communityID, ownerID string, limit int) ([]*Character, error)
	CountCharactersOf(ctx context.Context, communityID, ownerID string) (int, error)
	CharactersByDiscord(ctx context.Context, communityID, discordID string, limit int) ([]*Character, error)
	// SearchCharacters pages through name or date-of-birth matches; name
	// prefixes match case- and accent-insensitively.
	SearchCharacters(ctx context.Context, communityID string, f CharacterFilter) ([]*Character, string, error)
	MissingCharacters(ctx context.Context, communityID, after string, limit int) ([]*Character, string, error)
	// CharactersWithLicenseStatus lists characters whose driver's license
	// has one of the statuses.
	CharactersWithLicenseStatus(ctx context.Context, communityID string, statuses []string, limit int) ([]*Character, error)
	AddLicenseChange(ctx context.Context, ch *LicenseChange) error
	LicenseHistory(ctx context.Context, communityID, characterID string, limit int) ([]*LicenseChange, error)
}

// VehicleStore keeps vehicles. Normalised plates and VINs are unique in a
// community (conflict).
type VehicleStore interface {
	CreateVehicle(ctx context.Context, communityID string, v *Vehicle) error
	Vehicle(ctx context.Context, communityID, id string) (*Vehicle, error)
	VehicleByPlate(ctx context.Context, communityID, plateKey string) (*Vehicle, error)
	UpdateVehicle(ctx context.Context, communityID, id string, fn func(*Vehicle) error) (*Vehicle, error)
	DeleteVehicle(ctx context.Context, communityID, id string) error
	DeleteVehiclesOf(ctx context.Context, communityID, ownerID string) (int64, error)
	Vehicles(ctx context.Context, communityID string, f VehicleFilter) ([]*Vehicle, string, error)
	// FlaggedVehicles lists vehicles flagged at now (stolen, registration
	// or insurance not valid) or owned by one of owners.
	FlaggedVehicles(ctx context.Context, communityID string, now time.Time, owners []string, limit int) ([]*Vehicle, error)
	DesignedVehicles(ctx context.Context, communityID string, limit int) ([]*Vehicle, error)
}

// BankStore keeps accounts, their ledger and idempotent answers. Balance
// rules are the service's: it reads and saves inside one transaction.
type BankStore interface {
	CreateAccount(ctx context.Context, communityID string, a *BankAccount) error
	AccountOf(ctx context.Context, communityID, characterID string) (*BankAccount, error)
	AccountByNumber(ctx context.Context, communityID, number string) (*BankAccount, error)
	SaveAccount(ctx context.Context, a *BankAccount) error
	AddLedgerEntry(ctx context.Context, e *LedgerEntry) error
	Ledger(ctx context.Context, communityID, accountID, after string, limit int) ([]*LedgerEntry, string, error)
	IdempotentResult(ctx context.Context, id string, now time.Time) (*IdempotentResult, error)
	SaveIdempotentResult(ctx context.Context, r *IdempotentResult) error
}

// MediaStore keeps images apart from the records that show them, and what
// each community's images take: usage changes in the same transaction as
// the images, so it holds under concurrent uploads and deletions.
type MediaStore interface {
	// PutMedia stores an image and counts it (m.Size) in its community's
	// usage; one that would take the usage past quota is refused
	// (too_large, MediaFullError) and nothing is stored.
	PutMedia(ctx context.Context, m *Media, quota MediaQuota) error
	Media(ctx context.Context, communityID, id string) (*Media, error)
	// DeleteMedia and DeleteMediaOf delete images and take them off the
	// usage; a missing one is no error.
	DeleteMedia(ctx context.Context, communityID, id string) error
	DeleteMediaOf(ctx context.Context, communityID, ownerID string) (int64, error)
	MediaUsage(ctx context.Context, communityID string) (*MediaUsage, error)
	// The janitor's, across communities: every community's usage, images
	// stored before normalisation (Version 0), a stored image's
	// normalised copy in its place (counted from then on), and every
	// image in _id order, a page at a time.
	AllMediaUsage(ctx context.Context) ([]*MediaUsage, error)
	UncountedMedia(ctx context.Context, limit int) ([]*Media, error)
	ReplaceUncountedMedia(ctx context.Context, m *Media) (bool, error)
	MediaPage(ctx context.Context, afterID string, limit int) ([]*Media, error)
}

// BOLOReader reads the BOLOs that civil look-ups show.
type BOLOReader interface {
	BOLOs(ctx context.Context, communityID string, activeOnly bool, after string, limit int) ([]*BOLO, string, error)
	// BOLOsFor returns the active BOLOs on a plate or a character.
	BOLOsFor(ctx context.Context, communityID, plateKey, characterID string) ([]*BOLO, error)
}

// CivilStore is what the civil-records service needs.
type CivilStore interface {
	Transactor
	BOLOReader
	// InTx reports whether ctx carries a transaction: a rule that would
	// retry after a conflict may only do so in the outermost one.
	InTx(ctx context.Context) bool
	CharacterStore
	VehicleStore
	BankStore
	MediaStore
	UserStore
	DepartmentStore
	AuditStore
	// Community reads a community (its media quota) for work that has no
	// caller's scope: an ALPR photo's upload, the media janitor.
	Community(ctx context.Context, idOrGuild string, includeDeleted bool) (*Community, error)
}

// CallStore keeps calls and the sequences of their incident numbers.
type CallStore interface {
	// NextSequence hands out a community's next number of a sequence,
	// inside the caller's transaction.
	NextSequence(ctx context.Context, communityID, name string) (int64, error)
	CreateCall(ctx context.Context, communityID string, c *Call) error
	Call(ctx context.Context, communityID, id string) (*Call, error)
	CallByIncident(ctx context.Context, communityID, number string) (*Call, error)
	CallByERS(ctx context.Context, communityID, ersID string) (*Call, error)
	UpdateCall(ctx context.Context, communityID, id string, fn func(*Call) error) (*Call, error)
	// Calls pages through a community's calls, newest first: the open ones
	// not expired at now, or any.
	Calls(ctx context.Context, communityID string, f CallFilter, now time.Time) ([]*Call, string, error)
	CallsByID(ctx context.Context, communityID string, ids []string) ([]*Call, error)
	// ExpiredOpenCalls is the janitor's work list, across communities.
	ExpiredOpenCalls(ctx context.Context, now time.Time, limit int) ([]*Call, error)
}

// UnitStore keeps members' units, duty periods and game-identifier links.
type UnitStore interface {
	Unit(ctx context.Context, communityID, userID string) (*Unit, error)
	UnitByDiscord(ctx context.Context, communityID, discordID string) (*Unit, error)
	// UpdateUnit lets fn change a member's unit (made from fresh when
	// none exists; nil fresh answers not_found) in one transaction.
	UpdateUnit(ctx context.Context, communityID, userID string, fresh func() *Unit, fn func(*Unit) error) (*Unit, error)
	OnDutyUnits(ctx context.Context, communityID string, limit int) ([]*Unit, error)
	AddDutyPeriod(ctx context.Context, p *DutyPeriod) error
	DutyPeriods(ctx context.Context, communityID, userID, after string, limit int) ([]*DutyPeriod, string, error)
	// ConfirmGameLink ties l.Identifier to l.UserID as confirmed by the
	// game, in place of an unconfirmed link of anyone's; an identifier
	// confirmed for another member is a conflict.
	ConfirmGameLink(ctx context.Context, l *GameLink) error
	// GameLink finds an identifier's link, confirmed or not.
	GameLink(ctx context.Context, communityID, identifier string) (*GameLink, error)
	GameLinksOf(ctx context.Context, communityID, userID string) ([]*GameLink, error)
	// GameLinks pages through a community's links by identifier: one
	// member's, or (userID "") everyone's.
	GameLinks(ctx context.Context, communityID, userID, after string, limit int) ([]*GameLink, string, error)
	// UnlinkGame unties a member's identifier; userID "" unties it from
	// whichever member holds it (an admin's removal).
	UnlinkGame(ctx context.Context, communityID, userID, identifier string) error
	// PutLinkCode stores a member's link code in place of their older
	// ones in the community.
	PutLinkCode(ctx context.Context, code *LinkCode) error
	// LinkCodeOf is a member's live link code.
	LinkCodeOf(ctx context.Context, communityID, userID string, now time.Time) (*LinkCode, error)
	// SpendLinkCode deletes the live code with this digest and returns it:
	// of many concurrent spends exactly one gets it.
	SpendLinkCode(ctx context.Context, communityID, digest string, now time.Time) (*LinkCode, error)
}

// BOLOStore keeps BOLOs.
type BOLOStore interface {
	CreateBOLO(ctx context.Context, communityID string, b *BOLO) error
	BOLO(ctx context.Context, communityID, id string) (*BOLO, error)
	UpdateBOLO(ctx context.Context, communityID, id string, fn func(*BOLO) error) (*BOLO, error)
	BOLOReader
}

// ALPRStore keeps cameras, hits, upload tokens, camera commands and ERS
// call-outs: what the game's devices exchange with the CAD.
type ALPRStore interface {
	SyncCameras(ctx context.Context, communityID string, list []*Camera) error
	Cameras(ctx context.Context, communityID string) ([]*Camera, error)
	AddHit(ctx context.Context, h *ALPRHit) error
	UpdateHit(ctx context.Context, communityID, id string, fn func(*ALPRHit) error) (*ALPRHit, error)
	Hits(ctx context.Context, communityID, after string, limit int) ([]*ALPRHit, string, error)
	// Hit reads one hit (the media janitor: does it still show a photo).
	Hit(ctx context.Context, communityID, id string) (*ALPRHit, error)
	PutUploadToken(ctx context.Context, t *UploadToken) error
	// UploadToken reads a live token without spending it.
	UploadToken(ctx context.Context, digest string, now time.Time) (*UploadToken, error)
	// SpendUploadToken takes a token once: of concurrent spends one wins.
	SpendUploadToken(ctx context.Context, digest string, now time.Time) (*UploadToken, error)
	AddCameraCommand(ctx context.Context, c *CameraCommand) error
	// TakeCameraCommands hands each command out once.
	TakeCameraCommands(ctx context.Context, communityID string, limit int) ([]*CameraCommand, error)
	AddERSCallout(ctx context.Context, c *ERSCallout) error
	PendingERSCallouts(ctx context.Context, communityID string, limit int) ([]*ERSCallout, error)
	AckERSCallout(ctx context.Context, communityID, ersID string) (bool, error)
}

// DispatchStore is what the dispatch service needs.
type DispatchStore interface {
	CivilStore
	CallStore
	UnitStore
	BOLOStore
	ALPRStore
	MemberStore
	AnnouncementStore
	// CounterStore bounds guesses of link codes.
	CounterStore
}

// AuthStore is what the authentication service needs.
type AuthStore interface {
	// Transactor makes an account and what it joins (an invite's
	// community) together.
	Transactor
	UserStore
	SessionStore
	ResetTokenStore
	OAuthStore
	CounterStore
	ServerKeyStore
	AuthEventStore
	APIKeyStore
	Expirer
}

// TenancyStore is what the tenancy service needs.
type TenancyStore interface {
	Transactor
	UserStore
	CommunityStore
	MemberStore
	DepartmentStore
	APIKeyStore
	AuditStore
	InviteStore
	// CounterStore bounds guesses of invite codes.
	CounterStore
}

// Store is every store interface: what an engine gives the services.
type Store interface {
	AuthStore
	TenancyStore
	DispatchStore
	// Ping answers whether the database is reachable within ctx.
	Ping(ctx context.Context) error
}
