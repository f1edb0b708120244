// Package client is a typed Go client for Precinct's public API. The
// end-to-end tests drive the server through it, and scripts can too.
//
//	c := client.New("https://cad.example.org", client.WithToken(jwt))
//	h, err := c.Health(ctx)
//
// Errors from the server come back as *Error, carrying the status, the
// machine-readable code and the message of the standard error body.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"
)

// Client calls one Precinct server. It is safe for concurrent use; its
// credentials are fixed at construction.
type Client struct {
	baseURL string
	http    *http.Client
	token   string
	apiKey  string
}

// Option configures a Client.
type Option func(*Client)

// WithToken sends Authorization: Bearer token (a JWT or a personal token).
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithAPIKey sends x-api-key: key (a game server's fvm_ key).
func WithAPIKey(key string) Option { return func(c *Client) { c.apiKey = key } }

// WithHTTPClient replaces the HTTP client (its timeout, transport, jar).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithCookieJar keeps cookies between calls, as a browser does, so that a
// session cookie set by one call authenticates the next.
func WithCookieJar() Option {
	return func(c *Client) {
		jar, _ := cookiejar.New(nil)
		h := *c.http
		h.Jar = jar
		c.http = &h
	}
}

// New returns a client for the server at baseURL. A trailing "/" or "/api"
// is dropped, as the FiveM resources do, so either form of the URL works.
func New(baseURL string, opts ...Option) *Client {
	base := strings.TrimRight(baseURL, "/")
	base = strings.TrimSuffix(base, "/api")
	c := &Client{baseURL: base, http: &http.Client{Timeout: 30 * time.Second}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL is the server's root URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// HTTPClient is the underlying HTTP client (with its cookie jar, if any).
func (c *Client) HTTPClient() *http.Client { return c.http }

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

// Do sends a request with the client's credentials. A non-nil in is sent as
// JSON; a 2xx answer is decoded into out when out is not nil; any other
// answer becomes an *Error.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	return c.do(ctx, method, path, nil, in, out)
}

// DoIn is Do in a community: the x-community-id header names it (a 24-hex
// id or a Discord guild id), for routes whose path does not.
func (c *Client) DoIn(ctx context.Context, communityID, method, path string, in, out any) error {
	return c.do(ctx, method, path, http.Header{"X-Community-Id": {communityID}}, in, out)
}

func (c *Client) do(ctx context.Context, method, path string, header http.Header, in, out any) error {
	res, err := c.Raw(ctx, method, path, in, header)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return decodeError(res)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, res.Body)
		return nil
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("precinct: decoding %s %s: %w", method, path, err)
	}
	return nil
}

// Raw sends a request with the client's credentials and returns the answer
// as it is, for callers that need headers or non-JSON bodies. The caller
// closes the body.
func (c *Client) Raw(ctx context.Context, method, path string, in any, header http.Header) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.apiKey != "" {
		req.Header.Set("x-api-key", c.apiKey)
	}
	return c.http.Do(req)
}

func decodeError(res *http.Response) error {
	e := &Error{Status: res.StatusCode, RequestID: res.Header.Get("X-Request-ID")}
	if s := res.Header.Get("Retry-After"); s != "" {
		var secs int
		if _, err := fmt.Sscan(s, &secs); err == nil {
			e.RetryAfter = time.Duration(secs) * time.Second
		}
	}
	var body struct {
		Msg       string `json:"msg"`
		Error     string `json:"error"`
		Code      string `json:"code"`
		RequestID string `json:"requestId"`
	}
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if json.Unmarshal(raw, &body) == nil {
		e.Code, e.Message = body.Code, body.Msg
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

// Root is the answer of GET /.
type Root struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Version string `json:"version"`
	Docs    string `json:"docs"`
	OpenAPI string `json:"openapi"`
}

// Root fetches the site root, which FiveM resources probe to see whether
// the CAD is online.
func (c *Client) Root(ctx context.Context) (*Root, error) {
	var r Root
	return &r, c.Do(ctx, http.MethodGet, "/", nil, &r)
}

// Health is the answer of GET /api/health.
type Health struct {
	Status   string `json:"status"`
	Database string `json:"database"`
	Version  string `json:"version"`
}

// Health reports whether the server and its database are up (an *Error
// with code unavailable when the database is down).
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var h Health
	return &h, c.Do(ctx, http.MethodGet, "/api/health", nil, &h)
}

// Live calls GET /healthz: nil while the process serves HTTP.
func (c *Client) Live(ctx context.Context) error {
	return c.Do(ctx, http.MethodGet, "/healthz", nil, nil)
}

// Ready calls GET /readyz: nil while the database answers.
func (c *Client) Ready(ctx context.Context) error {
	return c.Do(ctx, http.MethodGet, "/readyz", nil, nil)
}
