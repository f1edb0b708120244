package civilhttp_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

// The money rules: cents, no balance below zero, frozen accounts move
// nothing, transfers are atomic, idempotency keys move money once.
func TestBankRules(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	base := "/api/civilian/" + tn.CivA.ID + "/bank"
	numberB := tn.AccountNumber(t, tn.CivB.ID)
	// A second civilian in A to transfer to.
	other := apitest.JSONOf(t, env.Do("POST", "/api/civilian", map[string]any{"firstName": "Sam", "lastName": "Second", "dateOfBirth": "1985-01-01"}, tn.InA("memberA"), ""))
	otherID := other["_id"].(string)
	numberOther := tn.AccountNumber(t, otherID)
	// Members deposit and withdraw only where the community allows it
	// (TestMembersCannotMintMoney); this community does.
	if c := apitest.Status(env, "PATCH", "/api/community/"+tn.A.ID, map[string]any{"settings": map[string]any{"allowMemberDepositsWithdrawals": true}},
		tn.As("adminA")); c != 200 {
		t.Fatalf("allowing member deposits: %d", c)
	}
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "deposit cents exactly", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"),
			Body: `{"amount": 0.1, "description": "tip"}`, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"success": true, "balance": 5000.1, "balanceCents": 500010, "transaction.amountCents": 10, "transaction.type": "deposit"}},
		{Name: "another 0.2 makes 0.3, not 0.30000000000000004", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"),
			Body: `{"amount": "0.20"}`, ExpectedStatus: 200, ExpectedJSON: map[string]any{"balanceCents": 500030}, ExpectedContent: []string{`"balance":5000.3,`}},
		{Name: "three decimals are refused", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"),
			Body: `{"amount": 1.005}`, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "a negative amount is refused", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"),
			Body: `{"amount": -5}`, ExpectedStatus: 400},
		{Name: "an absurd amount is refused", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"),
			Body: `{"amount": 1e30}`, ExpectedStatus: 400},
		{Name: "no amount", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"), Body: `{}`, ExpectedStatus: 400},
		{Name: "a zero deposit reads the balance and moves nothing", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"),
			Body: `{"amount": 0}`, ExpectedStatus: 200, ExpectedJSON: map[string]any{"balanceCents": 500030, "transaction": nil}},
		{Name: "withdraw", Method: "POST", Path: base + "/withdraw", Headers: tn.InA("memberA"),
			Body: `{"amount": 30.3}`, ExpectedStatus: 200, ExpectedJSON: map[string]any{"balanceCents": 497000, "transaction.amountCents": -3030}},
		{Name: "never below zero", Method: "POST", Path: base + "/withdraw", Headers: tn.InA("memberA"),
			Body: `{"amount": 4970.01}`, ExpectedStatus: 400, ExpectedContent: []string{"Insufficient funds"}},
		{Name: "transfer within the community", Method: "POST", Path: base + "/transfer", Headers: tn.InA("memberA"),
			Body: map[string]any{"amount": 970, "toAccountNumber": numberOther, "description": "rent"}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"senderBalance": 4000, "transaction.type": "transfer-out", "transaction.counterparty": numberOther}},
		{Name: "never to another community's account", Method: "POST", Path: base + "/transfer", Headers: tn.InA("memberA"),
			Body: map[string]any{"amount": 1, "toAccountNumber": numberB}, ExpectedStatus: 404},
		{Name: "not to itself", Method: "POST", Path: base + "/transfer", Headers: tn.InA("memberA"),
			Body: map[string]any{"amount": 1, "toAccountNumber": tn.AccountNumber(t, tn.CivA.ID)}, ExpectedStatus: 400},
		{Name: "a member may not adjust", Method: "POST", Path: base + "/adjust", Headers: tn.InA("memberA"),
			Body: `{"amount": 100, "description": "gift"}`, ExpectedStatus: 403},
		{Name: "a supervisor adjusts with a reason", Method: "POST", Path: base + "/adjust?direction=debit", Headers: tn.InA("supA"),
			Body: `{"amount": 1000, "description": "fine"}`, ExpectedStatus: 200, ExpectedJSON: map[string]any{"balanceCents": 300000, "transaction.type": "adjustment"}},
		{Name: "a member may not freeze", Method: "POST", Path: base + "/freeze", Headers: tn.InA("memberA"), ExpectedStatus: 403},
		{Name: "a supervisor freezes", Method: "POST", Path: base + "/freeze", Headers: tn.InA("supA"), Body: `{"description": "fraud"}`,
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"account.accountStatus": "frozen"}},
		{Name: "a frozen account moves nothing", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"),
			Body: `{"amount": 1}`, ExpectedStatus: 403, ExpectedContent: []string{"frozen"}},
		{Name: "nor receives", Method: "POST", Path: "/api/civilian/" + otherID + "/bank/transfer", Headers: tn.InA("memberA"),
			Body: map[string]any{"amount": 1, "toAccountNumber": tn.AccountNumber(t, tn.CivA.ID)}, ExpectedStatus: 403},
		{Name: "unfreeze", Method: "POST", Path: base + "/unfreeze", Headers: tn.InA("supA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"account.accountStatus": "active"}},
		{Name: "the ledger, newest first", Method: "GET", Path: base + "?limit=2", Headers: tn.InA("memberA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"transactions.#": 2, "transactions.0.type": "unfreeze", "transactions.1.type": "freeze"}},
	})
	// The ledger sums to the balance.
	var sum int64
	var balance float64
	for _, d := range apitest.Dump(t, env, "bank_ledger") {
		if acct := d["accountId"]; acct != nil && d["communityId"] == tn.A.ID {
			if a := accountOfID(t, tn, acct.(string)); a == tn.CivA.ID {
				sum += int64(d["amountCents"].(float64))
			}
		}
	}
	for _, d := range apitest.Dump(t, env, "bank_accounts") {
		if d["characterId"] == tn.CivA.ID {
			balance = d["balanceCents"].(float64)
		}
	}
	if sum != int64(balance) || sum != 300000 {
		t.Fatalf("ledger sums to %d, balance %v", sum, balance)
	}
}

// Amounts are digits with at most two decimals, as a JSON number or a
// string (docs/civil.md); the old parser (big.Rat) also took hex, digit
// separators, fractions and exponents, and "$". Each is refused with the
// field's message and moves nothing, through a game server's key (which
// keeps deposits whatever the community's settings).
func TestAmountsOutsideTheGrammarAreRefused(t *testing.T) {
	tn := apitest.NewTenants(t)
	deposit := func(amount string) *httptest.ResponseRecorder {
		return tn.Env.Do("POST", "/api/fivem/bank/deposit", `{"civilianId": "`+tn.CivA.ID+`", "amount": `+amount+`}`, apitest.Key(tn.KeyA), "")
	}
	for _, amount := range []string{`"0x10"`, `"1_000"`, `"3/2"`, `"1e999999"`, `"1e3"`, `1e3`, `1E2`, `"$5"`, `" 5"`, `"+5"`, `-0`,
		`"12."`, `".5"`, `12.345`, `"１２"`} {
		res := deposit(amount)
		if res.Code != 400 {
			t.Errorf("amount %s: %d %s", amount, res.Code, res.Body)
			continue
		}
		apitest.CheckErrorBody(t, res, cad.EINVALID)
		if !strings.Contains(res.Body.String(), "amount must be") {
			t.Errorf("amount %s: the message does not name the field: %s", amount, res.Body)
		}
	}
	// Nothing moved; then what the grammar holds reads exactly.
	for _, d := range []struct {
		amount string
		cents  float64
	}{{`0`, 500000}, {`12`, 501200}, {`"0.5"`, 501250}, {`0.25`, 501275}, {`"007"`, 501975}, {`1000.0`, 601975}} {
		res := deposit(d.amount)
		if res.Code != 200 || apitest.JSONOf(t, res)["balanceCents"] != d.cents {
			t.Errorf("amount %s: %d %s, want a balance of %v cents", d.amount, res.Code, res.Body, d.cents)
		}
	}
}

// Members cannot make money: deposits and withdrawals by plain members are
// off until a community admin turns on allowMemberDepositsWithdrawals;
// game servers and Supervisors and up keep them, and transfers stay.
func TestMembersCannotMintMoney(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	base := "/api/civilian/" + tn.CivA.ID + "/bank"
	community := "/api/community/" + tn.A.ID
	other := apitest.JSONOf(t, env.Do("POST", "/api/civilian", map[string]any{"firstName": "Sam", "lastName": "Second", "dateOfBirth": "1985-01-01"}, tn.InA("memberA"), ""))
	numberOther := tn.AccountNumber(t, other["_id"].(string))
	setting := func(on any) map[string]any {
		return map[string]any{"settings": map[string]any{"allowMemberDepositsWithdrawals": on}}
	}
	ledger := func() int {
		n := 0
		for _, d := range apitest.Dump(t, env, "bank_ledger") {
			if d["communityId"] == tn.A.ID {
				n++
			}
		}
		return n
	}
	before := ledger()
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "off by default", Method: "GET", Path: community, Headers: tn.As("memberA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"settings.allowMemberDepositsWithdrawals": false}},
		{Name: "a member may not deposit billions", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"),
			Body: map[string]any{"amount": 9999990000}, ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN,
			ExpectedContent: []string{"allowMemberDepositsWithdrawals"}},
		{Name: "nor a cent", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"), Body: map[string]any{"amount": 0.01}, ExpectedStatus: 403},
		{Name: "nor withdraw", Method: "POST", Path: base + "/withdraw", Headers: tn.InA("memberA"), Body: map[string]any{"amount": 1}, ExpectedStatus: 403,
			ExpectedContent: []string{"allowMemberDepositsWithdrawals"}},
		{Name: "the balance is untouched", Method: "GET", Path: base, Headers: tn.InA("memberA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"account.balanceCents": 500000}},
	})
	if n := ledger(); n != before {
		t.Fatalf("refused movements wrote %d ledger entries", n-before)
	}
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "transfers stay", Method: "POST", Path: base + "/transfer", Headers: tn.InA("memberA"),
			Body: map[string]any{"amount": 100, "toAccountNumber": numberOther}, ExpectedStatus: 200, ExpectedJSON: map[string]any{"senderBalance": 4900}},
		{Name: "a Supervisor deposits", Method: "POST", Path: base + "/deposit", Headers: tn.InA("supA"), Body: map[string]any{"amount": 100},
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"balanceCents": 500000}},
		{Name: "and withdraws", Method: "POST", Path: base + "/withdraw", Headers: tn.InA("supA"), Body: map[string]any{"amount": 50},
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"balanceCents": 495000}},
		{Name: "the game server deposits", Method: "POST", Path: "/api/fivem/bank/deposit", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"civilianId": tn.CivA.SSN, "amount": 50}, ExpectedStatus: 200},
		{Name: "and withdraws", Method: "POST", Path: "/api/banking/fivem/withdraw", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"civilianId": tn.CivA.SSN, "amount": 25}, ExpectedStatus: 200, ExpectedJSON: map[string]any{"balance": 4975}},

		{Name: "the setting: a member may not change it", Method: "PATCH", Path: community, Headers: tn.As("memberA"), Body: setting(true), ExpectedStatus: 403},
		{Name: "nor a Supervisor", Method: "PATCH", Path: community, Headers: tn.As("supA"), Body: setting(true), ExpectedStatus: 403},
		{Name: "nor B's admin", Method: "PATCH", Path: community, Headers: tn.As("adminB"), Body: setting(true), ExpectedStatus: 404},
		{Name: "not without a credential", Method: "PATCH", Path: community, Body: setting(true), ExpectedStatus: 401},
		{Name: "a boolean only", Method: "PATCH", Path: community, Headers: tn.As("adminA"), Body: setting([]int{1}), ExpectedStatus: 400},
		{Name: "still off", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"), Body: map[string]any{"amount": 1}, ExpectedStatus: 403},
		{Name: "an admin turns it on", Method: "PATCH", Path: community, Headers: tn.As("adminA"), Body: setting(true), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"settings.allowMemberDepositsWithdrawals": true}},
		{Name: "B is not affected", Method: "GET", Path: "/api/community/" + tn.B.ID, Headers: tn.As("adminB"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"settings.allowMemberDepositsWithdrawals": false}},
		{Name: "now a member deposits", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"), Body: map[string]any{"amount": 1},
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"balanceCents": 497600}},
		{Name: "and withdraws", Method: "POST", Path: base + "/withdraw", Headers: tn.InA("memberA"), Body: map[string]any{"amount": 1},
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"balanceCents": 497500}},
		{Name: "and off again", Method: "PATCH", Path: community, Headers: tn.As("adminA"), Body: setting(false), ExpectedStatus: 200},
		{Name: "refused again", Method: "POST", Path: base + "/deposit", Headers: tn.InA("memberA"), Body: map[string]any{"amount": 1}, ExpectedStatus: 403},
	})
}

