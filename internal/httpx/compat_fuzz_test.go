package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// Fuzz tests of the compatibility layer's parsers. Their seed corpora run
// in every `go test`; `go test -fuzz FuzzX ./internal/httpx` explores more.
// None may panic, and none may accept what the rules refuse.

func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{
		base64.StdEncoding.EncodeToString([]byte(`{"callType":"911 Call","coordinates":{"x":1,"y":2,"z":3}}`)),
		base64.RawStdEncoding.EncodeToString([]byte(`{"a":1}`)),
		base64.URLEncoding.EncodeToString([]byte(`{"ü":"?>?"}`)),
		base64.StdEncoding.EncodeToString([]byte(`[1,2,3]`)),
		base64.StdEncoding.EncodeToString([]byte(`{"a":`)),
		"not base64!", "", "====", strings.Repeat("A", 70000),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		body, err := DecodePayload(raw)
		if err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal(body, &m) != nil {
			t.Fatalf("accepted %q: not a JSON object: %q", raw, body)
		}
		if len(raw) > maxPayloadHeader {
			t.Fatalf("accepted a header of %d bytes", len(raw))
		}
	})
}

func FuzzDecodePayloadRoundTrip(f *testing.F) {
	f.Add(`{"plate":"ABC 123","year":"2026"}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, js string) {
		var m map[string]any
		if json.Unmarshal([]byte(js), &m) != nil || len(js) > 30000 {
			return
		}
		body, err := DecodePayload(base64.StdEncoding.EncodeToString([]byte(js)))
		if err != nil {
			t.Fatalf("refused the base64 of a JSON object %q: %v", js, err)
		}
		if !bytes.Equal(body, bytes.TrimSpace([]byte(js))) {
			t.Fatalf("decoded %q, sent %q", body, js)
		}
	})
}

// FuzzLooseTypes decodes any JSON value into each loose type.
func FuzzLooseTypes(f *testing.F) {
	for _, s := range []string{`"2026"`, `2004`, `2004.5`, `"abc"`, `true`, `"true"`, `1`, `0`, `null`, `[]`, `{}`, `"1e3"`, `1e400`,
		`-5`, `"12.34"`, `12.345`, `"$5"`, `"0x10"`, `"1_000"`, `"3/2"`, `"1e999999"`, `-0`, `" 5"`, `"2026-11-30T21:04:11Z"`, `1764537851`, `1764537851000`, `"15/05/1990"`, `[1,2]`, `{"x":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var s LooseString
		if err := json.Unmarshal([]byte(raw), &s); err == nil && s.Set && !json.Valid([]byte(raw)) {
			t.Fatalf("LooseString accepted invalid JSON %q", raw)
		}
		var i LooseInt
		if err := json.Unmarshal([]byte(raw), &i); err == nil && i.Set {
			if i.V > 1e9 || i.V < -1e9 {
				t.Fatalf("LooseInt accepted %d from %q", i.V, raw)
			}
			if n, err := strconv.Atoi(strings.Trim(raw, `"`)); err == nil && n != i.V {
				t.Fatalf("LooseInt read %q as %d", raw, i.V)
			}
		}
		var b LooseBool
		_ = json.Unmarshal([]byte(raw), &b)
		var tm LooseTime
		if err := json.Unmarshal([]byte(raw), &tm); err == nil && tm.Set {
			if y := tm.V.Year(); y < 1800 || y > 2200 {
				t.Fatalf("LooseTime accepted year %d from %q", y, raw)
			}
		}
	})
}

func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"/api/api/fivem/unit-calls", "//api/civilian/x", "/api/api", "///api/api/api/x", "/healthz", "/", "//"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c := canonicalPath(p)
		if strings.HasPrefix(c, "//") || strings.HasPrefix(c, "/api/api/") {
			t.Fatalf("%q became %q", p, c)
		}
		if canonicalPath(c) != c {
			t.Fatalf("not stable: %q -> %q -> %q", p, c, canonicalPath(c))
		}
	})
}
