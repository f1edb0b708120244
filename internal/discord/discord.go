// Package discord is Precinct's client of Discord: the OAuth2 authorization
// code flow with PKCE (through golang.org/x/oauth2) and the two API calls
// sign-in needs, users/@me and users/@me/guilds. It is the only package that
// talks to Discord.
package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Scopes are the least sign-in needs (R53): who the user is, and which
// servers (guilds) they are in.
var Scopes = []string{"identify", "guilds"}

// Config says which Discord application to use.
type Config struct {
	ClientID     string
	ClientSecret string
	// BaseURL is https://discord.com, or a fake's URL in tests. OAuth pages
	// live under /oauth2/…, the API under /api/….
	BaseURL string
	// RedirectURL is fixed by configuration, never taken from a request
	// (R52).
	RedirectURL string
	// Timeout bounds each call to Discord (R56); 0 means 5 s.
	Timeout time.Duration
}

// Client calls one Discord application's endpoints.
type Client struct {
	oauth   *oauth2.Config
	base    string
	http    *http.Client
	timeout time.Duration
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	base := strings.TrimRight(cfg.BaseURL, "/")
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	return &Client{
		base:    base,
		timeout: timeout,
		http:    &http.Client{Timeout: timeout},
		oauth: &oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       Scopes,
			Endpoint: oauth2.Endpoint{
				AuthURL:  base + "/oauth2/authorize",
				TokenURL: base + "/api/oauth2/token",
				// Client credentials in the form body, as Discord documents.
				AuthStyle: oauth2.AuthStyleInParams,
			},
		},
	}
}

// NewVerifier returns a fresh PKCE code verifier.
func NewVerifier() string { return oauth2.GenerateVerifier() }

// NewVerifier returns a fresh PKCE code verifier (the package's
// NewVerifier), so that the client is all sign-in needs.
func (c *Client) NewVerifier() string { return NewVerifier() }

// AuthCodeURL is the authorize page for state, with the S256 challenge of
// verifier (R51).
func (c *Client) AuthCodeURL(state, verifier string) string {
	return c.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Error is a failure of Discord (or of reaching it). RetryAfter is set when
// Discord rate-limited the call.
type Error struct {
	Op         string
	Status     int
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("discord %s: status %d", e.Op, e.Status)
	}
	return fmt.Sprintf("discord %s: %v", e.Op, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Call is the call that failed and the status Discord answered (0 when it
// was not reached).
func (e *Error) Call() (op string, status int) { return e.Op, e.Status }

// maxWait is the longest Retry-After that a call waits out before trying
// once more; anything longer fails at once rather than hold the request
// (R56).
const maxWait = 2 * time.Second

// Identify exchanges the code (with the PKCE verifier), reads the user and
// their guilds, and revokes the access token: Precinct keeps no Discord
// token at all (R55).
func (c *Client) Identify(ctx context.Context, code, verifier string) (*cad.DiscordIdentity, error) {
	xctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, c.http), c.timeout)
	defer cancel()
	tok, err := c.oauth.Exchange(xctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil {
			return nil, &Error{Op: "token exchange", Status: re.Response.StatusCode, RetryAfter: retryAfter(re.Response.Header), Err: err}
		}
		return nil, &Error{Op: "token exchange", Err: err}
	}
	defer c.revoke(ctx, tok.AccessToken)

	var me struct {
		ID            string `json:"id"`
		Username      string `json:"username"`
		Discriminator string `json:"discriminator"`
		Avatar        string `json:"avatar"`
	}
	if err := c.get(ctx, tok.AccessToken, "/api/v10/users/@me", &me); err != nil {
		return nil, err
	}
	if me.ID == "" {
		return nil, &Error{Op: "users/@me", Err: errors.New("no user id")}
	}
	var guilds []struct {
		ID string `json:"id"`
	}
	if err := c.get(ctx, tok.AccessToken, "/api/v10/users/@me/guilds", &guilds); err != nil {
		return nil, err
	}
	id := &cad.DiscordIdentity{ID: me.ID, Username: me.Username, Avatar: me.Avatar}
	if me.Discriminator != "" && me.Discriminator != "0" {
		id.Username += "#" + me.Discriminator
	}
	for _, g := range guilds {
		if g.ID != "" {
			id.GuildIDs = append(id.GuildIDs, g.ID)
		}
	}
	return id, nil
}

// get calls the API with the user's token, waiting out one short
// Retry-After.
func (c *Client) get(ctx context.Context, token, path string, out any) error {
	for attempt := 0; ; attempt++ {
		err := c.getOnce(ctx, token, path, out)
		var de *Error
		if attempt == 0 && errors.As(err, &de) && de.Status == http.StatusTooManyRequests && de.RetryAfter <= maxWait {
			select {
			case <-time.After(de.RetryAfter):
				continue
			case <-ctx.Done():
				return &Error{Op: path, Err: ctx.Err()}
			}
		}
		return err
	}
}

func (c *Client) getOnce(ctx context.Context, token, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "Precinct (https://github.com/precinct-cad/precinct)")
	res, err := c.http.Do(req)
	if err != nil {
		return &Error{Op: path, Err: err}
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		return &Error{Op: path, Status: res.StatusCode, RetryAfter: retryAfter(res.Header)}
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(out); err != nil {
		return &Error{Op: path, Err: err}
	}
	return nil
}

// revoke tells Discord the access token is no longer needed. It is best
// effort: a failure leaves a token that expires by itself.
func (c *Client) revoke(ctx context.Context, token string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	form := "token=" + urlEscape(token) + "&token_type_hint=access_token&client_id=" + urlEscape(c.oauth.ClientID) +
		"&client_secret=" + urlEscape(c.oauth.ClientSecret)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/oauth2/token/revoke", strings.NewReader(form))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := c.http.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
	}
}

// retryAfter reads Discord's Retry-After (seconds, possibly fractional).
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

func urlEscape(s string) string { return url.QueryEscape(s) }