func accountOfID(t *testing.T, tn *apitest.Tenants, accountID string) string {
	t.Helper()
	for _, d := range apitest.Dump(t, tn.Env, "bank_accounts") {
		if d["_id"] == accountID {
			return d["characterId"].(string)
		}
	}
	return ""
}

// 50 concurrent transfers among 10 accounts conserve the total to the
// cent, no balance goes below zero, and each transfer's two entries are
// both written or neither.
func TestConcurrentTransfersConserveMoney(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.Env.NeedAtomic(t)
	env := tn.Env
	var ids, numbers []string
	for i := 0; i < 10; i++ {
		res := env.Do("POST", "/api/civilian/fivem-sync-character", map[string]any{"firstName": "Acct", "lastName": fmt.Sprint(i),
			"dateOfBirth": "1990-01-01", "ssn": fmt.Sprintf("bank-%d", i)}, apitest.Key(tn.KeyA), "")
		if res.Code != 201 {
			t.Fatalf("sync: %d %s", res.Code, res.Body)
		}
		id := apitest.JSONOf(t, res)["_id"].(string)
		ids = append(ids, id)
		numbers = append(numbers, tn.AccountNumber(t, id))
	}
	total := func() int64 {
		var n int64
		for _, d := range apitest.Dump(t, env, "bank_accounts") {
			for _, id := range ids {
				if d["characterId"] == id {
					n += int64(d["balanceCents"].(float64))
					if d["balanceCents"].(float64) < 0 {
						t.Errorf("a balance below zero: %v", d)
					}
				}
			}
		}
		return n
	}
	before := total()
	var mu sync.Mutex
	codes := map[int]int{}
	storetest.Burst(50, func(i int) {
		from, to := i%10, (i*7+3)%10
		if from == to {
			to = (to + 1) % 10
		}
		res := env.Do("POST", "/api/banking/fivem/transfer", map[string]any{"fromCivilianId": ids[from], "toAccountNumber": numbers[to],
			"amount": fmt.Sprintf("%d.%02d", 1000+i*37, i)}, apitest.Key(tn.KeyA), "")
		mu.Lock()
		codes[res.Code]++
		mu.Unlock()
	})
	if after := total(); after != before {
		t.Fatalf("total moved from %d to %d (answers %v)", before, after, codes)
	}
	if codes[200] == 0 {
		t.Fatalf("no transfer succeeded: %v", codes)
	}
	// Every transfer left two entries with one transfer id.
	byTransfer := map[string]int{}
	for _, d := range apitest.Dump(t, env, "bank_ledger") {
		if tid, ok := d["transferId"].(string); ok {
			byTransfer[tid]++
		}
	}
	for tid, n := range byTransfer {
		if n != 2 {
			t.Errorf("transfer %s has %d entries", tid, n)
		}
	}
	if len(byTransfer) != codes[200] {
		t.Errorf("%d transfers in the ledger, %d answered 200", len(byTransfer), codes[200])
	}
	t.Logf("answers: %v", codes)
}

