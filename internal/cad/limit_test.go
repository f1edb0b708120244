package cad_test

import (
	"testing"

	"github.com/precinct-cad/precinct/internal/cad"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]string{"300/1m": "300/1m", " 10/15m ": "10/15m", "20/60s": "20/1m", "5/90s": "5/90s", "1/1h": "1/1h"} {
		r, err := cad.ParseRate(in)
		if err != nil || r.String() != want {
			t.Errorf("%q: %v %v, want %s", in, r, err, want)
		}
	}
	for _, bad := range []string{"", "300", "0/1m", "-1/1m", "10/0s", "10/500ms", "10/48h", "x/1m", "10/forever"} {
		if _, err := cad.ParseRate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
