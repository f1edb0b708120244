package app_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"

	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
)

// The compatibility rules of fivem-clients.md §1, each on a route that
// needs it.
func TestFiveMCompatibilityRules(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	k := tn.KeyA
	register := map[string]any{"plate": "PAYLOAD1", "ownerId": tn.CivA.SSN, "make": "Bravado"}
	payload := base64.StdEncoding.EncodeToString([]byte(apitest.MustJSON(t, register)))
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "x-payload is the body when the body is empty (Cloudflare)", Method: "POST", Path: "/api/civilian/fivem-register-vehicle",
			Headers: map[string]string{"x-api-key": k, "x-payload": payload}, ExpectedStatus: 201, ExpectedJSON: map[string]any{"plate": "PAYLOAD1"}},
		{Name: "unpadded base64 too", Method: "POST", Path: "/api/civilian/fivem-register-vehicle",
			Headers:        map[string]string{"x-api-key": k, "x-payload": strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(`{"plate":"PAYLOAD2","ownerId":"`+tn.CivA.SSN+`"}`)), "=")},
			ExpectedStatus: 201},
		{Name: "a body that is there wins over x-payload", Method: "POST", Path: "/api/civilian/fivem-register-vehicle",
			Headers: map[string]string{"x-api-key": k, "x-payload": payload}, Body: map[string]any{"plate": "BODY1", "ownerId": tn.CivA.SSN},
			ExpectedStatus: 201, ExpectedJSON: map[string]any{"plate": "BODY1"}},
		{Name: "a malformed x-payload with no body is a clear 400", Method: "POST", Path: "/api/civilian/fivem-register-vehicle",
			Headers: map[string]string{"x-api-key": k, "x-payload": "not base64!"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID,
			ExpectedContent: []string{"x-payload"}},
		{Name: "x-payload that is base64 of no object", Method: "POST", Path: "/api/civilian/fivem-register-vehicle",
			Headers: map[string]string{"x-api-key": k, "x-payload": base64.StdEncoding.EncodeToString([]byte(`[1,2]`))}, ExpectedStatus: 400},
		{Name: "never required", Method: "POST", Path: "/api/civilian/fivem-register-vehicle", Headers: apitest.Key(k),
			Body: map[string]any{"plate": "NOPAY1", "ownerId": tn.CivA.SSN}, ExpectedStatus: 201},
		{Name: "/api/api/ is /api/", Method: "GET", Path: "/api/api/civilian/fivem-departments", Headers: apitest.Key(k), ExpectedStatus: 200},
		{Name: "//api/ is /api/", Method: "GET", Path: "//api/civilian/fivem-departments", Headers: apitest.Key(k), ExpectedStatus: 200},
		{Name: "X-API-KEY in any case", Method: "GET", Path: "/api/civilian/fivem-civilian/" + tn.CivA.SSN, Headers: map[string]string{"X-Api-KEY": k}, ExpectedStatus: 200},
		{Name: "communityId as the internal id", Method: "GET", Path: "/api/civilian/fivem-civilian/" + tn.CivA.SSN + "?communityId=" + tn.A.ID, Headers: apitest.Key(k), ExpectedStatus: 200},
		{Name: "communityId naming another community is refused", Method: "GET", Path: "/api/civilian/fivem-civilian/" + tn.CivA.SSN + "?communityId=" + tn.B.GuildID,
			Headers: apitest.Key(k), ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "communityId in the body naming another", Method: "POST", Path: "/api/civilian/fivem-register-vehicle", Headers: apitest.Key(k),
			Body: map[string]any{"plate": "X1", "ownerId": tn.CivA.SSN, "communityId": tn.B.GuildID}, ExpectedStatus: 403},
		{Name: "a vRP numeric id that names nobody: JSON with error and msg", Method: "GET", Path: "/api/civilian/fivem-civilian/12", Headers: apitest.Key(k),
			ExpectedStatus: 404, ErrorCode: cad.ENOTFOUND},
		{Name: "a lower-case plate with punctuation", Method: "GET", Path: "/api/civilian/fivem-plate-lookup/aaa-111", Headers: apitest.Key(k), ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"found": true}},
		{Name: "a boolean as a string and an absent optional", Method: "PUT", Path: "/api/civilian/vehicle/AAA111/stolen", Headers: apitest.Key(k),
			Body: map[string]any{"stolen": "true"}, ExpectedStatus: 200, ExpectedJSON: map[string]any{"vehicle.stolen": true}},
		{Name: "an empty Lua table where a string goes", Method: "PUT", Path: "/api/civilian/fivem-update-character/" + tn.CivA.SSN, Headers: apitest.Key(k),
			Body: `{"middleName": [], "address": "Vinewood Hills"}`, ExpectedStatus: 200, ExpectedJSON: map[string]any{"civilian.address": "Vinewood Hills"}},
		{Name: "a game server's loose gender", Method: "POST", Path: "/api/civilian/fivem-sync-character", Headers: apitest.Key(k),
			Body: map[string]any{"firstName": "E", "lastName": "R", "ssn": "ERS-1", "gender": "Unknown", "dateOfBirth": "15/05/1990"}, ExpectedStatus: 201,
			ExpectedJSON: map[string]any{"civilian.gender": "other", "civilian.dateOfBirth": "1990-05-15"}},
		{Name: "a sync with no id at all", Method: "POST", Path: "/api/civilian/fivem-sync-character", Headers: apitest.Key(k),
			Body: map[string]any{"firstName": "E", "lastName": "R"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID},
	})
}

