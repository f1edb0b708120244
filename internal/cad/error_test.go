package cad_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/precinct-cad/precinct/internal/cad"
)

func TestErrorCodeAndMessage(t *testing.T) {
	cause := errors.New("connection refused by 10.0.0.5")
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantMsg  string
	}{
		{"nil", nil, "", ""},
		{"plain error is internal and hidden", cause, cad.EINTERNAL, "Internal server error"},
		{"cad error", cad.Errorf(cad.ENOTFOUND, "Call %d not found", 7), cad.ENOTFOUND, "Call 7 not found"},
		{"wrapped cad error", fmt.Errorf("loading: %w", cad.Errorf(cad.ECONFLICT, "taken")), cad.ECONFLICT, "taken"},
		{"cause stays out of the message", cad.Wrap(cad.EUNAVAILABLE, cause, "Database unavailable"), cad.EUNAVAILABLE, "Database unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cad.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode = %q, want %q", got, tt.wantCode)
			}
			if got := cad.ErrorMessage(tt.err); got != tt.wantMsg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.wantMsg)
			}
		})
	}
}

func TestWrapKeepsCauseForLogs(t *testing.T) {
	cause := errors.New("socket closed")
	err := cad.Wrap(cad.EUNAVAILABLE, cause, "Database unavailable")
	if !errors.Is(err, cause) {
		t.Fatal("errors.Is does not reach the cause")
	}
	if got := err.Error(); got != "unavailable: Database unavailable: socket closed" {
		t.Fatalf("Error() = %q", got)
	}
}
