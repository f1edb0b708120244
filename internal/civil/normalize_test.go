package civil

import (
	"math/big"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Fuzz tests of the parsers game servers feed. The seed corpora run in
// every `go test`.

// FuzzNormalizePlate proves the plate rule: cad.PlateKey refuses a plate
// exactly when it holds a control character or anything outside ASCII;
// otherwise its key is its letters and digits in upper case, and nothing
// else. So no plate with a letter outside ASCII ever has a key to match.
func FuzzNormalizePlate(f *testing.F) {
	for _, s := range []string{"abc 123", "ABC-123", "46EEK%20572", "46EEK 572", "  ", "ÄÖÜ 12", "\x00\xff", "ＡＢＣ１２３", "abcdefghijklmnopq",
		"АВС123", "🚓123", "ABC\x00123", "ABC123\n", "\tABC", "ABC\x7f", "ABC\u00a0123", "ABC\u200b123", "A\u0301BC", "\xff123", "!@#$%^&*()_+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		key, err := cad.PlateKey(p)
		refused := strings.IndexFunc(p, func(r rune) bool { return r < 0x20 || r >= 0x7f }) >= 0
		if refused != (err != nil) {
			t.Fatalf("%q: refused %v, want %v", p, err, refused)
		}
		if err != nil {
			if key != "" || cad.NormalizePlate(p) != "" || cad.ErrorCode(err) != cad.EINVALID || !strings.HasPrefix(err.(*cad.Error).Message, "plate ") {
				t.Fatalf("%q: refused with key %q and %v", p, key, err)
			}
			return
		}
		want := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return unicode.ToUpper(r)
			}
			return -1
		}, p)
		if key != want || cad.NormalizePlate(p) != key {
			t.Fatalf("%q: key %q, want %q", p, key, want)
		}
		if again, err := cad.PlateKey(key); err != nil || again != key {
			t.Fatalf("not stable: %q -> %q -> %q (%v)", p, key, again, err)
		}
		if display, k, err := checkPlate(p); err == nil && (k != key || k == "" || len(k) > 10 || len(display) > cad.MaxPlateLen) {
			t.Fatalf("checkPlate accepted %q as %q (%q)", p, display, k)
		}
	})
}

// What the game sends reads as before; a plate with a control character
// or a character outside ASCII is refused with a message that names it.
func TestPlateKey(t *testing.T) {
	for p, want := range map[string]string{"abc 123": "ABC123", "ABC-123": "ABC123", "46EEK 572": "46EEK572", "46EEK%20572": "46EEK20572",
		" 46eek572  ": "46EEK572", "SYNC 01": "SYNC01", "LAMAR 1": "LAMAR1", "87TRV123": "87TRV123", "A.B_C/1": "ABC1", "--- ---": ""} {
		if key, err := cad.PlateKey(p); err != nil || key != want {
			t.Errorf("%q = %q, %v; want %q", p, key, err, want)
		}
	}
	for p, says := range map[string]string{
		"АВС123":       `"А" (U+0410) is not one`,
		"🚓123":         `"🚓" (U+1F693) is not one`,
		"ＡＢＣ１２３":       "U+FF21",
		"ÄÖÜ 12":       "U+00C4",
		"ABC\u00a0123": "U+00A0",
		"ABC\x00123":   "control characters (found U+0000)",
		"ABC123\n":     "control characters (found U+000A)",
		"ABC\x7f":      "U+007F",
		"\xff123":      "U+FFFD",
	} {
		key, err := cad.PlateKey(p)
		if err == nil || !strings.Contains(err.Error(), says) || !strings.Contains(err.Error(), "plate") {
			t.Errorf("%q = %q, %v; want a refusal saying %s", p, key, err, says)
		}
		if _, _, err := checkPlate(p); err == nil {
			t.Errorf("checkPlate accepted %q", p)
		}
	}
}

// amountSeeds are the amounts FuzzParseAmount starts from: what clients
// send, the edges of the grammar, and what the old parser (big.Rat)
// wrongly took or took long to refuse.
var amountSeeds = []string{"12", "12.5", "12.34", "0.1", "0", "0.00", "007", "12.50", "9999999999.99", "10000000000", "10000000000.00",
	"10000000000.01", "99999999999", strings.Repeat("0", 31) + "1", strings.Repeat("0", 33),
	"1e3", "1E3", "1.005", "12.345", "-1", "-0", "+1", "1e30", "1e999999", "1e-999999", "0x10", "0X10", "1_000", "3/2", "1/3",
	"NaN", "Inf", "Infinity", " 7 ", "7\n", "", ".", "12.", ".5", "1..2", "1.2.3", "$5", "5$", "１２", "١٢", "1\x00", "0b101", "0o17"}

