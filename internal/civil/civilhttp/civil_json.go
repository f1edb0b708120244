package civilhttp

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// The answers of the civil routes, typed so that docs/openapi.yaml can
// describe them field for field (the API tests validate every answer
// against it).

// accountOut is a bank account in dollars (balance) and cents.
type accountOut struct {
	ID            string      `json:"_id"`
	IDAlias       string      `json:"id"`
	CharacterID   string      `json:"characterId"`
	AccountNumber string      `json:"accountNumber"`
	AccountStatus string      `json:"accountStatus"` // active, frozen or closed
	Balance       json.Number `json:"balance"`
	BalanceCents  int64       `json:"balanceCents"`
	Frozen        bool        `json:"frozen"`
	CreatedAt     time.Time   `json:"createdAt"`
	UpdatedAt     time.Time   `json:"updatedAt"`
}

func accountJSON(a *cad.BankAccount) accountOut {
	status := "active"
	switch {
	case a.Closed:
		status = "closed"
	case a.Frozen:
		status = "frozen"
	}
	return accountOut{ID: a.ID, IDAlias: a.ID, CharacterID: a.CharacterID, AccountNumber: a.Number, AccountStatus: status,
		Balance: money(a.Balance), BalanceCents: a.Balance, Frozen: a.Frozen, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// transactionOut is a ledger entry as CDE's bank clients read it (type,
// amount, description, date), with the rest beside it.
type transactionOut struct {
	ID           string      `json:"_id"`
	Type         string      `json:"type"`
	Amount       json.Number `json:"amount"`
	AmountCents  int64       `json:"amountCents"`
	BalanceAfter json.Number `json:"balanceAfter"`
	Description  string      `json:"description"`
	Counterparty string      `json:"counterparty,omitempty"`
	Date         time.Time   `json:"date"`
	ActorKind    string      `json:"actorKind"`
}

func transactionJSON(e *cad.LedgerEntry) *transactionOut {
	if e == nil {
		return nil
	}
	return &transactionOut{ID: e.ID, Type: e.Type, Amount: money(e.Amount), AmountCents: e.Amount, BalanceAfter: money(e.BalanceAfter),
		Description: e.Description, Counterparty: e.Counterparty, Date: e.Time, ActorKind: e.ActorKind}
}

// movementOut answers a deposit, withdrawal, transfer, paycheck or
// adjustment: success, the balance after, and the transaction.
type movementOut struct {
	Success       bool            `json:"success"`
	Balance       json.Number     `json:"balance"`
	BalanceCents  int64           `json:"balanceCents"`
	SenderBalance *json.Number    `json:"senderBalance,omitempty"`
	Transaction   *transactionOut `json:"transaction"`
	Replayed      bool            `json:"replayed"`
	Account       accountOut      `json:"account"`
}

func movementJSON(m *civil.Movement, transfer bool) movementOut {
	out := movementOut{Success: true, Balance: money(m.Account.Balance), BalanceCents: m.Account.Balance,
		Transaction: transactionJSON(m.Entry), Replayed: m.Replayed, Account: accountJSON(m.Account)}
	if transfer {
		b := out.Balance
		out.SenderBalance = &b
	}
	return out
}

// looseAmount is money in dollars, a JSON number or a string holding one,
// read exactly into cents by civil.ParseAmount: digits with at most two
// decimals, nothing else (no sign, exponent, spaces or "$"; no FiveM
// resource sends them). "" is absent, as for the other loose types.
type looseAmount struct {
	Set   bool
	Cents int64
}

// UnmarshalJSON reads an amount in dollars into cents.
func (l *looseAmount) UnmarshalJSON(b []byte) error {
	var s httpx.LooseString
	if err := s.UnmarshalJSON(b); err != nil || s.V == "true" || s.V == "false" {
		return &json.UnmarshalTypeError{Value: "value", Type: amountType}
	}
	if !s.Set || strings.TrimSpace(s.V) == "" {
		*l = looseAmount{}
		return nil
	}
	c, err := civil.ParseAmount(s.V)
	if err != nil {
		return err
	}
	*l = looseAmount{Set: true, Cents: c}
	return nil
}

// requireAmount is the amount of a money request, which must be there.
func requireAmount(a looseAmount) (int64, error) {
	if !a.Set {
		return 0, cad.Errorf(cad.EINVALID, "amount is required")
	}
	return a.Cents, nil
}

// money writes cents as a JSON number of dollars, exactly.
func money(cents int64) json.Number { return json.Number(civil.FormatAmount(cents)) }

// amountType is the type named in an amount's 400 ("Field "amount" must be
// a number").
var amountType = reflect.TypeOf(0.0)
