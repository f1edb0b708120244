package httpx_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// withTestRoutes adds the routes the pipeline tests need: a JSON endpoint, a
// panic, a raw internal error, and one that waits for its deadline.
func withTestRoutes(env *apitest.Env) *apitest.Env {
	env.Server.Add(http.MethodPost, "/test/echo", httpx.Public, func(c *echo.Context) error {
		var in struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		}
		if err := httpx.BindJSON(c, &in); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, in)
	})
	env.Server.Add(http.MethodGet, "/test/panic", httpx.Public, func(c *echo.Context) error {
		panic("boom at mongo://10.1.2.3")
	})
	env.Server.Add(http.MethodGet, "/test/internal", httpx.Public, func(c *echo.Context) error {
		return errors.New("mongo: connection(10.1.2.3:27017) refused; password=hunter2")
	})
	env.Server.Add(http.MethodGet, "/test/slow", httpx.Public, func(c *echo.Context) error {
		<-c.Request().Context().Done()
		return c.Request().Context().Err()
	})
	env.Server.Add(http.MethodGet, "/test/conflict", httpx.Public, func(c *echo.Context) error {
		return cad.Errorf(cad.ECONFLICT, "Call sign 1-ADAM-12 is taken")
	})
	return env
}

func TestErrorsShareOneBody(t *testing.T) {
	env := withTestRoutes(apitest.New(t))
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "unknown route", Method: "GET", Path: "/api/nope", ExpectedStatus: 404, ErrorCode: cad.ENOTFOUND},
		{Name: "wrong method", Method: "DELETE", Path: "/healthz", ExpectedStatus: 405, ErrorCode: "method_not_allowed"},
		{Name: "domain error keeps its message", Method: "GET", Path: "/test/conflict", ExpectedStatus: 409, ErrorCode: cad.ECONFLICT,
			ExpectedJSON: map[string]any{"msg": "Call sign 1-ADAM-12 is taken"}},
		{Name: "valid JSON", Method: "POST", Path: "/test/echo", Body: map[string]any{"name": "Dispatch", "count": 2, "extra": true},
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"name": "Dispatch", "count": 2}},
		{Name: "malformed JSON", Method: "POST", Path: "/test/echo", Body: `{"name": "x",}`,
			ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"Malformed JSON body at byte"}},
		{Name: "truncated JSON", Method: "POST", Path: "/test/echo", Body: `{"name": "x"`,
			ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"ends too early"}},
		{Name: "wrong field type names the field", Method: "POST", Path: "/test/echo", Body: `{"count": "two"}`,
			ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{`Field \"count\" must be a number`}},
		{Name: "not an object", Method: "POST", Path: "/test/echo", Body: `[1,2]`,
			ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"another kind: an object"}},
		{Name: "trailing data", Method: "POST", Path: "/test/echo", Body: `{"name":"a"} {"name":"b"}`,
			ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"after the JSON value"}},
		{Name: "empty body", Method: "POST", Path: "/test/echo", Body: "",
			ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"Request body is required"}},
		{Name: "wrong content type", Method: "POST", Path: "/test/echo", Body: `name=x`, Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"Content-Type must be application/json"}},
		{Name: "oversized body by Content-Length (R73)", Method: "POST", Path: "/test/echo", Body: big,
			ExpectedStatus: 413, ErrorCode: cad.ETOOLARGE, ExpectedContent: []string{"limit 1048576 bytes"}},
		{Name: "oversized body on an unknown route", Method: "POST", Path: "/api/nope", Body: big,
			ExpectedStatus: 413, ErrorCode: cad.ETOOLARGE},
		{Name: "panic is a generic 500 (R74)", Method: "GET", Path: "/test/panic", ExpectedStatus: 500, ErrorCode: cad.EINTERNAL,
			NotExpectedContent: []string{"boom", "mongo", "goroutine", "panic"}},
		{Name: "raw internal error is hidden (R74)", Method: "GET", Path: "/test/internal", ExpectedStatus: 500, ErrorCode: cad.EINTERNAL,
			NotExpectedContent: []string{"10.1.2.3", "hunter2", "mongo"}},
		{Name: "the server still answers after a panic", Method: "GET", Path: "/healthz", ExpectedStatus: 200},
		{Name: "HEAD error has no body", Method: "HEAD", Path: "/api/nope", ExpectedStatus: 404,
			After: func(t testing.TB, _ *apitest.Env, res *httptest.ResponseRecorder) {
				if res.Body.Len() != 0 {
					t.Errorf("HEAD answered with a body: %q", res.Body.String())
				}
			}},
	})
	logs := env.Logs.String()
	if !strings.Contains(logs, "panic in handler") || !strings.Contains(logs, "goroutine") {
		t.Error("the panic's stack did not reach the log")
	}
	if !strings.Contains(logs, "hunter2") {
		// The cause of a 500 is logged for the operator (it is only hidden
		// from the client).
		t.Error("the cause of the 500 was not logged")
	}
}

