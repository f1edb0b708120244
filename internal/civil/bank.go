package civil

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Money rules. Balances are integer cents. Every movement is a ledger
// entry written in the same transaction as the balance it changes; no
// balance goes below zero; a frozen or closed account moves nothing; a
// transfer changes both accounts in one transaction; a request repeated
// with its idempotency key gets the first answer and moves nothing.

// IdempotencyWindow is how long a first answer is kept for repeats.
const IdempotencyWindow = 24 * time.Hour

// Movement is the answer of a money request.
type Movement struct {
	// Account is the account after the movement (for a transfer, the
	// sender's); on a repeat, as it was after the first.
	Account *cad.BankAccount `json:"account"`
	// Entry is the ledger entry written; nil when nothing moved (a zero
	// deposit, which clients send to read the balance).
	Entry *cad.LedgerEntry `json:"entry,omitempty"`
	// Counter is a transfer's entry on the receiving account.
	Counter *cad.LedgerEntry `json:"counter,omitempty"`
	// Replayed is true when this is the stored first answer.
	Replayed bool `json:"-"`
}

// MoneyInput is a deposit, withdrawal, paycheck or adjustment.
type MoneyInput struct {
	Character      string // CAD id, SSN or identifier
	Amount         int64  // cents; signed for an adjustment
	Description    string
	IdempotencyKey string
}

var (
	errFrozen       = cad.Errorf(cad.EFORBIDDEN, "This account is frozen")
	errClosed       = cad.Errorf(cad.EFORBIDDEN, "This account is closed")
	errInsufficient = cad.Errorf(cad.EINVALID, "Insufficient funds")
	errNoAccount    = cad.Errorf(cad.ENOTFOUND, "Bank account not found")
	errKeyReused    = cad.Errorf(cad.ECONFLICT, "This idempotencyKey was used for another request")
)

// openAccount opens a character's account with a starting balance, inside
// the caller's transaction.
func (s *Service) openAccount(ctx context.Context, c cad.Caller, characterID string, start int64) error {
	number := ""
	for i := 0; i < 10 && number == ""; i++ {
		n := NewAccountNumber()
		if _, err := s.db.AccountByNumber(ctx, c.CommunityID(), n); cad.ErrorCode(err) == cad.ENOTFOUND {
			number = n
		} else if err != nil {
			return err
		}
	}
	if number == "" {
		return cad.Errorf(cad.EUNAVAILABLE, "No free account number was found; try again")
	}
	a := &cad.BankAccount{CharacterID: characterID, Number: number, Balance: start}
	if err := s.db.CreateAccount(ctx, c.CommunityID(), a); err != nil {
		return err
	}
	return s.db.AddLedgerEntry(ctx, &cad.LedgerEntry{CommunityID: c.CommunityID(), AccountID: a.ID, Type: cad.TxOpening,
		Amount: start, BalanceAfter: start, Description: "Account opened", ActorID: c.Actor.UserID, ActorKind: c.Actor.Kind, Time: s.now()})
}

// account finds the account of a character the caller may manage.
func (s *Service) account(ctx context.Context, c cad.Caller, ref string) (*cad.Character, *cad.BankAccount, error) {
	ch, err := s.visible(ctx, c, ref)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.db.AccountOf(ctx, c.CommunityID(), ch.ID)
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return nil, nil, errNoAccount
	}
	return ch, a, err
}

// Account returns a character's account and its newest ledger entries.
func (s *Service) Account(ctx context.Context, c cad.Caller, ref, after string, limit int) (*cad.Character, *cad.BankAccount, []*cad.LedgerEntry, string, error) {
	ch, a, err := s.account(ctx, c, ref)
	if err != nil {
		return nil, nil, nil, "", err
	}
	list, next, err := s.db.Ledger(ctx, c.CommunityID(), a.ID, after, pageSize(limit))
	if err != nil {
		return nil, nil, nil, "", err
	}
	return ch, a, list, next, nil
}

func checkDescription(d string) (string, error) { return checkText(text{"description", 200}, d) }

