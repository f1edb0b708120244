package app_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
)

// The dispatch half of the replay table: every dispatch, duty, 911,
// panic, traffic-stop, live-map, ALPR and ERS request shape of
// fivem-clients.md, sent as the resource sends it (headers, x-payload,
// base URL) and judged by the exact status it tests and what it reads.
func TestFiveMDispatchReplay(t *testing.T) {
	tn := apitest.NewTenantsWith(t, apitest.Unlimited)
	tn.DispatchPeople(t)
	env := tn.Env
	guild := tn.A.GuildID
	k := tn.KeyA
	std := map[string]string{"x-api-key": k, "Content-Type": "application/json"}
	livemap := map[string]string{"X-API-Key": k, "Content-Type": "application/json", "Accept": "application/json"}
	tablet := map[string]string{"Content-Type": "application/json"} // the key rides in the body
	const officer = "400000000000000055"
	// withPayload sends body both ways the bundle does: as the body and as
	// x-payload (base64 of the same JSON).
	withPayload := func(h map[string]string, body map[string]any) (map[string]string, string) {
		b, _ := json.Marshal(body)
		out := map[string]string{"x-payload": base64.StdEncoding.EncodeToString(b)}
		for k, v := range h {
			out[k] = v
		}
		return out, string(b)
	}
	// payloadOnly sends x-payload with an empty body (Cloudflare).
	payloadOnly := func(body map[string]any) map[string]string {
		h, _ := withPayload(map[string]string{"x-api-key": k}, body)
		return h
	}
	var incident, screenshotToken, ersIncident string
	traffic := map[string]any{"plate": "AAA111", "discordId": officer, "callSign": "1-ADAM-12", "location": "Vinewood Blvd", "postal": "7112",
		"coordinates": map[string]any{"x": 312.4, "y": 201.9, "z": 104.1}}
	tsHeaders, tsBody := withPayload(std, traffic)
	panicH, panicB := withPayload(std, map[string]any{"officerName": "Officer Smith", "officerId": "license:aaaa", "location": "Del Perro (Postal: 611)",
		"postal": "611", "coordinates": map[string]any{"x": -1200.1, "y": -900.2, "z": 12.3}, "serverName": "LSRP #1", "communityId": guild})
	rows := []replay{
		// Duty (§2.1 duty).
		{"cdecad duty", "/d on: cde-duty", "POST", "/api/fivem/cde-duty", std,
			map[string]any{"discordId": officer, "onShift": true, "department": "Los Santos Police", "callSign": "1-ADAM-12"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "onDuty", true) }},
		{"cdecad duty", "/d on: ers/duty (not under /fivem)", "POST", "/api/ers/duty", std,
			map[string]any{"discordId": officer, "onShift": true, "serviceType": "police"}, "2xx", nil},
		{"cdecad tablet", "unit-active (base URL raw: /api/api)", "GET", "/api/api/fivem/unit-active?discordId=" + officer, std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				wantField(t, doc, "active", true)
				wantField(t, doc, "callSign", "1-ADAM-12")
				wantField(t, doc, "department", "LSPD")
				field(t, doc, "status")
			}},
		{"cde-cad-tablet", "unit-active of a player off duty", "GET", "/api/fivem/unit-active?discordId=400000000000000099", std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "active", false) }},
		// 911 (§2.1 911, panic, ALPR).
		{"cdecad 911", "/911 from a player", "POST", "/api/fivem/911", nil, nil, "201", nil}, // filled below
		{"cdecad 911", "an NPC witness", "POST", "/api/fivem/911", nil, nil, "201", nil},
		{"cdecad ALPR", "an ALPR 911 (cctv)", "POST", "/api/fivem/911", nil, nil, "201", nil},
		{"cdecad panic", "/panic (with x-payload)", "POST", "/api/fivem/panic", panicH, panicB, "2xx", nil},
		{"cdecad panic", "the Officer Panic 911 after it", "POST", "/api/fivem/911", payloadOnly(map[string]any{"callType": "Officer Panic",
			"callerName": "SYSTEM - PANIC", "description": "Officer Smith pressed the panic button", "serverName": "LSRP #1", "communityId": guild}), nil, "201",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { field(t, doc, "incidentNumber") }},
		{"cde-cad911", "legacy 911 with metadata, no coordinates", "POST", "/api/civilian/fivem-911-call", livemap,
			map[string]any{"callType": "911 - Shots fired", "location": "Grove Street", "callerName": "Anonymous", "communityId": guild,
				"metadata":   map[string]any{"isNPCReport": true, "isAnonymous": true, "reportType": "gunshots", "timestamp": 1764537851},
				"callerInfo": map[string]any{"playerId": 12, "playerName": "Lamar"}}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { field(t, doc, "_id") }},
		{"cde-esx sync", "panic from the sync resource: coords and flat x,y,z", "POST", "/api/civilian/fivem-911-call", std,
			map[string]any{"callType": "Officer needs assistance", "location": "Paleto Bay", "callerName": "Deputy", "communityId": guild,
				"coords": map[string]any{"x": -440, "y": 6020, "z": 31}, "x": -440, "y": 6020, "z": 31, "postal": "Unknown", "isAnonymous": false,
				"isNPC": false, "reportType": "panic"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { field(t, doc, "_id") }},
		{"cde-cad911 README", "the oldest 911 path", "POST", "/api/civilian/911-call", std,
			map[string]any{"callType": "911", "location": "Mirror Park", "callerName": "Jane"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { field(t, doc, "_id") }},
		// Traffic stop: exactly 201.
		{"cdecad duty", "/ts traffic stop (with x-payload)", "POST", "/api/fivem/traffic-stop", tsHeaders, tsBody, "201",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				incident = field(t, doc, "incidentNumber").(string)
				wantField(t, doc, "plate", "AAA111")
				field(t, doc, "alertLevel")
				field(t, doc, "flags")
				wantField(t, doc, "vehicle.make", "Bravado")
				wantField(t, doc, "owner.name", "Pat memberA")
				if _, ok := doc.(map[string]any)["bolo"]; !ok {
					t.Fatal("bolo is read (null when none)")
				}
				field(t, doc, "ownerBolo")
			}},
		{"cdecad tablet", "unit-calls: the stop is the officer's", "GET", "/api/fivem/unit-calls?discordId=" + officer, std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				for _, f := range []string{"id", "callType", "status", "priority", "location", "postal", "description"} {
					field(t, doc, "calls.0."+f)
				}
				wantField(t, doc, "calls.0.callType", "Traffic Stop")
			}},
		{"cdecad duty", "/route911: route to the current call", "GET", "/api/fivem/route-call?discordId=" + officer, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				wantField(t, doc, "call.coordinates.x", 312.4)
				field(t, doc, "call.coordinates.y")
				field(t, doc, "call.location")
				field(t, doc, "call.id")
			}},
		// Live map (§2.1 tablet, §2.3 cde-livemap).
		{"cdecad tablet", "location update, key in the body", "POST", "/api/api/dispatch/location-update", tablet,
			map[string]any{"unitId": officer, "unitName": "Officer Smith", "x": 100.5, "y": -200.25, "z": 30, "heading": 180, "status": "In Service",
				"job": "police", "postal": "123", "apiKey": k}, "2xx", nil},
		{"cde-livemap", "location update, steam id, lat/lng aliases", "POST", "/api/dispatch/location-update", livemap,
			map[string]any{"unitId": "steam:110000112345678", "unitName": "Deputy Jones", "x": -440.1, "y": 6020.2, "z": 31, "lat": 6020.2, "lng": -440.1,
				"heading": 90, "job": "sheriff", "status": "In Service", "timestamp": 1764537851, "communityId": guild, "postal": "1000", "postalVerified": true}, "2xx", nil},
		{"cde-livemap", "the map holds both", "GET", "/api/dispatch/positions", std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "positions.#", 2) }},
		{"cdecad tablet", "offline on stop", "POST", "/api/dispatch/location-update", tablet,
			map[string]any{"unitId": officer, "unitName": "Officer Smith", "status": "offline", "apiKey": k}, "2xx", nil},
		{"cde-livemap", "offline", "POST", "/api/dispatch/location-update", livemap,
			map[string]any{"unitId": "steam:110000112345678", "unitName": "Deputy Jones", "status": "offline", "timestamp": 1764537851, "communityId": guild}, "2xx", nil},
		{"cde-livemap", "the map is empty again", "GET", "/api/dispatch/positions", std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "positions.#", 0) }},
		{"cde-esx dead code", "911 markers", "GET", "/api/civilian/911-markers/" + guild, std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { field(t, doc, "markers.0.coordinates") }},
		// ALPR (§2.1 ALPR, §1.13).
		{"cdecad ALPR", "cameras sync: exactly 200", "POST", "/api/fivem/alpr/cameras/sync", std,
			map[string]any{"cameras": []map[string]any{{"id": "cam-1", "x": 200.1, "y": -800.2, "z": 30, "heading": 90, "label": "Strawberry Ave",
				"postal": "8002", "prop": "prop_cctv_cam", "placedBy": "license:aaaa", "enabled": true, "speedLimit": 60, "name": "Strawberry", "hits": 0}}}, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "count", 1) }},
		{"cdecad ALPR", "a hit: exactly 201 with tokens", "POST", "/api/fivem/alpr/hit", nil, nil, "201",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				screenshotToken = field(t, doc, "screenshotToken").(string)
				field(t, doc, "plateToken")
			}},
		{"cdecad ALPR", "commands: exactly 200", "GET", "/api/fivem/alpr/commands", std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "success", true)
				wantField(t, doc, "commands.0.camId", "cam-1")
				wantField(t, doc, "commands.0.changes.speedLimit", 80)
			}},
		{"cdecad ALPR", "each command once", "GET", "/api/fivem/alpr/commands", std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "commands.#", 0) }},
		{"cdecad ALPR + wraith", "flagged plates with an empty communityId", "GET", "/api/civilian/fivem-flagged-plates?communityId=", std, nil, "200",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "success", true) }},
		// ERS (§2.1 ERS, §2.11 cde-ers).
		{"cdecad ERS", "callout (x-payload only, base URL raw)", "POST", "/api/api/fivem/ers/callout", payloadOnly(map[string]any{"ersCalloutId": "ers-77",
			"callType": "Shots fired", "location": "Sandy Shores Airfield", "postal": "2001", "coordinates": map[string]any{"x": 1700, "y": 3250, "z": 41},
			"description": "Shots fired near the hangar", "priority": 4, "serviceType": "police"}), nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				ersIncident = field(t, doc, "incidentNumber").(string)
			}},
		{"cde-ers", "the same callout again: the same call", "POST", "//api/fivem/ers/callout", std,
			map[string]any{"ersCalloutId": "ers-77", "callType": "Shots fired", "priority": 4}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				wantField(t, doc, "incidentNumber", ersIncident)
			}},
		{"cdecad ERS", "unit-attach", "POST", "/api/fivem/ers/unit-attach", std, map[string]any{"ersCalloutId": "ers-77", "callSign": "1-ADAM-12", "discordId": officer}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { field(t, doc, "msg") }},
		{"cdecad ERS", "civilian", "POST", "/api/fivem/ers/civilian", std, map[string]any{"ersCalloutId": "ers-77", "firstName": "Trevor", "middleName": "",
			"lastName": "Philips", "dateOfBirth": "1967-11-03", "gender": "Male", "race": "White", "nationality": "Canadian", "address": "Sandy Shores",
			"city": "Sandy Shores", "state": "SA", "phone": "555-0133", "license_car": "CAR123", "license_car_is_valid": false,
			"hasDriversLicense": true, "driversLicenseStatus": "SUSPENDED", "flagsOrMarkers": []string{"armed"}, "pedId": 4431}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				field(t, doc, "civilianId")
				wantField(t, doc, "fullName", "Trevor Philips")
			}},
		{"cdecad ERS", "vehicle", "POST", "/api/fivem/ers/vehicle", std, map[string]any{"ersCalloutId": "ers-77", "plate": "87TRV123", "make": "Canis",
			"model": "Bodhi", "color": "Red", "year": "1998", "vehicleClass": "Off-road", "ownerName": "Trevor Philips", "stolen": true,
			"insurance": false, "bolo": true, "boloDescription": "Seen at the shooting"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				field(t, doc, "vehicleId")
				wantField(t, doc, "plate", "87TRV123")
			}},
		{"cdecad ERS", "arrived", "POST", "/api/fivem/ers/callout-arrived", std, map[string]any{"ersCalloutId": "ers-77"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "status", "on-scene") }},
		{"cdecad ERS", "traffic stop (older flat body)", "POST", "/api/fivem/ers/traffic-stop", std,
			map[string]any{"plate": "87TRV123", "discordId": officer, "location": "Route 68", "x": 500, "y": 2700, "z": 40}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				field(t, doc, "incidentNumber")
				wantField(t, doc, "alertLevel", "alert")
			}},
		{"cdecad ERS", "callout end", "POST", "/api/fivem/ers/callout-end", std, map[string]any{"ersCalloutId": "ers-77"}, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "status", "closed") }},
		{"cdecad ERS", "pending dispatcher call-outs", "GET", "/api/fivem/ers/pending-dispatch-callouts", std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) {
				for _, f := range []string{"ersCalloutId", "callType", "location", "postal", "coordinates", "priority", "description", "serviceType", "ersConfig"} {
					field(t, doc, "callouts.0."+f)
				}
			}},
		{"cdecad ERS", "ack", "POST", "/api/fivem/ers/ack-dispatch-callout", std, map[string]any{"ersCalloutId": "{ersQueued}"}, "2xx", nil},
		{"cdecad ERS", "acknowledged: no longer handed out", "GET", "/api/fivem/ers/pending-dispatch-callouts", std, nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "callouts.#", 0) }},
		{"cdecad ERS", "an unknown ack is 2xx all the same", "POST", "/api/fivem/ers/ack-dispatch-callout", std, map[string]any{"ersCalloutId": "never-seen"}, "2xx", nil},
		{"cdecad ERS", "ERS duty off", "POST", "/api/fivem/ers/duty", payloadOnly(map[string]any{"discordId": officer, "onShift": false, "serviceType": "police", "callSign": "1-ADAM-12"}), nil, "2xx",
			func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { wantField(t, doc, "onDuty", false) }},
		{"cdecad duty", "cde-duty off, with durationMs", "POST", "/api/fivem/cde-duty", std,
			map[string]any{"discordId": officer, "onShift": false, "department": "LSPD", "callSign": "1-ADAM-12", "durationMs": 3600000}, "2xx", nil},
	}
	// The 911 bodies the bundle sends (body and x-payload).
	h911 := func(body map[string]any) (map[string]string, string) { return withPayload(std, body) }
	rows[4].headers, rows[4].body = h911(map[string]any{"callType": "911 Call", "callerName": "John Doe", "callerNumber": "555-0100", "location": "Alta St",
		"postal": "7001", "coordinates": map[string]any{"x": 200, "y": -600, "z": 40}, "description": "My car was stolen", "priority": "normal", "source": "player"})
	rows[4].reads = func(t *testing.T, doc any, _ *httptest.ResponseRecorder) { field(t, doc, "incidentNumber") }
	rows[5].headers, rows[5].body = h911(map[string]any{"callType": "Shots Fired", "callerName": "Anonymous Witness", "location": "Davis Ave", "postal": "Getting...",
		"coordinates": map[string]any{"x": 100, "y": -1700, "z": 29}, "priority": "high", "source": "npc"})
	rows[5].reads = rows[4].reads
	rows[6].headers, rows[6].body = h911(map[string]any{"callType": "ALPR Hit", "callerName": "ALPR Camera Strawberry", "location": "Strawberry Ave",
		"postal": "8002", "coordinates": map[string]any{"x": 200.1, "y": -800.2, "z": 30}, "description": "Plate AAA111: stolen", "priority": "high", "source": "cctv"})
	rows[6].reads = rows[4].reads
	alprHit := map[string]any{"camId": "cam-1", "cameraName": "Strawberry", "plate": "AAA111", "kind": "flagged", "flags": []string{"stolen"},
		"alertLevel": "alert", "speed": 72, "speedLimit": 60, "location": "Strawberry Ave", "coordinates": map[string]any{"x": 200.1, "y": -800.2, "z": 30},
		"incidentNumber": "{incident}", "screenshots": map[string]any{"enabled": true, "retentionHours": 24}}
	for i := range rows {
		if rows[i].name == "a hit: exactly 201 with tokens" {
			rows[i].headers, rows[i].body = withPayload(std, alprHit)
		}
	}
	// A dispatcher queues a camera command and an ERS call-out before
	// the polls that hand them out.
	if c := apitest.Status(env, "POST", "/api/dispatch/alpr/cameras/cam-1/commands", map[string]any{"speedLimit": 80}, tn.InA("dispatcherA")); c != 404 {
		t.Fatalf("a command for a camera not synced yet: %d", c)
	}
	var ersQueued string
	for i, r := range rows {
		path := strings.NewReplacer("{incident}", incident).Replace(r.path)
		body := r.body
		if s, ok := body.(string); ok {
			body = strings.NewReplacer("{incident}", incident, "{ersQueued}", ersQueued).Replace(s)
		} else if m, ok := body.(map[string]any); ok {
			b, _ := json.Marshal(m)
			body = strings.NewReplacer("{incident}", incident, "{ersQueued}", ersQueued).Replace(string(b))
		}
		switch r.name {
		case "commands: exactly 200":
			if res := env.Do("POST", "/api/dispatch/alpr/cameras/cam-1/commands", map[string]any{"speedLimit": 80}, tn.InA("dispatcherA"), ""); res.Code != 201 {
				t.Fatalf("queue a command: %d %s", res.Code, res.Body)
			}
		case "pending dispatcher call-outs":
			res := env.Do("POST", "/api/dispatch/ers-callouts", map[string]any{"callType": "Suspicious vehicle", "location": "Harmony", "postal": "3001",
				"coordinates": map[string]any{"x": 500, "y": 2600, "z": 40}, "priority": "medium", "serviceType": "police", "ersConfig": map[string]any{"pedCount": 2}},
				tn.InA("dispatcherA"), "")
			if res.Code != 201 {
				t.Fatalf("queue an ERS call-out: %d %s", res.Code, res.Body)
			}
			ersQueued = apitest.JSONOf(t, res)["ersCalloutId"].(string)
		}
		if r.body == nil && r.method == "POST" && r.headers["x-payload"] != "" {
			body = nil
		}
		ok := r.run(t, env, i, path, body)
		if !ok {
			t.FailNow()
		}
	}
	// The player's browser uploads the ALPR photo (CORS, no key, one use).
	upload := func() *httptest.ResponseRecorder {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", "screenshot.jpg")
		png := apitest.DecodeDataURI(t, apitest.TinyPNG(t))
		_, _ = fw.Write(png)
		_ = w.Close()
		return env.Do("POST", "/api/alpr-upload/"+screenshotToken, buf.Bytes(), map[string]string{"Content-Type": w.FormDataContentType(),
			"Origin": "https://cfx-nui-cdecad"}, "")
	}
	res := upload()
	if res.Code < 200 || res.Code > 299 || res.Header().Get("Access-Control-Allow-Origin") != "https://cfx-nui-cdecad" {
		t.Fatalf("upload: %d %v %s", res.Code, res.Header(), res.Body)
	}
	if again := upload(); again.Code != 404 {
		t.Fatalf("the token used twice: %d", again.Code)
	}
	hits := apitest.JSONOf(t, env.Do("GET", "/api/dispatch/alpr/hits", nil, tn.InA("dispatcherA"), ""))
	h := hits["hits"].([]any)[0].(map[string]any)
	if urls := h["photoUrls"].([]any); len(urls) != 1 || h["incidentNumber"] != incident || h["callId"] == "" {
		t.Fatalf("the hit: %v", h)
	}
}
