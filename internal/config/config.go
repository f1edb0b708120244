// Package config loads Precinct's settings: built-in defaults, then an
// optional YAML file, then PRECINCT_* environment variables, then command-line
// flags, and finally validation that fails fast and names the bad key.
//
// Every setting is declared once, in the table returned by Settings; its YAML
// key, environment variable and flag are all derived from that one name, so
// the three spellings can never drift apart:
//
//	YAML http_addr  <->  env PRECINCT_HTTP_ADDR  <->  flag --http-addr
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/precinct-cad/precinct/internal/cad"
)

// EnvPrefix is the prefix of every environment variable Precinct reads.
const EnvPrefix = "PRECINCT_"

// Config is the complete, validated configuration of one Precinct process.
type Config struct {
	HTTPAddr        string        // address the HTTP server listens on
	PublicURL       string        // the URL browsers and game servers use to reach Precinct, without a trailing slash
	MongoDBURI      string        // empty means the SQLite file in DataDir
	MongoDBDatabase string        // database name inside the MongoDB server
	DataDir         string        // where the SQLite database file and other local state live
	LogLevel        string        // debug, info, warn or error
	LogFormat       string        // json or text
	TrustedProxies  []*net.IPNet  // peers whose X-Forwarded-For is believed
	CORSOrigins     []string      // origins allowed to call the API from a browser
	RequestTimeout  time.Duration // deadline of every request
	ShutdownTimeout time.Duration // how long in-flight requests may take to finish at shutdown
	// MongoDBUnsafeNoTransactions accepts a server without transactions
	// (tests only).
	MongoDBUnsafeNoTransactions bool
	BodyLimit                   int64  // largest request body in bytes
	JWTSecret                   []byte // signs access tokens; empty means generated and kept in the database
	CookieSecret                []byte // keys the session cookie; empty means generated and kept in the database

	DiscordClientID     string // the Discord application; empty turns Discord sign-in off
	DiscordClientSecret string
	DiscordBaseURL      string // https://discord.com, or a fake's URL
	DashboardURL        string // where a browser lands after Discord sign-in: a path or an absolute URL
	// OpenRegistration lets anyone sign up with a username and password
	// (POST /api/auth/register) without an invite link.
	OpenRegistration bool

	// Limits are the published rate limits, by route group
	// (docs/limits.md).
	Limits Limits
	// HashConcurrency bounds password hashes at once; 0 picks the
	// measured default.
	HashConcurrency int
	// MetricsAllow are the networks that may read /metrics; MetricsToken,
	// when set, lets anyone with it as a bearer token read them too.
	MetricsAllow []*net.IPNet
	MetricsToken string
	// MapInterval is how often live-map batches go out, at most
	// (docs/realtime.md).
	MapInterval time.Duration
	// RevalidateInterval is how often every real-time connection's
	// credential and rooms are checked again.
	RevalidateInterval time.Duration
	// SlowConsumerGrace is how long a real-time client may stay unable to
	// take a call or panic event before it is disconnected.
	SlowConsumerGrace time.Duration
	// MediaQuota is each community's default quota of stored images;
	// MediaQuotaALPR the share of it ALPR photos may take (docs/civil.md).
	MediaQuota, MediaQuotaALPR int64
	// MediaFetch turns on fetching the outside mugshot URLs callers give,
	// to store them; off, they are dropped.
	MediaFetch bool
	// OutboundAllowHTTP and OutboundAllowPrivate loosen the rules of
	// outgoing requests (package safehttp): plain http, and loopback or
	// private addresses. For tests and closed networks.
	OutboundAllowHTTP, OutboundAllowPrivate bool
	// LookupRetention is how long look-ups' audit entries are kept
	// (docs/operations.md).
	LookupRetention time.Duration
}

// Limits are the published rate limits of the route groups.
type Limits struct {
	API             cad.Rate // every route not in another group, per user (per address when anonymous)
	Lookup          cad.Rate // look-ups and search, per user
	FiveM           cad.Rate // the game-server routes, per key
	FiveMHighImpact cad.Rate // 911 and panic, per key
	Reports         cad.Rate // report generation, per user
	SignIn          cad.Rate // failed sign-ins per address
}

// DiscordEnabled reports whether Discord sign-in is configured.
func (c *Config) DiscordEnabled() bool { return c.DiscordClientID != "" && c.DiscordClientSecret != "" }

// DiscordRedirectURL is the one redirect URI to register with Discord.
func (c *Config) DiscordRedirectURL() string { return c.PublicURL + "/api/auth/discord/callback" }

