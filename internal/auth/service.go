package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
)

// Lifetimes, documented in docs/auth.md.
const (
	BrowserIdle        = 24 * time.Hour      // the reference's "24 hours of inactivity"
	BrowserMax         = 7 * 24 * time.Hour  // absolute, however active
	RememberFor        = 30 * 24 * time.Hour // a remembered browser session ("rememberMe": true)
	TabletIdle         = 7 * 24 * time.Hour
	TabletMax          = 7 * 24 * time.Hour
	MaxTokenLifetime   = 366 * 24 * time.Hour // a personal token lives at most a year
	ResetTokenLifetime = 15 * time.Minute
	// touchEvery bounds how often a session's last-seen time is written.
	touchEvery = time.Minute
)

// Config holds what the service takes from Precinct's configuration.
type Config struct {
	// Issuer goes into and is required of every JWT: the public URL.
	Issuer string
	// JWTSecret and CookieSecret, when set, replace the keys otherwise
	// generated and kept in the database. At least MinSecretLen bytes.
	JWTSecret    []byte
	CookieSecret []byte
	// Secure is true when the public URL is https: cookies get Secure and
	// the __Host- prefix.
	Secure bool
	// HashConcurrency bounds concurrent password hashes (R8); 0 picks
	// GOMAXPROCS (see NewHasher).
	HashConcurrency int
	// Discord, when set, turns Discord sign-in on: the application's
	// client (discord.New, which the application builds from the
	// configuration).
	Discord DiscordClient
	// OpenRegistration lets anyone sign up (Register) without an invite.
	OpenRegistration bool
	// SignIn is the limit of failed sign-ins per client address; zero
	// means IPFailureLimit per IPFailureWindow.
	SignIn cad.Rate
	// Metrics records sign-in results and hash waits; nil records
	// nothing.
	Metrics Observer
	// Now replaces the clock in tests.
	Now func() time.Time
	// HashParams replace DefaultParams for new hashes and the dummy hash
	// (tests, where thousands of hashes at R7's cost are most of the
	// suite's time; stored hashes are checked with their own params). The
	// zero value means DefaultParams.
	HashParams Params
}

// ConfigFrom takes the service's settings from Precinct's configuration:
// all but the Discord client, which the application adds when Discord
// sign-in is configured.
func ConfigFrom(c *config.Config) Config {
	return Config{Issuer: c.PublicURL, JWTSecret: c.JWTSecret, CookieSecret: c.CookieSecret, Secure: c.Secure(), SignIn: c.Limits.SignIn,
		HashConcurrency: c.HashConcurrency, OpenRegistration: c.OpenRegistration}
}

// Service is Precinct's authentication: accounts, sessions, tokens, the
// password reset, abuse limits and the authentication audit trail.
type Service struct {
	db      cad.AuthStore
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	hasher  *Hasher
	jwtKeys *keyRing
	cookies *CookieStore
	decoy   []byte
	discord DiscordClient // nil: Discord sign-in is off
	keys    *keyTouches
	// verified caches checked access tokens (jwt.go).
	verified verifiedTokens
	// signIn is the limit of failed tries per client address, and tries
	// the sign-in tries this process is hashing (limits.go).
	signIn  limiter
	tries   *inFlight
	metrics Observer
	// OnDiscordSignIn, when set, runs after a Discord sign-in or
	// registration, or a Discord account's linking (communities join from
	// the user's guilds).
	OnDiscordSignIn func(ctx context.Context, u *cad.User) error
	// Invites, when set, lets a sign-up with an invite code join the
	// invite's community in the same step (Register).
	Invites Invites
}

// Invites are the invite links a sign-up may bring (community.Service
// keeps them): authentication makes the account, tenancy decides what an
// invite admits.
type Invites interface {
	// CheckInvite answers not_found unless code admits someone now; a
	// failed try counts against the client's address.
	CheckInvite(ctx context.Context, code string, cl cad.Client) error
	// JoinByInvite makes u a member of the invite's community and counts
	// a use, inside the caller's transaction; not_found when the invite
	// admits no one (any more).
	JoinByInvite(ctx context.Context, code string, u *cad.User, cl cad.Client) (*cad.Membership, error)
}

