package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
)

// The replay table: one row for every civilian, vehicle, bank and license
// request shape of ../shared/docs/fivem-clients.md, sent as the resource
// sends it (its headers, its body, its path prefix) and judged by what the
// resource reads: the exact status it tests, and the fields it uses.
// Rows run in order on one community: the sync rows make the records the
// later rows read.

// replay is one request of a resource.
type replay struct {
	resource string // the resource and module (fivem-clients.md §2)
	name     string
	method   string
	path     string
	headers  map[string]string
	body     any
	// status: "200" or "201" exactly, or "2xx" (any success), or an
	// error status the resource handles.
	status string
	reads  func(t *testing.T, doc any, res *httptest.ResponseRecorder)
}

// field reads a dotted path of a decoded answer.
func field(t *testing.T, doc any, path string) any {
	t.Helper()
	v, ok := apitest.Lookup(doc, path)
	if !ok {
		t.Fatalf("the resource reads %s; the answer has none", path)
	}
	return v
}

func wantField(t *testing.T, doc any, path string, want any) {
	t.Helper()
	if got := field(t, doc, path); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s = %v, want %v", path, got, want)
	}
}

func TestFiveMReplay(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	guild := tn.A.GuildID
	k := tn.KeyA
	// The headers each family of resources sends.
	std := map[string]string{"x-api-key": k, "Content-Type": "application/json"}                                        // most
	livemapStyle := map[string]string{"X-API-Key": k, "Content-Type": "application/json", "Accept": "application/json"} // cde-civ bank, LWK
	renderOnly := map[string]string{"x-api-key": k, "Accept": "application/json"}
	mugshot := apitest.TinyPNG(t)
	var vehicleID, cadID string
	syncBody := map[string]any{"firstName": "Tony", "lastName": "Cipriani", "dateOfBirth": "1979-03-02", "gender": "Male",
		"nationality": "American", "phone": "555-0199", "ssn": "ABC12345", "communityId": guild, "discordId": "400000000000000001",
		"height": 180, "address": "Grove St"}
	rows := []replay{
		// §2.6-2.10 the sync resources.
		{"cde-esx sync", "sync a character (load event)", "POST", "/api/civilian/fivem-sync-character", std, syncBody, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				cadID = field(t, doc, "civilian._id").(string)
				wantField(t, doc, "_id", cadID)
				wantField(t, doc, "action", "created")
			}},
		{"cde-cad-qbcore sync", "the same character again (double load event)", "POST", "/api/civilian/fivem-sync-character", std, syncBody, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "civilian._id", cadID)
				wantField(t, doc, "action", "updated")
			}},
		{"cde-esx sync", "the full local record with framework keys", "PUT", "/api/civilian/fivem-update-character/ABC12345", std,
			map[string]any{"firstName": "Tony", "lastName": "Cipriani", "dateOfBirth": "1979-03-02", "communityId": guild,
				"identifier": "char1:1a2b3c4d5e", "citizenid": "ABC12345", "account": "bank", "registration": "SA-1", "weight": "80 kg"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "civilian.weight", "80 kg")
			}},
		{"cdecad-vrp sync", "mugshot only", "PUT", "/api/civilian/fivem-update-character/ABC12345", std,
			map[string]any{"mugshotUrl": mugshot, "communityId": guild}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				if u := field(t, doc, "civilian.mugshotUrl").(string); !strings.Contains(u, "/api/media/") {
					t.Fatalf("mugshotUrl %q is not a URL the game can load", u)
				}
			}},
		{"cde-esx sync", "/cadlookup by ssn", "GET", "/api/civilian/fivem-civilian/ABC12345?communityId=" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "name", "Tony Cipriani")
				wantField(t, doc, "dob", "1979-03-02")
				wantField(t, doc, "phone", "555-0199")
			}},
		{"cde-esx sync", "by the ESX identifier (with a colon)", "GET", "/api/civilian/fivem-civilian/char1:1a2b3c4d5e?communityId=" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "_id", cadID) }},
		{"cde-esx sync", "register a vehicle, year as os.date string", "POST", "/api/civilian/fivem-register-vehicle", std,
			map[string]any{"plate": "46EEK 572", "ownerId": "ABC12345", "communityId": guild, "make": "Albany", "model": "Emperor", "color": "Black", "year": "2026"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				vehicleID = field(t, doc, "vehicleId").(string)
			}},
		{"cde-civ", "register again: the same vehicle, no error", "POST", "/api/civilian/fivem-register-vehicle", std,
			map[string]any{"plate": "46eek572", "ownerId": "ABC12345", "communityId": guild, "make": "Albany", "model": "Emperor", "color": "Black", "year": 2026}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "vehicleId", vehicleID) }},
		{"cde-esx sync", "vehicle by plate, spaces as %20", "GET", "/api/civilian/fivem-vehicle/46EEK%20572?communityId=" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "id", vehicleID)
				wantField(t, doc, "year", 2026)
				wantField(t, doc, "color", "Black")
				wantField(t, doc, "model", "Emperor")
				wantField(t, doc, "owner", "Tony Cipriani")
				wantField(t, doc, "stolen", false)
			}},
		{"third party", "vehicle by plate without communityId: the key scopes it", "GET", "/api/civilian/fivem-vehicle/46EEK572", std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "id", vehicleID) }},
		{"cde-esx sync", "report stolen", "PUT", "/api/civilian/vehicle/{vehicleId}/stolen", std,
			map[string]any{"stolen": true, "stolenDescription": "Stolen from the garage", "stolenDate": "2026-11-30T21:04:11Z", "communityId": guild}, "2xx", nil},
		{"cde-esx sync", "sync a player's vehicles", "POST", "/api/civilian/fivem-sync-vehicles", std,
			map[string]any{"communityId": guild, "ownerId": "ABC12345", "vehicles": []map[string]any{
				{"citizenid": "ABC12345", "plate": "46EEK572", "model": "Emperor", "make": "Albany", "color": "White"},
				{"citizenid": "ABC12345", "plate": "SYNC 01", "model": "Sultan", "make": "Karin", "color": "Blue", "year": 2019},
				{"citizenid": "NOBODY", "plate": "SYNC 02", "model": "Sultan"},
			}}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "created", 1)
				wantField(t, doc, "updated", 1)
				wantField(t, doc, "failed", 1)
			}},
		{"cde-esx sync", "force-sync characters (admin bulk)", "POST", "/api/civilian/fivem-force-sync-characters", std,
			map[string]any{"communityId": guild, "characters": []map[string]any{
				syncBody,
				{"firstName": "Lamar", "lastName": "Davis", "dateOfBirth": "1988-06-06", "ssn": "LMR00001", "phone": 5550123},
				{"firstName": "No", "lastName": "Id"},
			}}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "created", 1)
				wantField(t, doc, "skipped", 2) // unchanged, and one with no id
				wantField(t, doc, "updated", 0)
			}},
		{"cde-esx sync", "force-sync vehicles (admin bulk)", "POST", "/api/civilian/fivem-force-sync-vehicles", std,
			map[string]any{"communityId": guild, "vehicles": []map[string]any{{"citizenid": "LMR00001", "plate": "LAMAR 1", "make": "Vapid", "model": "Chino", "year": 1979}}}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "created", 1)
				wantField(t, doc, "skipped", 0)
			}},

		// §2.1 the bundle: civ, fingerprint, wraith, duty.
		{"cdecad civ", "civilians of a player: a bare array", "GET", "/api/civilian/fivem-civilians-by-discord/400000000000000001?communityId=" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				list, ok := doc.([]any)
				if !ok || len(list) != 1 {
					t.Fatalf("not a bare array of one: %v", doc)
				}
				for _, f := range []string{"_id", "id", "ssn", "firstName", "lastName", "dateOfBirth", "gender", "height", "address", "phone", "mugshotUrl", "licenses", "citizenid"} {
					field(t, doc, "0."+f)
				}
			}},
		{"cdecad civ", "nobody's characters: an empty array", "GET", "/api/civilian/fivem-civilians-by-discord/400000000000000077?communityId=" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				if list, ok := doc.([]any); !ok || len(list) != 0 {
					t.Fatalf("want [], got %v", doc)
				}
			}},
		{"cdecad civ", "ID card mugshot by CAD id, base URL ending in /api/ (api/api)", "GET", "/api/api/civilian/fivem-civilian/{cadId}?communityId=" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { field(t, doc, "mugshotUrl") }},
		{"cdecad civ", "licence render, only x-api-key and Accept", "GET", "/api/fivem/license-templates/render/ABC12345/drivers", renderOnly, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "ok", true)
				card := apitest.DecodeDataURI(t, field(t, doc, "dataUri").(string))
				if _, err := png.Decode(bytes.NewReader(card)); err != nil {
					t.Fatalf("dataUri is no PNG: %v", err)
				}
			}},
		{"cdecad fingerprint", "scan a print", "GET", "/api/civilian/fivem-fingerprint/ABC12345?communityId=" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				if !strings.HasPrefix(field(t, doc, "image").(string), "data:image/png;base64,") {
					t.Fatal("image is required")
				}
				wantField(t, doc, "name", "Tony Cipriani")
				field(t, doc, "fingerprintId")
				field(t, doc, "pattern")
				wantField(t, doc, "wanted", false)
				wantField(t, doc, "missing", false)
			}},
		{"cdecad wraith", "flagged plates", "GET", "/api/civilian/fivem-flagged-plates?communityId=" + guild, std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				field(t, doc, "generatedAt")
				wantField(t, doc, "plates.0.plate", "46EEK572")
				wantField(t, doc, "plates.0.flags.0", "stolen")
				wantField(t, doc, "plates.0.alertLevel", "alert")
				wantField(t, doc, "plates.0.owner", "Tony Cipriani")
				field(t, doc, "plates.0.dl")
				field(t, doc, "plates.0.hotCamIds")
				field(t, doc, "cleanPlates")
			}},
		{"cdecad ALPR", "flagged plates with an empty communityId (convar unset)", "GET", "/api/civilian/fivem-flagged-plates?communityId=", std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "success", true) }},
		{"cde-wraith", "plate lock: whitespace stripped", "GET", "/api/civilian/fivem-plate-lookup/46EEK572?communityId=" + guild, std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "found", true)
				wantField(t, doc, "plate", "46EEK572")
				wantField(t, doc, "alertLevel", "alert")
				wantField(t, doc, "flags.0", "stolen")
				for _, f := range []string{"vehicle.make", "vehicle.model", "vehicle.color", "vehicle.year", "owner.name", "owner.licenseStatus"} {
					field(t, doc, f)
				}
				if b, _ := apitest.Lookup(doc, "bolo"); b != nil {
					t.Fatalf("bolo %v", b)
				}
			}},
		{"cde-wraith", "/platelookup in lower case, unknown plate", "GET", "/api/civilian/fivem-plate-lookup/zzz999?communityId=" + guild, std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				wantField(t, doc, "found", false)
				wantField(t, doc, "alertLevel", "none")
			}},
		{"cdecad wraith", "plate designs", "GET", "/api/civilian/fivem-plate-designs?communityId=" + guild, std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				field(t, doc, "plateDesigns")
				field(t, doc, "designIdByPlate")
			}},
		{"cdecad duty", "paycheck for an on-duty player", "POST", "/api/civilian/fivem-paycheck", std,
			map[string]any{"civilianId": "{cadId}", "communityId": guild, "amount": 500, "department": "LSPD", "discordId": "400000000000000001"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "ok", true)
				wantField(t, doc, "amount", 500)
				wantField(t, doc, "balance", 5500)
			}},
		{"cdecad duty", "paycheck asks for more than the department pays", "POST", "/api/civilian/fivem-paycheck", std,
			map[string]any{"civilianId": "ABC12345", "communityId": guild, "amount": 100000, "department": "LSPD", "discordId": "400000000000000001"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "amount", 500) }},

		// §2.5 cde-civ banking.
		{"cde-civ bank", "account", "GET", "/api/banking/fivem/account?civilianId=ABC12345&communityId=" + guild, livemapStyle, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				field(t, doc, "accountNumber")
				wantField(t, doc, "accountStatus", "active")
				wantField(t, doc, "balance", 6000)
				for _, f := range []string{"type", "amount", "description", "date"} {
					field(t, doc, "transactions.0."+f)
				}
			}},
		{"cde-civ bank", "refresh button: a deposit of 0", "POST", "/api/banking/fivem/deposit", livemapStyle,
			map[string]any{"civilianId": "ABC12345", "amount": 0, "description": "refresh", "communityId": guild}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "balance", 6000) }},
		{"cde-civ bank", "deposit", "POST", "/api/banking/fivem/deposit", livemapStyle,
			map[string]any{"civilianId": "ABC12345", "amount": 250, "description": "ATM", "communityId": guild}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "balance", 6250)
				wantField(t, doc, "transaction.amount", 250)
			}},
		{"cde-civ bank", "withdraw", "POST", "/api/banking/fivem/withdraw", livemapStyle,
			map[string]any{"civilianId": "ABC12345", "amount": "50", "description": "ATM", "communityId": guild}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "balance", 6200) }},
		{"cde-civ bank", "withdraw too much: the client shows data.error", "POST", "/api/banking/fivem/withdraw", livemapStyle,
			map[string]any{"civilianId": "ABC12345", "amount": 1e6, "description": "ATM", "communityId": guild}, "400",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "error", "Insufficient funds")
			}},
		{"cde-civ bank", "transfer by account number", "POST", "/api/banking/fivem/transfer", livemapStyle,
			map[string]any{"fromCivilianId": "ABC12345", "toAccountNumber": "{numberA}", "amount": 200, "description": "rent", "communityId": guild}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "senderBalance", 6000)
				field(t, doc, "transaction")
			}},

		// §2.13 LWK Bank.
		{"lwk_bank-cdecad", "balance by percent-escaped ssn", "GET", "/api/fivem/bank/account/ABC12345", livemapStyle, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				wantField(t, doc, "balance", 6000)
				wantField(t, doc, "civilianName", "Tony Cipriani")
			}},
		{"lwk_bank-cdecad", "deposit with an idempotency key", "POST", "/api/fivem/bank/deposit", livemapStyle,
			map[string]any{"civilianId": "ABC12345", "amount": 100, "description": "Paycheck", "idempotencyKey": "lwk-1"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				wantField(t, doc, "balance", 6100)
			}},
		{"lwk_bank-cdecad", "the retry of it (status 0 on the first)", "POST", "/api/fivem/bank/deposit", livemapStyle,
			map[string]any{"civilianId": "ABC12345", "amount": 100, "description": "Paycheck", "idempotencyKey": "lwk-1"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				wantField(t, doc, "balance", 6100)
			}},
		{"lwk_bank-cdecad", "withdraw", "POST", "/api/fivem/bank/withdraw", livemapStyle,
			map[string]any{"civilianId": "ABC12345", "amount": 100, "description": "Shop"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				wantField(t, doc, "balance", 6000)
			}},

		// §2.6-2.9 dead code, served all the same.
		{"cde-esx dead code", "a civilian by CAD id", "GET", "/api/civilian/{cadId}?communityId=" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "_id", cadID) }},
		{"cde-esx dead code", "a license", "PUT", "/api/civilian/{cadId}/license", std,
			map[string]any{"licenseType": "drivers", "status": "SUSPENDED", "communityId": guild}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "licenses.0.status", "SUSPENDED")
			}},
		{"cde-esx dead code", "missing person", "PUT", "/api/civilian/{cadId}/missing", std,
			map[string]any{"missingPerson": true, "missingDate": "2026-11-29T10:00:00Z", "lastSeenLocation": "Sandy Shores", "description": "Blue jacket", "communityId": guild}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "missingPerson", true) }},
		{"cde-esx dead code", "stolen vehicles", "GET", "/api/civilian/stolen-vehicles/" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "vehicles.0.plateKey", "46EEK572")
			}},
		{"cde-esx dead code", "missing persons", "GET", "/api/civilian/missing-persons/" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "civilians.0._id", cadID) }},
		{"cdecad wraith", "the owner's suspended license now flags the plate too", "GET", "/api/civilian/fivem-plate-lookup/SYNC01", std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "alertLevel", "caution")
				wantField(t, doc, "flags.0", "suspended license")
			}},
		{"cde-civ", "old settings read", "GET", "/api/civilian/fivem-community-settings?communityId=" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "communityName", tn.A.Name)
				field(t, doc, "jurisdiction.city")
			}},

		// Deletes last: QBox with its cached CAD id (or the literal true),
		// cdecad-sync with the ssn.
		{"cde-cad-qbox", "delete with the literal true (a qbox bug): a JSON 404", "DELETE", "/api/civilian/fivem-delete-character/true?communityId=" + guild, std, nil, "404",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { field(t, doc, "error") }},
		{"cdecad-sync", "delete by ssn", "DELETE", "/api/civilian/fivem-delete-character/LMR00001?communityId=" + guild, std, nil, "2xx", nil},
		{"cde-cad-qbox", "delete by CAD id", "DELETE", "/api/civilian/fivem-delete-character/{cadId}?communityId=" + guild, std, nil, "2xx", nil},
		{"cde-esx sync", "the deleted character's vehicle is gone", "GET", "/api/civilian/fivem-vehicle/46EEK572", std, nil, "404",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { field(t, doc, "msg") }},
	}
	for i, r := range rows {
		path := strings.NewReplacer("{vehicleId}", vehicleID, "{cadId}", cadID, "{numberA}", tn.AccountNumber(t, tn.CivA.ID)).Replace(r.path)
		body := r.body
		if m, ok := body.(map[string]any); ok {
			b, _ := json.Marshal(m)
			body = strings.NewReplacer("{cadId}", cadID, "{numberA}", tn.AccountNumber(t, tn.CivA.ID)).Replace(string(b))
		}
		ok := r.run(t, env, i, path, body)
		if !ok {
			t.FailNow() // later rows build on this one
		}
	}
}

// run sends one row and judges the answer by the resource's rules; false
// when it failed (later rows build on it).
func (r replay) run(t *testing.T, env *apitest.Env, i int, path string, body any) bool {
	return t.Run(fmt.Sprintf("%02d %s: %s", i, r.resource, r.name), func(t *testing.T) {
		res := env.Do(r.method, path, body, r.headers, "")
		if r.status == "2xx" {
			if res.Code < 200 || res.Code > 299 {
				t.Fatalf("%s %s: %d %s", r.method, path, res.Code, res.Body)
			}
		} else if fmt.Sprint(res.Code) != r.status {
			t.Fatalf("%s %s: %d, the resource needs exactly %s: %s", r.method, path, res.Code, r.status, res.Body)
		}
		var doc any
		if err := json.Unmarshal(res.Body.Bytes(), &doc); err != nil {
			t.Fatalf("not JSON (a Lua error in the resource): %v: %q", err, res.Body)
		}
		if r.reads != nil {
			r.reads(t, doc, res)
		}
	})
}
