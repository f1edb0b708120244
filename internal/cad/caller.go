package cad

import (
	"context"
	"slices"
)

// Client describes who is asking, for limits and the audit trail: the
// address, the user agent and the request id of one request.
type Client struct {
	IP        string
	UserAgent string
	RequestID string
}

// Actor is who makes a change, for the rules and the audit log.
type Actor struct {
	UserID     string
	Kind       string // "user", "superadmin", "server", "cli"
	Rank       int    // RoleRank of the actor's role; SuperAdminRank for a Super Admin
	SuperAdmin bool
	IP         string
	RequestID  string
}

// ActorOf describes the caller of a request: a scoped one's rank is its
// standing in the scope's community (sc may be nil).
func ActorOf(p *Principal, sc *Scope, cl Client) Actor {
	a := Actor{IP: cl.IP, RequestID: cl.RequestID}
	switch {
	case p.IsServer():
		a.Kind, a.UserID = "server", "apikey:"+p.APIKey.ID
	case p.IsUser() && p.User.SuperAdmin:
		a.Kind, a.UserID, a.SuperAdmin, a.Rank = "superadmin", p.User.ID, true, SuperAdminRank
	case p.IsUser():
		a.Kind, a.UserID = "user", p.User.ID
		if sc != nil {
			a.Rank = sc.Rank
		}
	}
	return a
}

// CLIActor is the operator at the command line: a Super Admin.
func CLIActor() Actor {
	return Actor{Kind: "cli", UserID: "cli", Rank: SuperAdminRank, SuperAdmin: true, IP: "cli"}
}

// Auditor writes a community's audit trail (community.Service does); the
// areas record their changes and look-ups through it.
type Auditor interface {
	// Record writes an entry for a change; it never fails the change.
	Record(ctx context.Context, a Actor, communityID, action, target string, before, after any)
	// RecordLookup writes a look-up's compact entry and returns once it is
	// stored; the look-up fails when it cannot be.
	RecordLookup(ctx context.Context, a Actor, communityID, kind, query string, hit bool) error
}

// Caller is who asks, in which community, as the HTTP layer resolved it:
// every area's service takes it.
type Caller struct {
	Scope *Scope
	Actor Actor
	// UserID is the member's user id; "" for a game server.
	UserID string
	// DiscordID is the member's Discord id, given to the characters they
	// make so that the game finds them.
	DiscordID string
}

// CommunityID is the community the caller acts in.
func (c Caller) CommunityID() string { return c.Scope.Community.ID }

// IsServer reports whether a game server's key asks.
func (c Caller) IsServer() bool { return c.Scope.Server }

// IsSupervisor reports whether the caller may act on every member's
// records: a Supervisor and up, or a game server.
func (c Caller) IsSupervisor() bool {
	return c.Scope.Server || c.Scope.Rank >= RoleRank(RoleSupervisor)
}

// Has reports whether the caller holds a department permission (game
// servers hold them all in their community).
func (c Caller) Has(perm string) bool {
	return c.Scope.Server || slices.Contains(c.Scope.Permissions, perm)
}

// IsDispatcher reports whether the caller runs calls: the dispatch
// permission, Supervisor and up, or a game server.
func (c Caller) IsDispatcher() bool { return c.Has(DeptDispatch) || c.IsSupervisor() }

// IsResponder reports whether the caller works calls: a dispatcher, or a
// member of a LEO, fire or EMS department.
func (c Caller) IsResponder() bool {
	return c.IsDispatcher() || c.Has(DeptLEO) || c.Has(DeptFire) || c.Has(DeptEMS)
}

// Responder reports whether a standing in a community works calls (and so
// sees panic alerts, units, BOLOs and the live map): the one rule, for the
// real-time gateway as for the API.
func Responder(sc *Scope) bool { return Caller{Scope: sc}.IsResponder() }
