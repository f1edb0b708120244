package civilhttp_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/httpx"
)

var ssnRE = regexp.MustCompile(`^[0-8][0-9]{2}-[0-9]{2}-[0-9]{4}$`)

func TestCivilianLifecycle(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	var made map[string]any
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "create: an SSN is generated, both ids, a bank account", Method: "POST", Path: "/api/civilian", Headers: tn.As("memberA"),
			Body: map[string]any{"communityId": tn.A.GuildID, "firstName": "John", "lastName": "Doe", "dateOfBirth": "05/15/1990",
				"gender": "Male", "hairColor": "blond", "bloodType": "O+", "height": `5'11"`},
			ExpectedStatus: 201, ExpectedJSON: map[string]any{"firstName": "John", "dateOfBirth": "1990-05-15", "gender": "male",
				"hairColor": "blonde", "name": "John Doe", "missingPerson": false, "ownerId": tn.Users["memberA"].ID},
			After: func(t testing.TB, env *apitest.Env, res *httptest.ResponseRecorder) {
				made = apitest.JSONOf(t, res)
				if made["_id"] != made["id"] || !ssnRE.MatchString(made["ssn"].(string)) {
					t.Fatalf("ids or ssn: %v %v %v", made["_id"], made["id"], made["ssn"])
				}
			}},
		{Name: "no name", Method: "POST", Path: "/api/civilian", Headers: tn.InA("memberA"),
			Body: map[string]any{"lastName": "Doe", "dateOfBirth": "1990-05-15"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID,
			ExpectedContent: []string{"firstName and lastName are required"}},
		{Name: "no date of birth", Method: "POST", Path: "/api/civilian", Headers: tn.InA("memberA"),
			Body: map[string]any{"firstName": "A", "lastName": "B"}, ExpectedStatus: 400, ExpectedContent: []string{"dateOfBirth is required"}},
		{Name: "a date that is none", Method: "POST", Path: "/api/civilian", Headers: tn.InA("memberA"),
			Body: map[string]any{"firstName": "A", "lastName": "B", "dateOfBirth": "1990-02-31"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "an enum a member may not invent", Method: "POST", Path: "/api/civilian", Headers: tn.InA("memberA"),
			Body:           map[string]any{"firstName": "A", "lastName": "B", "dateOfBirth": "1990-01-01", "eyeColor": "purple"},
			ExpectedStatus: 400, ExpectedContent: []string{"eyeColor must be one of"}},
		{Name: "a name too long", Method: "POST", Path: "/api/civilian", Headers: tn.InA("memberA"),
			Body:           map[string]any{"firstName": strings.Repeat("x", 51), "lastName": "B", "dateOfBirth": "1990-01-01"},
			ExpectedStatus: 400, ExpectedContent: []string{"firstName is longer than 50"}},
		{Name: "a field of the wrong kind", Method: "POST", Path: "/api/civilian", Headers: tn.InA("memberA"),
			Body: `{"firstName": {"a": 1}, "lastName": "B", "dateOfBirth": "1990-01-01"}`, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "malformed JSON", Method: "POST", Path: "/api/civilian", Headers: tn.InA("memberA"), Body: `{"firstName": `,
			ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "a taken SSN", Method: "POST", Path: "/api/civilian", Headers: tn.InA("memberA"),
			Body: map[string]any{"firstName": "A", "lastName": "B", "dateOfBirth": "1990-01-01", "ssn": tn.CivA.SSN}, ExpectedStatus: 409, ErrorCode: cad.ECONFLICT},
		{Name: "the same SSN is free in another community", Method: "POST", Path: "/api/civilian", Headers: apitest.Merge(tn.As("memberB"), apitest.In(tn.B.ID)),
			Body: map[string]any{"firstName": "A", "lastName": "B", "dateOfBirth": "1990-01-01", "ssn": tn.CivA.SSN}, ExpectedStatus: 201},
		{Name: "no community", Method: "POST", Path: "/api/civilian", Headers: tn.As("memberA"),
			Body: map[string]any{"firstName": "A", "lastName": "B", "dateOfBirth": "1990-01-01"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
	})
	id := made["_id"].(string)
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "mine", Method: "GET", Path: "/api/civilian", Headers: tn.InA("memberA"), ExpectedStatus: 200, ExpectedJSON: map[string]any{"civilians.#": 2}},
		{Name: "the owner reads it", Method: "GET", Path: "/api/civilian/" + id, Headers: tn.InA("memberA"), ExpectedStatus: 200},
		{Name: "by SSN too", Method: "GET", Path: "/api/civilian/" + made["ssn"].(string), Headers: tn.InA("memberA"), ExpectedStatus: 200},
		{Name: "a supervisor reads it", Method: "GET", Path: "/api/civilian/" + id, Headers: tn.InA("supA"), ExpectedStatus: 200},
		{Name: "another member does not see it", Method: "GET", Path: "/api/civilian/" + tn.CivA.ID, Headers: tn.InA("adminA2"),
			ExpectedStatus: 200}, // adminA2 is an admin: Supervisor and up
		{Name: "a game server reads it", Method: "GET", Path: "/api/civilian/" + id, Headers: apitest.Key(tn.KeyA), ExpectedStatus: 200},
		{Name: "update some fields", Method: "PUT", Path: "/api/civilian/" + id, Headers: tn.InA("memberA"),
			Body: map[string]any{"phone": 5550100, "occupation": "Taxi driver"}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"phone": "5550100", "occupation": "Taxi driver", "firstName": "John"}},
		{Name: "its account holds the starting balance", Method: "GET", Path: "/api/civilian/" + id + "/bank", Headers: tn.InA("memberA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"account.balance": 5000, "account.balanceCents": 500000,
				"account.accountStatus": "active", "transactions.0.type": "opening"}},
	})
	// A member of A who is neither owner nor supervisor gets 404, as for
	// nothing.
	mkMemberOf(t, tn, "plainA")
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		res := env.Do(m, "/api/civilian/"+id, `{"phone":"1"}`, tn.InA("plainA"), "")
		if res.Code != 404 {
			t.Errorf("%s another member's civilian: %d", m, res.Code)
		}
	}
	// Register a vehicle, then delete the civilian: its vehicle goes, its
	// account is closed and kept.
	res := env.Do("POST", "/api/civilian/vehicle", map[string]any{"ownerId": id, "plate": "lsd 001", "year": "2020"}, tn.InA("memberA"), "")
	if res.Code != 201 {
		t.Fatalf("register: %d %s", res.Code, res.Body)
	}
	veh := apitest.JSONOf(t, res)["_id"].(string)
	if c := apitest.Status(env, "DELETE", "/api/civilian/"+id, nil, tn.InA("memberA")); c != 200 {
		t.Fatal(c)
	}
	if c := apitest.Status(env, "GET", "/api/civilian/vehicle/"+veh, nil, tn.InA("memberA")); c != 404 {
		t.Fatalf("the deleted civilian's vehicle: %d", c)
	}
	closed := 0
	for _, d := range apitest.Dump(t, env, "bank_accounts") {
		if d["characterId"] == id && d["closed"] == true && d["frozen"] == true {
			closed++
		}
	}
	if closed != 1 {
		t.Fatal("the deleted civilian's account is not kept closed")
	}
	if !strings.Contains(env.Do("GET", "/api/community/"+tn.A.ID+"/audit?action=civilian.deleted", nil, tn.As("adminA"), "").Body.String(), id) {
		t.Fatal("deletion not audited")
	}
}

