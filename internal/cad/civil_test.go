package cad_test

import (
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// FuzzNormalizeDate proves the date rule: whatever it accepts is a plausible
// YYYY-MM-DD that reads back as itself.
func FuzzNormalizeDate(f *testing.F) {
	for _, s := range []string{"1990-05-15", "05/15/1990", "15/05/1990", "1990/05/15", "1990-05-15T00:00:00Z", "1990-02-31", "31/31/1990", "", "tomorrow", "0001-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := cad.NormalizeDate(s)
		if !ok {
			return
		}
		tm, err := time.Parse("2006-01-02", d)
		if err != nil || tm.Year() < 1800 || tm.Year() > 2200 {
			t.Fatalf("%q became %q", s, d)
		}
		if again, ok := cad.NormalizeDate(d); !ok || again != d {
			t.Fatalf("not stable: %q -> %q -> %q", s, d, again)
		}
	})
}
