package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Dispatch: calls, units and duty, BOLOs and the live map, for
// dispatchers and responders. Every call runs in the community
// communityID names.

// Coords are raw GTA world coordinates.
type Coords struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
}

// CallNote is a note on a call.
type CallNote struct {
	ID     string    `json:"_id"`
	Author string    `json:"author"`
	Text   string    `json:"text"`
	Time   time.Time `json:"time"`
}

// Call is an incident.
type Call struct {
	ID             string     `json:"_id"`
	IncidentNumber string     `json:"incidentNumber"`
	CallType       string     `json:"callType"`
	Location       string     `json:"location"`
	Postal         string     `json:"postal"`
	Coordinates    *Coords    `json:"coordinates"`
	Caller         string     `json:"caller"`
	CallerNumber   string     `json:"callerNumber"`
	Description    string     `json:"description"`
	Priority       string     `json:"priority"`
	Source         string     `json:"source"`
	Status         string     `json:"status"`
	Units          []string   `json:"units"`
	PrimaryUnit    string     `json:"primaryUnit"`
	Characters     []string   `json:"characters"`
	Vehicles       []string   `json:"vehicles"`
	Notes          []CallNote `json:"notes"`
	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      time.Time  `json:"updatedAt"`
	ExpiresAt      time.Time  `json:"expiresAt"`
}

// CallInput is what to set on a call; only the fields given are sent.
type CallInput struct {
	CallType     string  `json:"callType,omitempty"`
	Location     string  `json:"location,omitempty"`
	Postal       string  `json:"postal,omitempty"`
	CallerName   string  `json:"callerName,omitempty"`
	CallerNumber string  `json:"callerNumber,omitempty"`
	Description  string  `json:"description,omitempty"`
	Priority     string  `json:"priority,omitempty"`
	Coordinates  *Coords `json:"coordinates,omitempty"`
	// CharacterID is the calling civilian of a member's 911 call.
	CharacterID string `json:"characterId,omitempty"`
}

// Unit is a member's duty state.
type Unit struct {
	ID          string     `json:"_id"`
	UserID      string     `json:"userId"`
	Name        string     `json:"name"`
	CallSign    string     `json:"callSign"`
	Department  string     `json:"department"`
	OnDuty      bool       `json:"onDuty"`
	Status      string     `json:"status"`
	Calls       []string   `json:"calls"`
	CurrentCall string     `json:"currentCall"`
	DutyStart   *time.Time `json:"dutyStart"`
}

// BOLO is a be-on-the-lookout.
type BOLO struct {
	ID          string     `json:"_id"`
	Type        string     `json:"type"`
	Reason      string     `json:"reason"`
	Description string     `json:"description"`
	Priority    string     `json:"priority"`
	Plate       string     `json:"plate"`
	CharacterID string     `json:"characterId"`
	Active      bool       `json:"active"`
	CreatedAt   time.Time  `json:"createdAt"`
	ExpiresAt   *time.Time `json:"expiresAt"`
}

// BOLOInput is what to set on a BOLO.
type BOLOInput struct {
	Type        string     `json:"type,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	Description string     `json:"description,omitempty"`
	Priority    string     `json:"priority,omitempty"`
	Plate       string     `json:"plate,omitempty"`
	CharacterID string     `json:"characterId,omitempty"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
}

