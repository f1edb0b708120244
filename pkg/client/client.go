// Package client is a typed Go client for Precinct's API. Its types and
// methods (client.gen.go) are generated from docs/openapi.yaml by
// oapi-codegen (`make generate`); this file adds what the document cannot
// say: the base URL forms the FiveM resources use, credentials, a cookie
// jar, and server errors as *Error.
//
//	c := client.New("https://cad.example.org", client.WithToken(jwt))
//	res, err := c.APIHealthWithResponse(ctx)
//	// err is nil only for a 2xx answer: res.JSON200 holds it.
//
// The end-to-end tests drive the server through it, and scripts can too.
package client

//go:generate go tool oapi-codegen -config oapi-codegen.yaml -o client.gen.go ../../docs/openapi.yaml

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"time"
)

// Option configures New.
type Option func(*settings)

type settings struct {
	http      *http.Client
	jar       bool
	token     string
	apiKey    string
	community string
}

// WithToken sends Authorization: Bearer token (a JWT or a personal token).
func WithToken(token string) Option { return func(s *settings) { s.token = token } }

// WithAPIKey sends x-api-key: key (a game server's fvm_ key).
func WithAPIKey(key string) Option { return func(s *settings) { s.apiKey = key } }

// WithCommunity sends x-community-id: id (a 24-hex id or a Discord guild
// id) on every request that does not name a community itself, so the
// member routes need no per-call parameter.
func WithCommunity(id string) Option { return func(s *settings) { s.community = id } }

// WithCookieJar keeps cookies between calls, as a browser does, so that a
// session cookie set by one call authenticates the next.
func WithCookieJar() Option { return func(s *settings) { s.jar = true } }

// WithHTTP replaces the HTTP client (its timeout, transport, jar). The
// client is copied: a later WithCookieJar does not change the caller's.
func WithHTTP(h *http.Client) Option { return func(s *settings) { s.http = h } }

// New returns a client for the server at baseURL. A trailing "/" or "/api"
// is dropped, as the FiveM resources do, so either form of the URL works.
// Every answer outside 2xx comes back as an *Error, so a nil error means the
// response's field for the 2xx status it got (JSON200, JSON201) is set.
func New(baseURL string, opts ...Option) *ClientWithResponses {
	s := settings{http: &http.Client{Timeout: 30 * time.Second}}
	for _, o := range opts {
		o(&s)
	}
	h := *s.http
	if s.jar {
		h.Jar, _ = cookiejar.New(nil) // never fails without options
	}
	var editors []RequestEditorFn
	if s.token != "" || s.apiKey != "" || s.community != "" {
		editors = append(editors, func(_ context.Context, req *http.Request) error {
			if s.token != "" {
				req.Header.Set("Authorization", "Bearer "+s.token)
			}
			if s.apiKey != "" {
				req.Header.Set("x-api-key", s.apiKey)
			}
			if s.community != "" && req.Header.Get("x-community-id") == "" {
				req.Header.Set("x-community-id", s.community)
			}
			return nil
		})
	}
	return &ClientWithResponses{&Client{Server: serverURL(baseURL), Client: errorDoer{&h}, RequestEditors: editors}}
}

// serverURL is baseURL as the generated requests want it: the site root
// with one trailing slash (the document's paths start with /api).
func serverURL(baseURL string) string {
	base := strings.TrimRight(baseURL, "/")
	base = strings.TrimSuffix(base, "/api")
	return base + "/"
}

// BaseURL is the server's root URL, without a trailing slash.
func (c *ClientWithResponses) BaseURL() string {
	return strings.TrimSuffix(c.raw().Server, "/")
}

// HTTPClient is the underlying HTTP client (with its cookie jar, if any);
// nil for a client not made by New or NewClientWithResponses.
func (c *ClientWithResponses) HTTPClient() *http.Client {
	switch d := c.raw().Client.(type) {
	case errorDoer:
		return d.h
	case *http.Client:
		return d
	}
	return nil
}

// Do sends req with the client's credentials, for what the generated
// methods do not cover (a path outside the document). For a client made by
// New it returns an answer outside 2xx as an *Error, as the generated
// methods do; the caller closes the body of any other.
func (c *ClientWithResponses) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	raw := c.raw()
	req = req.WithContext(ctx)
	if err := raw.applyEditors(ctx, req, nil); err != nil {
		return nil, err
	}
	return raw.Client.Do(req)
}

// raw is the generated client underneath (NewClientWithResponses and New
// both make one).
func (c *ClientWithResponses) raw() *Client { return c.ClientInterface.(*Client) }

// DiscordSignIn walks the Discord sign-in the way a browser does: it starts
// at /api/auth/discord and follows the redirects through Discord's
// authorize page back to the callback, keeping cookies, and answers what
// the callback answers a JSON client: SignIn, or RegistrationRequired for a
// Discord account with no Precinct account (AsSignIn,
// AsRegistrationRequired). The client needs a cookie jar (WithCookieJar).
// Against real Discord a person must approve in a browser; this is for
// fakes (scripts/fake-discord) and tests.
func (c *ClientWithResponses) DiscordSignIn(ctx context.Context, returnTo string) (*DiscordCallback200JSONResponseBody, error) {
	if h := c.HTTPClient(); h == nil || h.Jar == nil {
		return nil, errors.New("precinct: DiscordSignIn needs a client with a cookie jar (WithCookieJar)")
	}
	params := &DiscordStartParams{}
	if returnTo != "" {
		params.ReturnTo = &returnTo
	}
	req, err := NewDiscordStartRequest(c.raw().Server, params)
	if err != nil {
		return nil, err
	}
	// The callback answers JSON to a client that asks for it, and a
	// redirect to the dashboard otherwise.
	req.Header.Set("Accept", "application/json")
	res, err := c.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	out, err := ParseDiscordCallbackResponse(res)
	if err != nil {
		return nil, err
	}
	if out.JSON200 == nil {
		return nil, fmt.Errorf("precinct: the Discord callback answered %d %s, not JSON", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return out.JSON200, nil
}

// Error is an error answer of the server.
type Error struct {
	Status    int    // HTTP status
	Code      string // invalid, unauthorized, forbidden, not_found, conflict, ...
	Message   string
	RequestID string
	// RetryAfter is the server's Retry-After on 429 and 503, if any.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("precinct: %d %s: %s (request %s)", e.Status, e.Code, e.Message, e.RequestID)
}

// IsCode reports whether err is an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// errorDoer sends requests and turns every answer outside 2xx into an
// *Error, so that callers of the generated methods check one error.
type errorDoer struct{ h *http.Client }

func (d errorDoer) Do(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	res, err := d.h.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		defer res.Body.Close()
		return nil, decodeError(res)
	}
	return res, nil
}

// decodeError reads the standard error body (ErrorBody), or makes do with
// the status when the answer is not one (a proxy's HTML page, say).
func decodeError(res *http.Response) error {
	e := &Error{Status: res.StatusCode, RequestID: res.Header.Get("X-Request-ID")}
	if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil {
		e.RetryAfter = time.Duration(secs) * time.Second
	}
	var body ErrorBody
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if json.Unmarshal(raw, &body) == nil {
		e.Code, e.Message = string(body.Code), body.Msg
		if e.Message == "" {
			e.Message = body.Error
		}
		if body.RequestID != "" {
			e.RequestID = body.RequestID
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(res.StatusCode)
	}
	return e
}