// Setting describes one configuration key.
type Setting struct {
	Name    string // snake_case; the YAML key
	Default string // textual default, as it would be written in the environment
	Usage   string // one line for --help and the docs
	// set parses a textual value into the Config; it returns an error that
	// explains what is expected, without repeating the key.
	set func(c *Config, v string) error
}

// Env is the environment variable of the setting.
func (s Setting) Env() string { return EnvPrefix + strings.ToUpper(s.Name) }

// Flag is the command-line flag of the setting, without dashes.
func (s Setting) Flag() string { return strings.ReplaceAll(s.Name, "_", "-") }

// Settings lists every configuration key, in the order the docs show them.
func Settings() []Setting {
	return []Setting{
		{"http_addr", ":8080", "address the HTTP server listens on (host:port)", func(c *Config, v string) error {
			if err := checkListenAddr(v); err != nil {
				return err
			}
			c.HTTPAddr = v
			return nil
		}},
		{"public_url", "http://localhost:8080", "URL that browsers and game servers use to reach Precinct", func(c *Config, v string) error {
			u, err := parsePublicURL(v)
			c.PublicURL = u
			return err
		}},
		{"mongodb_uri", "", "MongoDB connection string; empty uses the SQLite database file in the data directory", func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "mongodb://") && !strings.HasPrefix(v, "mongodb+srv://") {
				return errors.New(`must start with "mongodb://" or "mongodb+srv://"`)
			}
			c.MongoDBURI = v
			return nil
		}},
		{"mongodb_database", "precinct", "name of the database inside the MongoDB server", func(c *Config, v string) error {
			if err := checkDatabaseName(v); err != nil {
				return err
			}
			c.MongoDBDatabase = v
			return nil
		}},
		{"mongodb_unsafe_no_transactions", "false", "accept a MongoDB-compatible server without transactions (a standalone server, FerretDB): for tests only, since rules such as the last admin and money then do not hold under concurrency", func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("must be true or false")
			}
			c.MongoDBUnsafeNoTransactions = b
			return nil
		}},
		{"data_dir", "./data", "directory of the SQLite database file (precinct.db) and other local state", func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" {
				return errors.New("must not be empty")
			}
			c.DataDir = v
			return nil
		}},
		{"log_level", "info", "least severe log level written: debug, info, warn or error", func(c *Config, v string) error {
			v = strings.ToLower(v)
			if !oneOf(v, "debug", "info", "warn", "error") {
				return errors.New("must be one of debug, info, warn, error")
			}
			c.LogLevel = v
			return nil
		}},
		{"log_format", "json", "log format: json or text", func(c *Config, v string) error {
			v = strings.ToLower(v)
			if !oneOf(v, "json", "text") {
				return errors.New("must be json or text")
			}
			c.LogFormat = v
			return nil
		}},
		{"trusted_proxies", "", "comma-separated CIDRs (or IPs) of reverse proxies whose X-Forwarded-For is believed; nobody else's is", func(c *Config, v string) error {
			nets, err := parseCIDRs(v)
			c.TrustedProxies = nets
			return err
		}},
		{"cors_origins", "", "comma-separated origins (scheme://host[:port]) allowed to call the API from a browser", func(c *Config, v string) error {
			origins, err := parseOrigins(v)
			c.CORSOrigins = origins
			return err
		}},
		{"request_timeout", "5s", "deadline of every request (Go duration, 1s to 60s)", func(c *Config, v string) error {
			d, err := parseDuration(v, time.Second, time.Minute)
			c.RequestTimeout = d
			return err
		}},
		{"shutdown_timeout", "15s", "how long in-flight requests may run at shutdown (Go duration, 0s to 10m)", func(c *Config, v string) error {
			d, err := parseDuration(v, 0, 10*time.Minute)
			c.ShutdownTimeout = d
			return err
		}},
		{"jwt_secret", "", "secret that signs access tokens, at least 32 bytes; empty: generated on first start and kept in the database", func(c *Config, v string) error {
			b, err := parseSecret(v)
			c.JWTSecret = b
			return err
		}},
		{"cookie_secret", "", "secret that keys the session cookie, at least 32 bytes; empty: generated on first start and kept in the database", func(c *Config, v string) error {
			b, err := parseSecret(v)
			c.CookieSecret = b
			return err
		}},
		{"discord_client_id", "", "client id of the Discord application; empty turns Discord sign-in off", func(c *Config, v string) error {
			for _, r := range v {
				if r < '0' || r > '9' {
					return errors.New("must be the numeric client id of the Discord application")
				}
			}
			c.DiscordClientID = v
			return nil
		}},
		{"discord_client_secret", "", "client secret of the Discord application", func(c *Config, v string) error {
			c.DiscordClientSecret = v
			return nil
		}},
		{"discord_base_url", "https://discord.com", "where Discord is (OAuth pages under /oauth2, API under /api); a fake's URL in tests", func(c *Config, v string) error {
			u, err := parsePublicURL(v)
			c.DiscordBaseURL = u
			return err
		}},
		{"dashboard_url", "/", "where a browser lands after Discord sign-in: a path on this server or an absolute URL", func(c *Config, v string) error {
			if strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") && !strings.Contains(v, "\\") {
				c.DashboardURL = v
				return nil
			}
			u, err := parsePublicURL(v)
			if err != nil {
				return errors.New("must be a path starting with / or an absolute http(s) URL")
			}
			c.DashboardURL = u
			return nil
		}},
		boolean("open_registration", "false", "let anyone sign up with a username and password without an invite link (POST /api/auth/register); false: sign-up needs an invite, or Discord", func(c *Config) *bool { return &c.OpenRegistration }),
		{"body_limit", "1MiB", "largest request body: bytes, or a number with KiB or MiB (at most 64MiB)", func(c *Config, v string) error {
			n, err := parseSize(v, 1024, 64<<20)
			c.BodyLimit = n
			return err
		}},
		{"password_hash_concurrency", "0", "password hashes computed at once (each holds 19 MiB and a core for ~17 ms); 0 picks GOMAXPROCS, measured to keep other requests' p99 under 50 ms during a login flood (docs/performance.md)", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 256 {
				return errors.New("must be a whole number from 0 to 256")
			}
			c.HashConcurrency = n
			return nil
		}},
		rule("rate_limit_api", "300/1m", "requests per user (per address when anonymous) to every route of no other group", func(c *Config) *cad.Rate { return &c.Limits.API }),
		rule("rate_limit_lookup", "60/1m", "look-ups and searches per user", func(c *Config) *cad.Rate { return &c.Limits.Lookup }),
		rule("rate_limit_fivem", "120/1m", "requests per game-server key to the FiveM routes (a Super Admin can set a community's own)", func(c *Config) *cad.Rate { return &c.Limits.FiveM }),
		rule("rate_limit_fivem_high_impact", "20/1m", "911 calls and panic alerts per game-server key (a Super Admin can set a community's own)", func(c *Config) *cad.Rate { return &c.Limits.FiveMHighImpact }),
		rule("rate_limit_reports", "60/1m", "report generations per user", func(c *Config) *cad.Rate { return &c.Limits.Reports }),
		rule("rate_limit_sign_in", "10/15m", "failed sign-ins, security answers and resets per client address", func(c *Config) *cad.Rate { return &c.Limits.SignIn }),
		{"metrics_allow", "127.0.0.0/8,::1/128", "comma-separated CIDRs (or IPs) that may read /metrics; empty lets no address in (a metrics_token still does)", func(c *Config, v string) error {
			nets, err := parseCIDRs(v)
			c.MetricsAllow = nets
			return err
		}},
		{"metrics_token", "", "a bearer token that also lets a scraper read /metrics (at least 32 characters); empty: none", func(c *Config, v string) error {
			if v != "" && len(v) < 32 {
				return errors.New("must be at least 32 characters")
			}
			c.MetricsToken = v
			return nil
		}},
		{"realtime_map_interval", "500ms", "how often live-map position batches go out to the sockets watching the map, at most (Go duration, 100ms to 10s)", func(c *Config, v string) error {
			d, err := parseDuration(v, 100*time.Millisecond, 10*time.Second)
			c.MapInterval = d
			return err
		}},
		{"realtime_revalidate_interval", "500ms", "how often every real-time connection's credential and rooms are checked again, so that a logout, revocation, ban, role change or community deletion reaches open sockets within one second (Go duration, 100ms to 1s)", func(c *Config, v string) error {
			d, err := parseDuration(v, 100*time.Millisecond, time.Second)
			c.RevalidateInterval = d
			return err
		}},
		{"realtime_slow_consumer_grace", "5s", "how long a real-time client may stay unable to take a call or panic event before it is disconnected to reconnect and sync (Go duration, 1s to 1m)", func(c *Config, v string) error {
			d, err := parseDuration(v, time.Second, time.Minute)
			c.SlowConsumerGrace = d
			return err
		}},
		{"media_quota", "1GiB", "images each community may store, mugshots and ALPR photos together (a Super Admin can set a community's own): bytes, or a number with MiB or GiB (1MiB to 1024GiB)", func(c *Config, v string) error {
			n, err := parseSize(v, 1<<20, 1<<40)
			c.MediaQuota = n
			return err
		}},
		{"media_quota_alpr", "256MiB", "of a community's media quota, what ALPR photos may take (1MiB to 1024GiB)", func(c *Config, v string) error {
			n, err := parseSize(v, 1<<20, 1<<40)
			c.MediaQuotaALPR = n
			return err
		}},
		boolean("media_fetch", "false", "fetch the outside mugshot URLs that game servers and members give, and store the images; false drops them (outside URLs are never shown to officers)", func(c *Config) *bool { return &c.MediaFetch }),
		boolean("outbound_allow_http", "false", "let outgoing requests (the mugshot fetcher) use plain http://; for tests and closed networks", func(c *Config) *bool { return &c.OutboundAllowHTTP }),
		boolean("outbound_allow_private", "false", "let outgoing requests (the mugshot fetcher) reach loopback, private, link-local and other non-public addresses; for tests and closed networks", func(c *Config) *bool { return &c.OutboundAllowPrivate }),
		{"audit_lookup_retention", "2160h", "how long look-ups' audit entries are kept before they are pruned, in small batches (Go duration, 1h to 87600h; 2160h is 90 days); other audit entries are kept", func(c *Config, v string) error {
			d, err := parseDuration(v, time.Hour, 87600*time.Hour)
			c.LookupRetention = d
			return err
		}},
	}
}