// Position is a unit on the live map.
type Position struct {
	UnitID      string    `json:"unitId"`
	UnitName    string    `json:"unitName"`
	Coordinates Coords    `json:"coordinates"`
	Heading     float64   `json:"heading"`
	Status      string    `json:"status"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

func callPath(id string, rest ...string) string {
	p := "/api/calls/" + url.PathEscape(id)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// CreateCall opens a call (dispatchers).
func (c *Client) CreateCall(ctx context.Context, communityID string, in CallInput) (*Call, error) {
	var out Call
	return &out, c.DoIn(ctx, communityID, http.MethodPost, "/api/calls", in, &out)
}

// Place911 is a member's 911 call as one of their civilians (in.CharacterID).
func (c *Client) Place911(ctx context.Context, communityID string, in CallInput) (*Call, error) {
	var out Call
	return &out, c.DoIn(ctx, communityID, http.MethodPost, "/api/calls/911", in, &out)
}

// PendingCalls is the pending board.
func (c *Client) PendingCalls(ctx context.Context, communityID string) ([]Call, error) {
	var out []Call
	return out, c.DoIn(ctx, communityID, http.MethodGet, "/api/calls/pending", nil, &out)
}

// Calls pages through calls; query may hold active, status, priority,
// after, limit. It returns the cursor of the next page.
func (c *Client) Calls(ctx context.Context, communityID string, query url.Values) ([]Call, string, error) {
	var out struct {
		Calls      []Call  `json:"calls"`
		NextCursor *string `json:"nextCursor"`
	}
	err := c.DoIn(ctx, communityID, http.MethodGet, withQuery("/api/calls", query), nil, &out)
	next := ""
	if out.NextCursor != nil {
		next = *out.NextCursor
	}
	return out.Calls, next, err
}

// CallDetail is a call with its units, civilians and vehicles filled in.
type CallDetail struct {
	Call
	AssignedUnits     []Unit     `json:"assignedUnits"`
	AttachedCivilians []Civilian `json:"attachedCivilians"`
	AttachedVehicles  []Vehicle  `json:"attachedVehicles"`
}

// Call reads a call by id or incident number.
func (c *Client) Call(ctx context.Context, communityID, id string) (*CallDetail, error) {
	var out CallDetail
	return &out, c.DoIn(ctx, communityID, http.MethodGet, callPath(id), nil, &out)
}

// UpdateCall changes a call's fields (dispatchers).
func (c *Client) UpdateCall(ctx context.Context, communityID, id string, in CallInput) (*Call, error) {
	var out Call
	return &out, c.DoIn(ctx, communityID, http.MethodPatch, callPath(id), in, &out)
}

// SetCallStatus moves a call along its lifecycle.
func (c *Client) SetCallStatus(ctx context.Context, communityID, id, status string) (*Call, error) {
	var out Call
	return &out, c.DoIn(ctx, communityID, http.MethodPut, callPath(id, "status"), map[string]string{"status": status}, &out)
}

// AssignUnits puts units (member user ids on duty) on a call.
func (c *Client) AssignUnits(ctx context.Context, communityID, id string, units []string, primary string) (*Call, error) {
	var out Call
	in := map[string]any{"units": units, "primary": primary}
	return &out, c.DoIn(ctx, communityID, http.MethodPost, callPath(id, "units"), in, &out)
}

// UnassignUnit takes a unit off a call.
func (c *Client) UnassignUnit(ctx context.Context, communityID, id, userID string) (*Call, error) {
	var out Call
	return &out, c.DoIn(ctx, communityID, http.MethodDelete, callPath(id, "units", userID), nil, &out)
}

// AddCallNote notes on a call.
func (c *Client) AddCallNote(ctx context.Context, communityID, id, note string) (*Call, error) {
	var out Call
	return &out, c.DoIn(ctx, communityID, http.MethodPost, callPath(id, "notes"), map[string]string{"note": note}, &out)
}

// AttachToCall puts civilians and vehicles on a call (detach: takes them off).
func (c *Client) AttachToCall(ctx context.Context, communityID, id string, characters, vehicles []string, detach bool) (*Call, error) {
	op := "attach"
	if detach {
		op = "detach"
	}
	var out Call
	in := map[string]any{"characters": characters, "vehicles": vehicles}
	return &out, c.DoIn(ctx, communityID, http.MethodPost, callPath(id, op), in, &out)
}

// Units lists the units on duty.
func (c *Client) Units(ctx context.Context, communityID string) ([]Unit, error) {
	var out struct {
		Units []Unit `json:"units"`
	}
	return out.Units, c.DoIn(ctx, communityID, http.MethodGet, "/api/units", nil, &out)
}

// SetDuty puts the caller on or off duty.
func (c *Client) SetDuty(ctx context.Context, communityID string, onDuty bool, department, callSign string) (*Unit, error) {
	var out struct {
		Unit Unit `json:"unit"`
	}
	in := map[string]any{"onDuty": onDuty, "department": department, "callSign": callSign}
	return &out.Unit, c.DoIn(ctx, communityID, http.MethodPost, "/api/units/duty", in, &out)
}

// SetUnitStatus sets a unit's status (one's own, or a dispatcher's for anyone).
func (c *Client) SetUnitStatus(ctx context.Context, communityID, userID, status string) (*Unit, error) {
	var out struct {
		Unit Unit `json:"unit"`
	}
	return &out.Unit, c.DoIn(ctx, communityID, http.MethodPut, "/api/units/"+url.PathEscape(userID)+"/status", map[string]string{"status": status}, &out)
}

// BOLOs lists the active BOLOs (all: every one).
func (c *Client) BOLOs(ctx context.Context, communityID string, all bool) ([]BOLO, error) {
	q := url.Values{}
	if all {
		q.Set("all", "true")
	}
	var out struct {
		BOLOs []BOLO `json:"bolos"`
	}
	return out.BOLOs, c.DoIn(ctx, communityID, http.MethodGet, withQuery("/api/bolos", q), nil, &out)
}

// CreateBOLO records a BOLO.
func (c *Client) CreateBOLO(ctx context.Context, communityID string, in BOLOInput) (*BOLO, error) {
	var out BOLO
	return &out, c.DoIn(ctx, communityID, http.MethodPost, "/api/bolos", in, &out)
}

// ResolveBOLO ends a BOLO.
func (c *Client) ResolveBOLO(ctx context.Context, communityID, id string) (*BOLO, error) {
	var out BOLO
	return &out, c.DoIn(ctx, communityID, http.MethodPost, "/api/bolos/"+url.PathEscape(id)+"/resolve", nil, &out)
}

// Positions is the live map.
func (c *Client) Positions(ctx context.Context, communityID string) ([]Position, error) {
	var out struct {
		Positions []Position `json:"positions"`
	}
	return out.Positions, c.DoIn(ctx, communityID, http.MethodGet, "/api/dispatch/positions", nil, &out)
}