// New loads (or on first start generates) the server keys and returns the
// service. A configured secret shorter than MinSecretLen is refused (R39).
func New(ctx context.Context, db cad.AuthStore, cfg Config, logger *slog.Logger) (*Service, error) {
	if logger == nil {
		logger = slog.Default()
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &Service{db: db, cfg: cfg, log: logger, now: func() time.Time { return now().UTC() }, keys: newKeyTouches(),
		tries: newInFlight(), metrics: cfg.Metrics}
	if s.metrics == nil {
		s.metrics = noMetrics{}
	}
	s.signIn = limiter{prefix: "ipfail", limit: IPFailureLimit, window: IPFailureWindow, what: "attempts", policy: "sign-in"}
	if cfg.SignIn.Limit > 0 {
		s.signIn.limit, s.signIn.window = cfg.SignIn.Limit, cfg.SignIn.Window
	}
	params := DefaultParams
	if cfg.HashParams != (Params{}) {
		params = cfg.HashParams
	}
	s.hasher = NewHasher(params, cfg.HashConcurrency, 0)
	s.hasher.onWait = s.metrics.HashWait
	t := s.now()
	var err error
	if s.jwtKeys, err = loadRing(ctx, db, purposeJWT, cfg.JWTSecret, t); err != nil {
		return nil, err
	}
	cookieRing, err := loadRing(ctx, db, purposeCookie, cfg.CookieSecret, t)
	if err != nil {
		return nil, err
	}
	s.cookies = newCookieStore(cookieRing.all(), cfg.Secure)
	decoyRing, err := loadRing(ctx, db, purposeDecoy, nil, t)
	if err != nil {
		return nil, err
	}
	s.decoy = decoyRing.current().Secret
	s.discord = cfg.Discord
	return s, nil
}

// Observer records what the service does, for metrics.
type Observer interface {
	// SignIn records a password sign-in's result: success, failure,
	// locked, limited or busy.
	SignIn(result string)
	// HashWait records how long a hash waited for a slot, and whether it
	// got none.
	HashWait(d time.Duration, busy bool)
}

type noMetrics struct{}

func (noMetrics) SignIn(string)                {}
func (noMetrics) HashWait(time.Duration, bool) {}

// Hasher is the service's password hasher (for tests and benchmarks).
func (s *Service) Hasher() *Hasher { return s.hasher }

// Cookies is the browser session cookie store.
func (s *Service) Cookies() *CookieStore { return s.cookies }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Client is cad.Client, the description of who is asking, under the name
// callers outside internal/ (the command line, pkg/client's tests) know.
type Client = cad.Client

// event records an authentication event in the database and the log. It
// never fails the request: the log line is written even when the database
// insert is not (R76, R77, R78).
func (s *Service) event(ctx context.Context, cl cad.Client, e cad.AuthEvent) {
	e.Time = s.now()
	e.IP, e.UserAgent, e.RequestID = cl.IP, cl.UserAgent, cl.RequestID
	if e.Outcome == "" {
		e.Outcome = cad.OutcomeSuccess
	}
	level := slog.LevelInfo
	if e.Outcome != cad.OutcomeSuccess {
		level = slog.LevelWarn
	}
	if err := s.db.AddAuthEvent(context.WithoutCancel(ctx), &e); err != nil {
		s.log.ErrorContext(ctx, "storing an auth event failed", "error", err.Error(), "event", e.Type)
	}
	s.log.LogAttrs(ctx, level, "auth event",
		slog.String("event", e.Type), slog.String("outcome", e.Outcome),
		slog.String("ts", e.Time.Format(time.RFC3339Nano)),
		slog.String("actor", e.UserID), slog.String("username", e.Username), slog.String("community", ""),
		slog.String("session", shortID(e.SessionID)),
		slog.String("ip", e.IP), slog.String("ua", e.UserAgent), slog.String("requestId", e.RequestID),
		slog.String("detail", e.Detail))
}

// shortID shows enough of a session id (itself a hash) to match log lines,
// and no more.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// AuthEvents lists authentication events for a Super Admin.
// It returns the cursor of the next page ("" at the end).
func (s *Service) AuthEvents(ctx context.Context, p *cad.Principal, f cad.AuthEventFilter) ([]*cad.AuthEvent, string, error) {
	if !p.IsUser() || !p.User.SuperAdmin {
		return nil, "", cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Super Admin")
	}
	return s.db.AuthEvents(ctx, f)
}

// randomToken returns prefix + 256 random bits in base64url, and the hex
// SHA-256 under which it is stored.
func randomToken(prefix string) (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

// hashToken is how high-entropy secrets (session secrets, reset tokens) are
// stored and looked up: SHA-256 is enough for 256-bit random values.
func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// trimUA keeps user agents to a sane size in records and logs.
func trimUA(ua string) string {
	ua = strings.ToValidUTF8(ua, "")
	if len(ua) > 256 {
		return ua[:256]
	}
	return ua
}

// RunJanitor deletes expired sessions, reset tokens and counters every
// interval until ctx ends. Nothing depends on it for correctness (every read
// checks expiry); it keeps the collections small where the database has no
// TTL indexes.
func (s *Service) RunJanitor(ctx context.Context, every time.Duration) {
	cad.Every(ctx, every, func(ctx context.Context) {
		// Pick up a key made by `precinct jwt rotate` or another
		// instance, so that it becomes the signing key here too.
		if err := s.jwtKeys.maybeReload(ctx, s.now()); err != nil {
			s.log.WarnContext(ctx, "reloading the JWT keys", "error", err.Error())
		}
		n, err := s.db.DeleteExpired(ctx, s.now())
		if err != nil {
			s.log.WarnContext(ctx, "janitor", "error", err.Error())
		} else if n > 0 {
			s.log.DebugContext(ctx, "janitor removed expired records", "count", n)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