// rule declares a rate-limit setting ("COUNT/DURATION").
func rule(name, def, usage string, field func(*Config) *cad.Rate) Setting {
	return Setting{Name: name, Default: def, Usage: usage + ", as COUNT/DURATION such as " + def, set: func(c *Config, v string) error {
		r, err := cad.ParseRate(v)
		if err != nil {
			return err
		}
		*field(c) = r
		return nil
	}}
}

// boolean declares a true/false setting.
func boolean(name, def, usage string, field func(*Config) *bool) Setting {
	return Setting{Name: name, Default: def, Usage: usage, set: func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		*field(c) = b
		return nil
	}}
}

// Source says where configuration values come from besides the defaults.
type Source struct {
	// File is a YAML file path; empty means no file.
	File string
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Flags holds values given on the command line, by setting name.
	Flags map[string]string
}

// Load builds a Config from defaults, then src.File, then the environment,
// then src.Flags. The first invalid value stops it with an error that names
// the key as it was given (the YAML key, the variable or the flag).
func Load(src Source) (*Config, error) {
	lookup := src.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	settings := Settings()
	values := make(map[string]string, len(settings))
	origin := make(map[string]string, len(settings))
	for _, s := range settings {
		values[s.Name] = s.Default
		origin[s.Name] = s.Env() + " (default)"
	}

	if src.File != "" {
		fileValues, err := readFile(src.File)
		if err != nil {
			return nil, err
		}
		for k, v := range fileValues {
			values[k] = v
			origin[k] = fmt.Sprintf("%s: %s", src.File, k)
		}
	}
	for _, s := range settings {
		if v, ok := lookup(s.Env()); ok {
			values[s.Name] = v
			origin[s.Name] = s.Env()
		}
	}
	for name, v := range src.Flags {
		if !known(name) {
			return nil, fmt.Errorf("unknown setting %q", name)
		}
		values[name] = v
		origin[name] = "--" + strings.ReplaceAll(name, "_", "-")
	}

	c := &Config{}
	for _, s := range settings {
		if err := s.set(c, strings.TrimSpace(values[s.Name])); err != nil {
			return nil, fmt.Errorf("%s: %w (got %q)", origin[s.Name], err, redact(s.Name, values[s.Name]))
		}
	}
	return c, nil
}

