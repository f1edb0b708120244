// Package apitest runs the real Echo application, built by internal/app, on
// a fresh real database and drives it with scenario tables, in the manner
// of PocketBase's API tests: each scenario is a request and what its answer
// must hold. It also holds what the tests of every area share: the
// two-community fixture (Tenants), people and sign-ins, headers, and the
// seeded data of the benchmarks (NewSeeded).
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/app"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/dispatch"
	"github.com/precinct-cad/precinct/internal/events"
	"github.com/precinct-cad/precinct/internal/httpx"
	"github.com/precinct-cad/precinct/internal/metrics"
	"github.com/precinct-cad/precinct/internal/realtime"
	"github.com/precinct-cad/precinct/internal/store"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

// Env is one application on its own database.
type Env struct {
	T         testing.TB
	Config    *config.Config
	DB        *store.Store
	Auth      *auth.Service
	Community *community.Service
	Civil     *civil.Service
	Dispatch  *dispatch.Service
	Events    *events.Local
	Hub       *realtime.Hub
	Server    *httpx.Server
	Clock     *Clock     // the application's clock; Advance moves it forward
	Logs      *LogBuffer // everything the application logged, as JSON lines
	// Metrics is what /metrics serves (the store's operations only when
	// the store was made with it as its Observer: NewStoreObserved).
	Metrics *metrics.Metrics
}

// Clock is real time plus an offset that tests move forward, so that
// lifetimes and windows can be crossed without sleeping.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Option changes the configuration before the application is built.
type Option func(*config.Config)

// New builds the application on a fresh database. Options adjust the
// default configuration.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return NewWith(t, DefaultConfig(t, opts...), storetest.New(t))
}

// DefaultConfig is the built-in configuration, ignoring the environment,
// with opts applied.
func DefaultConfig(t testing.TB, opts ...Option) *config.Config {
	t.Helper()
	cfg, err := config.Load(config.Source{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	// A request's deadline is generous: a test asserts what happens, never
	// how fast, and the race detector on a busy 2-core machine makes a
	// 16-megapixel decode or a burst of sign-ins take many seconds. Tests of
	// the deadline itself set their own.
	cfg.RequestTimeout = time.Minute
	// Tests wait for batches and cut-offs: shorter than an operator's.
	cfg.MapInterval, cfg.RevalidateInterval, cfg.SlowConsumerGrace = 100*time.Millisecond, 200*time.Millisecond, time.Second
	for _, o := range opts {
		o(cfg)
	}
	return cfg
}

// NewWith builds the application with a given configuration and health
// checker, for tests that need to control the database's answers.
func NewWith(t testing.TB, cfg *config.Config, db *store.Store, health ...httpx.HealthChecker) *Env {
	t.Helper()
	logs := &LogBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var h httpx.HealthChecker = db
	if len(health) > 0 {
		h = health[0]
	}
	clock := &Clock{}
	m := metricsFor(db)
	bus := events.NewLocal()
	svcs, err := app.NewServices(context.Background(), cfg, db, app.Options{Logger: logger, Metrics: m, Publisher: bus, Now: clock.Now,
		HashConcurrency: 4, HashParams: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	svc, com, civ, dis, hub := svcs.Auth, svcs.Community, svcs.Civil, svcs.Dispatch, svcs.Hub
	ctx, stop := context.WithCancel(context.Background())
	go hub.Run(ctx, bus)
	go dis.FollowRemote(ctx, bus)
	srv, err := app.New(app.Deps{Config: cfg, Health: h, Services: svcs, Logger: logger, Version: "test", Metrics: m})
	if err != nil {
		stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop()
		srv.Close()
	})
	return &Env{T: t, Config: cfg, DB: db, Auth: svc, Community: com, Civil: civ, Dispatch: dis, Events: bus, Hub: hub, Server: srv, Clock: clock, Logs: logs, Metrics: m}
}

// observed remembers the Metrics a store was made to report to.
var observed sync.Map // *store.Store -> *metrics.Metrics

// NewStoreObserved returns a fresh test store that reports its operations
// to metrics the application built on it (NewWith) then serves.
func NewStoreObserved(t testing.TB) *store.Store {
	t.Helper()
	m := metrics.New("test")
	s := storetest.NewObserved(t, m)
	observed.Store(s, m)
	return s
}

func metricsFor(db *store.Store) *metrics.Metrics {
	if m, ok := observed.Load(db); ok {
		return m.(*metrics.Metrics)
	}
	return metrics.New("test")
}

// NeedAtomic skips a test of rules under concurrency on a database without
// transactions (FerretDB as PRECINCT_TEST_MONGODB_URI), where they cannot
// hold; they run on SQLite and on a MongoDB replica set.
func (env *Env) NeedAtomic(t testing.TB) {
	t.Helper()
	if !env.DB.Engine().Atomic() {
		t.Skip("the test database has no transactions")
	}
}

// Scenario is one request and the expectations on its answer.
type Scenario struct {
	Name    string
	Method  string
	Path    string
	Headers map[string]string
	// Body is sent as is when it is a string or []byte, and JSON-encoded
	// otherwise.
	Body any
	// RemoteAddr is the peer address; default 192.0.2.10:5555.
	RemoteAddr string

	ExpectedStatus int
	// ExpectedContent are substrings the body must contain.
	ExpectedContent []string
	// NotExpectedContent are substrings the body must not contain.
	NotExpectedContent []string
	// ExpectedJSON maps dotted paths ("user.id", "items.0.name", "items.#"
	// for a length) to the
	// value the decoded JSON body must hold there.
	ExpectedJSON map[string]any
	// ExpectedHeaders are headers the answer must carry, with these values.
	ExpectedHeaders map[string]string
	// ErrorCode, when set, requires the standard error body with this code.
	ErrorCode string

	// Before runs before the request; After inspects the raw answer.
	Before func(t testing.TB, env *Env)
	After  func(t testing.TB, env *Env, res *httptest.ResponseRecorder)
}

// Run runs each scenario as a subtest on env.
func Run(t *testing.T, env *Env, scenarios []Scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) { s.Test(t, env) })
	}
}

