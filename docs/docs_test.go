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

// The project is Apache-2.0, and the API document says the same.
func TestLicense(t *testing.T) {
	b, err := os.ReadFile("../LICENSE")
	if err != nil || !strings.Contains(string(b), "Apache License") || !strings.Contains(string(b), "Version 2.0, January 2004") {
		t.Fatalf("LICENSE is not the Apache License 2.0: %v", err)
	}
	api, err := os.ReadFile("openapi.yaml")
	if err != nil || !strings.Contains(string(api), "identifier: Apache-2.0") {
		t.Fatalf("openapi.yaml info.license does not say Apache-2.0: %v", err)
	}
}