// RegisterFlags adds the flags of the named settings to fs: every setting
// when none is named (serve), or the few a command needs (the admin
// commands find the database with data_dir and mongodb_uri, and read the
// rest from the file and the environment). After fs.Parse, visited returns
// the values the user actually gave, for Source.Flags.
func RegisterFlags(fs *pflag.FlagSet, names ...string) (visited func() map[string]string) {
	vals := map[string]*string{}
	for _, s := range Settings() {
		if len(names) > 0 && !slices.Contains(names, s.Name) {
			continue
		}
		usage := fmt.Sprintf("%s (env %s, default %q)", s.Usage, s.Env(), s.Default)
		if s.Default == "" {
			usage = fmt.Sprintf("%s (env %s)", s.Usage, s.Env())
		}
		vals[s.Name] = fs.String(s.Flag(), "", usage)
	}
	return func() map[string]string {
		out := map[string]string{}
		fs.Visit(func(f *pflag.Flag) {
			name := strings.ReplaceAll(f.Name, "-", "_")
			if v, ok := vals[name]; ok {
				out[name] = *v
			}
		})
		return out
	}
}

// Redacted returns the MongoDB URI with any password removed, for logs and
// error messages.
func (c *Config) RedactedMongoDBURI() string { return redactURI(c.MongoDBURI) }

