package civilhttp

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/civil"
)

var amountGrammar = regexp.MustCompile(civil.AmountPattern)

// FuzzLooseAmount decodes any JSON value as an amount: what it accepts is in
// the grammar and the bounds.
func FuzzLooseAmount(f *testing.F) {
	for _, s := range []string{`"2026"`, `2004`, `2004.5`, `"abc"`, `true`, `"true"`, `1`, `0`, `null`, `[]`, `{}`, `"1e3"`, `1e400`,
		`-5`, `"12.34"`, `12.345`, `"$5"`, `"0x10"`, `"1_000"`, `"3/2"`, `"1e999999"`, `-0`, `" 5"`, `"2026-11-30T21:04:11Z"`, `1764537851`, `1764537851000`, `"15/05/1990"`, `[1,2]`, `{"x":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var a looseAmount
		if err := json.Unmarshal([]byte(raw), &a); err == nil && a.Set {
			if a.Cents < 0 || a.Cents > civil.MaxAmount {
				t.Fatalf("looseAmount accepted %d cents from %q", a.Cents, raw)
			}
			// A number's text or a string's content, in the grammar.
			var text string
			if json.Unmarshal([]byte(raw), &text) != nil {
				text = strings.TrimSpace(raw)
			}
			if !amountGrammar.MatchString(text) {
				t.Fatalf("looseAmount accepted %q, outside %s", raw, civil.AmountPattern)
			}
		}
	})
}