// A body without Content-Length that grows past the limit is cut off at the
// limit while it is read (R73).
func TestOversizedChunkedBody(t *testing.T) {
	env := withTestRoutes(apitest.New(t))
	body := io.MultiReader(strings.NewReader(`{"name":"`), strings.NewReader(strings.Repeat("y", 2<<20)), strings.NewReader(`"}`))
	req := httptest.NewRequest(http.MethodPost, "/test/echo", body)
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	res := httptest.NewRecorder()
	env.Server.Handler().ServeHTTP(res, req)
	if res.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d: %s", res.Code, res.Body)
	}
	apitest.CheckErrorBody(t, res, cad.ETOOLARGE)
}

func TestRequestDeadline(t *testing.T) {
	env := withTestRoutes(apitest.New(t, func(c *config.Config) { c.RequestTimeout = 150 * time.Millisecond }))
	start := time.Now()
	res := env.Do(http.MethodGet, "/test/slow", nil, nil, "")
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("took %v", el)
	}
	if res.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d", res.Code)
	}
	apitest.CheckErrorBody(t, res, cad.EUNAVAILABLE)
}

// logLine is the first log line with this message and request id.
func logLine(env *apitest.Env, msg, requestID string) map[string]any {
	for _, l := range env.Logs.Lines() {
		if l["msg"] == msg && l["requestId"] == requestID {
			return l
		}
	}
	return nil
}

// The cause of every 5xx is logged at error level with the request id,
// whether the handler failed at once or after its deadline passed. The
// deadline middleware used to cancel the request's context as it returned,
// so the error handler took every 5xx for a caller who had hung up and
// logged its cause at debug level ("client went away").
func TestServerFailuresAreLoggedAsErrors(t *testing.T) {
	env := withTestRoutes(apitest.New(t, func(c *config.Config) { c.RequestTimeout = 100 * time.Millisecond }))
	env.Server.Add(http.MethodGet, "/test/late-internal", httpx.Public, func(c *echo.Context) error {
		<-c.Request().Context().Done()
		return errors.New("store: connection reset by 10.1.2.3 after the deadline")
	})
	env.Server.Add(http.MethodGet, "/test/late-read", httpx.Public, func(c *echo.Context) error {
		<-c.Request().Context().Done()
		return fmt.Errorf("reading the calls of community 42: %w", c.Request().Context().Err())
	})
	for _, d := range []struct {
		path   string
		status int
		cause  string
	}{
		{"/test/internal", 500, "password=hunter2"},
		{"/test/panic", 500, "panic recovered"},
		{"/test/late-internal", 500, "connection reset by 10.1.2.3 after the deadline"},
		{"/test/late-read", 503, "reading the calls of community 42: context deadline exceeded"},
	} {
		id := "req-" + strings.Trim(strings.ReplaceAll(d.path, "/", "-"), "-")
		res := env.Do(http.MethodGet, d.path, nil, map[string]string{"X-Request-ID": id}, "")
		if res.Code != d.status {
			t.Fatalf("%s: status %d, want %d", d.path, res.Code, d.status)
		}
		if gone := logLine(env, "client went away", id); gone != nil {
			t.Errorf("%s: taken for a caller who hung up: %v", d.path, gone)
		}
		failed := logLine(env, "request failed", id)
		if failed == nil || failed["level"] != "ERROR" || failed["status"] != float64(d.status) ||
			!strings.Contains(fmt.Sprint(failed["error"]), d.cause) {
			t.Errorf("%s: no error-level line with the cause %q and the request id: %v", d.path, d.cause, failed)
		}
		if access := logLine(env, "request", id); access == nil || access["level"] != "ERROR" {
			t.Errorf("%s: the access log line is not at error level: %v", d.path, access)
		}
	}
}

