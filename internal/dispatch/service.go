// Package dispatch holds the rules of dispatch: calls and their lifecycle,
// units on duty, 911 and panic from the game, traffic stops, BOLOs, live
// positions, ALPR cameras and ERS call-outs. Every store call names the
// caller's community; every change is published as an event (cad.Event)
// for the real-time gateway, and written to the community's audit trail.
package dispatch

import (
	"context"
	"log/slog"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
)

// Caller is who asks, in which community (the civil service's view).
type Caller = civil.Caller

// Service is the dispatch service.
type Service struct {
	db        cad.DispatchStore
	civil     *civil.Service
	audit     civil.Auditor
	pub       cad.Publisher
	log       *slog.Logger
	now       func() time.Time
	positions *Positions
	sweep     mediaSweep // the media janitor's
}

// Options configure the service.
type Options struct {
	Logger    *slog.Logger
	Now       func() time.Time
	Publisher cad.Publisher // nil publishes nothing
}

// New returns the service.
func New(db cad.DispatchStore, civ *civil.Service, audit civil.Auditor, o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Publisher == nil {
		o.Publisher = nopPublisher{}
	}
	return &Service{db: db, civil: civ, audit: audit, pub: o.Publisher, log: o.Logger, now: o.Now, positions: NewPositions()}
}

type nopPublisher struct{}

func (nopPublisher) Publish(cad.Event) {}

// Positions is the live map's memory.
func (s *Service) Positions() *Positions { return s.positions }

// publish sends an event; it never blocks or fails the change.
func (s *Service) publish(typ, communityID, id string, payload any) {
	s.pub.Publish(cad.Event{Type: typ, CommunityID: communityID, ID: id, Time: s.now().UTC(), Payload: payload})
}

func (s *Service) record(ctx context.Context, c Caller, action, target string, before, after any) {
	s.audit.Record(ctx, c.Actor, c.CommunityID(), action, target, before, after)
}

// Permissions.
var (
	errNeedDispatch = cad.Errorf(cad.EFORBIDDEN, "This needs the dispatch permission")
	errNeedUnit     = cad.Errorf(cad.EFORBIDDEN, "This needs the dispatch, LEO, fire or EMS permission")
	errCallNotFound = cad.Errorf(cad.ENOTFOUND, "Call not found")
)

// dispatcher reports whether the caller runs calls: dispatch permission,
// Supervisor and up, or a game server.
func dispatcher(c Caller) bool { return c.Has(cad.DeptDispatch) || c.IsSupervisor() }

// responder reports whether the caller works calls: a dispatcher, or a
// member of a LEO, fire or EMS department.
func responder(c Caller) bool {
	return dispatcher(c) || c.Has(cad.DeptLEO) || c.Has(cad.DeptFire) || c.Has(cad.DeptEMS)
}

// Responder reports whether a standing in a community works calls (and so
// sees panic alerts, units, BOLOs and the live map): the one rule, for the
// real-time gateway as for the API.
func Responder(sc *cad.Scope) bool { return responder(Caller{Scope: sc}) }

// expiry is a community's call expiry.
func expiry(com *cad.Community) time.Duration {
	m := com.Settings.CallExpiryMinutes
	if m <= 0 {
		m = cad.DefaultCallExpiryMinutes
	}
	return time.Duration(m) * time.Minute
}