// Secure reports whether the public URL is https, which decides cookie
// attributes and HSTS.
func (c *Config) Secure() bool { return strings.HasPrefix(c.PublicURL, "https://") }

func readFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	out := make(map[string]string, len(raw))
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known(k) {
			return nil, fmt.Errorf("config file %s: unknown key %q", path, k)
		}
		switch v := raw[k].(type) {
		case nil:
			out[k] = ""
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = fmt.Sprint(p)
			}
			out[k] = strings.Join(parts, ",")
		case map[string]any:
			return nil, fmt.Errorf("config file %s: %s: expected a value, got a mapping", path, k)
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out, nil
}

func known(name string) bool {
	for _, s := range Settings() {
		if s.Name == name {
			return true
		}
	}
	return false
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func checkListenAddr(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return errors.New("must be host:port, for example :8080 or 127.0.0.1:8080")
	}
	if host != "" && net.ParseIP(host) == nil && strings.ContainsAny(host, " /") {
		return errors.New("host part is not a valid host name or IP")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return errors.New("port must be a number from 0 to 65535")
	}
	return nil
}

func parsePublicURL(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("must be an absolute http:// or https:// URL")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errors.New("must not carry a query, fragment or user info")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// checkDatabaseName applies MongoDB's rules for database names.
func checkDatabaseName(v string) error {
	if v == "" || len(v) > 63 {
		return errors.New("must be 1 to 63 characters")
	}
	if strings.ContainsAny(v, "/\\. \"$*<>:|?\x00") {
		return errors.New(`must not contain any of / \ . space " $ * < > : | ?`)
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseCIDRs(v string) ([]*net.IPNet, error) {
	var nets []*net.IPNet
	for _, p := range splitList(v) {
		if !strings.Contains(p, "/") {
			ip := net.ParseIP(p)
			if ip == nil {
				return nil, fmt.Errorf("%q is neither a CIDR nor an IP address", p)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			nets = append(nets, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("%q is not a valid CIDR", p)
		}
		nets = append(nets, n)
	}
	return nets, nil
}

func parseOrigins(v string) ([]string, error) {
	var out []string
	for _, p := range splitList(v) {
		if p == "*" {
			return nil, errors.New(`"*" is not allowed: list each origin, since credentials are sent`)
		}
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, fmt.Errorf("%q is not an origin (scheme://host[:port])", p)
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out, nil
}

func parseDuration(v string, min, max time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("must be a Go duration such as 5s or 1m30s")
	}
	if d < min || d > max {
		return 0, fmt.Errorf("must be between %s and %s", min, max)
	}
	return d, nil
}

func parseSize(v string, min, max int64) (int64, error) {
	mult := int64(1)
	num := v
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(v, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, errors.New("must be a whole number of bytes, optionally with KiB, MiB or GiB")
	}
	if n > max/mult || n*mult < min {
		return 0, fmt.Errorf("must be between %d and %d bytes", min, max)
	}
	return n * mult, nil
}

// parseSecret accepts an empty value (generate one) or one of at least 32
// bytes (R39: a short secret refuses the start).
func parseSecret(v string) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	if len(v) < 32 {
		return nil, fmt.Errorf("must be at least 32 bytes (it is %d); generate one with: openssl rand -base64 48", len(v))
	}
	return []byte(v), nil
}

func redact(name, v string) string {
	switch name {
	case "mongodb_uri":
		return redactURI(v)
	case "jwt_secret", "cookie_secret", "discord_client_secret", "metrics_token":
		return "(hidden)"
	}
	return v
}

func redactURI(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		// An unparsable URI may still hold a password; show none of it.
		if v == "" {
			return ""
		}
		return "(unparsable URI)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	return u.String()
}
