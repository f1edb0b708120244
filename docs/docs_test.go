package docs_test

import (
	"os"
	"strings"
	"testing"
)

// R18: the risk acceptance for security questions exists and names ASVS 6.4.2.
func TestRiskAcceptanceRecorded(t *testing.T) {
	b, err := os.ReadFile("security/risk-acceptance.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"6.4.2", "800-63B", "R19", "R28"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("risk acceptance does not mention %s", want)
		}
	}
}
