package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
)

// testJWTSecret is configured in auth tests so that they can forge tokens.
const testJWTSecret = "test-jwt-secret-0123456789abcdef0123456789"

func authEnv(t *testing.T, opts ...apitest.Option) *apitest.Env {
	t.Helper()
	return apitest.New(t, append([]apitest.Option{func(c *config.Config) { c.JWTSecret = []byte(testJWTSecret) }}, opts...)...)
}

const (
	goodPassword = "Correct horse battery staple 7"
	q1           = "What is your pet's name?"
	q2           = "What city were you born in?"
)

// mkUser creates an account with security questions.
func mkUser(t *testing.T, env *apitest.Env, username string) *cad.User {
	t.Helper()
	u, err := env.Auth.CreateUser(context.Background(), auth.NewUser{
		Username: username, Password: goodPassword,
		SecurityQuestion1: q1, SecurityAnswer1: "Buddy the Dog",
		SecurityQuestion2: q2, SecurityAnswer2: "Austin Texas",
	}, cad.Client{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

type loggedIn struct {
	Token  string
	Cookie string // "name=value"
	User   map[string]any
}

// loginAs logs in through the API from ip and returns the token and cookie.
func loginAs(t *testing.T, env *apitest.Env, username, password, ip string) loggedIn {
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
	return loggedIn{Token: out.Token, Cookie: sessionCookie(t, res), User: out.User}
}

func sessionCookie(t *testing.T, res *httptest.ResponseRecorder) string {
	t.Helper()
	for _, c := range res.Result().Cookies() {
		if strings.HasSuffix(c.Name, "precinct_session") && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	return ""
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func cookieH(c string) map[string]string {
	return map[string]string{"Cookie": c, "Sec-Fetch-Site": "same-origin"}
}

func status(env *apitest.Env, method, path string, body any, h map[string]string) int {
	return env.Do(method, path, body, h, "").Code
}

func errorBodyWithoutID(t *testing.T, res *httptest.ResponseRecorder) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(res.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "requestId")
	b, _ := json.Marshal(m)
	return res.Result().Status + " " + string(b)
}

var _ = http.MethodGet

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// concurrently runs f(0) … f(n-1) at once and counts their outcomes.
func concurrently[K comparable](n int, f func(i int) K) map[K]int {
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