// FuzzParseAmount proves the grammar both ways: whatever ParseAmount
// accepts matches AmountPattern and is the exact value of what was written
// (checked against big.Rat, which the parser itself no longer uses), and
// whatever matches it, within the length and the maximum, is accepted.
// Accepted amounts survive FormatAmount and back.
func FuzzParseAmount(f *testing.F) {
	for _, s := range amountSeeds {
		f.Add(s)
	}
	grammar := regexp.MustCompile(AmountPattern)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseAmount(s)
		if !grammar.MatchString(s) || len(s) > maxAmountLen {
			if err == nil {
				t.Fatalf("%q is outside the grammar but was accepted as %d cents", s, c)
			}
			return
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("big.Rat cannot read %q, which matches the grammar", s)
		}
		want := r.Mul(r, big.NewRat(100, 1)).Num()
		if want.Cmp(big.NewInt(MaxAmount)) > 0 {
			if err == nil {
				t.Fatalf("%q is over the maximum but was accepted as %d cents", s, c)
			}
			return
		}
		if err != nil || c != want.Int64() {
			t.Fatalf("%q: got %d cents (%v), want %s", s, c, err, want)
		}
		back, err := ParseAmount(FormatAmount(c))
		if err != nil || back != c || !grammar.MatchString(FormatAmount(c)) {
			t.Fatalf("%q: %d cents formats as %q, which reads %d (%v)", s, c, FormatAmount(c), back, err)
		}
	})
}

// The amounts, each refused with the field's message; what the
// FiveM resources send (Lua numbers, "50" typed in the tablet) still
// reads.
func TestParseAmountGrammar(t *testing.T) {
	for s, want := range map[string]int64{"12": 1200, "12.5": 1250, "12.34": 1234, "0.07": 7, "007": 700, "0": 0, "1000.0": 100000,
		"10000000000": MaxAmount, "10000000000.00": MaxAmount} {
		if c, err := ParseAmount(s); err != nil || c != want {
			t.Errorf("%q = %d, %v; want %d", s, c, err, want)
		}
	}
	for _, s := range []string{"0x10", "1_000", "3/2", "1e999999", "1e3", "-0", "+1", "$5", " 7", "12.", ".5", "12.345", "12.340",
		"１２", "10000000000.01", "", strings.Repeat("0", 33)} {
		c, err := ParseAmount(s)
		if err == nil {
			t.Errorf("%q was accepted as %d cents", s, c)
			continue
		}
		if cad.ErrorCode(err) != cad.EINVALID || !strings.HasPrefix(err.(*cad.Error).Message, "amount must be") {
			t.Errorf("%q: %v", s, err)
		}
	}
}

// "1e999999" is refused by its characters, before any arithmetic: refusing
// it allocates no more than refusing "x" (the error itself), and reading a
// good amount allocates nothing. The old parser built 10^999999 in a
// big.Rat (3.6 MB and about 32 ms a call) before refusing it.
func TestParseAmountRefusesBeforeArithmetic(t *testing.T) {
	floor := testing.AllocsPerRun(50, func() { _, _ = ParseAmount("x") })
	for _, s := range []string{"1e999999", "1e-999999", "9999999999999999999999999999999", "0.1e999999"} {
		// A little slack: under the race detector the counts wobble by one
		// or two; the old parser made 52 allocations (3.6 MB) here.
		if n := testing.AllocsPerRun(50, func() { _, _ = ParseAmount(s) }); n > floor+3 {
			t.Errorf("refusing %q made %v allocations, refusing \"x\" %v", s, n, floor)
		}
	}
	if n := testing.AllocsPerRun(50, func() { _, _ = ParseAmount("9999999999.99") }); n > 2 {
		t.Errorf("reading an amount made %v allocations", n)
	}
}

// BenchmarkParseAmount measures a good amount and the hostile
// ones side by side (the old parser: 1.1 µs for "12.34", 32 ms and 3.6 MB
// for "1e999999").
func BenchmarkParseAmount(b *testing.B) {
	for _, s := range []string{"12.34", "9999999999.99", "1e999999", "0x10"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ParseAmount(s)
			}
		})
	}
}

func TestSSNAndVINForms(t *testing.T) {
	for i := 0; i < 1000; i++ {
		s := NewSSN()
		if len(s) != 11 || s[3] != '-' || s[6] != '-' || s[:3] == "000" || s[:3] == "666" || s[0] == '9' {
			t.Fatalf("SSN %q", s)
		}
		v := NewVIN()
		if len(v) != 17 || strings.ContainsAny(v, "IOQ") || cad.NormalizePlate(v) != v {
			t.Fatalf("VIN %q", v)
		}
	}
}