// movable refuses a frozen or closed account.
func movable(a *cad.BankAccount) error {
	switch {
	case a.Closed:
		return errClosed
	case a.Frozen:
		return errFrozen
	}
	return nil
}

// post changes a's balance by amount and writes the entry, inside the
// caller's transaction.
func (s *Service) post(ctx context.Context, c cad.Caller, a *cad.BankAccount, typ string, amount int64, desc, counterparty, transfer string) (*cad.LedgerEntry, error) {
	if err := movable(a); err != nil {
		return nil, err
	}
	next := a.Balance + amount
	if next < 0 {
		return nil, errInsufficient
	}
	if next > MaxAmount {
		return nil, cad.Errorf(cad.EINVALID, "The balance would exceed %s", FormatAmount(MaxAmount))
	}
	a.Balance = next
	if err := s.db.SaveAccount(ctx, a); err != nil {
		return nil, err
	}
	e := &cad.LedgerEntry{CommunityID: a.CommunityID, AccountID: a.ID, Type: typ, Amount: amount, BalanceAfter: next,
		Description: desc, Counterparty: counterparty, TransferID: transfer, ActorID: c.Actor.UserID, ActorKind: c.Actor.Kind, Time: s.now()}
	if err := s.db.AddLedgerEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// stored is what an idempotent request keeps: the request's fingerprint
// and its answer.
type stored struct {
	Request string    `json:"request"`
	Answer  *Movement `json:"answer"`
}

// idempotent runs a money request once per key: inside one transaction it
// looks for the first answer, else runs and stores it. Two requests with
// one key at once: one runs, the other's store conflicts and it runs
// again, now finding the answer.
func (s *Service) idempotent(ctx context.Context, c cad.Caller, key, request string, run func(ctx context.Context) (*Movement, error)) (*Movement, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		var m *Movement
		err := s.db.Tx(ctx, func(ctx context.Context) error {
			var err error
			m, err = run(ctx)
			return err
		})
		return m, err
	}
	if len(key) > 200 {
		return nil, cad.Errorf(cad.EINVALID, "idempotencyKey is longer than 200 characters")
	}
	sum := sha256.Sum256([]byte(c.CommunityID() + "\x00" + c.Actor.UserID + "\x00" + key))
	digest := hex.EncodeToString(sum[:16])
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var m *Movement
		err = s.db.Tx(ctx, func(ctx context.Context) error {
			now := s.now()
			prev, err := s.db.IdempotentResult(ctx, digest, now)
			if err == nil {
				var st stored
				if err := json.Unmarshal([]byte(prev.Body), &st); err != nil || st.Answer == nil {
					return cad.Errorf(cad.EINTERNAL, "A stored answer is unreadable")
				}
				if st.Request != request {
					return errKeyReused
				}
				m = st.Answer
				m.Replayed = true
				return nil
			}
			if cad.ErrorCode(err) != cad.ENOTFOUND {
				return err
			}
			if m, err = run(ctx); err != nil {
				return err
			}
			body, err := json.Marshal(stored{Request: request, Answer: m})
			if err != nil {
				return err
			}
			return s.db.SaveIdempotentResult(ctx, &cad.IdempotentResult{ID: digest, CommunityID: c.CommunityID(), Status: 200,
				Body: string(body), CreatedAt: now, ExpiresAt: now.Add(IdempotencyWindow)})
		})
		if cad.ErrorCode(err) != cad.ECONFLICT || errors.Is(err, errKeyReused) {
			return m, err
		}
	}
	return nil, err
}

