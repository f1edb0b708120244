package dispatchhttp_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

func TestCallLifecycle(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.DispatchPeople(t)
	env := tn.Env
	events, stop := env.Events.Subscribe(100)
	defer stop()
	var callID, incident string
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "a plain member may not open a call", Method: "POST", Path: "/api/calls", Headers: tn.InA("plainA"),
			Body: map[string]any{"callType": "Robbery"}, ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "nor read the board", Method: "GET", Path: "/api/calls/pending", Headers: tn.InA("plainA"), ExpectedStatus: 403},
		{Name: "a dispatcher opens one", Method: "POST", Path: "/api/calls", Headers: tn.InA("dispatcherA"),
			Body: map[string]any{"callType": "Robbery", "location": "Fleeca, Route 68", "postal": 9001, "priority": "high",
				"coordinates": []float64{1175.2, 2706.8, 38.1}, "description": "Two suspects"},
			ExpectedStatus: 201, ExpectedJSON: map[string]any{"status": "pending", "priority": "high", "postal": "9001", "coordinates.x": 1175.2, "source": "dispatcher"},
			After: func(t testing.TB, env *apitest.Env, res *httptest.ResponseRecorder) {
				m := apitest.JSONOf(t, res)
				callID, incident = m["_id"].(string), m["incidentNumber"].(string)
			}},
		{Name: "a bad priority", Method: "POST", Path: "/api/calls", Headers: tn.InA("dispatcherA"),
			Body: map[string]any{"callType": "X", "priority": "whenever"}, ExpectedStatus: 400},
		{Name: "no call type", Method: "POST", Path: "/api/calls", Headers: tn.InA("dispatcherA"), Body: map[string]any{}, ExpectedStatus: 400},
		{Name: "the pending board: a bare array", Method: "GET", Path: "/api/calls/pending?communityId=" + tn.A.GuildID, Headers: tn.As("officerA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"#": 2}},
		{Name: "the officer goes on duty", Method: "POST", Path: "/api/units/duty", Headers: tn.InA("officerA"),
			Body: map[string]any{"onDuty": true}, ExpectedStatus: 200, ExpectedJSON: map[string]any{"unit.onDuty": true, "unit.department": "LSPD",
				"unit.callSign": "1-ADAM-2", "unit.status": "available"}},
		{Name: "not in a department that is not theirs", Method: "POST", Path: "/api/units/duty", Headers: tn.InA("officerA"),
			Body: map[string]any{"onDuty": true, "department": "DISPATCH"}, ExpectedStatus: 403},
		{Name: "a plain member has no department to go on duty in", Method: "POST", Path: "/api/units/duty", Headers: tn.InA("plainA"),
			Body: map[string]any{"onDuty": true}, ExpectedStatus: 400},
	})
	officer := tn.Users["officerA"].ID
	call := "/api/calls/" + callID
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "by incident number too", Method: "GET", Path: "/api/calls/" + incident, Headers: tn.InA("officerA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"_id": callID}},
		{Name: "a unit off duty cannot be assigned", Method: "POST", Path: call + "/units", Headers: tn.InA("dispatcherA"),
			Body: map[string]any{"units": []string{tn.Users["plainA"].ID}}, ExpectedStatus: 400},
		{Name: "an officer may not assign another", Method: "POST", Path: call + "/units", Headers: tn.InA("officerA"),
			Body: map[string]any{"units": []string{tn.Users["adminA"].ID}}, ExpectedStatus: 403},
		{Name: "the dispatcher assigns the officer", Method: "POST", Path: call + "/units", Headers: tn.InA("dispatcherA"),
			Body: map[string]any{"units": []string{officer}}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"status": "assigned", "units.0": officer, "primaryUnit": officer}},
		{Name: "the officer goes en route", Method: "PUT", Path: call + "/status", Headers: tn.InA("officerA"),
			Body: map[string]any{"status": "enroute"}, ExpectedStatus: 200, ExpectedJSON: map[string]any{"status": "enroute"}},
		{Name: "never backwards", Method: "PUT", Path: call + "/status", Headers: tn.InA("officerA"),
			Body: map[string]any{"status": "pending"}, ExpectedStatus: 400},
		{Name: "not to expired by hand", Method: "PUT", Path: call + "/status", Headers: tn.InA("dispatcherA"),
			Body: map[string]any{"status": "expired"}, ExpectedStatus: 400},
		{Name: "a note", Method: "POST", Path: call + "/notes", Headers: tn.InA("officerA"), Body: map[string]any{"note": "Suspects fled north"},
			ExpectedStatus: 201, ExpectedJSON: map[string]any{"notes.0.text": "Suspects fled north", "notes.0.author": "officerA"}},
		{Name: "attach a civilian and a vehicle", Method: "POST", Path: call + "/attach", Headers: tn.InA("officerA"),
			Body: map[string]any{"characters": []string{tn.CivA.ID}, "vehicles": []string{tn.VehA.ID}}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"characters.0": tn.CivA.ID, "vehicles.0": tn.VehA.ID}},
		{Name: "not another community's", Method: "POST", Path: call + "/attach", Headers: tn.InA("officerA"),
			Body: map[string]any{"characters": []string{tn.CivB.ID}}, ExpectedStatus: 404},
		{Name: "the call, filled in", Method: "GET", Path: call, Headers: tn.InA("officerA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"assignedUnits.0.callSign": "1-ADAM-2", "attachedCivilians.0.ssn": tn.CivA.SSN,
				"attachedVehicles.0.plate": "AAA111", "timeline.0.action": "created"}},
		{Name: "the tablet sees it", Method: "GET", Path: "/api/fivem/unit-calls?discordId=400000000000000055", Headers: apitest.Key(tn.KeyA),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"success": true, "calls.#": 1, "calls.0.id": callID, "calls.0.status": "enroute"}},
		{Name: "and routes to it", Method: "GET", Path: "/api/fivem/route-call?discordId=400000000000000055", Headers: apitest.Key(tn.KeyA),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"success": true, "call.coordinates.y": 2706.8}},
		{Name: "on scene", Method: "PUT", Path: call + "/status", Headers: tn.InA("officerA"), Body: map[string]any{"status": "on-scene"}, ExpectedStatus: 200},
		{Name: "closed", Method: "POST", Path: call + "/close", Headers: tn.InA("officerA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"status": "closed", "open": false}},
		{Name: "a closed call does not change", Method: "POST", Path: call + "/notes", Headers: tn.InA("officerA"),
			Body: map[string]any{"note": "late"}, ExpectedStatus: 409},
		{Name: "but a Supervisor may reopen it", Method: "PUT", Path: call + "/status", Headers: tn.InA("supA"),
			Body: map[string]any{"status": "on-scene"}, ExpectedStatus: 200, ExpectedJSON: map[string]any{"status": "on-scene"}},
		{Name: "the unit was freed by the close", Method: "GET", Path: "/api/fivem/unit-calls?discordId=400000000000000055", Headers: apitest.Key(tn.KeyA),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"calls.#": 0}},
		{Name: "history pages, newest first", Method: "GET", Path: "/api/calls?limit=1", Headers: tn.InA("officerA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"calls.#": 1, "calls.0._id": callID}},
		{Name: "a bad status filter", Method: "GET", Path: "/api/calls?status=sleeping", Headers: tn.InA("officerA"), ExpectedStatus: 400},
		{Name: "off duty", Method: "POST", Path: "/api/units/duty", Headers: tn.InA("officerA"), Body: map[string]any{"onDuty": false},
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"unit.onDuty": false}},
		{Name: "the period is kept", Method: "GET", Path: "/api/units/duty-log", Headers: tn.InA("officerA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"periods.#": 1, "periods.0.callSign": "1-ADAM-2", "periods.0.source": "browser"}},
		{Name: "another member's log needs a Supervisor", Method: "GET", Path: "/api/units/duty-log?userId=" + tn.Users["adminA"].ID,
			Headers: tn.InA("officerA"), ExpectedStatus: 403},
	})
	// Events were published for the call and the unit.
	seen := map[string]bool{}
	for len(events) > 0 {
		e := <-events
		if e.CommunityID != tn.A.ID || e.ID == "" || e.Time.IsZero() {
			t.Fatalf("event %+v", e)
		}
		seen[e.Type] = true
	}
	for _, want := range []string{"call.created", "call.updated", "call.closed", "unit.status"} {
		if !seen[want] {
			t.Errorf("no %s event (saw %v)", want, seen)
		}
	}
}

// A call with no change for the community's expiry reads expired at
// once, leaves the active lists, and is marked so (and kept) by the
// janitor.
func TestCallExpiryKeepsHistory(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.DispatchPeople(t)
	env := tn.Env
	res := env.Do("POST", "/api/fivem/911", map[string]any{"callType": "911 Call", "location": "Sandy Shores"}, apitest.Key(tn.KeyA), "")
	if res.Code != 201 {
		t.Fatal(res.Code, res.Body)
	}
	id := apitest.JSONOf(t, res)["_id"].(string)
	env.Clock.Advance(26 * time.Minute)
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "reads expired before the janitor runs", Method: "GET", Path: "/api/calls/" + id, Headers: tn.InA("dispatcherA"),
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"status": "expired", "open": false}},
		{Name: "gone from the active list", Method: "GET", Path: "/api/calls?active=true", Headers: tn.InA("dispatcherA"),
			ExpectedStatus: 200, NotExpectedContent: []string{id}},
		{Name: "and from the pending board", Method: "GET", Path: "/api/calls/pending", Headers: tn.InA("dispatcherA"),
			ExpectedStatus: 200, NotExpectedContent: []string{id}},
	})
	n, err := env.Dispatch.ExpireCalls(context.Background())
	if err != nil || n < 1 {
		t.Fatalf("janitor: %d %v", n, err)
	}
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "kept, marked expired", Method: "GET", Path: "/api/calls?status=expired", Headers: tn.InA("dispatcherA"),
			ExpectedStatus: 200, ExpectedContent: []string{id}},
	})
	if n, _ := env.Dispatch.ExpireCalls(context.Background()); n != 0 {
		t.Fatalf("expired twice: %d", n)
	}
}