// A deposit retried with its idempotency key, even 20 times at once, moves
// money once and answers the first result every time.
func TestIdempotentDeposit(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.Env.NeedAtomic(t)
	env := tn.Env
	body := map[string]any{"civilianId": tn.CivA.SSN, "amount": 250, "description": "LWK deposit", "idempotencyKey": "dep-42"}
	var mu sync.Mutex
	balances := map[string]int{}
	storetest.Burst(20, func(int) {
		res := env.Do("POST", "/api/fivem/bank/deposit", body, apitest.Key(tn.KeyA), "")
		mu.Lock()
		defer mu.Unlock()
		if res.Code != 200 {
			t.Errorf("deposit: %d %s", res.Code, res.Body)
			return
		}
		balances[fmt.Sprint(apitest.JSONOf(t, res)["balance"])]++
	})
	if len(balances) != 1 || balances["5250"] != 20 {
		t.Fatalf("answers: %v", balances)
	}
	res := env.Do("GET", "/api/fivem/bank/account/"+tn.CivA.SSN, nil, apitest.Key(tn.KeyA), "")
	if got := apitest.JSONOf(t, res)["balance"]; got != 5250.0 {
		t.Fatalf("balance %v after 20 repeats", got)
	}
	// The same key for another request is a conflict, not a replay.
	body["amount"] = 999
	if c := apitest.Status(env, "POST", "/api/fivem/bank/deposit", body, apitest.Key(tn.KeyA)); c != 409 {
		t.Fatalf("a reused key: %d", c)
	}
	// Keys are per caller: B's server may use the same key for its own.
	if c := apitest.Status(env, "POST", "/api/fivem/bank/deposit", map[string]any{"civilianId": tn.CivB.SSN, "amount": 1, "idempotencyKey": "dep-42"}, apitest.Key(tn.KeyB)); c != 200 {
		t.Fatalf("another community's same key: %d", c)
	}
}
