package cad

import "time"

// Dispatch: calls, units on duty, BOLOs, ALPR cameras and hits, and ERS
// call-outs. Each belongs to one community.

// Call statuses. A call moves pending → assigned → enroute → on-scene →
// closed, or to cancelled; an open call with no change for the community's
// callExpiryMinutes becomes expired (and is kept).
const (
	CallPending   = "pending"
	CallAssigned  = "assigned"
	CallEnroute   = "enroute"
	CallOnScene   = "on-scene"
	CallClosed    = "closed"
	CallCancelled = "cancelled"
	CallExpired   = "expired"
)

// CallStatuses lists the statuses in lifecycle order.
var CallStatuses = []string{CallPending, CallAssigned, CallEnroute, CallOnScene, CallClosed, CallCancelled, CallExpired}

// OpenCallStatus reports whether a status is an open (active) call's.
func OpenCallStatus(s string) bool {
	switch s {
	case CallPending, CallAssigned, CallEnroute, CallOnScene:
		return true
	}
	return false
}

// Priorities and sources of calls.
var (
	CallPriorities = []string{"low", "normal", "medium", "high", "critical"}
	CallSources    = []string{"player", "npc", "cctv", "dispatcher", "ers"}
)

// DefaultCallExpiryMinutes is CDE's 25 minutes of inactivity.
const DefaultCallExpiryMinutes = 25

// Coords are raw GTA world coordinates.
type Coords struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
}

// Call is an incident: a 911 call, a traffic stop, a dispatcher's call.
type Call struct {
	ID          string `json:"_id"`
	CommunityID string `json:"communityId"`
	// IncidentNumber is unique in the community and never handed out
	// twice: "2026-000042" (the year, then the community's sequence).
	IncidentNumber string  `json:"incidentNumber"`
	Seq            int64   `json:"seq"`
	CallType       string  `json:"callType"`
	Location       string  `json:"location,omitempty"`
	Postal         string  `json:"postal,omitempty"`
	Coordinates    *Coords `json:"coordinates,omitempty"`
	CallerName     string  `json:"caller,omitempty"`
	CallerNumber   string  `json:"callerNumber,omitempty"`
	Description    string  `json:"description,omitempty"`
	Priority       string  `json:"priority"`
	Source         string  `json:"source"`
	Status         string  `json:"status"`
	// Open is true while the status is an open one; with ExpiresAt it is
	// what active lists and the janitor query.
	Open        bool       `json:"open"`
	Units       []string   `json:"units"` // user ids of the assigned units
	PrimaryUnit string     `json:"primaryUnit,omitempty"`
	Characters  []string   `json:"characters"`
	Vehicles    []string   `json:"vehicles"`
	Notes       []CallNote `json:"notes"`
	Timeline    []CallStep `json:"timeline"`
	ServerName  string     `json:"serverName,omitempty"`
	// ERSCalloutID links a call to the ERS call-out it came from.
	ERSCalloutID string     `json:"ersCalloutId,omitempty"`
	CreatedBy    string     `json:"createdBy"`
	CreatedAt    time.Time  `json:"createdAt"`
	UpdatedAt    time.Time  `json:"updatedAt"`
	ClosedAt     *time.Time `json:"closedAt,omitempty"`
	ExpiresAt    time.Time  `json:"expiresAt"`
}

// MaxTimeline bounds a call's timeline and notes: a call is closed long
// before; past it the oldest steps give way (the audit log keeps all).
const MaxTimeline = 500

// CallNote is a note on a call.
type CallNote struct {
	ID       string    `json:"_id"`
	AuthorID string    `json:"authorId"`
	Author   string    `json:"author"`
	Text     string    `json:"text"`
	Time     time.Time `json:"time"`
}

// CallStep is one change in a call's timeline.
type CallStep struct {
	Time    time.Time `json:"time"`
	ActorID string    `json:"actorId"`
	Action  string    `json:"action"` // created, status, assigned, unassigned, note, attached, detached, updated, expired
	Detail  string    `json:"detail,omitempty"`
}

// CallFilter selects calls for a listing.
type CallFilter struct {
	Status   string // one status, or "" for any
	Priority string
	OpenOnly bool
	After    string
	Limit    int
}

