// Package civil holds the rules of civil records: characters, their
// vehicles, licenses and bank accounts, and the look-ups officers run on
// them. Every store call names the caller's community; every change and
// every look-up is written to the community's audit trail.
package civil

import (
	"context"
	"log/slog"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Service is the civil-records service.
type Service struct {
	db    cad.CivilStore
	audit cad.Auditor
	log   *slog.Logger
	now   func() time.Time
	// mediaURL is the public URL of a stored image.
	mediaURL func(communityID, id string) string
	media    MediaOptions
	obs      Observer
	// decodes and renders are slots: images decoded at once, ID cards
	// drawn at once.
	decodes, renders chan struct{}
	cards            *cardCache
}

// Options configure the service.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// PublicURL is where browsers and the game reach Precinct; stored
	// images are served under it.
	PublicURL string
	// Media are the quotas and the fetcher of stored images
	// (MediaOptionsFrom).
	Media MediaOptions
	// Observer records what the image rules do (nil: nothing).
	Observer Observer
}

// MediaOptions configure stored images.
type MediaOptions struct {
	// Quota is each community's default quota of stored images, ALPRQuota
	// the share of it ALPR photos may take; 0 means the defaults.
	Quota, ALPRQuota int64
	// Fetch fetches outside mugshot URLs to store them; nil drops them.
	Fetch Fetcher
}

// Default media quotas (media_quota, media_quota_alpr).
const (
	DefaultMediaQuota = 1 << 30
	DefaultALPRQuota  = 256 << 20
)

// Observer records what the image rules do (metrics.Metrics does).
type Observer interface {
	// MediaRefused counts an image refused: "image" (unreadable or over
	// the pixel bounds), "quota" or "alpr_quota".
	MediaRefused(reason string)
	// CardRender counts an ID card answered: "cached", "drawn" or "busy".
	CardRender(result string)
	// MediaFetch counts an outside mugshot URL: "stored", "failed" or
	// "dropped" (no fetcher).
	MediaFetch(result string)
}

type nopObserver struct{}

func (nopObserver) MediaRefused(string) {}
func (nopObserver) CardRender(string)   {}
func (nopObserver) MediaFetch(string)   {}

// New returns the service.
func New(db cad.CivilStore, audit cad.Auditor, o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Media.Quota <= 0 {
		o.Media.Quota = DefaultMediaQuota
	}
	if o.Media.ALPRQuota <= 0 {
		o.Media.ALPRQuota = DefaultALPRQuota
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	base := o.PublicURL
	return &Service{db: db, audit: audit, log: o.Logger, now: o.Now,
		mediaURL: func(communityID, id string) string { return base + MediaPath(communityID, id) },
		media:    o.Media, obs: o.Observer,
		decodes: make(chan struct{}, imageDecodes), renders: make(chan struct{}, cardRenders), cards: newCardCache(cardCacheEntries, cardCacheBytes)}
}

// MediaPath is the path a stored image is served at. The id is 128 random
// bits: knowing the path is the permission to see the image, as the game's
// browser cannot send a header with an <img>.
func MediaPath(communityID, id string) string {
	return "/api/media/" + communityID + "/" + id
}

// officer reports whether the caller may run look-ups: LEO or dispatch.
func officer(c cad.Caller) bool { return c.Has(cad.DeptLEO) || c.Has(cad.DeptDispatch) }

// owns reports whether the character is the caller's own.
func owns(c cad.Caller, ch *cad.Character) bool { return c.UserID != "" && ch.OwnerID == c.UserID }

var (
	errNeedOfficer = cad.Errorf(cad.EFORBIDDEN, "Look-ups need the LEO or dispatch permission")
	errNeedLicense = cad.Errorf(cad.EFORBIDDEN, "Changing a license needs the LEO permission or the Supervisor role")
)

func (s *Service) record(ctx context.Context, c cad.Caller, action, target string, before, after any) {
	if isQuiet(ctx) && action != "civilian.bulk-sync" && action != "vehicle.bulk-sync" {
		return
	}
	s.audit.Record(ctx, c.Actor, c.CommunityID(), action, target, before, after)
}

// lookedUp records a look-up in the audit trail; an answer is given only
// once its entry is stored.
func (s *Service) lookedUp(ctx context.Context, c cad.Caller, kind, query string, hit bool) error {
	return s.audit.RecordLookup(ctx, c.Actor, c.CommunityID(), kind, query, hit)
}

// MediaURL is the public URL of a character's stored mugshot, or "". An
// outside URL a record still holds from before outside URLs were dropped
// is never answered: it would show officers' addresses to whoever chose
// it.
func (s *Service) MediaURL(ch *cad.Character) string {
	if ch.MugshotID != "" {
		return s.mediaURL(ch.CommunityID, ch.MugshotID)
	}
	return ""
}