// simple runs a one-account movement of a character the caller may manage.
func (s *Service) simple(ctx context.Context, c cad.Caller, op, typ string, in MoneyInput, sign int64) (*Movement, error) {
	desc, err := checkDescription(in.Description)
	if err != nil {
		return nil, err
	}
	ch, _, err := s.account(ctx, c, in.Character)
	if err != nil {
		return nil, err
	}
	request := op + "|" + ch.ID + "|" + FormatAmount(in.Amount)
	m, err := s.idempotent(ctx, c, in.IdempotencyKey, request, func(ctx context.Context) (*Movement, error) {
		a, err := s.db.AccountOf(ctx, c.CommunityID(), ch.ID)
		if err != nil {
			return nil, err
		}
		if in.Amount == 0 {
			return &Movement{Account: a}, nil
		}
		e, err := s.post(ctx, c, a, typ, sign*in.Amount, desc, "", "")
		if err != nil {
			return nil, err
		}
		return &Movement{Account: a, Entry: e}, nil
	})
	if err == nil && m.Entry != nil && !m.Replayed {
		s.record(ctx, c, "bank."+op, m.Account.ID, nil, map[string]any{"amount": FormatAmount(m.Entry.Amount), "balance": FormatAmount(m.Account.Balance)})
	}
	return m, err
}

// errMemberCash refuses a plain member's deposit or withdrawal in a
// community that has not allowed them.
var errMemberCash = cad.Errorf(cad.EFORBIDDEN, "Members may not deposit or withdraw in this community: the community setting "+
	"allowMemberDepositsWithdrawals is off (a community admin turns it on); transfers between accounts are allowed")

// cashAllowed reports whether the caller may move money into or out of an
// account: game servers and Supervisors and up always, members when the
// community allows it. A deposit makes money out of nothing.
func cashAllowed(c cad.Caller) error {
	if c.IsSupervisor() || c.Scope.Community.Settings.AllowMemberDepositsWithdrawals {
		return nil
	}
	return errMemberCash
}

// Deposit puts money into a character's account (see cashAllowed).
func (s *Service) Deposit(ctx context.Context, c cad.Caller, in MoneyInput) (*Movement, error) {
	if err := cashAllowed(c); err != nil {
		return nil, err
	}
	return s.simple(ctx, c, "deposit", cad.TxDeposit, in, 1)
}

// Withdraw takes money out of a character's account; never below zero
// (see cashAllowed).
func (s *Service) Withdraw(ctx context.Context, c cad.Caller, in MoneyInput) (*Movement, error) {
	if err := cashAllowed(c); err != nil {
		return nil, err
	}
	return s.simple(ctx, c, "withdraw", cad.TxWithdrawal, in, -1)
}

// Adjust changes a balance by a signed amount, with a reason (Supervisors
// and up, game servers).
func (s *Service) Adjust(ctx context.Context, c cad.Caller, in MoneyInput) (*Movement, error) {
	if !c.IsSupervisor() {
		return nil, cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Supervisor")
	}
	if strings.TrimSpace(in.Description) == "" {
		return nil, cad.Errorf(cad.EINVALID, "An adjustment needs a reason (description)")
	}
	return s.simple(ctx, c, "adjust", cad.TxAdjustment, in, 1)
}

// TransferInput moves money from a character's account to an account
// number.
type TransferInput struct {
	From           string // the sending character
	ToAccount      string // the receiving account's number
	Amount         int64
	Description    string
	IdempotencyKey string
}

// Transfer moves money between two accounts of the community in one
// transaction.
func (s *Service) Transfer(ctx context.Context, c cad.Caller, in TransferInput) (*Movement, error) {
	desc, err := checkDescription(in.Description)
	if err != nil {
		return nil, err
	}
	if in.Amount <= 0 {
		return nil, cad.Errorf(cad.EINVALID, "A transfer's amount must be more than 0")
	}
	to := strings.TrimSpace(in.ToAccount)
	if to == "" || len(to) > 32 {
		return nil, cad.Errorf(cad.EINVALID, "toAccountNumber is required")
	}
	ch, from, err := s.account(ctx, c, in.From)
	if err != nil {
		return nil, err
	}
	if from.Number == to {
		return nil, cad.Errorf(cad.EINVALID, "An account cannot transfer to itself")
	}
	request := "transfer|" + ch.ID + "|" + to + "|" + FormatAmount(in.Amount)
	m, err := s.idempotent(ctx, c, in.IdempotencyKey, request, func(ctx context.Context) (*Movement, error) {
		a, err := s.db.AccountOf(ctx, c.CommunityID(), ch.ID)
		if err != nil {
			return nil, err
		}
		b, err := s.db.AccountByNumber(ctx, c.CommunityID(), to)
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			return nil, cad.Errorf(cad.ENOTFOUND, "No account has that number")
		} else if err != nil {
			return nil, err
		}
		if err := movable(b); err != nil {
			return nil, cad.Errorf(cad.EFORBIDDEN, "The receiving account is frozen or closed")
		}
		ref := newMediaID()
		out, err := s.post(ctx, c, a, cad.TxTransferOut, -in.Amount, desc, b.Number, ref)
		if err != nil {
			return nil, err
		}
		into, err := s.post(ctx, c, b, cad.TxTransferIn, in.Amount, desc, a.Number, ref)
		if err != nil {
			return nil, err
		}
		return &Movement{Account: a, Entry: out, Counter: into}, nil
	})
	if err == nil && !m.Replayed {
		s.record(ctx, c, "bank.transfer", m.Account.ID, nil, map[string]any{"amount": FormatAmount(in.Amount), "to": to})
	}
	return m, err
}

