package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

var update = flag.Bool("update", false, "rewrite docs/cli.md from the command tree")

const (
	cliDoc     = "../../docs/cli.md"
	readmeFile = "../../README.md"
	readmeHelp = "```text\n$ precinct --help\n"
)

// docs/cli.md is every command's help as the binary prints it, generated
// from the command tree, and the README shows `precinct --help`; this fails
// when a command, flag or text changed and they did not. `make docs` (this
// test with -update) rewrites both.
func TestCLIDocs(t *testing.T) {
	doc, top := cliMarkdown(t)
	readme, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(readme, []byte(readmeHelp))
	end := bytes.Index(readme[start+len(readmeHelp):], []byte("```"))
	if start < 0 || end < 0 {
		t.Fatalf("README.md has no %q block", readmeHelp)
	}
	end += start + len(readmeHelp)
	fresh := slices.Concat(readme[:start+len(readmeHelp)], top, readme[end:])
	if *update {
		if err := os.WriteFile(cliDoc, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(readmeFile, fresh, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(cliDoc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, doc) {
		t.Errorf("docs/cli.md is stale: run `make docs` (go test ./cmd/precinct -run TestCLIDocs -update) and commit it")
	}
	if !bytes.Equal(readme, fresh) {
		t.Errorf("README.md shows another `precinct --help`: run `make docs` and commit it")
	}
}

// cliMarkdown renders the help of every command of the tree, in the order
// of the tree, with a table of them first; top is `precinct --help`.
func cliMarkdown(t *testing.T) (doc, top []byte) {
	t.Helper()
	var help bytes.Buffer
	root := newRoot(strings.NewReader(""), &help, io.Discard)
	root.InitDefaultHelpFlag() // in the order a run adds them
	root.InitDefaultVersionFlag()
	var cmds []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.IsAvailableCommand() && c != root {
			return
		}
		cmds = append(cmds, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)

	var b strings.Builder
	b.WriteString("# The precinct command line\n\n")
	b.WriteString("<!-- Generated from the command tree (cmd/precinct) by `make docs`; do not edit. -->\n\n")
	b.WriteString("Every command's help, as `precinct COMMAND --help` prints it. Server settings are flags of\n")
	b.WriteString("`precinct serve` only; the other commands read them from the `--config` file and the\n")
	b.WriteString("`PRECINCT_*` variables, and take as flags what finds the database and their own. A wrong\n")
	b.WriteString("command line exits with code 2, a failed command with 1. Passwords are read from standard\n")
	b.WriteString("input, never from a flag.\n\n")
	b.WriteString("| Command | What it does |\n|---|---|\n")
	for _, c := range cmds[1:] {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s |\n", c.CommandPath(), strings.ReplaceAll(c.CommandPath(), " ", "-"), c.Short)
	}
	for _, c := range cmds {
		help.Reset()
		c.InitDefaultHelpFlag()
		if err := c.Help(); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "\n## %s\n\n```text\n%s```\n", c.CommandPath(), help.String())
		if c == root {
			top = slices.Clone(help.Bytes())
		}
	}
	return []byte(b.String()), top
}