// mkMemberOf adds a plain member to A with a token.
func mkMemberOf(t *testing.T, tn *apitest.Tenants, name string) {
	t.Helper()
	ctx := context.Background()
	u := apitest.MakeUser(t, tn.Env, name)
	tn.Users[name] = u
	if _, err := tn.Env.Community.AddMember(ctx, community.CLIActor(), &cad.Scope{Community: tn.A}, name, "", cad.RoleMember); err != nil {
		t.Fatal(err)
	}
	tn.Tokens[name] = apitest.TokenFor(t, tn.Env, u)
}

func TestCharacterLimitPerMember(t *testing.T) {
	tn := apitest.NewTenants(t)
	max := 2
	if _, err := tn.Env.Community.Update(context.Background(), community.CLIActor(), &cad.Scope{Community: tn.A},
		community.Patch{Settings: &community.SettingsPatch{MaxCharactersPerUser: &max}}); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"firstName": "A", "lastName": "B", "dateOfBirth": "1990-01-01"}
	// memberA has one already (the fixture's).
	if c := apitest.Status(tn.Env, "POST", "/api/civilian", body, tn.InA("memberA")); c != 201 {
		t.Fatal(c)
	}
	res := tn.Env.Do("POST", "/api/civilian", body, tn.InA("memberA"), "")
	if res.Code != 400 || !strings.Contains(res.Body.String(), "limit") {
		t.Fatalf("over the limit: %d %s", res.Code, res.Body)
	}
}