// PaycheckInput is a game server's paycheck for an on-duty player.
type PaycheckInput struct {
	Character  string
	Department string // the department's code (or name)
	Amount     int64  // asked for; never more than the department pays
	DiscordID  string
}

// Paycheck pays a character the department's configured paycheck (or the
// smaller amount asked for). The character must be the player's when both
// name a Discord id.
func (s *Service) Paycheck(ctx context.Context, c cad.Caller, in PaycheckInput) (*Movement, error) {
	deps, err := s.db.Departments(ctx, c.CommunityID())
	if err != nil {
		return nil, err
	}
	var dep *cad.Department
	for _, d := range deps {
		if strings.EqualFold(d.Code, strings.TrimSpace(in.Department)) || strings.EqualFold(d.Name, strings.TrimSpace(in.Department)) {
			dep = d
			break
		}
	}
	if dep == nil {
		return nil, cad.Errorf(cad.ENOTFOUND, "Department not found")
	}
	pay := dep.Paycheck * 100
	if pay <= 0 {
		return nil, cad.Errorf(cad.EINVALID, "Department %s pays no paycheck", dep.Code)
	}
	if in.Amount > 0 && in.Amount < pay {
		pay = in.Amount
	}
	ch, err := s.Resolve(ctx, c, in.Character)
	if err != nil {
		return nil, err
	}
	if d := strings.TrimPrefix(strings.TrimSpace(in.DiscordID), "discord:"); d != "" && ch.DiscordID != "" && d != ch.DiscordID {
		return nil, cad.Errorf(cad.EFORBIDDEN, "This civilian is not the player's")
	}
	return s.simple(ctx, c, "paycheck", cad.TxPaycheck, MoneyInput{Character: ch.ID, Amount: pay, Description: "Paycheck: " + dep.Name}, 1)
}

// SetFrozen freezes or unfreezes a character's account (Supervisors and
// up, game servers). The change is a ledger entry of no amount.
func (s *Service) SetFrozen(ctx context.Context, c cad.Caller, ref string, frozen bool, reason string) (*cad.BankAccount, error) {
	if !c.IsSupervisor() {
		return nil, cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Supervisor")
	}
	reason, err := checkDescription(reason)
	if err != nil {
		return nil, err
	}
	ch, _, err := s.account(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	var out *cad.BankAccount
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		a, err := s.db.AccountOf(ctx, c.CommunityID(), ch.ID)
		if err != nil {
			return err
		}
		if a.Closed {
			return errClosed
		}
		typ := cad.TxUnfreeze
		if frozen {
			typ = cad.TxFreeze
		}
		a.Frozen = frozen
		if err := s.db.SaveAccount(ctx, a); err != nil {
			return err
		}
		out = a
		return s.db.AddLedgerEntry(ctx, &cad.LedgerEntry{CommunityID: a.CommunityID, AccountID: a.ID, Type: typ, BalanceAfter: a.Balance,
			Description: reason, ActorID: c.Actor.UserID, ActorKind: c.Actor.Kind, Time: s.now()})
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "bank.frozen", out.ID, nil, map[string]any{"frozen": frozen, "reason": reason})
	return out, nil
}
