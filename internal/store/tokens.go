package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Single-use secrets (reset tokens, OAuth states, pending registrations) are
// stored under the SHA-256 of the secret and spent by a counted delete: of
// many concurrent spends exactly one deletes the record (R86), on both
// engines, without a transaction.

type resetTokenRec struct {
	ID        string    `json:"_id"` // hex SHA-256 of the token
	UserID    string    `json:"userId"`
	Purpose   string    `json:"purpose"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (r *resetTokenRec) DocID() string { return r.ID }

type oauthStateRec struct {
	ID        string    `json:"_id"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (r *oauthStateRec) DocID() string { return r.ID }

type pendingRec struct {
	ID              string    `json:"_id"`
	DiscordID       string    `json:"discordId"`
	DiscordUsername string    `json:"discordUsername"`
	Avatar          string    `json:"avatar,omitempty"`
	GuildIDs        []string  `json:"guildIds,omitempty"`
	ExpiresAt       time.Time `json:"expiresAt"`
}

func (r *pendingRec) DocID() string { return r.ID }

var (
	resetTable  = table[resetTokenRec, *resetTokenRec]{resetTokens}
	oauthTable  = table[oauthStateRec, *oauthStateRec]{oauthStates}
	pendingTbl  = table[pendingRec, *pendingRec]{pendingRegs}
	errNoReset  = cad.Errorf(cad.ENOTFOUND, "Reset token not found")
	errNoSignup = cad.Errorf(cad.ENOTFOUND, "Registration not found")
)

// CreateResetToken stores a reset token's hash for a user and deletes the
// user's older tokens: issuing one invalidates the rest (R25).
func (s *Store) CreateResetToken(ctx context.Context, hash, userID string, now, expires time.Time) error {
	return s.Tx(ctx, func(ctx context.Context) error {
		if _, err := resetTable.delete(ctx, s.e, Where(Eq("userId", userID))); err != nil {
			return err
		}
		return resetTable.insert(ctx, s.e, &resetTokenRec{ID: hash, UserID: userID, Purpose: "password_reset",
			CreatedAt: Millis(now), ExpiresAt: Millis(expires)})
	})
}

// ResetTokenUser returns the user of a live token without spending it.
func (s *Store) ResetTokenUser(ctx context.Context, hash string, now time.Time) (string, error) {
	r, err := resetTable.get(ctx, s.e, Where(ID(hash), Gt("expiresAt", now)), errNoReset)
	if err != nil {
		return "", err
	}
	return r.UserID, nil
}

// ConsumeResetToken spends a live token and returns its user; of many
// concurrent uses exactly one gets it.
func (s *Store) ConsumeResetToken(ctx context.Context, hash string, now time.Time) (string, error) {
	userID, err := s.ResetTokenUser(ctx, hash, now)
	if err != nil {
		return "", err
	}
	n, err := resetTable.delete(ctx, s.e, Where(ID(hash), Gt("expiresAt", now)))
	if err != nil {
		return "", err
	}
	if n != 1 {
		return "", errNoReset
	}
	return userID, nil
}

// DeleteResetTokensOfUser invalidates a user's reset tokens, as any password
// change must (R25).
func (s *Store) DeleteResetTokensOfUser(ctx context.Context, userID string) error {
	_, err := resetTable.delete(ctx, s.e, Where(Eq("userId", userID)))
	return err
}

// CreateOAuthState records a sign-in attempt's state until expires.
func (s *Store) CreateOAuthState(ctx context.Context, hash string, expires time.Time) error {
	return oauthTable.insert(ctx, s.e, &oauthStateRec{ID: hash, ExpiresAt: Millis(expires)})
}

// ConsumeOAuthState spends a live state: false for an unknown, expired or
// spent one.
func (s *Store) ConsumeOAuthState(ctx context.Context, hash string, now time.Time) (bool, error) {
	n, err := oauthTable.delete(ctx, s.e, Where(ID(hash), Gt("expiresAt", now)))
	return n == 1, err
}

// CreatePending stores a pending registration.
func (s *Store) CreatePending(ctx context.Context, p cad.PendingRegistration) error {
	return pendingTbl.insert(ctx, s.e, &pendingRec{ID: p.ID, DiscordID: p.DiscordID, DiscordUsername: p.DiscordUsername,
		Avatar: p.Avatar, GuildIDs: p.GuildIDs, ExpiresAt: Millis(p.ExpiresAt)})
}

// Pending returns a live pending registration, or not_found.
func (s *Store) Pending(ctx context.Context, hash string, now time.Time) (*cad.PendingRegistration, error) {
	r, err := pendingTbl.get(ctx, s.e, Where(ID(hash), Gt("expiresAt", now)), errNoSignup)
	if err != nil {
		return nil, err
	}
	return &cad.PendingRegistration{ID: r.ID, DiscordID: r.DiscordID, DiscordUsername: r.DiscordUsername,
		Avatar: r.Avatar, GuildIDs: r.GuildIDs, ExpiresAt: r.ExpiresAt.UTC()}, nil
}

// DeletePending spends a pending registration; false when it was already
// gone.
func (s *Store) DeletePending(ctx context.Context, hash string) (bool, error) {
	n, err := pendingTbl.delete(ctx, s.e, Where(ID(hash)))
	return n == 1, err
}