func TestVehicleRules(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	civ := tn.CivA.ID
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "register with a year as a string; plate kept as written", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body:           map[string]any{"ownerId": civ, "plate": "abc 123", "make": "Declasse", "model": "Vigero", "year": "2004"},
			ExpectedStatus: 201, ExpectedJSON: map[string]any{"plate": "abc 123", "plateKey": "ABC123", "year": 2004,
				"registrationStatus": "VALID", "insuranceStatus": "VALID", "stolen": false}},
		{Name: "the same plate spelled otherwise is taken", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: map[string]any{"ownerId": civ, "plate": "ABC-123"}, ExpectedStatus: 409, ErrorCode: cad.ECONFLICT},
		{Name: "a VIN of the wrong form", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: map[string]any{"ownerId": civ, "plate": "NEW1", "vin": "not a vin!"}, ExpectedStatus: 400},
		{Name: "a plate of nothing", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: map[string]any{"ownerId": civ, "plate": "--- ---"}, ExpectedStatus: 400},
		{Name: "a plate too long", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: map[string]any{"ownerId": civ, "plate": "ABCDEFGHIJK"}, ExpectedStatus: 400},
		{Name: "a year out of range", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: map[string]any{"ownerId": civ, "plate": "NEW2", "year": 1850}, ExpectedStatus: 400},
		{Name: "a year that is no number", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: map[string]any{"ownerId": civ, "plate": "NEW3", "year": "soon"}, ExpectedStatus: 400, ExpectedContent: []string{`year`, "must be a number"}},
		{Name: "to another member's civilian", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("supA"),
			Body: map[string]any{"ownerId": tn.CivB.ID, "plate": "NEW4"}, ExpectedStatus: 404},
		{Name: "mine", Method: "GET", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"vehicles.#": 2}},
		{Name: "reported stolen by its owner", Method: "PUT", Path: "/api/civilian/vehicle/AAA111/stolen", Headers: tn.InA("memberA"),
			Body: map[string]any{"stolen": true, "stolenDescription": "Taken from Vinewood"}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"vehicle.stolen": true, "vehicle.stolenDescription": "Taken from Vinewood"}},
		{Name: "the stolen list", Method: "GET", Path: "/api/civilian/stolen-vehicles/" + tn.A.ID, Headers: tn.As("memberA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"vehicles.#": 1, "vehicles.0.plate": "AAA111"}},
		{Name: "B's stolen list does not hold it", Method: "GET", Path: "/api/civilian/stolen-vehicles/" + tn.B.ID, Headers: tn.As("memberB"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"vehicles.#": 0}},
		{Name: "stolen needs the flag", Method: "PUT", Path: "/api/civilian/vehicle/AAA111/stolen", Headers: tn.InA("memberA"),
			Body: map[string]any{"stolenDescription": "?"}, ExpectedStatus: 400},
		{Name: "update", Method: "PUT", Path: "/api/civilian/vehicle/" + tn.VehA.ID, Headers: tn.InA("memberA"),
			Body: map[string]any{"color": "Red", "insuranceStatus": "expired"}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"color": "Red", "insuranceStatus": "EXPIRED"}},
		{Name: "a design the community does not have", Method: "PUT", Path: "/api/civilian/vehicle/" + tn.VehA.ID, Headers: tn.InA("memberA"),
			Body: map[string]any{"plateDesignId": "gold"}, ExpectedStatus: 400},
	})
}