// A caller who really hangs up is still told apart: its 5xx (nobody reads
// it) is logged at debug level, over a real connection.
func TestCallerHangingUpIsNotAnError(t *testing.T) {
	env := apitest.New(t)
	started := make(chan struct{})
	env.Server.Add(http.MethodGet, "/test/hold", httpx.Public, func(c *echo.Context) error {
		close(started)
		<-c.Request().Context().Done()
		return c.Request().Context().Err()
	})
	addr, _ := serveOn(t, env)
	cctx, hangUp := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(cctx, http.MethodGet, "http://"+addr+"/test/hold", nil)
	req.Header.Set("X-Request-ID", "req-hang-up")
	done := make(chan struct{})
	go func() {
		defer close(done)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	<-started
	hangUp()
	<-done
	for deadline := time.Now().Add(5 * time.Second); logLine(env, "request", "req-hang-up") == nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the request was never logged: %s", env.Logs.String())
		}
	}
	if gone := logLine(env, "client went away", "req-hang-up"); gone == nil || gone["level"] != "DEBUG" {
		t.Errorf("a caller who hung up is not logged as gone at debug level: %v", gone)
	}
	if failed := logLine(env, "request failed", "req-hang-up"); failed != nil {
		t.Errorf("a caller who hung up was logged as a failure: %v", failed)
	}
	if access := logLine(env, "request", "req-hang-up"); access["level"] != "INFO" {
		t.Errorf("access log level %v", access["level"])
	}
}

// serveOn serves env on a real loopback listener and returns its address;
// stop shuts it down as SIGTERM would and returns what Serve returned. The
// test's end stops it too.
func serveOn(t *testing.T, env *apitest.Env) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- env.Server.Serve(ctx, ln) }()
	var once sync.Once
	stop = func() error {
		once.Do(func() { cancel(); err = <-served })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return ln.Addr().String(), stop
}

