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
)

// Service is the dispatch service.
type Service struct {
	db        cad.DispatchStore
	civil     Civil
	audit     cad.Auditor
	pub       cad.Publisher
	log       *slog.Logger
	now       func() time.Time
	positions *Positions
	sweep     mediaSweep // the media janitor's
}

// Civil is what dispatch asks of the civil records: the characters and
// plates calls and traffic stops name, and the stored images of ALPR hits
// (civil.Service does all of it).
type Civil interface {
	Character(ctx context.Context, c cad.Caller, ref string) (*cad.Character, error)
	Resolve(ctx context.Context, c cad.Caller, ref string) (*cad.Character, error)
	PlateLookup(ctx context.Context, c cad.Caller, plate string) (*cad.PlateResult, error)
	MediaUsage(ctx context.Context, com *cad.Community) (*cad.MediaUsage, cad.MediaQuota, error)
	CheckImageHeader(data []byte) error
	PrepareALPRPhoto(ctx context.Context, com *cad.Community, data []byte) (*cad.Media, error)
	StoreALPRPhoto(ctx context.Context, com *cad.Community, hitID string, photo *cad.Media) (string, error)
	ImageURL(communityID, id string) string
	NormalizeStored(ctx context.Context, m *cad.Media, kind string) (*cad.Media, error)
}

// Options configure the service.
type Options struct {
	Logger    *slog.Logger
	Now       func() time.Time
	Publisher cad.Publisher // nil publishes nothing
}

// New returns the service.
func New(db cad.DispatchStore, civ Civil, audit cad.Auditor, o Options) *Service {
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

// RunPositionSweep drops the live map's stale positions every interval
// until ctx ends.
func (s *Service) RunPositionSweep(ctx context.Context, every time.Duration) {
	cad.Every(ctx, every, func(context.Context) { s.positions.Sweep(s.now()) })
}

// LiveMap is a community's live map now: the positions that are not
// stale (for the real-time gateway, which checked the standing).
func (s *Service) LiveMap(communityID string, now time.Time) []cad.Position {
	return s.positions.Snapshot(communityID, now)
}

// publish sends an event; it never blocks or fails the change.
func (s *Service) publish(typ, communityID, id string, payload any) {
	s.pub.Publish(cad.Event{Type: typ, CommunityID: communityID, ID: id, Time: s.now().UTC(), Payload: payload})
}

func (s *Service) record(ctx context.Context, c cad.Caller, action, target string, before, after any) {
	s.audit.Record(ctx, c.Actor, c.CommunityID(), action, target, before, after)
}

// Permissions.
var (
	errNeedDispatch = cad.Errorf(cad.EFORBIDDEN, "This needs the dispatch permission")
	errNeedUnit     = cad.Errorf(cad.EFORBIDDEN, "This needs the dispatch, LEO, fire or EMS permission")
	errCallNotFound = cad.Errorf(cad.ENOTFOUND, "Call not found")
)

// expiry is a community's call expiry.
func expiry(com *cad.Community) time.Duration {
	m := com.Settings.CallExpiryMinutes
	if m <= 0 {
		m = cad.DefaultCallExpiryMinutes
	}
	return time.Duration(m) * time.Minute
}
