package client_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// client.gen.go is what the pinned oapi-codegen (go.mod's tool directive)
// makes of docs/openapi.yaml today, with the settings of oapi-codegen.yaml:
// a change to the document without `make generate` fails here.
func TestGeneratedClientIsFresh(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run the generator: %v", err)
	}
	out := filepath.Join(t.TempDir(), "client.gen.go")
	cmd := exec.Command(goCmd, "tool", "oapi-codegen", "-config", "oapi-codegen.yaml", "-o", out, "../../docs/openapi.yaml")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		line, at := firstDifference(have, want)
		t.Fatalf("pkg/client/client.gen.go is stale: run `make generate`. First difference at line %d:\n have: %s\n want: %s", at, line[0], line[1])
	}
}

// firstDifference is the first line where a and b differ, and its number.
func firstDifference(a, b []byte) ([2]string, int) {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < max(len(la), len(lb)); i++ {
		var x, y []byte
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if !bytes.Equal(x, y) {
			return [2]string{string(x), string(y)}, i + 1
		}
	}
	return [2]string{}, 0
}