// rawRequest writes req on a new connection to addr as it is, closes the
// connection's write side (a client that stops sending), and returns the
// status code of the answer and its body.
func rawRequest(t *testing.T, addr, req string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// A chunked body that is malformed (a chunk size that is no number) or cut
// short (the client stops sending inside a chunk) is the caller's fault:
// 400 with the standard body, whichever step reads it (the JSON decoder,
// the community or API key read from the body, an image upload), over a
// real connection. The steps that peek into the body answered 500.
func TestMalformedChunkedBodiesAre400(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := withTestRoutes(tn.Env)
	addr, _ := serveOn(t, env)
	for _, r := range []struct {
		name, target string
		headers      map[string]string
	}{
		{"the JSON decoder", "POST /test/echo", nil},
		{"a game server's JSON", "POST /api/fivem/bank/deposit", apitest.Key(tn.KeyA)},
		{"the community named in the body", "POST /api/civilian", tn.As("memberA")},
		{"the API key in the body", "POST /api/dispatch/location-update", nil},
		{"an image upload", "PUT /api/civilian/" + tn.CivA.ID + "/mugshot", tn.InA("memberA")},
		{"an ALPR photo", "POST /api/alpr-upload/nope", map[string]string{"Content-Type": "multipart/form-data; boundary=x"}},
	} {
		for _, body := range []struct{ name, chunks string }{
			{"malformed", "5\r\n{\"a\":\r\nzz\r\n"},
			{"truncated", "40\r\n{\"communityId\":\"1\""},
		} {
			var req strings.Builder
			req.WriteString(r.target + " HTTP/1.1\r\nHost: precinct.test\r\nTransfer-Encoding: chunked\r\nX-Request-ID: req-chunked\r\n")
			headers := apitest.Merge(map[string]string{"Content-Type": "application/json"}, r.headers)
			for k, v := range headers {
				req.WriteString(k + ": " + v + "\r\n")
			}
			req.WriteString("\r\n" + body.chunks)
			status, answer := rawRequest(t, addr, req.String())
			if status != http.StatusBadRequest || !strings.Contains(answer, `"code":"invalid"`) {
				t.Errorf("%s, %s body: %d %s", r.name, body.name, status, answer)
			}
		}
	}
	if failed := logLine(env, "request failed", "req-chunked"); failed != nil {
		t.Errorf("a bad body was logged as a server failure: %v", failed)
	}
}

func TestRequestID(t *testing.T) {
	env := apitest.New(t)
	res := env.Do("GET", "/healthz", nil, map[string]string{"X-Request-ID": "lb-7f3a.22:1"}, "")
	if got := res.Header().Get("X-Request-ID"); got != "lb-7f3a.22:1" {
		t.Errorf("incoming id not kept: %q", got)
	}
	for _, bad := range []string{strings.Repeat("a", 200), `x"}{"level":"ERROR`, "a b"} {
		res := env.Do("GET", "/api/nope", nil, map[string]string{"X-Request-ID": bad}, "")
		got := res.Header().Get("X-Request-ID")
		if got == bad || len(got) != 32 {
			t.Errorf("unsafe id %q was kept or badly replaced: %q", bad, got)
		}
		apitest.CheckErrorBody(t, res, cad.ENOTFOUND)
	}
	a := env.Do("GET", "/healthz", nil, nil, "").Header().Get("X-Request-ID")
	b := env.Do("GET", "/healthz", nil, nil, "").Header().Get("X-Request-ID")
	if a == "" || a == b {
		t.Errorf("generated ids %q and %q", a, b)
	}
}

// The access log carries what an operator needs and none of the credentials
// (R71, R78), as encoded JSON that a value cannot break out of (R79).
func TestAccessLog(t *testing.T) {
	env := apitest.New(t)
	secrets := map[string]string{
		"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.secret-jwt",
		"Cookie":        "precinct_session=secret-cookie-value",
		"X-Api-Key":     "fvm_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"X-Request-ID":  "req-42",
	}
	env.Do("GET", "/readyz?token=secret-query-token", nil, secrets, "198.51.100.7:4444")
	env.Do("GET", "/api/x%0A%7B%22level%22:%22ERROR%22%7D", nil, nil, "")

	logs := env.Logs.String()
	for _, s := range []string{"secret-jwt", "secret-cookie-value", "fvm_0123", "secret-query-token"} {
		if strings.Contains(logs, s) {
			t.Errorf("log contains %q", s)
		}
	}
	var found bool
	for _, l := range env.Logs.Lines() {
		if l["msg"] != "request" {
			continue
		}
		if l["requestId"] == "req-42" {
			found = true
			want := map[string]any{"method": "GET", "route": "/readyz", "path": "/readyz", "status": float64(200), "ip": "198.51.100.7"}
			for k, v := range want {
				if l[k] != v {
					t.Errorf("log %s = %v, want %v", k, l[k], v)
				}
			}
			if _, ok := l["latencyMs"].(float64); !ok {
				t.Errorf("no latency: %v", l)
			}
		}
	}
	if !found {
		t.Fatalf("no access log line for the request: %s", logs)
	}
	// The injected newline stays inside one encoded JSON value.
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if strings.HasPrefix(line, `{"level":"ERROR"`) {
			t.Errorf("log injection produced a forged line: %s", line)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	for _, https := range []bool{false, true} {
		env := apitest.New(t, func(c *config.Config) {
			if https {
				c.PublicURL = "https://cad.example.org"
			}
		})
		for _, path := range []string{"/healthz", "/api/nope"} {
			h := env.Do("GET", path, nil, nil, "").Header()
			for k, v := range map[string]string{
				"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
				"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
			} {
				if h.Get(k) != v {
					t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), v)
				}
			}
			if got := h.Get("Strict-Transport-Security") != ""; got != https {
				t.Errorf("%s: HSTS present = %v with https = %v (R75)", path, got, https)
			}
			if ct := h.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s: Content-Type = %q (R75)", path, ct)
			}
		}
	}
}

