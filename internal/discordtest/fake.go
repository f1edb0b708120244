// Package discordtest is a fake Discord for tests and local trials: the
// OAuth2 authorize page (which approves at once, as a user clicking
// "Authorize" would), the token endpoint with PKCE, users/@me,
// users/@me/guilds and token revocation, on a loopback HTTP server.
// Switches make it answer 429 or 500, or deny, so error paths can be tested.
package discordtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
)

// User is a Discord account the fake signs in.
type User struct {
	ID            string
	Username      string
	Discriminator string // "0" for new-style names
	Avatar        string
	GuildIDs      []string
}

// Fake is a fake Discord. Set the fields under mu through the methods.
type Fake struct {
	ClientID     string
	ClientSecret string

	mu          sync.Mutex
	user        User
	deny        bool
	failures    map[string]fault // endpoint -> forced answer
	codes       map[string]grant // code -> grant
	tokens      map[string]User  // access token -> user
	tokenReqs   []url.Values
	authorizes  []url.Values
	revocations []string
}

type fault struct {
	status     int
	retryAfter string
	times      int // how many requests get it; <0 means all
}

type grant struct {
	user        User
	challenge   string
	redirectURI string
}

// Endpoints that can be made to fail.
const (
	EndpointToken  = "token"
	EndpointMe     = "me"
	EndpointGuilds = "guilds"
)

// New returns a fake for one application.
func New(clientID, clientSecret string) *Fake {
	return &Fake{ClientID: clientID, ClientSecret: clientSecret, failures: map[string]fault{},
		codes: map[string]grant{}, tokens: map[string]User{}}
}

// Start serves the fake on a loopback port until the test ends.
func Start(t interface {
	Cleanup(func())
}, clientID, clientSecret string) (*Fake, string) {
	f := New(clientID, clientSecret)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// SignInAs makes u the user who approves the next authorizations.
func (f *Fake) SignInAs(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.user = u
	f.deny = false
}

// Deny makes the user refuse: the authorize page redirects back with
// error=access_denied.
func (f *Fake) Deny() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deny = true
}

// Fail makes the next n requests to endpoint answer status (n < 0: all),
// with a Retry-After header when retryAfter is not empty.
func (f *Fake) Fail(endpoint string, status, n int, retryAfter string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[endpoint] = fault{status: status, retryAfter: retryAfter, times: n}
}

// Heal removes every forced failure.
func (f *Fake) Heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = map[string]fault{}
}

// TokenRequests returns the forms posted to the token endpoint.
func (f *Fake) TokenRequests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.tokenReqs...)
}

// Authorizations returns the query strings the authorize page received.
func (f *Fake) Authorizations() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.authorizes...)
}

// Revocations returns the tokens revoked.
func (f *Fake) Revocations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.revocations...)
}

// ServeHTTP implements the fake's endpoints.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/oauth2/authorize":
		f.authorize(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/api/oauth2/token":
		if !f.fault(w, EndpointToken) {
			f.token(w, r)
		}
	case r.Method == http.MethodPost && r.URL.Path == "/api/oauth2/token/revoke":
		_ = r.ParseForm()
		f.mu.Lock()
		f.revocations = append(f.revocations, r.PostForm.Get("token"))
		delete(f.tokens, r.PostForm.Get("token"))
		f.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v10/users/@me":
		if u, ok := f.bearer(w, r); ok && !f.fault(w, EndpointMe) {
			writeJSON(w, map[string]any{"id": u.ID, "username": u.Username, "discriminator": u.Discriminator, "avatar": u.Avatar})
		}
	case r.Method == http.MethodGet && r.URL.Path == "/api/v10/users/@me/guilds":
		if u, ok := f.bearer(w, r); ok && !f.fault(w, EndpointGuilds) {
			gs := []map[string]any{}
			for _, id := range u.GuildIDs {
				gs = append(gs, map[string]any{"id": id, "name": "Guild " + id})
			}
			writeJSON(w, gs)
		}
	default:
		http.Error(w, `{"message":"404: Not Found","code":0}`, http.StatusNotFound)
	}
}

func (f *Fake) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.authorizes = append(f.authorizes, q)
	user, deny := f.user, f.deny
	f.mu.Unlock()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("client_id") != f.ClientID || q.Get("response_type") != "code" || redirect.Scheme == "" {
		http.Error(w, "invalid authorize request", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	if deny {
		back.Set("error", "access_denied")
		back.Set("error_description", "The resource owner or authorization server denied the request")
	} else {
		code := randomHex()
		f.mu.Lock()
		f.codes[code] = grant{user: user, challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri")}
		f.mu.Unlock()
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (f *Fake) token(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		tokenError(w, "invalid_request")
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request")
		return
	}
	form := r.PostForm
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenReqs = append(f.tokenReqs, form)
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id != f.ClientID || secret != f.ClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]string{"error": "invalid_client"})
		return
	}
	g, ok := f.codes[form.Get("code")]
	delete(f.codes, form.Get("code")) // a code is handed out once
	sum := sha256.Sum256([]byte(form.Get("code_verifier")))
	if !ok || form.Get("grant_type") != "authorization_code" || form.Get("redirect_uri") != g.redirectURI ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		tokenError(w, "invalid_grant")
		return
	}
	tok := randomHex()
	f.tokens[tok] = g.user
	writeJSON(w, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 604800,
		"refresh_token": randomHex(), "scope": "identify guilds"})
}

func (f *Fake) bearer(w http.ResponseWriter, r *http.Request) (User, bool) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	u, ok := f.tokens[tok]
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]any{"message": "401: Unauthorized", "code": 0})
	}
	return u, ok
}

// fault answers with a forced failure when one is set for endpoint.
func (f *Fake) fault(w http.ResponseWriter, endpoint string) bool {
	f.mu.Lock()
	ft, ok := f.failures[endpoint]
	if ok && ft.times != 0 {
		if ft.times > 0 {
			ft.times--
			f.failures[endpoint] = ft
		}
	} else {
		ok = false
	}
	f.mu.Unlock()
	if !ok {
		return false
	}
	if ft.retryAfter != "" {
		w.Header().Set("Retry-After", ft.retryAfter)
	}
	w.WriteHeader(ft.status)
	writeJSON(w, map[string]any{"message": http.StatusText(ft.status), "retry_after": ft.retryAfter})
	return true
}

func tokenError(w http.ResponseWriter, code string) {
	w.WriteHeader(http.StatusBadRequest)
	writeJSON(w, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