// 50 concurrent 911 calls all succeed, with 50 different incident
// numbers (R: counters under concurrency).
func TestConcurrent911Calls(t *testing.T) {
	tn := apitest.NewTenantsWith(t, apitest.Unlimited)
	tn.Env.NeedAtomic(t)
	var mu sync.Mutex
	numbers := map[string]bool{}
	codes := map[int]int{}
	storetest.Burst(50, func(i int) {
		res := tn.Env.Do("POST", "/api/fivem/911", map[string]any{"callType": "911 Call", "callerName": fmt.Sprint("Caller ", i)}, apitest.Key(tn.KeyA), "")
		mu.Lock()
		defer mu.Unlock()
		codes[res.Code]++
		if res.Code == 201 {
			numbers[apitest.JSONOf(t, res)["incidentNumber"].(string)] = true
		}
	})
	if codes[201] != 50 || len(numbers) != 50 {
		t.Fatalf("answers %v, %d distinct numbers", codes, len(numbers))
	}
}

// The high-impact limit: 20 911 calls a minute per key, then 429 with
// Retry-After; another key is not held back.
func TestHighImpactLimit(t *testing.T) {
	tn := apitest.NewTenants(t)
	for i := 0; i < 20; i++ {
		if c := apitest.Status(tn.Env, "POST", "/api/fivem/911", map[string]any{"callType": "911"}, apitest.Key(tn.KeyA)); c != 201 {
			t.Fatalf("call %d: %d", i, c)
		}
	}
	res := tn.Env.Do("POST", "/api/fivem/panic", map[string]any{"officerName": "x"}, apitest.Key(tn.KeyA), "")
	if res.Code != 429 || res.Header().Get("Retry-After") == "" {
		t.Fatalf("the 21st: %d %v", res.Code, res.Header())
	}
	apitest.CheckErrorBody(t, res, cad.ERATELIMITED)
	if c := apitest.Status(tn.Env, "POST", "/api/fivem/911", map[string]any{"callType": "911"}, apitest.Key(tn.KeyB)); c != 201 {
		t.Fatalf("another key: %d", c)
	}
	// The general FiveM group is apart: the tablet's poll still answers.
	if c := apitest.Status(tn.Env, "GET", "/api/fivem/unit-active?discordId=400000000000000055", nil, apitest.Key(tn.KeyA)); c != 200 {
		t.Fatalf("unit-active: %d", c)
	}
}