// The in-game browser (cfx-nui origins) may call the FiveM routes
// cross-origin, without credentials; other origins get no CORS grant.
func TestGameBrowserCORS(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	path := "/api/civilian/fivem-civilian/" + tn.CivA.SSN + "?communityId=" + tn.A.GuildID
	pre := env.Do("OPTIONS", path, nil, map[string]string{"Origin": "https://cfx-nui-cde-civ", "Access-Control-Request-Method": "GET",
		"Access-Control-Request-Headers": "x-api-key, content-type"}, "")
	if pre.Code != 204 || pre.Header().Get("Access-Control-Allow-Origin") != "https://cfx-nui-cde-civ" ||
		!strings.Contains(pre.Header().Get("Access-Control-Allow-Headers"), "x-api-key") || pre.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight: %d %v", pre.Code, pre.Header())
	}
	res := env.Do("GET", path, nil, map[string]string{"Origin": "https://cfx-nui-cde-civ", "x-api-key": tn.KeyA, "Content-Type": "application/json"}, "")
	if res.Code != 200 || res.Header().Get("Access-Control-Allow-Origin") != "https://cfx-nui-cde-civ" {
		t.Fatalf("GET from the game: %d %v", res.Code, res.Header())
	}
	for _, origin := range []string{"https://evil.example", "https://cfx-nui-x.evil.example/"} {
		res := env.Do("GET", path, nil, map[string]string{"Origin": origin, "x-api-key": tn.KeyA}, "")
		if res.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s got a CORS grant", origin)
		}
	}
	// Member routes get no grant for the game's origin.
	res = env.Do("GET", "/api/civilian", nil, apitest.Merge(tn.InA("memberA"), map[string]string{"Origin": "https://cfx-nui-cde-civ"}), "")
	if res.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("a member route granted CORS to the game browser")
	}
}

