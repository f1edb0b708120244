package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// DiscordResult is how a Discord sign-in ended: signed in (Token and User),
// or RegistrationRequired for a Discord account with no Precinct account.
type DiscordResult struct {
	Token                string `json:"token"`
	User                 User   `json:"user"`
	RegistrationRequired bool   `json:"registrationRequired"`
	DiscordID            string `json:"discordId"`
	DiscordUsername      string `json:"discordUsername"`
}

// DiscordSignIn walks the Discord sign-in the way a browser does: it starts
// at /api/auth/discord and follows the redirects through Discord's
// authorize page back to the callback, keeping cookies. The client needs a
// cookie jar (WithCookieJar). Against real Discord a person must approve in
// a browser; this helper is for fakes (scripts/fake-discord) and tests.
func (c *Client) DiscordSignIn(ctx context.Context, returnTo string) (*DiscordResult, error) {
	if c.http.Jar == nil {
		return nil, fmt.Errorf("precinct: DiscordSignIn needs a client with a cookie jar (WithCookieJar)")
	}
	path := "/api/auth/discord"
	if returnTo != "" {
		path += "?returnTo=" + returnTo
	}
	res, err := c.Raw(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, decodeError(res)
	}
	var r DiscordResult
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("precinct: decoding the Discord callback: %w", err)
	}
	return &r, nil
}

// Registration is the body of complete-registration.
type Registration struct {
	DiscordID         string `json:"discordId"`
	Username          string `json:"username"`
	Password          string `json:"password"`
	SecurityQuestion1 string `json:"securityQuestion1"`
	SecurityAnswer1   string `json:"securityAnswer1"`
	SecurityQuestion2 string `json:"securityQuestion2"`
	SecurityAnswer2   string `json:"securityAnswer2"`
}

// CompleteRegistration creates the account of the Discord identity this
// client's cookie jar holds a pending registration for.
func (c *Client) CompleteRegistration(ctx context.Context, r Registration) (*LoginResult, error) {
	var out LoginResult
	return &out, c.Do(ctx, http.MethodPost, "/api/auth/complete-registration", r, &out)
}

// SetPassword sets a new password without the current one, within 10
// minutes of a Discord sign-in.
func (c *Client) SetPassword(ctx context.Context, newPassword string) error {
	return c.Do(ctx, http.MethodPut, "/api/auth/password", map[string]string{"newPassword": newPassword}, nil)
}