// A plate is printable ASCII (docs/civil.md): a control character or a
// letter outside ASCII is refused with a 400 that names the plate and the
// character, where it used to be dropped, so that the Cyrillic "АВС123"
// (which reads as ABC123) and "🚓123" were both the vehicle "123". Look-ups
// by such a plate are refused the same way rather than answered as a miss:
// an officer who typed a look-alike must learn that the plate cannot
// exist, not that it is clear. What the game sends (spaces, dashes, "%20"
// decoded, lower case) still reads.
func TestPlatesOutsideASCIIAreRefused(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	mkMemberOf(t, tn, "officerA")
	tn.GiveDepartment(t, "officerA")
	civ := tn.CivA.ID
	register := func(plate string) map[string]any { return map[string]any{"ownerId": civ, "plate": plate} }
	esc := url.PathEscape
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "the ASCII plate 123", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"), Body: register("123"),
			ExpectedStatus: 201, ExpectedJSON: map[string]any{"plateKey": "123"}},
		{Name: "Cyrillic letters that look like ABC", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: register("АВС123"), ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"plate must be written in ASCII", "U+0410"}},
		{Name: "an emoji", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: register("🚓123"), ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"plate", "U+1F693"}},
		{Name: "full-width letters", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: register("ＡＢＣ１２３"), ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"plate", "U+FF21"}},
		{Name: "a NUL", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: register("ABC\x00123"), ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"plate must not contain control characters"}},
		{Name: "a trailing newline", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: register("XYZ789\n"), ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"control characters"}},
		{Name: "from a game server too", Method: "POST", Path: "/api/civilian/fivem-register-vehicle", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"plate": "АВС123", "ownerId": tn.CivA.SSN}, ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"plate"}},
		{Name: "a BOLO on such a plate", Method: "POST", Path: "/api/bolos", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"type": "vehicle", "reason": "fled", "plate": "🚓123"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"plate"}},
		{Name: "what the game sends still reads", Method: "POST", Path: "/api/civilian/vehicle", Headers: tn.InA("memberA"),
			Body: register(" 46eek-572 "), ExpectedStatus: 201, ExpectedJSON: map[string]any{"plate": "46eek-572", "plateKey": "46EEK572"}},

		{Name: "an officer's look-up of the look-alike is refused, not the vehicle 123", Method: "GET", Path: "/api/lookup/plate/" + esc("АВС123"),
			Headers: tn.InA("officerA"), ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"plate", "U+0410"}},
		{Name: "a game look-up of an emoji plate", Method: "GET", Path: "/api/civilian/fivem-plate-lookup/" + esc("🚓123"), Headers: apitest.Key(tn.KeyA),
			ExpectedStatus: 400, ErrorCode: cad.EINVALID, ExpectedContent: []string{"plate"}},
		{Name: "the sync resources' vehicle by plate", Method: "GET", Path: "/api/civilian/fivem-vehicle/" + esc("АВС123"), Headers: apitest.Key(tn.KeyA),
			ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "a traffic stop on it", Method: "POST", Path: "/api/fivem/traffic-stop", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"plate": "АВС123", "location": "Route 68"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "the ASCII plate is still found", Method: "GET", Path: "/api/lookup/plate/123", Headers: tn.InA("officerA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"found": true, "plate": "123"}},
		{Name: "and with its spaces as %20", Method: "GET", Path: "/api/civilian/fivem-vehicle/46EEK%20572", Headers: apitest.Key(tn.KeyA),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"plate": "46eek-572"}},
	})
	// Nothing but the two ASCII plates was registered.
	res := env.Do("GET", "/api/civilian/vehicle", nil, tn.InA("memberA"), "")
	if got := apitest.JSONOf(t, res)["vehicles"].([]any); len(got) != 3 {
		t.Fatalf("memberA has %d vehicles (AAA111, 123 and 46EEK572 expected): %s", len(got), res.Body)
	}
}

