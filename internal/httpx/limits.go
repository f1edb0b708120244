package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Group is a route group with a published rate limit (docs/limits.md, and
// each operation's x-rate-limit in docs/openapi.yaml). Every route belongs
// to one; a test checks that the document says the same.
type Group string

// The groups. Their numbers come from the configuration (rate_limit_*),
// with the CDE CAD reference's as defaults.
const (
	// GroupNone: health probes and the site root, which load balancers
	// and the FiveM resources' online check call; never limited.
	GroupNone Group = "none"
	// GroupAPI: every other route, per user, per game-server key, or per
	// address when anonymous.
	GroupAPI Group = "api"
	// GroupLookup: look-ups and searches, per user.
	GroupLookup Group = "lookup"
	// GroupFiveM: the game-server routes, per key.
	GroupFiveM Group = "fivem"
	// GroupFiveMHigh: 911 calls and panic alerts, per key.
	GroupFiveMHigh Group = "fivem-high-impact"
	// GroupReports: report generation, per user.
	GroupReports Group = "reports"
)

// Groups lists every group.
func Groups() []Group {
	return []Group{GroupNone, GroupAPI, GroupLookup, GroupFiveM, GroupFiveMHigh, GroupReports}
}

// RouteOption adjusts a route at registration.
type RouteOption func(*routeSpec)

type routeSpec struct {
	group     Group
	bodyLimit int64 // 0: the configured body_limit
	// before runs ahead of the route's guard (the legacy apiKey in a
	// body).
	before    echo.MiddlewareFunc
	longLived bool
	// secretPath: a path parameter is a secret (an invite's code).
	secretPath bool
}

// Body limits of the routes that carry images or bulk records; every
// other route keeps the configured body_limit (1 MiB by default).
const (
	// ImageBodyLimit fits a 5 MB image as a base64 data URI in JSON.
	ImageBodyLimit int64 = 8 << 20
	// BulkBodyLimit fits a force-sync of thousands of records.
	BulkBodyLimit int64 = 16 << 20
)

// BodyLimit lets a route take bodies up to n bytes: ImageBodyLimit or
// BulkBodyLimit.
func BodyLimit(n int64) RouteOption { return func(r *routeSpec) { r.bodyLimit = n } }

// Limit puts a route in a group other than its access's default.
func Limit(g Group) RouteOption { return func(r *routeSpec) { r.group = g } }

// Before runs mw ahead of the route's guard: the authentication and
// every check after it.
func Before(mw echo.MiddlewareFunc) RouteOption { return func(r *routeSpec) { r.before = mw } }

// LongLived marks a route that holds its connection open (a socket, an
// event stream): no request deadline applies; its own heartbeats bound
// it.
func LongLived() RouteOption { return func(r *routeSpec) { r.longLived = true } }

// SecretPath marks a route whose path carries a secret (an invite's
// code): the access log writes the route's pattern in place of the path,
// so that the secret never reaches the log (R78).
func SecretPath() RouteOption { return func(r *routeSpec) { r.secretPath = true } }

// defaultGroup is a route's group when it names none: game-server routes
// are FiveM routes, everything else is the general API.
func defaultGroup(a Access) Group {
	if a == GameServer {
		return GroupFiveM
	}
	return GroupAPI
}

// limit enforces g's rule on the caller: the user, the game server's key,
// or the client address when there is no credential. Every answer carries
// the limit in RateLimit-* headers; a refusal is a 429 with Retry-After and
// the standard body. The state is in memory, so a request costs no write.
func (s *Server) limit(g Group) echo.MiddlewareFunc {
	what := map[Group]string{
		GroupAPI:       "API requests",
		GroupLookup:    "look-ups and searches",
		GroupFiveM:     "requests to the FiveM routes per game-server key",
		GroupFiveMHigh: "911 calls and panic alerts per game-server key",
		GroupReports:   "report generations",
	}[g]
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			rule, err := s.ruleFor(c, g)
			if err != nil {
				return err
			}
			// The rule is part of the key: when a Super Admin changes a
			// community's limit, its keys start afresh under the new one.
			v := s.limiter.Allow(limitKey(c, g)+"/"+strconv.Itoa(rule.Limit), rule)
			setLimitHeaders(c.Response().Header(), v.Limit, v.Remaining, v.Reset, v.Window, string(g))

			if !v.Allowed {
				s.deps.Metrics.Limited(string(g))
				return v.Error(string(g), what)
			}
			return next(c)
		}
	}
}

