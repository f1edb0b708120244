package communityhttp_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
)

// R67-R72: game-server keys from creation to revocation.
func TestAPIKeys(t *testing.T) {
	tn := apitest.NewTenants(t)
	A := tn.A.ID
	base := "/api/community/" + A + "/api-keys"

	res := tn.Env.Do("POST", base, map[string]string{"name": "Main server"}, tn.As("adminA"), "")
	var made struct{ Key, ID, Prefix, Name string }
	_ = json.Unmarshal(res.Body.Bytes(), &made)
	if res.Code != 201 || !regexp.MustCompile(`^fvm_[0-9a-f]{64}$`).MatchString(made.Key) || made.Prefix != made.Key[4:12] || made.Name != "Main server" {
		t.Fatalf("create: %d %s", res.Code, res.Body)
	}
	// Only the hash is stored; the list never shows the key (R68).
	if strings.Contains(apitest.MustJSON(t, apitest.Dump(t, tn.Env, "api_keys")), made.Key[4:]) {
		t.Fatal("a key is stored in clear")
	}
	apitest.Run(t, tn.Env, []apitest.Scenario{
		{Name: "list", Method: "GET", Path: base, Headers: tn.As("adminA"), ExpectedStatus: 200,
			ExpectedContent: []string{made.Prefix, `"name":"Main server"`}, NotExpectedContent: []string{made.Key, tn.KeyA}},
		{Name: "list: supervisor", Method: "GET", Path: base, Headers: tn.As("supA"), ExpectedStatus: 403},
		{Name: "create: no name", Method: "POST", Path: base, Headers: tn.As("adminA"), Body: map[string]string{}, ExpectedStatus: 400},
		{Name: "create: a key cannot make keys (R69)", Method: "POST", Path: base, Headers: apitest.Key(made.Key), Body: map[string]string{"name": "x"}, ExpectedStatus: 401},
		{Name: "the key works", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: apitest.Key(made.Key), ExpectedStatus: 200},
		{Name: "header name in any case", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: map[string]string{"X-API-KEY": made.Key}, ExpectedStatus: 200},
		{Name: "as a bearer", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: apitest.Bearer(made.Key), ExpectedStatus: 200},
		{Name: "never from the query string (R71)", Method: "GET", Path: "/api/civilian/fivem-departments?apiKey=" + made.Key + "&x-api-key=" + made.Key, ExpectedStatus: 401},
		{Name: "malformed", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: apitest.Key("fvm_XYZ"), ExpectedStatus: 401, ErrorCode: cad.EUNAUTHORIZED},
		{Name: "upper-case hex is not the format", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: apitest.Key(strings.ToUpper(made.Key)), ExpectedStatus: 401},
		{Name: "unknown", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: apitest.Key("fvm_" + strings.Repeat("ab", 32)), ExpectedStatus: 401},
		{Name: "a cookie-less user token on a key route", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: tn.As("adminA"), ExpectedStatus: 401},
		{Name: "a key on a user route (R48)", Method: "GET", Path: "/api/auth/me", Headers: apitest.Key(made.Key), ExpectedStatus: 401},
		{Name: "a key on an admin route", Method: "GET", Path: "/api/admin/auth-events", Headers: apitest.Key(made.Key), ExpectedStatus: 401},
		{Name: "revoke: another community's key is 404", Method: "DELETE", Path: base + "/" + tn.KeyBID, Headers: tn.As("adminA"), ExpectedStatus: 404},
		{Name: "revoke", Method: "DELETE", Path: base + "/" + made.ID, Headers: tn.As("adminA"), ExpectedStatus: 200},
		{Name: "revoked: refused on the very next request (R70)", Method: "GET", Path: "/api/civilian/fivem-departments", Headers: apitest.Key(made.Key), ExpectedStatus: 401},
		{Name: "revoked twice", Method: "DELETE", Path: base + "/" + made.ID, Headers: tn.As("adminA"), ExpectedStatus: 404},
	})
	// Rotation: a new key, the old one refused.
	res = tn.Env.Do("POST", base+"/"+tn.KeyAID+"/rotate", nil, tn.As("adminA"), "")
	var rotated struct{ Key, ID string }
	_ = json.Unmarshal(res.Body.Bytes(), &rotated)
	if res.Code != 201 || rotated.Key == tn.KeyA || rotated.ID == tn.KeyAID {
		t.Fatalf("rotate: %d %s", res.Code, res.Body)
	}
	if c := apitest.Status(tn.Env, "GET", "/api/civilian/fivem-departments", nil, apitest.Key(tn.KeyA)); c != 401 {
		t.Fatalf("old key after rotation: %d", c)
	}
	if c := apitest.Status(tn.Env, "GET", "/api/civilian/fivem-departments", nil, apitest.Key(rotated.Key)); c != 200 {
		t.Fatalf("new key: %d", c)
	}
	// Every step is in the community's audit log.
	audit := tn.Env.Do("GET", "/api/community/"+A+"/audit", nil, tn.As("adminA"), "").Body.String()
	for _, a := range []string{"apikey.created", "apikey.revoked", "apikey.rotated"} {
		if !strings.Contains(audit, a) {
			t.Errorf("audit lacks %s", a)
		}
	}
	// Neither key reached the log.
	for _, k := range []string{made.Key, rotated.Key, tn.KeyB} {
		if strings.Contains(tn.Env.Logs.String(), k[4:]) {
			t.Fatal("a key reached the log (R71)")
		}
	}
}