func TestLicensesAndLookups(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	mkMemberOf(t, tn, "officerA")
	tn.GiveDepartment(t, "officerA")
	path := "/api/civilian/" + tn.CivA.ID + "/license"
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "a member without LEO may not", Method: "PUT", Path: path, Headers: tn.InA("memberA"),
			Body: map[string]any{"licenseType": "drivers", "status": "VALID"}, ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "an officer issues one", Method: "PUT", Path: path, Headers: tn.InA("officerA"),
			Body: map[string]any{"licenseType": "dl", "status": "valid"}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"licenses.0.type": "drivers", "licenses.0.status": "VALID"}},
		{Name: "a supervisor suspends it, with a reason", Method: "PUT", Path: path, Headers: tn.InA("supA"),
			Body: map[string]any{"licenseType": "drivers", "status": "SUSPENDED", "reason": "DUI"}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"licenses.0.status": "SUSPENDED", "licenses.0.reason": "DUI"}},
		{Name: "a game server may too", Method: "PUT", Path: path, Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"licenseType": "firearms", "status": "VALID"}, ExpectedStatus: 200},
		{Name: "an unknown type", Method: "PUT", Path: path, Headers: tn.InA("supA"),
			Body: map[string]any{"licenseType": "spaceship", "status": "VALID"}, ExpectedStatus: 400},
		{Name: "an unknown status", Method: "PUT", Path: path, Headers: tn.InA("supA"),
			Body: map[string]any{"licenseType": "drivers", "status": "MAYBE"}, ExpectedStatus: 400},
		{Name: "the history, newest first, with who and why", Method: "GET", Path: "/api/civilian/" + tn.CivA.ID + "/licenses", Headers: tn.InA("memberA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"history.#": 3, "history.0.to": "VALID", "history.0.type": "firearms",
				"history.1.to": "SUSPENDED", "history.1.from": "VALID", "history.1.reason": "DUI", "history.1.actorId": tn.Users["supA"].ID}},

		{Name: "look-ups need LEO or dispatch", Method: "GET", Path: "/api/lookup/plate/AAA111", Headers: tn.InA("memberA"),
			ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "plate look-up: flags and alert level", Method: "GET", Path: "/api/lookup/plate/aaa-111", Headers: tn.InA("officerA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"found": true, "plate": "AAA111", "alertLevel": "caution",
				"flags.0": "suspended license", "owner.licenseStatus": "SUSPENDED", "vehicle.make": "Bravado"}},
		{Name: "an unknown plate is found false", Method: "GET", Path: "/api/lookup/plate/NOPE1", Headers: tn.InA("officerA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"found": false, "alertLevel": "none", "vehicle": nil}},
		{Name: "name search, any case and accent", Method: "GET", Path: "/api/lookup/person?name=PÁT", Headers: tn.InA("officerA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"civilians.#": 1, "civilians.0._id": tn.CivA.ID}},
		{Name: "first and last", Method: "GET", Path: "/api/lookup/person?name=pat+mem", Headers: tn.InA("officerA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"civilians.#": 1}},
		{Name: "by SSN", Method: "GET", Path: "/api/lookup/person?ssn=" + tn.CivA.SSN, Headers: tn.InA("officerA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"civilians.#": 1}},
		{Name: "by date of birth", Method: "GET", Path: "/api/lookup/person?dob=1990-05-15", Headers: tn.InA("officerA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"civilians.#": 1}},
		{Name: "B's people are not found from A", Method: "GET", Path: "/api/lookup/person?ssn=" + tn.CivB.SSN, Headers: tn.InA("officerA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"civilians.#": 0}},
		{Name: "no terms", Method: "GET", Path: "/api/lookup/person", Headers: tn.InA("officerA"), ExpectedStatus: 400},
		{Name: "a person's record", Method: "GET", Path: "/api/lookup/person/" + tn.CivA.SSN, Headers: tn.InA("officerA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"civilian._id": tn.CivA.ID, "vehicles.#": 1, "flags.0": "suspended license",
				"alertLevel": "caution", "licenseHistory.#": 3}},
	})
	// Every look-up is in the audit trail, with who ran it.
	audit := env.Do("GET", "/api/community/"+tn.A.ID+"/audit?actorId="+tn.Users["officerA"].ID, nil, tn.As("adminA"), "").Body.String()
	for _, action := range []string{"lookup.plate", "lookup.person"} {
		if !strings.Contains(audit, action) {
			t.Errorf("%s not audited: %s", action, audit)
		}
	}
	// The look-up group's limit is published on the answer.
	res := env.Do("GET", "/api/lookup/plate/AAA111", nil, tn.InA("officerA"), "")
	if res.Header().Get("RateLimit-Policy") == "" || !strings.Contains(res.Header().Get("RateLimit-Policy"), "lookup") {
		t.Fatalf("policy %q", res.Header().Get("RateLimit-Policy"))
	}
}

// A force-sync of more than one batch: every character is made once, with
// its account, and a record repeated in the request is one character.
func TestForceSyncBatches(t *testing.T) {
	tn := apitest.NewTenants(t)
	var chars []map[string]any
	for i := 0; i < 600; i++ {
		chars = append(chars, map[string]any{"firstName": "Bulk", "lastName": fmt.Sprint(i), "dateOfBirth": "1990-01-01", "ssn": fmt.Sprintf("BULK-%d", i)})
	}
	chars = append(chars, chars[10], map[string]any{"firstName": "Bad", "lastName": "Enum", "ssn": "BULK-BAD", "dateOfBirth": "1990-01-01", "bloodType": "Q+"},
		map[string]any{"firstName": strings.Repeat("x", 60), "lastName": "Long", "ssn": "BULK-LONG"})
	res := tn.Env.Do("POST", "/api/civilian/fivem-force-sync-characters", map[string]any{"characters": chars}, apitest.Key(tn.KeyA), "")
	if res.Code != 200 {
		t.Fatalf("%d %s", res.Code, res.Body)
	}
	got := apitest.JSONOf(t, res)
	// The unknown blood type of a game server is kept (loose); the long
	// name fails alone.
	if got["created"] != 601.0 || got["skipped"] != 1.0 || got["failed"] != 1.0 {
		t.Fatalf("counts: %s", res.Body)
	}
	accounts := map[string]bool{}
	for _, d := range apitest.Dump(t, tn.Env, "bank_accounts") {
		accounts[d["characterId"].(string)] = true
	}
	n := 0
	for _, d := range apitest.Dump(t, tn.Env, "characters") {
		if d["communityId"] == tn.A.ID {
			n++
			if !accounts[d["_id"].(string)] {
				t.Fatalf("character %v has no account", d["ssn"])
			}
		}
	}
	if n != 602 { // the fixture's and the 601
		t.Fatalf("%d characters", n)
	}
	if !strings.Contains(tn.Env.Do("GET", "/api/community/"+tn.A.ID+"/audit?action=civilian.bulk-sync", nil, tn.As("adminA"), "").Body.String(), `"created":601`) {
		t.Fatal("the bulk sync is not audited once with its counts")
	}
}

// A community's plate designs and ID card template, set by its admin,
// reach the game: the plate readers' designs and the rendered card.
func TestPlateDesignsAndCardTemplates(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	path := "/api/community/" + tn.A.ID
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "a colour that is none", Method: "PATCH", Path: path, Headers: tn.As("adminA"),
			Body:           map[string]any{"settings": map[string]any{"plateDesigns": []map[string]any{{"id": "gold", "name": "Gold", "background": "gold"}}}},
			ExpectedStatus: 400, ExpectedContent: []string{"background"}},
		{Name: "a template of no license type", Method: "PATCH", Path: path, Headers: tn.As("adminA"),
			Body: map[string]any{"settings": map[string]any{"cardTemplates": map[string]any{"spaceship": map[string]any{"title": "X"}}}}, ExpectedStatus: 400},
		{Name: "a member may not", Method: "PATCH", Path: path, Headers: tn.As("memberA"),
			Body: map[string]any{"settings": map[string]any{"plateDesigns": []map[string]any{}}}, ExpectedStatus: 403},
		{Name: "the admin sets them", Method: "PATCH", Path: path, Headers: tn.As("adminA"),
			Body: map[string]any{"settings": map[string]any{
				"plateDesigns":  []map[string]any{{"id": "gold", "name": "Gold", "background": "#d4af37", "textColor": "#000000", "header": "SAN ANDREAS"}},
				"cardTemplates": map[string]any{"drivers": map[string]any{"title": "LOS SANTOS", "accent": "#8b0000"}}}},
			ExpectedStatus: 200},
		{Name: "a vehicle wears one", Method: "PUT", Path: "/api/civilian/vehicle/" + tn.VehA.ID, Headers: tn.InA("memberA"),
			Body: map[string]any{"plateDesignId": "gold"}, ExpectedStatus: 200},
		{Name: "the plate readers get them", Method: "GET", Path: "/api/civilian/fivem-plate-designs", Headers: apitest.Key(tn.KeyA), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"plateDesigns.gold.background": "#d4af37", "designIdByPlate.AAA111": "gold"}},
		{Name: "a plate look-up carries its design", Method: "GET", Path: "/api/civilian/fivem-plate-lookup/AAA111", Headers: apitest.Key(tn.KeyA),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"plateDesign.id": "gold"}},
		{Name: "the card renders from the template", Method: "GET", Path: "/api/fivem/license-templates/render/" + tn.CivA.SSN + "/dl", Headers: apitest.Key(tn.KeyA),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"ok": true}},
		{Name: "a license type that is none", Method: "GET", Path: "/api/fivem/license-templates/render/" + tn.CivA.SSN + "/spaceship", Headers: apitest.Key(tn.KeyA),
			ExpectedStatus: 400},
	})
	// The card is a PNG with the template's accent in its header band.
	res := env.Do("GET", "/api/fivem/license-templates/render/"+tn.CivA.SSN+"/drivers", nil, apitest.Key(tn.KeyA), "")
	img, err := png.Decode(bytes.NewReader(apitest.DecodeDataURI(t, apitest.JSONOf(t, res)["dataUri"].(string))))
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := img.At(5, 5).RGBA(); r>>8 != 0x8b || g>>8 != 0 || b>>8 != 0 {
		t.Fatalf("header colour %d %d %d", r>>8, g>>8, b>>8)
	}
}

// Every civil, dispatch and announcement route that takes a body refuses one over its
// limit (413, stating that route's own limit: the image routes' 8 MiB was
// given as body_limit's 1048576 bytes) and a malformed one (400), with the
// standard body, whoever may call it.
func TestCivilRoutesRefuseOversizedAndMalformedBodies(t *testing.T) {
	tn := apitest.NewTenants(t)
	n := 0
	// Routes whose body is not JSON or that take none.
	noJSON := map[string]bool{"/api/calls/:id/close": true, "/api/calls/:id/cancel": true, "/api/bolos/:id/resolve": true,
		"/api/alpr-upload/:token": true}
	for _, r := range tn.Env.Server.Routes() {
		if (r.Method != "POST" && r.Method != "PUT" && r.Method != "PATCH") || !(strings.HasPrefix(r.Path, "/api/civilian") ||
			strings.HasPrefix(r.Path, "/api/banking") || strings.HasPrefix(r.Path, "/api/fivem/") || strings.HasPrefix(r.Path, "/api/calls") ||
			strings.HasPrefix(r.Path, "/api/units") || strings.HasPrefix(r.Path, "/api/bolos") || strings.HasPrefix(r.Path, "/api/dispatch") ||
			strings.HasPrefix(r.Path, "/api/ers/") || strings.HasPrefix(r.Path, "/api/alpr-upload") || r.Path == "/api/community/:id/announcements") {
			continue
		}
		n++
		h := apitest.Merge(tn.As("adminA"), apitest.In(tn.A.ID))
		if r.Access == httpx.GameServer {
			h = apitest.Key(tn.KeyA)
		}
		path := tn.Fill(r.Path, tn.A.ID, true)
		big := `{"description":"` + strings.Repeat("x", int(r.BodyLimit)) + `"}`
		res := tn.Env.Do(r.Method, path, big, h, "")
		if res.Code != 413 {
			t.Errorf("%s %s with %d bytes: %d", r.Method, r.Path, len(big), res.Code)
			continue
		}
		apitest.CheckErrorBody(t, res, cad.ETOOLARGE)
		if want := fmt.Sprintf("(limit %d bytes)", r.BodyLimit); !strings.Contains(res.Body.String(), want) {
			t.Errorf("%s %s: the 413 does not state the route's limit %s: %s", r.Method, r.Path, want, res.Body)
		}
		if noJSON[r.Path] {
			continue
		}
		res = tn.Env.Do(r.Method, path, `{"firstName": `, h, "")
		if res.Code != 400 {
			t.Errorf("%s %s with malformed JSON: %d %s", r.Method, r.Path, res.Code, res.Body)
			continue
		}
		apitest.CheckErrorBody(t, res, cad.EINVALID)
	}
	if n < 60 {
		t.Fatalf("only %d routes checked", n)
	}
	// A body with no Content-Length is cut off at the route's limit as it
	// is read, and the 413 states that limit too.
	req := httptest.NewRequest("PUT", "/api/civilian/"+tn.CivA.ID+"/mugshot", io.LimitReader(neverEnding('x'), 9<<20))
	req.ContentLength = -1
	for k, v := range tn.InA("memberA") {
		req.Header.Set(k, v)
	}
	res := httptest.NewRecorder()
	tn.Env.Server.Handler().ServeHTTP(res, req)
	if res.Code != 413 || !strings.Contains(res.Body.String(), fmt.Sprintf("(limit %d bytes)", 8<<20)) {
		t.Errorf("a chunked image over 8 MiB: %d %s", res.Code, res.Body)
	}
}

// neverEnding is an endless stream of one byte.
type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}
