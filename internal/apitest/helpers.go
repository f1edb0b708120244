package apitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
)

// The helpers the API tests of every area share: people, sign-ins,
// headers, and reading what an answer or the database holds.

// TestJWTSecret is configured by AuthEnv so that tests can forge tokens.
const TestJWTSecret = "test-jwt-secret-0123456789abcdef0123456789"

// AuthEnv is New with TestJWTSecret as the JWT secret.
func AuthEnv(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return New(t, append([]Option{func(c *config.Config) { c.JWTSecret = []byte(TestJWTSecret) }}, opts...)...)
}

// The password and security questions of the people tests make.
const (
	GoodPassword = "Correct horse battery staple 7"
	Q1           = "What is your pet's name?"
	Q2           = "What city were you born in?"
)

// MakeUser creates an account with security questions (answers "Buddy the
// Dog" and "Austin Texas").
func MakeUser(t testing.TB, env *Env, username string) *cad.User {
	t.Helper()
	u, err := env.Auth.CreateUser(context.Background(), auth.NewUser{
		Username: username, Password: GoodPassword,
		SecurityQuestion1: Q1, SecurityAnswer1: "Buddy the Dog",
		SecurityQuestion2: Q2, SecurityAnswer2: "Austin Texas",
	}, cad.Client{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// LoggedIn is what a login through the API gave.
type LoggedIn struct {
	Token  string
	Cookie string // "name=value"
	User   map[string]any
}

// LoginAs logs in through the API from ip and returns the token and cookie.
func LoginAs(t testing.TB, env *Env, username, password, ip string) LoggedIn {
	t.Helper()
	res := env.Do("POST", "/api/auth/login", map[string]string{"username": username, "password": password}, nil, ip+":1000")
	if res.Code != 200 {
		t.Fatalf("login %s: %d %s", username, res.Code, res.Body)
	}
	var out struct {
		Token string         `json:"token"`
		User  map[string]any `json:"user"`
	}
	if err := json.Unmarshal(res.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return LoggedIn{Token: out.Token, Cookie: SessionCookie(t, res), User: out.User}
}

// TokenFor signs u in as a tablet and returns the bearer token.
func TokenFor(t testing.TB, env *Env, u *cad.User) string {
	t.Helper()
	iss, err := env.Auth.IssueForUser(context.Background(), u, cad.SessionTablet, "password", cad.Client{})
	if err != nil {
		t.Fatal(err)
	}
	return iss.Token
}

// SessionCookie is the session cookie an answer set, as "name=value", or "".
func SessionCookie(t testing.TB, res *httptest.ResponseRecorder) string {
	t.Helper()
	for _, c := range res.Result().Cookies() {
		if strings.HasSuffix(c.Name, "precinct_session") && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	return ""
}

// Bearer is the header of a bearer token.
func Bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// CookieHeader is the header of a session cookie sent from Precinct's own
// pages.
func CookieHeader(c string) map[string]string {
	return map[string]string{"Cookie": c, "Sec-Fetch-Site": "same-origin"}
}

// In is the header naming a community, for routes whose path does not.
func In(communityID string) map[string]string {
	return map[string]string{"x-community-id": communityID}
}

// Key is the header of a game server's key.
func Key(k string) map[string]string { return map[string]string{"x-api-key": k} }

// Merge is the union of headers; later ones win.
func Merge(hs ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, h := range hs {
		for k, v := range h {
			out[k] = v
		}
	}
	return out
}

// Status is the status of one request.
func Status(env *Env, method, path string, body any, h map[string]string) int {
	return env.Do(method, path, body, h, "").Code
}

// ErrorBodyWithoutID is an error answer's status and body without its
// request id, to compare answers that must look alike.
func ErrorBodyWithoutID(t testing.TB, res *httptest.ResponseRecorder) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(res.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "requestId")
	b, _ := json.Marshal(m)
	return res.Result().Status + " " + string(b)
}

// JSONOf decodes an answer.
func JSONOf(t testing.TB, res *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(res.Body.Bytes(), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, res.Body)
	}
	return m
}

// MustJSON is v encoded.
func MustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Dump reads a collection raw, for scans of what is stored.
func Dump(t testing.TB, env *Env, coll string) []map[string]any {
	t.Helper()
	docs, err := env.DB.Dump(context.Background(), coll)
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// Concurrently runs f(0) … f(n-1) at once and counts their outcomes.
func Concurrently[K comparable](n int, f func(i int) K) map[K]int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	out := map[K]int{}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := f(i)
			mu.Lock()
			out[k]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// Unlimited raises every rate limit out of the way: the limiter still runs
// (and is measured), but never refuses a benchmark's requests.
func Unlimited(c *config.Config) {
	huge := cad.Rate{Limit: 1 << 40, Window: time.Minute}
	c.Limits.API, c.Limits.Lookup, c.Limits.FiveM, c.Limits.FiveMHighImpact, c.Limits.Reports = huge, huge, huge, huge, huge
}

// TinyPNG is a 2x2 PNG as a data URI, as the mugshot captures send.
func TinyPNG(t testing.TB) string {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// DecodeDataURI is the bytes a base64 data URI holds.
func DecodeDataURI(t testing.TB, uri string) []byte {
	t.Helper()
	_, payload, ok := strings.Cut(uri, ",")
	if !ok {
		t.Fatalf("not a data URI: %.40s", uri)
	}
	b, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
