package cad

import "time"

// Community is one tenant: a Discord server's roleplay community. All of
// its data is invisible to every other community.
type Community struct {
	ID       string // 24-hex
	Name     string
	GuildID  string // the Discord server (guild) id; unique
	Settings CommunitySettings
	// MemberCount and AdminCount (active admins) are kept by the store in
	// the same transaction as every membership change, so they never
	// drift and are never counted by a scan.
	MemberCount int
	AdminCount  int
	// Limits are a Super Admin's own FiveM limits for the community; zero
	// fields mean the deployment's.
	Limits    CommunityLimits
	CreatedAt time.Time
	// DeletedAt marks a community deleted; its data stays, and it can be
	// restored until DeletedAt + RestoreWindow.
	DeletedAt *time.Time
}

// CommunityLimits are a community's own limits for its game servers'
// keys, per minute; 0 means the deployment's default.
type CommunityLimits struct {
	FiveMPerMinute           int `json:"fivemPerMinute,omitempty"`
	FiveMHighImpactPerMinute int `json:"fivemHighImpactPerMinute,omitempty"`
	// MediaQuotaBytes is the community's own quota of stored images; 0
	// means the deployment's (media_quota).
	MediaQuotaBytes int64 `json:"mediaQuotaBytes,omitempty"`
}

// Bounds of a community's own media quota.
const (
	MinMediaQuota = 1 << 20
	MaxMediaQuota = 1 << 40
)

// MaxCommunityLimit bounds what a Super Admin may set.
const MaxCommunityLimit = 100_000

// RestoreWindow is how long a deleted community can be brought back.
const RestoreWindow = 30 * 24 * time.Hour

// CommunitySettings are what a community admin may change.
type CommunitySettings struct {
	DispatchRoleID       string         `json:"dispatchRoleId"`
	CADSettings          map[string]any `json:"cadSettings"`
	StatusCodes          []StatusCode   `json:"statusCodes"`
	AutoJoin             bool           `json:"autoJoin"`
	StartingBalance      int64          `json:"startingBalance"`
	MaxCharactersPerUser int            `json:"maxCharactersPerUser"`
	AllowPublicStatus    bool           `json:"allowPublicStatus"`
	// PlateDesigns are the plate looks a community offers (the Wraith
	// plate reader shows them); CardTemplates style the ID cards the game
	// shows, by license type ("drivers", or "default" for every type).
	PlateDesigns  []PlateDesign           `json:"plateDesigns,omitempty"`
	CardTemplates map[string]CardTemplate `json:"cardTemplates,omitempty"`
	// CallExpiryMinutes is how long an open call may go without a change
	// before it expires; 0 means DefaultCallExpiryMinutes.
	CallExpiryMinutes int `json:"callExpiryMinutes,omitempty"`
	// AllowMemberDepositsWithdrawals lets plain members deposit into and
	// withdraw from their characters' accounts; off, only game servers and
	// Supervisors and up do (a deposit makes money out of nothing).
	AllowMemberDepositsWithdrawals bool `json:"allowMemberDepositsWithdrawals"`
}

// StatusCode is one unit status a community uses ("10-8", "In Service").
type StatusCode struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Color string `json:"color,omitempty"`
}

// DefaultSettings are a new community's settings.
func DefaultSettings() CommunitySettings {
	return CommunitySettings{
		CADSettings: map[string]any{}, StatusCodes: []StatusCode{},
		AutoJoin: true, StartingBalance: 5000, MaxCharactersPerUser: 10,
	}
}