// limitKey is whom a request counts against: a user, a game server's key,
// or, with no credential, the client address.
func limitKey(c *echo.Context, g Group) string {
	p := PrincipalOf(c)
	switch {
	case p.IsUser():
		return string(g) + ":u:" + p.User.ID
	case p.IsServer():
		return string(g) + ":k:" + p.APIKey.ID
	}
	return string(g) + ":ip:" + c.RealIP()
}

// ruleFor is g's rule for this request: the deployment's, or, for the
// FiveM groups, the key's community's own when a Super Admin set one.
func (s *Server) ruleFor(c *echo.Context, g Group) (cad.Rate, error) {
	l := s.cfg.Limits
	switch g {
	case GroupLookup:
		return l.Lookup, nil
	case GroupReports:
		return l.Reports, nil
	case GroupFiveM, GroupFiveMHigh:
		rule := l.FiveM
		if g == GroupFiveMHigh {
			rule = l.FiveMHighImpact
		}
		p := PrincipalOf(c)
		if !p.IsServer() {
			return rule, nil
		}
		com, err := s.deps.Tenancy.Resolve(c.Request().Context(), p.APIKey.CommunityID)
		if err != nil {
			return rule, err
		}
		own := com.Limits.FiveMPerMinute
		if g == GroupFiveMHigh {
			own = com.Limits.FiveMHighImpactPerMinute
		}
		if own > 0 {
			rule = cad.Rate{Limit: own, Window: time.Minute}
		}
		return rule, nil
	}
	return l.API, nil
}

// setLimitHeaders publishes a limit (IETF RateLimit header fields):
// RateLimit-Limit, -Remaining, -Reset (seconds until the whole allowance is
// back) and -Policy ("300;w=60;comment=\"api\""). Every limited answer
// carries them, so the values come from shared tables rather than being
// formatted (and allocated) per request.
func setLimitHeaders(h http.Header, limit, remaining int, reset, window time.Duration, policy string) {
	h["Ratelimit-Limit"] = number(limit)
	h["Ratelimit-Remaining"] = number(max(remaining, 0))
	h["Ratelimit-Reset"] = number(ceilSeconds(reset))
	h["Ratelimit-Policy"] = policyValue(limit, window, policy)
}

// numbers holds the header values of small whole numbers; others are
// formatted.
var numbers = func() [][]string {
	out := make([][]string, 4096)
	for i := range out {
		out[i] = []string{strconv.Itoa(i)}
	}
	return out
}()

func number(n int) []string {
	if n >= 0 && n < len(numbers) {
		return numbers[n]
	}
	return []string{strconv.Itoa(n)}
}

type policyKey struct {
	limit  int
	window time.Duration
	name   string
}

var policies sync.Map // policyKey -> []string

func policyValue(limit int, window time.Duration, name string) []string {
	k := policyKey{limit, window, name}
	if v, ok := policies.Load(k); ok {
		return v.([]string)
	}
	v := []string{fmt.Sprintf("%d;w=%d;comment=%q", limit, int(window/time.Second), name)}
	policies.Store(k, v)
	return v
}

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// setRefusalHeaders adds what a 429 carries: the limit that refused it and
// Retry-After.
func setRefusalHeaders(c *echo.Context, err error) {
	var busy *cad.BusyError
	if errors.As(err, &busy) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(busy.RetryAfter))))
		return
	}
	var le *cad.LimitError
	if !errors.As(err, &le) {
		return
	}
	h := c.Response().Header()
	secs := max(1, ceilSeconds(le.RetryAfter))
	h.Set("Retry-After", strconv.Itoa(secs))
	reset := le.RetryAfter
	if reset < time.Duration(secs)*time.Second {
		reset = time.Duration(secs) * time.Second
	}
	setLimitHeaders(h, le.Limit, le.Remaining, reset, le.Window, le.Policy)
}
