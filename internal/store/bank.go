package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type accountRec cad.BankAccount

func (r *accountRec) DocID() string        { return r.ID }
func (r *accountRec) DocCommunity() string { return r.CommunityID }

func (r *accountRec) account() *cad.BankAccount {
	a := cad.BankAccount(*r)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a
}

type ledgerRec cad.LedgerEntry

func (r *ledgerRec) DocID() string        { return r.ID }
func (r *ledgerRec) DocCommunity() string { return r.CommunityID }

type idempotentRec cad.IdempotentResult

func (r *idempotentRec) DocID() string { return r.ID }

var (
	accountTable       = table[accountRec, *accountRec]{bankAccounts}
	ledgerTable        = table[ledgerRec, *ledgerRec]{bankLedger}
	idempotentTable    = table[idempotentRec, *idempotentRec]{idempotency}
	errAccountNotFound = cad.Errorf(cad.ENOTFOUND, "Bank account not found")
)

// CreateAccount stores a new account; a taken number, or a second account
// for one character, is a conflict.
func (s *Store) CreateAccount(ctx context.Context, communityID string, a *cad.BankAccount) error {
	r := accountRec(*a)
	r.ID, r.CommunityID = cad.NewID(), communityID
	now := Millis(time.Now())
	r.CreatedAt, r.UpdatedAt = now, now
	if err := accountTable.insert(ctx, s.e, &r); err != nil {
		return err
	}
	*a = *r.account()
	return nil
}

// AccountOf returns a character's account.
func (s *Store) AccountOf(ctx context.Context, communityID, characterID string) (*cad.BankAccount, error) {
	return s.getAccount(ctx, Where(Community(communityID), Eq("characterId", characterID)))
}

// AccountByNumber returns the account with a number in a community.
func (s *Store) AccountByNumber(ctx context.Context, communityID, number string) (*cad.BankAccount, error) {
	if number == "" {
		return nil, errAccountNotFound
	}
	return s.getAccount(ctx, Where(Community(communityID), Eq("accountNumber", number)))
}

func (s *Store) getAccount(ctx context.Context, q Query) (*cad.BankAccount, error) {
	return getOne(ctx, accountTable, s.e, q, errAccountNotFound, (*accountRec).account)
}

// SaveAccount stores an account's balance and state. Callers read and
// save inside one transaction (cad.Transactor), which is what keeps two
// movements of one account from losing either.
func (s *Store) SaveAccount(ctx context.Context, a *cad.BankAccount) error {
	r := accountRec(*a)
	r.UpdatedAt = Millis(time.Now())
	ok, err := accountTable.replace(ctx, s.e, Where(Community(a.CommunityID), ID(a.ID)), &r)
	if err != nil {
		return err
	}
	if !ok {
		return errAccountNotFound
	}
	a.UpdatedAt = r.UpdatedAt
	return nil
}

// AddLedgerEntry records one movement.
func (s *Store) AddLedgerEntry(ctx context.Context, e *cad.LedgerEntry) error {
	r := ledgerRec(*e)
	r.ID, r.Time = cad.NewID(), Millis(r.Time)
	if err := ledgerTable.insert(ctx, s.e, &r); err != nil {
		return err
	}
	*e = cad.LedgerEntry(r)
	return nil
}

// Ledger lists an account's movements, newest first, a page at a time.
func (s *Store) Ledger(ctx context.Context, communityID, accountID, after string, limit int) ([]*cad.LedgerEntry, string, error) {
	q := Where(Community(communityID), Eq("accountId", accountID)).SortBy(Order("time", true), Order(FieldID, true))
	q, err := page(bankLedger, q, after, 0, limit)
	if err != nil {
		return nil, "", err
	}
	list, err := ledgerTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, limit, func(r *ledgerRec) []any { return []any{r.Time, r.ID} })
	out := make([]*cad.LedgerEntry, len(list))
	for i, r := range list {
		e := cad.LedgerEntry(*r)
		e.Time = e.Time.UTC()
		out[i] = &e
	}
	return out, next, nil
}

// IdempotentResult returns the stored answer under a digest (see
// cad.IdempotentResult), or not_found; an expired one is not found.
func (s *Store) IdempotentResult(ctx context.Context, id string, now time.Time) (*cad.IdempotentResult, error) {
	r, err := idempotentTable.get(ctx, s.e, Where(ID(id), Gt("expiresAt", Millis(now))), nil)
	if err != nil {
		return nil, err
	}
	out := cad.IdempotentResult(*r)
	return &out, nil
}

// SaveIdempotentResult stores a first answer; a second under the same
// digest is a conflict (the caller's transaction then rolls back).
func (s *Store) SaveIdempotentResult(ctx context.Context, res *cad.IdempotentResult) error {
	r := idempotentRec(*res)
	r.CreatedAt, r.ExpiresAt = Millis(r.CreatedAt), Millis(r.ExpiresAt)
	// An expired answer under the same digest makes way.
	if _, err := idempotentTable.delete(ctx, s.e, Where(ID(r.ID), Lte("expiresAt", Millis(res.CreatedAt)))); err != nil {
		return err
	}
	return idempotentTable.insert(ctx, s.e, &r)
}
