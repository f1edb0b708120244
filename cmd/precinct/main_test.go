package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// Every command of the tree, the ones added later too, refuses an unknown
// flag and arguments it does not take with exit code 2, before it opens
// the database.
func TestEveryCommandRefusesWhatItDoesNotTake(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PRECINCT_DATA_DIR", dir)
	t.Setenv("PRECINCT_HTTP_ADDR", "127.0.0.1:0")
	// A command that ran instead of refusing (serve) ends with the context.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub, append(path[:len(path):len(path)], sub.Name()))
			}
		}
	}
	walk(newRoot(nil, io.Discard, io.Discard), nil)
	if len(paths) < 30 {
		t.Fatalf("only %d commands", len(paths))
	}
	for _, path := range paths {
		for _, extra := range [][]string{{"--no-such-flag"}, {"one", "two", "three"}} {
			args := append(path[:len(path):len(path)], extra...)
			var out, errOut bytes.Buffer
			if code := run(ctx, args, strings.NewReader(""), &out, &errOut); code != 2 ||
				!strings.HasPrefix(errOut.String(), "precinct: ") || strings.Count(errOut.String(), "\n") > 2 {
				t.Errorf("precinct %s: exit %d, want 2\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
			}
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a refused command line opened the database: %v", ents)
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"seed", "seed", 0}, {"sed", "seed", 1}, {"pasword", "password", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}} {
		if got := distance(tc.a, tc.b); got != tc.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