// CORS answers only the configured origins, never "*", and with credentials
// (R49).
func TestCORS(t *testing.T) {
	preflight := func(env *apitest.Env, origin string) http.Header {
		return env.Do("OPTIONS", "/api/health", nil, map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-api-key",
		}, "").Header()
	}
	env := apitest.New(t, func(c *config.Config) { c.CORSOrigins = []string{"https://dash.example.org"} })
	h := preflight(env, "https://dash.example.org")
	if h.Get("Access-Control-Allow-Origin") != "https://dash.example.org" || h.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("allowed origin: %v", h)
	}
	if !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "x-api-key") {
		t.Errorf("x-api-key not allowed: %v", h)
	}
	if h := preflight(env, "https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin allowed: %v", h)
	}
	res := env.Do("GET", "/api/health", nil, map[string]string{"Origin": "https://dash.example.org"}, "")
	if res.Header().Get("Access-Control-Allow-Origin") != "https://dash.example.org" {
		t.Errorf("simple request: %v", res.Header())
	}

	none := apitest.New(t)
	if h := preflight(none, "https://dash.example.org"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS answered with no origins configured: %v", h)
	}
}

// The client IP is the peer's unless the peer is a trusted proxy; a client
// cannot pick its own IP by sending X-Forwarded-For (R11).
func TestClientIP(t *testing.T) {
	ipOf := func(env *apitest.Env, peer, xff string) string {
		id := "ip-" + strings.NewReplacer(".", "", ":", "", ",", "", " ", "").Replace(peer+xff)
		h := map[string]string{"X-Request-ID": id}
		if xff != "" {
			h["X-Forwarded-For"] = xff
		}
		env.Do("GET", "/healthz", nil, h, peer)
		for _, l := range env.Logs.Lines() {
			if l["requestId"] == id {
				s, _ := l["ip"].(string)
				return s
			}
		}
		t.Fatalf("no log line for %s", id)
		return ""
	}
	direct := apitest.New(t)
	if got := ipOf(direct, "203.0.113.9:1000", "1.2.3.4"); got != "203.0.113.9" {
		t.Errorf("no trusted proxies: ip = %q, want the peer", got)
	}
	_, proxies, _ := net.ParseCIDR("10.0.0.0/8")
	behind := apitest.New(t, func(c *config.Config) { c.TrustedProxies = []*net.IPNet{proxies} })
	for _, tc := range []struct{ peer, xff, want string }{
		{"10.0.0.2:1000", "198.51.100.20", "198.51.100.20"},           // from our proxy
		{"10.0.0.2:1000", "6.6.6.6, 198.51.100.20", "198.51.100.20"},  // client-forged entry before the proxy's
		{"10.0.0.2:1000", "198.51.100.20, 10.0.0.3", "198.51.100.20"}, // two of our proxies
		{"203.0.113.9:1000", "198.51.100.20", "203.0.113.9"},          // not our proxy
		{"10.0.0.2:1000", "not-an-ip", "10.0.0.2"},                    // garbage
		{"127.0.0.1:1000", "198.51.100.20", "127.0.0.1"},              // loopback is not trusted by default
	} {
		if got := ipOf(behind, tc.peer, tc.xff); got != tc.want {
			t.Errorf("peer %s, XFF %q: ip = %q, want %q", tc.peer, tc.xff, got, tc.want)
		}
	}
}

// The server's own timeouts are set, so slow clients cannot pin
// connections (R73).
func TestHTTPServerTimeouts(t *testing.T) {
	srv := apitest.New(t).Server.HTTPServer()
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Fatalf("timeouts not all set: %+v", srv)
	}
}

// A header larger than MaxHeaderBytes is refused by the real server (R73).
func TestOversizedHeaderIsRefused(t *testing.T) {
	addr, _ := serveOn(t, apitest.New(t))
	req, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 100<<10))
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("status %d", res.StatusCode)
		}
	}
}

// Shutdown lets a request that is already running finish before Serve
// returns, and refuses new connections.
func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	env := apitest.New(t)
	started := make(chan struct{})
	env.Server.Add(http.MethodGet, "/test/work", httpx.Public, func(c *echo.Context) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.JSON(http.StatusOK, map[string]string{"done": "yes"})
	})
	addr, stop := serveOn(t, env)
	result := make(chan int, 1)
	go func() {
		res, err := http.Get("http://" + addr + "/test/work")
		if err != nil {
			result <- -1
			return
		}
		res.Body.Close()
		result <- res.StatusCode
	}()
	<-started
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if code := <-result; code != 200 {
		t.Fatalf("in-flight request got %d", code)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("a new request was accepted after shutdown")
	}
}