func TestBOLOs(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.DispatchPeople(t)
	var id string
	apitest.Run(t, tn.Env, []apitest.Scenario{
		{Name: "a plain member may not", Method: "POST", Path: "/api/bolos", Headers: tn.InA("plainA"),
			Body: map[string]any{"type": "vehicle", "reason": "x", "plate": "AAA111"}, ExpectedStatus: 403},
		{Name: "a vehicle BOLO needs a plate or description", Method: "POST", Path: "/api/bolos", Headers: tn.InA("officerA"),
			Body: map[string]any{"type": "vehicle", "reason": "x"}, ExpectedStatus: 400},
		{Name: "an officer posts one on A's vehicle", Method: "POST", Path: "/api/bolos", Headers: tn.InA("officerA"),
			Body: map[string]any{"type": "vehicle", "reason": "Armed robbery", "plate": "aaa 111", "priority": "high"}, ExpectedStatus: 201,
			After: func(t testing.TB, env *apitest.Env, res *httptest.ResponseRecorder) {
				id = apitest.JSONOf(t, res)["_id"].(string)
			}},
		{Name: "plate look-ups show it", Method: "GET", Path: "/api/civilian/fivem-plate-lookup/AAA111", Headers: apitest.Key(tn.KeyA), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"alertLevel": "alert", "bolo.reason": "Armed robbery", "flags.0": "bolo"}},
		{Name: "a person BOLO on the owner shows as ownerBolo", Method: "POST", Path: "/api/bolos", Headers: apitest.Key(tn.KeyA),
			Body: map[string]any{"type": "person", "reason": "Wanted for questioning", "characterId": tn.CivA.SSN}, ExpectedStatus: 201},
		{Name: "ownerBolo", Method: "GET", Path: "/api/civilian/fivem-plate-lookup/AAA111", Headers: apitest.Key(tn.KeyA), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"ownerBolo.reason": "Wanted for questioning"}},
		{Name: "the flagged plates carry it", Method: "GET", Path: "/api/civilian/fivem-flagged-plates", Headers: apitest.Key(tn.KeyA), ExpectedStatus: 200,
			ExpectedContent: []string{`"plate":"AAA111"`, `"bolo"`, `"plate":"ZZZ000"`}},
		{Name: "another community does not see it", Method: "GET", Path: "/api/civilian/fivem-plate-lookup/AAA111", Headers: apitest.Key(tn.KeyB), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"found": false, "bolo": nil}},
	})
	apitest.Run(t, tn.Env, []apitest.Scenario{
		{Name: "only its author or a Supervisor resolves it", Method: "POST", Path: "/api/bolos/" + id + "/resolve", Headers: tn.InA("dispatcherA"), ExpectedStatus: 403},
		{Name: "its author resolves it", Method: "POST", Path: "/api/bolos/" + id + "/resolve", Headers: tn.InA("officerA"), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"active": false}},
		{Name: "resolved twice", Method: "POST", Path: "/api/bolos/" + id + "/resolve", Headers: tn.InA("officerA"), ExpectedStatus: 409},
		{Name: "the active list", Method: "GET", Path: "/api/bolos", Headers: tn.InA("officerA"), ExpectedStatus: 200, NotExpectedContent: []string{id}},
		{Name: "all", Method: "GET", Path: "/api/bolos?all=true", Headers: tn.InA("officerA"), ExpectedStatus: 200, ExpectedContent: []string{id}},
	})
}