// Mugshots: up to 5 MB, PNG, JPEG or WebP checked by their bytes, stored
// (normalised) apart and served at an unguessable URL with caching
// headers; deleting the character deletes them. Only image routes take big
// bodies.
func TestMugshots(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	h := tn.InA("memberA")
	uri := apitest.TinyPNG(t)
	res := env.Do("PUT", "/api/civilian/"+tn.CivA.ID, map[string]any{"mugshotUrl": uri}, h, "")
	if res.Code != 200 {
		t.Fatalf("%d %s", res.Code, res.Body)
	}
	url := apitest.JSONOf(t, res)["mugshotUrl"].(string)
	path := url[strings.Index(url, "/api/media/"):]
	if strings.Contains(apitest.MustJSON(t, apitest.Dump(t, env, "characters")), "base64") {
		t.Fatal("the image is inside the character record")
	}
	img := env.Do("GET", path, nil, nil, "")
	if img.Code != 200 || img.Header().Get("Content-Type") != "image/png" || !strings.Contains(img.Header().Get("Cache-Control"), "max-age") {
		t.Fatalf("serving: %d %v", img.Code, img.Header())
	}
	if _, err := png.Decode(bytes.NewReader(img.Body.Bytes())); err != nil {
		t.Fatal(err)
	}
	if c := env.Do("GET", path, nil, map[string]string{"If-None-Match": img.Header().Get("ETag")}, "").Code; c != 304 {
		t.Fatalf("revalidation: %d", c)
	}
	// The URL is bound to its community and its secret.
	flipped := path[:len(path)-1] + map[bool]string{true: "1", false: "0"}[strings.HasSuffix(path, "0")]
	for _, p := range []string{strings.Replace(path, tn.A.ID, tn.B.ID, 1), flipped, "/api/media/" + tn.A.ID + "/x"} {
		if c := env.Do("GET", p, nil, nil, "").Code; c != 404 {
			t.Errorf("%s: %d", p, c)
		}
	}
	// A raw upload replaces it (the old image is deleted).
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 3, 3)))
	res = env.Do("PUT", "/api/civilian/"+tn.CivA.ID+"/mugshot", buf.Bytes(), apitest.Merge(h, map[string]string{"Content-Type": "image/png"}), "")
	if res.Code != 200 {
		t.Fatalf("upload: %d %s", res.Code, res.Body)
	}
	if c := env.Do("GET", path, nil, nil, "").Code; c != 404 {
		t.Fatalf("the replaced image is still served: %d", c)
	}
	newPath := apitest.JSONOf(t, res)["mugshotUrl"].(string)
	newPath = newPath[strings.Index(newPath, "/api/media/"):]
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "bytes that are no image, whatever the URI says", Method: "PUT", Path: "/api/civilian/" + tn.CivA.ID, Headers: h,
			Body:           map[string]any{"mugshotUrl": "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("<svg onload=alert(1)>"))},
			ExpectedStatus: 400, ErrorCode: cad.EINVALID},
		{Name: "a PNG header with nothing behind it", Method: "PUT", Path: "/api/civilian/" + tn.CivA.ID, Headers: h,
			Body:           map[string]any{"mugshotUrl": "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\nxxxx"))},
			ExpectedStatus: 400},
		{Name: "a javascript: URL", Method: "PUT", Path: "/api/civilian/" + tn.CivA.ID, Headers: h,
			Body: map[string]any{"mugshotUrl": "javascript:alert(1)"}, ExpectedStatus: 400},
		{Name: "over 5 MB", Method: "PUT", Path: "/api/civilian/" + tn.CivA.ID, Headers: h,
			Body:           map[string]any{"mugshotUrl": "data:image/png;base64," + base64.StdEncoding.EncodeToString(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 5<<20+10)...))},
			ExpectedStatus: 413, ErrorCode: cad.ETOOLARGE},
		{Name: "an upload that is no image", Method: "PUT", Path: "/api/civilian/" + tn.CivA.ID + "/mugshot", Headers: h, Body: []byte("GIF89a......"),
			ExpectedStatus: 400},
		{Name: "other routes keep the small body limit", Method: "POST", Path: "/api/civilian/vehicle", Headers: h,
			Body: `{"plate":"BIG1","make":"` + strings.Repeat("x", 2<<20) + `"}`, ExpectedStatus: 413, ErrorCode: cad.ETOOLARGE},
		{Name: "an outside URL is not kept (issue 16 item 8; no fetcher)", Method: "PUT", Path: "/api/civilian/" + tn.CivA.ID, Headers: h,
			Body: map[string]any{"mugshotUrl": "https://i.imgur.com/abc.png"}, ExpectedStatus: 400, ErrorCode: cad.EINVALID,
			ExpectedContent: []string{"Outside image URLs"}},
		{Name: "the image's own URL given back changes nothing", Method: "PUT", Path: "/api/civilian/" + tn.CivA.ID, Headers: h,
			Body: map[string]any{"mugshotUrl": env.Config.PublicURL + newPath}, ExpectedStatus: 200,
			ExpectedJSON: map[string]any{"mugshotUrl": env.Config.PublicURL + newPath}},
		{Name: "an empty mugshot removes it", Method: "PUT", Path: "/api/civilian/" + tn.CivA.ID, Headers: h,
			Body: map[string]any{"mugshotUrl": ""}, ExpectedStatus: 200, NotExpectedContent: []string{"mugshotUrl"}},
	})
	if c := env.Do("GET", newPath, nil, nil, "").Code; c != 404 {
		t.Fatalf("the removed image is still served: %d", c)
	}
	// Upload again, then delete the character: the image goes with it.
	res = env.Do("PUT", "/api/civilian/"+tn.CivA.ID+"/mugshot", buf.Bytes(), h, "")
	p := apitest.JSONOf(t, res)["mugshotUrl"].(string)
	p = p[strings.Index(p, "/api/media/"):]
	if c := apitest.Status(env, "DELETE", "/api/civilian/"+tn.CivA.ID, nil, h); c != 200 {
		t.Fatal(c)
	}
	if c := env.Do("GET", p, nil, nil, "").Code; c != 404 {
		t.Fatalf("a deleted character's image is still served: %d", c)
	}
	if n := len(apitest.Dump(t, env, "media")); n != 0 {
		t.Fatalf("%d images left", n)
	}
}
