package civil

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/safehttp"
)

// Mugshots as callers give them: a data URI (stored), "" (removed), or an
// http(s) URL. An outside URL is never kept as a URL: shown in officers'
// browsers it would tell whoever chose it their addresses. When the
// operator turned the fetcher on (media_fetch) it is fetched once, under
// the outgoing-request rules (package safehttp), and stored like an
// upload; otherwise, or when that fails, it is dropped: a game server's
// record is saved without it, a member is told.

// fetchTimeout bounds fetching one outside mugshot, within the request's
// own deadline.
const fetchTimeout = 3 * time.Second

// MediaOptionsFrom reads the media settings of the configuration.
func MediaOptionsFrom(cfg *config.Config) MediaOptions {
	o := MediaOptions{Quota: cfg.MediaQuota, ALPRQuota: cfg.MediaQuotaALPR}
	if cfg.MediaFetch {
		o.Fetch = safehttp.New(safehttp.Options{AllowHTTP: cfg.OutboundAllowHTTP, AllowPrivate: cfg.OutboundAllowPrivate,
			Timeout: fetchTimeout, MaxBytes: cad.MaxMediaBytes, MaxRedirects: 3, UserAgent: "Precinct (mugshot fetcher)"})
	}
	return o
}

// Fetcher fetches outside images (safehttp.Client does).
type Fetcher interface {
	Get(ctx context.Context, rawURL, accept string) (*safehttp.Response, error)
}

// mugshotChange is what a mugshot field asks for.
type mugshotChange struct {
	set bool   // the field changes the mugshot
	img *Image // the new image; nil (with set) removes it
}

// parseMugshot reads a caller's mugshot field for a character (current;
// nil for a new one): nil
// changes nothing; "" removes the mugshot; a data URI is decoded and
// normalised; Precinct's own image URL, given back as read, changes
// nothing; an outside URL is fetched when the fetcher is on. What cannot
// be stored is refused for a member and dropped for a game server (see
// the package comment above).
func (s *Service) parseMugshot(ctx context.Context, c cad.Caller, v *string, current *cad.Character) (mugshotChange, error) {
	if v == nil {
		return mugshotChange{}, nil
	}
	raw := strings.TrimSpace(*v)
	switch {
	case raw == "":
		return mugshotChange{set: true}, nil
	case strings.HasPrefix(raw, "data:"):
		data, err := DecodeDataURI(raw)
		if err != nil {
			return mugshotChange{}, err
		}
		img, err := s.prepare(ctx, c.Scope.Community, cad.MediaMugshot, data, s.replaced(ctx, current))
		if err != nil {
			return s.dropFor(ctx, c, err)
		}
		return mugshotChange{set: true, img: img}, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(raw) > 2048 {
		return mugshotChange{}, errBadImage
	}
	if strings.HasPrefix(u.Path, MediaPath(c.CommunityID(), "")) {
		// One of this community's images, as read: no change.
		return mugshotChange{}, nil
	}
	if s.media.Fetch == nil || isQuiet(ctx) {
		// Without the fetcher (and in a bulk sync, which would fetch
		// thousands) an outside URL is dropped.
		s.obs.MediaFetch("dropped")
		return s.dropFor(ctx, c, cad.Errorf(cad.EINVALID, "Outside image URLs are not stored here (they would show officers' addresses to that site); upload the image instead"))
	}
	fctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	res, err := s.media.Fetch.Get(fctx, raw, "image/png, image/jpeg, image/webp")
	if err != nil {
		s.obs.MediaFetch("failed")
		s.log.InfoContext(ctx, "an outside mugshot could not be fetched", "host", u.Hostname(), "error", err.Error())
		return s.dropFor(ctx, c, cad.Wrap(cad.EINVALID, err, "The image at mugshotUrl could not be fetched: "+safehttp.Reason(err)))
	}
	img, err := s.prepare(ctx, c.Scope.Community, cad.MediaMugshot, res.Body, s.replaced(ctx, current))
	if err != nil {
		s.obs.MediaFetch("failed")
		return s.dropFor(ctx, c, err)
	}
	s.obs.MediaFetch("stored")
	return mugshotChange{set: true, img: img}, nil
}

// replaced is the counted size of the mugshot a new one replaces.
func (s *Service) replaced(ctx context.Context, current *cad.Character) int64 {
	if current == nil {
		return 0
	}
	return s.sizeOf(ctx, current.CommunityID, current.MugshotID)
}

// dropFor is what becomes of a mugshot that cannot be stored: a member is
// told why; a game server's record is saved without it (the FiveM
// resources do not read the refusal, and would lose the whole record), as
// long as the failure is not the request's own (a busy server, the
// deadline).
func (s *Service) dropFor(ctx context.Context, c cad.Caller, err error) (mugshotChange, error) {
	if c.IsServer() && cad.ErrorCode(err) != cad.EUNAVAILABLE && cad.ErrorCode(err) != cad.EINTERNAL {
		s.log.DebugContext(ctx, "a game server's mugshot was dropped", "communityId", c.CommunityID(), "reason", cad.ErrorMessage(err))
		return mugshotChange{}, nil
	}
	return mugshotChange{}, err
}
