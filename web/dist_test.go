package web_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/auth"
)

// The committed build (web/dist, embedded in the binary) must be what the
// sources build to: the app is built twice from web/src into temporary
// directories; the two must be identical (Vite's output is deterministic, or
// a fresh clone could never agree with the commit) and equal to web/dist.
// Without npm the test is skipped, loudly.
func TestBuildIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the app twice; skipped with -short")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("!!! npm is missing: web/dist's freshness is NOT checked (install Node 20.19+ and npm)")
	}
	if _, err := os.Stat(filepath.Join("node_modules", ".bin", "vite")); err != nil {
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in web/: %v\n%s", err, out)
		}
	}
	build := func() map[string][]byte {
		dir := t.TempDir()
		cmd := exec.Command(npm, "exec", "--", "vite", "build", "--logLevel", "error", "--outDir", dir, "--emptyOutDir")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("vite build: %v\n%s", err, out)
		}
		return readTree(t, dir)
	}
	first, second := build(), build()
	if d := diffTrees(first, second); d != "" {
		t.Fatalf("two builds of the same sources differ (the build is not deterministic):\n%s", d)
	}
	if d := diffTrees(readTree(t, "dist"), first); d != "" {
		t.Fatalf("web/dist is stale: run `make web` and commit web/dist\n%s", d)
	}
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diffTrees names the files only one side has, and those that differ.
func diffTrees(committed, built map[string][]byte) string {
	var lines []string
	for name, b := range committed {
		if nb, ok := built[name]; !ok {
			lines = append(lines, "  only in the first:  "+name)
		} else if !bytes.Equal(b, nb) {
			lines = append(lines, "  differs:            "+name)
		}
	}
	for name := range built {
		if _, ok := committed[name]; !ok {
			lines = append(lines, "  only in the second: "+name)
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// The app's list of security questions (src/lib/questions.ts) is the
// server's: a question the app offers and the server does not know would
// make every sign-up with it fail.
func TestSecurityQuestionsMatchTheServer(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("src", "lib", "questions.ts"))
	if err != nil {
		t.Fatal(err)
	}
	var app []string
	for _, m := range regexp.MustCompile(`(?m)^\s*(?:"([^"]*)"|'([^']*)'),\s*$`).FindAllStringSubmatch(string(b), -1) {
		app = append(app, m[1]+m[2])
	}
	if want := auth.SecurityQuestions(); !slices.Equal(app, want) {
		t.Errorf("src/lib/questions.ts lists\n%q\nthe server (internal/auth/questions.go) lists\n%q", app, want)
	}
}

// The app never renders text as HTML (R: a record's text is shown as text):
// Svelte's {@html} and direct innerHTML/outerHTML/insertAdjacentHTML writes
// are refused in the sources.
func TestNoRawHTMLInTheApp(t *testing.T) {
	bad := regexp.MustCompile(`\{@html|\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|new Function\(|\beval\(`)
	n := 0
	err := filepath.WalkDir("src", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".svelte") || strings.HasSuffix(p, ".ts")) || strings.HasSuffix(p, ".d.ts") {
			return err
		}
		n++
		b, err := os.ReadFile(p)
		for i, line := range strings.Split(string(b), "\n") {
			if bad.MatchString(line) {
				t.Errorf("%s:%d renders text as HTML or runs text as code: %s", p, i+1, strings.TrimSpace(line))
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d source files found under src/", n)
	}
}
