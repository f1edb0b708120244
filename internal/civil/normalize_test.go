package civil

import (
	"strings"
	"testing"
	"time"
)

// Fuzz tests of the parsers game servers feed. The seed corpora run in
// every `go test`.

func FuzzNormalizePlate(f *testing.F) {
	for _, s := range []string{"abc 123", "ABC-123", "46EEK%20572", "  ", "ÄÖÜ 12", "\x00\xff", "ＡＢＣ１２３", "abcdefghijklmnopq"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		n := NormalizePlate(p)
		if NormalizePlate(n) != n {
			t.Fatalf("not stable: %q -> %q -> %q", p, n, NormalizePlate(n))
		}
		for _, r := range n {
			if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				t.Fatalf("%q kept %q", p, r)
			}
		}
		if NormalizePlate(strings.ToLower(p)) != n && strings.EqualFold(strings.ToLower(p), p) {
			t.Fatalf("case matters: %q", p)
		}
		if _, key, err := checkPlate(p); err == nil && (key == "" || len([]rune(key)) > 10) {
			t.Fatalf("checkPlate accepted %q as %q", p, key)
		}
	})
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"12", "12.5", "12.34", "0.1", "1e3", "1.005", "-1", "1e30", "0x10", "NaN", "Inf", " 7 ", "", "9999999999.99", "10000000000.01", "1/3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseAmount(s)
		if err != nil {
			return
		}
		if c < 0 || c > MaxAmount {
			t.Fatalf("%q accepted as %d cents", s, c)
		}
		back, err := ParseAmount(FormatAmount(c))
		if err != nil || back != c {
			t.Fatalf("%q: %d cents formats as %q, which reads %d (%v)", s, c, FormatAmount(c), back, err)
		}
	})
}

func FuzzNormalizeDate(f *testing.F) {
	for _, s := range []string{"1990-05-15", "05/15/1990", "15/05/1990", "1990/05/15", "1990-05-15T00:00:00Z", "1990-02-31", "31/31/1990", "", "tomorrow", "0001-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := NormalizeDate(s)
		if !ok {
			return
		}
		tm, err := time.Parse("2006-01-02", d)
		if err != nil || tm.Year() < 1800 || tm.Year() > 2200 {
			t.Fatalf("%q became %q", s, d)
		}
		if again, ok := NormalizeDate(d); !ok || again != d {
			t.Fatalf("not stable: %q -> %q -> %q", s, d, again)
		}
	})
}

func TestSSNAndVINForms(t *testing.T) {
	for i := 0; i < 1000; i++ {
		s := NewSSN()
		if len(s) != 11 || s[3] != '-' || s[6] != '-' || s[:3] == "000" || s[:3] == "666" || s[0] == '9' {
			t.Fatalf("SSN %q", s)
		}
		v := NewVIN()
		if len(v) != 17 || strings.ContainsAny(v, "IOQ") || NormalizePlate(v) != v {
			t.Fatalf("VIN %q", v)
		}
	}
}