// Roles inside a community, lowest first. A Super Admin is above them all
// and needs no membership.
const (
	RoleMember     = "member"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// RoleRank orders roles; 0 means not a role. A Super Admin ranks
// SuperAdminRank.
func RoleRank(role string) int {
	switch role {
	case RoleMember:
		return 1
	case RoleSupervisor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// SuperAdminRank is above every community role.
const SuperAdminRank = 4

// RoleName is how the reference names a role in messages.
func RoleName(role string) string {
	switch role {
	case RoleAdmin:
		return "Community Admin"
	case RoleSupervisor:
		return "Supervisor"
	case RoleMember:
		return "Member"
	}
	return role
}

// Member statuses.
const (
	MemberActive = "active"
	MemberBanned = "banned"
)

// Membership joins a user to a community with a role.
type Membership struct {
	CommunityID string
	UserID      string
	Username    string // denormalised for listings and filtering
	Role        string
	Departments []string // department codes
	CallSign    string
	Status      string
	JoinedAt    time.Time
}

// Department types; each but civilian is also a permission.
const (
	DeptLEO      = "leo"
	DeptFire     = "fire"
	DeptEMS      = "ems"
	DeptDispatch = "dispatch"
	DeptCivilian = "civilian"
)

// ValidDepartmentType reports whether t is a department type.
func ValidDepartmentType(t string) bool {
	switch t {
	case DeptLEO, DeptFire, DeptEMS, DeptDispatch, DeptCivilian:
		return true
	}
	return false
}

// Department is a community's police, fire, EMS, dispatch or civilian
// department.
type Department struct {
	ID               string
	CommunityID      string
	Code             string // unique in the community, e.g. "LSPD"
	Name             string
	Type             string
	CallSignTemplate string
	BlipColor        int
	BlipSprite       int
	Paycheck         int64
	CreatedAt        time.Time
}

// APIKey is a game server's credential: one community, some scopes.
type APIKey struct {
	ID          string // public id (24-hex)
	Hash        string // hex SHA-256 of the key: the stored form
	CommunityID string
	Name        string
	Prefix      string // the first 8 characters after "fvm_"
	Scopes      []string
	CreatedAt   time.Time
	CreatedBy   string
	LastUsedAt  *time.Time
}

// ScopeFiveM is the scope of keys made for game servers.
const ScopeFiveM = "fivem"

// Scope is the community a request runs in, with the caller's standing
// there. Handlers read it; they never resolve communities themselves.
type Scope struct {
	Community   *Community
	Role        string // the caller's role; "" for a game server
	Rank        int
	Permissions []string
	Membership  *Membership // nil for a Super Admin without membership, or a server
	SuperAdmin  bool        // let in as Super Admin
	Server      bool        // a game server's key
}

// Standing is one of a user's communities with their role and their
// permissions there, as /api/auth/me lists them.
type Standing struct {
	Community   *Community
	Role        string
	Permissions []string
}

// AuditEntry is one change inside a community, with who made it.
type AuditEntry struct {
	ID          string
	CommunityID string
	Action      string
	ActorID     string
	ActorKind   string // "user", "superadmin", "server", "cli"
	IP          string
	RequestID   string
	Target      string
	Before      any
	After       any
	Time        time.Time
}

// LookupEntry is one look-up in a community's audit trail, kept compact
// because the game's plate readers run one every few seconds per player:
// who asked (the kind of caller and their user or key), what was asked,
// when, and whether it found anything. It is read back as an AuditEntry
// with the action "lookup." + Kind.
type LookupEntry struct {
	ID          string
	CommunityID string
	Kind        string // "plate", "person"
	ActorID     string // a user id, or "apikey:" + a key id
	ActorKind   string // "user", "superadmin", "server"
	Query       string // what was asked: a plate, a name, an SSN, a record
	Hit         bool
	Time        time.Time
}

// MaxLookupQuery bounds what a look-up entry keeps of the question: a
// longer one is cut (at a rune boundary).
const MaxLookupQuery = 100

// AuditFilter selects audit entries. After, when set, is the cursor a
// previous page returned, and wins over Offset.
type AuditFilter struct {
	Action  string
	ActorID string
	Since   time.Time
	Until   time.Time
	After   string
	Offset  int
	Limit   int
}