// Positions live in memory: repeated updates keep memory flat, stale
// ones leave the map, "offline" removes a unit.
func TestLivePositions(t *testing.T) {
	tn := apitest.NewTenantsWith(t, apitest.Unlimited)
	env := tn.Env
	body := func(unit string, x float64) map[string]any {
		return map[string]any{"unitId": unit, "unitName": "Officer", "x": x, "y": -800.5, "z": 30, "heading": 90, "status": "In Service", "job": "lspd", "postal": "123"}
	}
	for i := 0; i < 500; i++ {
		if c := apitest.Status(env, "POST", "/api/dispatch/location-update", body(fmt.Sprint("steam:", i%10), float64(i)), apitest.Key(tn.KeyA)); c != 200 {
			t.Fatal(c)
		}
	}
	if n := env.Dispatch.Positions().Len(); n != 10 {
		t.Fatalf("%d positions held after 500 updates of 10 units", n)
	}
	res := env.Do("GET", "/api/dispatch/positions", nil, apitest.Key(tn.KeyA), "")
	if apitest.JSONOf(t, res)["positions"].([]any)[0].(map[string]any)["coordinates"].(map[string]any)["x"] != 490.0 {
		t.Fatalf("the last position: %s", res.Body)
	}
	if list := apitest.JSONOf(t, env.Do("GET", "/api/dispatch/positions", nil, apitest.Key(tn.KeyB), ""))["positions"].([]any); len(list) != 0 {
		t.Fatal("B sees A's units")
	}
	if c := apitest.Status(env, "POST", "/api/dispatch/location-update", map[string]any{"unitId": "steam:0", "status": "offline"}, apitest.Key(tn.KeyA)); c != 200 {
		t.Fatal(c)
	}
	if c := apitest.Status(env, "POST", "/api/dispatch/location-update", map[string]any{"unitId": "steam:1"}, apitest.Key(tn.KeyA)); c != 400 {
		t.Fatalf("no coordinates: %d", c)
	}
	env.Clock.Advance(3 * time.Minute)
	if list := apitest.JSONOf(t, env.Do("GET", "/api/dispatch/positions", nil, apitest.Key(tn.KeyA), ""))["positions"].([]any); len(list) != 0 {
		t.Fatalf("%d stale positions shown", len(list))
	}
	env.Dispatch.Positions().Sweep(env.Clock.Now())
	if n := env.Dispatch.Positions().Len(); n != 0 {
		t.Fatalf("%d stale positions kept", n)
	}
}
