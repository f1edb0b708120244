package authhttp_test

import (
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
)

// R72: failed key attempts are limited per client IP, apart from sign-in
// failures; and a bad key never locks out a good one: after 20 bad keys
// from an address, a valid key from it is still served, while bad keys
// from it get 429.
func TestAPIKeyFailureLimit(t *testing.T) {
	tn := apitest.NewTenants(t)
	bad := apitest.Key("fvm_" + strings.Repeat("0", 64))
	for i := 0; i < auth.KeyFailureLimit; i++ {
		if c := tn.Env.Do("GET", "/api/civilian/fivem-departments", nil, bad, "198.51.100.77:1").Code; c != 401 {
			t.Fatalf("attempt %d: %d", i+1, c)
		}
	}
	for _, k := range []string{"fvm_" + strings.Repeat("1", 64), "fvm_malformed"} {
		res := tn.Env.Do("GET", "/api/civilian/fivem-departments", nil, apitest.Key(k), "198.51.100.77:1")
		if res.Code != 429 || res.Header().Get("Retry-After") == "" {
			t.Fatalf("a bad key after the limit: %d", res.Code)
		}
		apitest.CheckErrorBody(t, res, cad.ERATELIMITED)
	}
	for i := 0; i < 3; i++ {
		if c := tn.Env.Do("GET", "/api/civilian/fivem-departments", nil, apitest.Key(tn.KeyA), "198.51.100.77:1").Code; c != 200 {
			t.Fatalf("a valid key from the same address, after its bad keys: %d", c)
		}
	}
	if c := tn.Env.Do("GET", "/api/civilian/fivem-departments", nil, bad, "198.51.100.78:1").Code; c != 401 {
		t.Fatalf("a bad key from another IP: %d", c)
	}
	// Sign-in from that address is not affected.
	if c := tn.Env.Do("POST", "/api/auth/tablet-login", map[string]string{"username": "memberA", "password": apitest.GoodPassword}, nil, "198.51.100.77:1").Code; c != 200 {
		t.Fatalf("login from the same IP: %d", c)
	}
}