// Unit is a member's duty state in a community: on duty makes a unit.
type Unit struct {
	ID          string `json:"_id"` // communityId + ":" + userId
	CommunityID string `json:"communityId"`
	UserID      string `json:"userId"`
	DiscordID   string `json:"discordId,omitempty"`
	Name        string `json:"name"`
	CallSign    string `json:"callSign"`
	Department  string `json:"department,omitempty"` // a department code
	OnDuty      bool   `json:"onDuty"`
	Status      string `json:"status"` // one of the community's status codes
	// Calls are the open calls the unit is assigned to; CurrentCall is
	// the one it works now.
	Calls       []string   `json:"calls"`
	CurrentCall string     `json:"currentCall,omitempty"`
	DutyStart   *time.Time `json:"dutyStart,omitempty"`
	DutySource  string     `json:"dutySource,omitempty"` // browser, cde-duty, ers
	LastSeen    *Coords    `json:"lastPosition,omitempty"`
	UpdatedAt   time.Time  `json:"updatedAt"`
}

// DutyPeriod is one kept period on duty, for time logs.
type DutyPeriod struct {
	ID          string    `json:"_id"`
	CommunityID string    `json:"communityId"`
	UserID      string    `json:"userId"`
	CallSign    string    `json:"callSign"`
	Department  string    `json:"department,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	DurationMs  int64     `json:"durationMs"`
	Source      string    `json:"source"`
}

// GameLink ties a game identifier (license:…, steam:…, a Discord id) to a
// member, so that game requests find the member. Only a link the game
// confirmed finds anyone: links made before links had to be proven are
// kept, unconfirmed, until their member or an admin removes them or the
// game confirms the identifier for someone.
type GameLink struct {
	ID          string    `json:"_id"` // communityId + ":" + identifier
	CommunityID string    `json:"communityId"`
	Identifier  string    `json:"identifier"`
	UserID      string    `json:"userId"`
	CreatedAt   time.Time `json:"createdAt"`
	// Status is LinkConfirmed for a link the game confirmed; "" (a link
	// made before) reads as LinkUnconfirmed.
	Status      string     `json:"status,omitempty"`
	ConfirmedAt *time.Time `json:"confirmedAt,omitempty"`
	// ConfirmedBy is how the game confirmed it: LinkByCode or
	// LinkByDiscord.
	ConfirmedBy string `json:"confirmedBy,omitempty"`
}

// Link statuses and the ways the game confirms a link.
const (
	LinkConfirmed   = "confirmed"
	LinkUnconfirmed = "unconfirmed"
	// LinkPending is a member's live link code, not yet used in game.
	LinkPending = "pending"

	LinkByCode    = "code"
	LinkByDiscord = "discord"
)

// Confirmed reports whether the game confirmed the link: only then do game
// requests that name its identifier find its member.
func (l *GameLink) Confirmed() bool { return l.Status == LinkConfirmed }

// LinkCode is a member's one-time code for linking their game
// identifiers: they type it in game and the game server posts it with the
// player's identifiers. Only its digest is stored.
type LinkCode struct {
	ID          string `json:"_id"` // the digest of the community and the code
	CommunityID string `json:"communityId"`
	UserID      string `json:"userId"`
	// Identifier is the one identifier the member asked to link; "" links
	// whichever the game reports.
	Identifier string    `json:"identifier,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// BOLO kinds and statuses.
const (
	BOLOPerson  = "person"
	BOLOVehicle = "vehicle"
	BOLOOther   = "other"
)

// BOLO is a be-on-the-lookout.
type BOLO struct {
	ID          string     `json:"_id"`
	CommunityID string     `json:"communityId"`
	Kind        string     `json:"type"`
	Reason      string     `json:"reason"`
	Description string     `json:"description,omitempty"`
	Priority    string     `json:"priority"`
	Plate       string     `json:"plate,omitempty"`
	PlateKey    string     `json:"plateKey,omitempty"`
	CharacterID string     `json:"characterId,omitempty"`
	Active      bool       `json:"active"`
	AuthorID    string     `json:"authorId"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	ResolvedAt  *time.Time `json:"resolvedAt,omitempty"`
	ResolvedBy  string     `json:"resolvedBy,omitempty"`
}

// Live reports whether a BOLO is in force at now.
func (b *BOLO) Live(now time.Time) bool {
	return b.Active && (b.ExpiresAt == nil || b.ExpiresAt.After(now))
}

// Camera is one ALPR camera a game server placed.
type Camera struct {
	ID          string    `json:"_id"` // communityId + ":" + camId
	CommunityID string    `json:"communityId"`
	CamID       string    `json:"camId"`
	Name        string    `json:"name"`
	Label       string    `json:"label,omitempty"`
	Coords      Coords    `json:"coordinates"`
	Heading     float64   `json:"heading"`
	Postal      string    `json:"postal,omitempty"`
	Enabled     bool      `json:"enabled"`
	SpeedLimit  int       `json:"speedLimit,omitempty"`
	PlacedBy    string    `json:"placedBy,omitempty"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// ALPRHit is one plate a camera read that something flags.
type ALPRHit struct {
	ID             string    `json:"_id"`
	CommunityID    string    `json:"communityId"`
	CamID          string    `json:"camId"`
	CameraName     string    `json:"cameraName,omitempty"`
	Plate          string    `json:"plate"`
	Kind           string    `json:"kind,omitempty"`
	Flags          []string  `json:"flags"`
	AlertLevel     string    `json:"alertLevel,omitempty"`
	Speed          float64   `json:"speed,omitempty"`
	SpeedLimit     float64   `json:"speedLimit,omitempty"`
	Location       string    `json:"location,omitempty"`
	Coordinates    *Coords   `json:"coordinates,omitempty"`
	IncidentNumber string    `json:"incidentNumber,omitempty"`
	CallID         string    `json:"callId,omitempty"`
	Photos         []string  `json:"photos"` // media ids
	Time           time.Time `json:"time"`
}

// UploadToken is a one-time credential for a player's browser to upload an
// ALPR photo; only its digest is stored.
type UploadToken struct {
	ID          string    `json:"_id"` // the digest of the token
	CommunityID string    `json:"communityId"`
	HitID       string    `json:"hitId"`
	Kind        string    `json:"kind"` // screenshot or plate
	ExpiresAt   time.Time `json:"expiresAt"`
}

// CameraCommand is a dispatcher's change for a camera, handed to the game
// once.
type CameraCommand struct {
	ID          string         `json:"_id"`
	CommunityID string         `json:"communityId"`
	CamID       string         `json:"camId"`
	Changes     map[string]any `json:"changes"` // enabled, speedLimit, name
	Delivered   bool           `json:"delivered"`
	CreatedBy   string         `json:"createdBy"`
	CreatedAt   time.Time      `json:"createdAt"`
}

// ERSCallout is a call-out a dispatcher made for the game's ERS to spawn,
// handed out until the game acknowledges it.
type ERSCallout struct {
	ID           string         `json:"_id"`
	CommunityID  string         `json:"communityId"`
	ERSCalloutID string         `json:"ersCalloutId"`
	CallID       string         `json:"callId,omitempty"`
	CallType     string         `json:"callType"`
	Location     string         `json:"location,omitempty"`
	Postal       string         `json:"postal,omitempty"`
	Coordinates  *Coords        `json:"coordinates,omitempty"`
	Priority     string         `json:"priority"`
	Description  string         `json:"description,omitempty"`
	ServiceType  string         `json:"serviceType,omitempty"`
	Config       map[string]any `json:"ersConfig,omitempty"`
	Acknowledged bool           `json:"acknowledged"`
	CreatedAt    time.Time      `json:"createdAt"`
}

// Event is a change that real-time clients are told of. Every payload
// carries the record's id, the community and a time.
type Event struct {
	Type        string    `json:"type"` // call.created, call.updated, call.closed, call.expired, unit.status, unit.position, panic, bolo.created, bolo.resolved
	CommunityID string    `json:"communityId"`
	ID          string    `json:"_id"`
	Time        time.Time `json:"timestamp"`
	Payload     any       `json:"payload"`
	// Remote: made on another Precinct instance and carried here by the
	// shared bus (its payload is then decoded JSON: maps, not structs).
	Remote bool `json:"-"`
}

// EventGap is the type of the event a bus delivers when it may have lost
// events (its stream broke and could not resume where it was): clients
// should ask for a sync.
const EventGap = "events.gap"

// Publisher delivers events. Publish never blocks and never fails the
// change that caused it: an event that cannot be delivered now is dropped
// (and counted by the implementation).
type Publisher interface {
	Publish(e Event)
}

// Subscriber hands out the events published from now on: a channel with a
// buffer of size, and the function that ends the subscription. A
// subscriber that does not keep up loses events (counted), never slows the
// publisher.
type Subscriber interface {
	Subscribe(size int) (<-chan Event, func())
}

// Position is where a unit was last seen.
type Position struct {
	UnitID    string    `json:"unitId"` // a Discord id, or a steam:/license: identifier
	UnitName  string    `json:"unitName,omitempty"`
	Coords    Coords    `json:"coordinates"`
	Heading   float64   `json:"heading"`
	Status    string    `json:"status,omitempty"`
	Job       string    `json:"job,omitempty"`
	Postal    string    `json:"postal,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}
