package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Token settings.
const (
	// AccessTokenLifetime is the reference's "7 days from issuance"; a
	// token never outlives its session.
	AccessTokenLifetime = 7 * 24 * time.Hour
	// Audience names what the tokens are for.
	Audience = "precinct-api"
	// tokenType marks access tokens; reset tokens and anything else are
	// never JWTs of this type (R41).
	tokenType = "access"
	// maxTokenLen caps what is parsed at all (R44).
	maxTokenLen = 8 << 10
	leeway      = 30 * time.Second
)

// claims are the access token's claims: the reference's user id (sub),
// Discord id and expiry, and Precinct's session, type and the standard
// claims.
type claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
	Type      string `json:"typ"`
	// DiscordID is the user's Discord id, "" when none is linked.
	DiscordID string `json:"discordId"`
}

// sign issues an access token for a session of u.
func (s *Service) sign(u *cad.User, sessionID string, now, exp time.Time) (string, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	k := s.jwtKeys.current()
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.cfg.Issuer,
			Audience:  jwt.ClaimStrings{Audience},
			Subject:   u.ID,
			ID:        hex.EncodeToString(jti),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		SessionID: sessionID,
		Type:      tokenType,
		DiscordID: u.DiscordID,
	})
	t.Header["kid"] = k.ID
	return t.SignedString(k.Secret)
}

var errBadToken = errors.New("invalid token")

// verifiedTokens remembers tokens whose signature and claims were checked,
// so that a client's next requests with the same token skip the HMAC and
// the claim decoding (about 10 µs, most of what authenticating a request
// costs once the session and user are cached). Only tokens this server
// signed get in, so the map cannot be filled with junk; past maxVerified it
// starts over. What can change a verified token's verdict later is time
// (expiry, checked on every hit) and its session (checked after parse, on
// every request); the keys that sign live longer than any token.
type verifiedTokens struct {
	mu sync.Mutex
	m  map[string]*claims
}

const maxVerified = 10_000

func (v *verifiedTokens) get(raw string, now time.Time) (*claims, bool) {
	v.mu.Lock()
	c, ok := v.m[raw]
	v.mu.Unlock()
	if !ok || !now.Before(c.ExpiresAt.Add(leeway)) {
		return nil, false
	}
	return c, true
}

func (v *verifiedTokens) put(raw string, c *claims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerified {
		v.m = make(map[string]*claims)
	}
	v.m[raw] = c
}

// parse verifies an access token and returns its claims. Only HS256 with a
// key of the server's own ring is accepted (R38, R43, R45); exp, iat, iss
// and aud are required (R40) and typ must be "access" (R41).
func (s *Service) parse(ctx context.Context, raw string) (*claims, error) {
	if len(raw) > maxTokenLen {
		return nil, errBadToken
	}
	now := s.now()
	if c, ok := s.verified.get(raw, now); ok {
		return c, nil
	}
	var c claims
	_, err := jwt.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodHS256 {
			return nil, fmt.Errorf("unexpected method %v", t.Header["alg"])
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" || len(kid) > 64 {
			return nil, errors.New("missing or malformed kid")
		}
		k, ok := s.jwtKeys.get(ctx, kid, now)
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return k.Secret, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(s.cfg.Issuer),
		jwt.WithAudience(Audience),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		return nil, errBadToken
	}
	// WithIssuedAt only checks an iat that is present; Precinct requires one.
	if c.Type != tokenType || c.SessionID == "" || c.Subject == "" || c.ID == "" || c.IssuedAt == nil {
		return nil, errBadToken
	}
	s.verified.put(raw, &c)
	return &c, nil
}