// Test runs one scenario.
func (s Scenario) Test(t testing.TB, env *Env) *httptest.ResponseRecorder {
	t.Helper()
	if s.Before != nil {
		s.Before(t, env)
	}
	res := env.Do(s.Method, s.Path, s.Body, s.Headers, s.RemoteAddr)
	body := res.Body.String()
	if s.ExpectedStatus != 0 && res.Code != s.ExpectedStatus {
		t.Fatalf("%s %s: status %d, want %d; body: %s", s.Method, s.Path, res.Code, s.ExpectedStatus, body)
	}
	for _, want := range s.ExpectedContent {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q: %s", want, body)
		}
	}
	for _, nope := range s.NotExpectedContent {
		if strings.Contains(body, nope) {
			t.Errorf("body contains %q: %s", nope, body)
		}
	}
	for k, v := range s.ExpectedHeaders {
		if got := res.Header().Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if len(s.ExpectedJSON) > 0 || s.ErrorCode != "" {
		var doc any
		if err := json.Unmarshal(res.Body.Bytes(), &doc); err != nil {
			t.Fatalf("body is not JSON: %v: %s", err, body)
		}
		for path, want := range s.ExpectedJSON {
			got, ok := Lookup(doc, path)
			if !ok {
				t.Errorf("JSON has no %s: %s", path, body)
				continue
			}
			if !sameJSON(got, want) {
				t.Errorf("JSON %s = %#v, want %#v", path, got, want)
			}
		}
		if s.ErrorCode != "" {
			CheckErrorBody(t, res, s.ErrorCode)
		}
	}
	if s.After != nil {
		s.After(t, env, res)
	}
	return res
}

// Do sends one request through the whole application.
func (env *Env) Do(method, path string, body any, headers map[string]string, remoteAddr string) *httptest.ResponseRecorder {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	case io.Reader:
		r = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			env.T.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if remoteAddr == "" {
		remoteAddr = "192.0.2.10:5555"
	}
	req.RemoteAddr = remoteAddr
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	env.Server.Handler().ServeHTTP(rec, req)
	checkContract(env.T, req, rec)
	return rec
}

// CheckErrorBody asserts the standard error body: success false, msg and
// error equal and non-empty, the given code, and the request id that the
// X-Request-ID header carries.
func CheckErrorBody(t testing.TB, res *httptest.ResponseRecorder, code string) {
	t.Helper()
	var b httpx.ErrorBody
	dec := json.NewDecoder(bytes.NewReader(res.Body.Bytes()))
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("not an error body: %v: %s", err, res.Body.String())
	}
	if b.Success || b.Msg == "" || b.Msg != b.Error || b.Code != code {
		t.Errorf("error body = %+v, want code %q with msg == error", b, code)
	}
	if b.RequestID == "" || b.RequestID != res.Header().Get(httpx.HeaderRequestID) {
		t.Errorf("requestId %q does not match header %q", b.RequestID, res.Header().Get(httpx.HeaderRequestID))
	}
	if ct := res.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
}

// Lookup follows a dotted path through decoded JSON.
func Lookup(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[part]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			if part == "#" {
				// "items.#" is the array's length.
				cur = float64(len(v))
				continue
			}
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func sameJSON(got, want any) bool {
	// Compare through JSON so that 1 and 1.0, or typed and untyped maps,
	// are the same.
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	var gv, wv any
	_ = json.Unmarshal(g, &gv)
	_ = json.Unmarshal(w, &wv)
	return reflect.DeepEqual(gv, wv)
}

// LogBuffer collects log output safely from many goroutines.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Lines returns the logged JSON lines, decoded.
func (l *LogBuffer) Lines() []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// Header is a shorthand for a one-entry header map.
func Header(k, v string) map[string]string { return map[string]string{k: v} }
