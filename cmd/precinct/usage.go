package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
)

// settingFlag marks the flags of configuration settings (and --config), which
// help lists apart from a command's own.
const settingFlag = "precinct/setting"

// usageError is a wrong command line: run prints it on one line, the hint
// (a suggestion, or where to look) on the next, and exits with code 2.
type usageError struct{ msg, hint string }

func (e *usageError) Error() string { return e.msg }

// reported is a failure the command has already told the operator about
// (serve logs why it stopped); run only exits with the code.
type reported int

func (r reported) Error() string { return fmt.Sprintf("exit code %d", int(r)) }

// failed tells the operator err as it is, with its context (which setting
// to fix), rather than only a domain error's message as run does.
func failed(c *cobra.Command, err error) error {
	fmt.Fprintln(c.ErrOrStderr(), "precinct:", err)
	return reported(1)
}

// errorText is what the operator sees: a domain error's message, with the
// cause of an outage or internal failure (the operator may see it; an API
// client may not).
func errorText(err error) string {
	var ce *cad.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	if (ce.Code == cad.EINTERNAL || ce.Code == cad.EUNAVAILABLE) && ce.Err != nil {
		return ce.Message + ": " + ce.Err.Error()
	}
	return ce.Message
}

// helpHint points at a command's help.
func helpHint(c *cobra.Command) string {
	return fmt.Sprintf("Run '%s --help' for its usage.", c.CommandPath())
}

// unknownCommand refuses name as a subcommand of c, suggesting the
// subcommands whose names are close (cobra's Levenshtein distance, at most
// SuggestionsMinimumDistance, or a prefix).
func unknownCommand(c *cobra.Command, name string) error {
	e := &usageError{msg: fmt.Sprintf("unknown command %q for %q", name, c.CommandPath())}
	if s := c.SuggestionsFor(name); len(s) > 0 {
		e.hint = "Did you mean " + quoteList(c.CommandPath(), s) + "?"
	} else if c.HasAvailableSubCommands() {
		e.hint = fmt.Sprintf("Run '%s --help' for the list of commands.", c.CommandPath())
	} else {
		e.hint = helpHint(c)
	}
	return e
}

// quoteList is "precinct seed" or "precinct seed" or "precinct serve".
func quoteList(prefix string, names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", strings.TrimSpace(prefix+" "+n))
	}
	return strings.Join(q, " or ")
}

// noArgs refuses any argument: for a command with subcommands it is an
// unknown subcommand.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if c.HasSubCommands() {
		return unknownCommand(c, args[0])
	}
	return &usageError{msg: fmt.Sprintf("%s takes no arguments (got %q)", strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" "), args[0]), hint: helpHint(c)}
}

// usageArgs makes any refusal of validate (noArgs when nil) a usage error.
func usageArgs(validate cobra.PositionalArgs) cobra.PositionalArgs {
	if validate == nil {
		return noArgs
	}
	return func(c *cobra.Command, args []string) error {
		err := validate(c, args)
		var ue *usageError
		if err == nil || errors.As(err, &ue) {
			return err
		}
		return &usageError{msg: err.Error(), hint: helpHint(c)}
	}
}

// fileArg takes exactly one argument, named what.
func fileArg(what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return &usageError{msg: c.Name() + " needs " + what, hint: helpHint(c)}
		case len(args) > 1:
			return &usageError{msg: fmt.Sprintf("%s takes one %s (got %q too)", c.Name(), what, args[1]), hint: helpHint(c)}
		}
		return nil
	}
}

// required refuses the command line unless every named flag has a value.
func required(names ...string) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, _ []string) error {
		for _, n := range names {
			if f := c.Flags().Lookup(n); f == nil || f.Value.String() == "" {
				return &usageError{msg: "--" + n + " is required", hint: helpHint(c)}
			}
		}
		return nil
	}
}

// flagError makes a flag the command line got wrong a usage error, with
// the nearest flag as a suggestion. A server setting given to an admin
// command is told where it belongs.
func flagError(c *cobra.Command, err error) error {
	e := &usageError{msg: err.Error(), hint: helpHint(c)}
	var ne *pflag.NotExistError
	if !errors.As(err, &ne) {
		return e
	}
	name := strings.SplitN(ne.GetSpecifiedName(), "=", 2)[0]
	if sh := strings.SplitN(ne.GetSpecifiedShortnames(), "=", 2)[0]; sh != "" {
		// -data-dir: a long flag with one dash, as Go's flag package
		// took it. Shorthands before the unknown one (-h of -http-addr)
		// are gone from sh.
		long := ""
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if long == "" && len(sh) > 1 && strings.HasSuffix(f.Name, sh) && len(f.Name) <= len(sh)+2 {
				long = f.Name
			}
		})
		if long != "" {
			e.hint = fmt.Sprintf("Did you mean --%s? Long flags take two dashes.", long)
			return e
		}
		name = sh
	}
	for _, s := range config.Settings() {
		if s.Flag() == name {
			e.hint = fmt.Sprintf("--%s is a server setting, a flag of 'precinct serve'; other commands read it from the --config file or %s.", name, s.Env())
			return e
		}
	}
	if near := nearestFlag(c, name); near != "" {
		e.hint = fmt.Sprintf("Did you mean --%s?", near)
	}
	return e
}

// nearestFlag is the command's flag closest to name, when one is close
// enough to be what was meant.
func nearestFlag(c *cobra.Command, name string) string {
	best, bestD := "", c.SuggestionsMinimumDistance+1
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := distance(strings.ToLower(name), f.Name)
		if strings.HasPrefix(f.Name, name) && len(name) > 2 {
			d = 0
		}
		if d < bestD {
			best, bestD = f.Name, d
		}
	})
	return best
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// usage is what a command's help shows after its description: how to call
// it, its subcommands or its flags. Unlike cobra's own, a command with
// subcommands shows only "precinct user <command>": run alone it only shows
// this help.
func usage(c *cobra.Command) error {
	w := c.OutOrStderr()
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "Usage:\n  %s <command>\n", c.CommandPath())
	} else {
		fmt.Fprintf(w, "Usage:\n  %s\n", c.UseLine())
	}
	if c.HasExample() {
		fmt.Fprintf(w, "\nExamples:\n%s\n", strings.TrimRight(c.Example, "\n"))
	}
	if c.HasAvailableSubCommands() {
		pad := 0
		for _, sub := range c.Commands() {
			pad = max(pad, len(sub.Name()))
		}
		list := func(title string, in func(*cobra.Command) bool) {
			var lines []string
			for _, sub := range c.Commands() {
				if (sub.IsAvailableCommand() || sub.Name() == "help") && in(sub) {
					lines = append(lines, fmt.Sprintf("  %-*s  %s\n", pad, sub.Name(), sub.Short))
				}
			}
			if len(lines) > 0 {
				fmt.Fprintf(w, "\n%s\n%s", title, strings.Join(lines, ""))
			}
		}
		if len(c.Groups()) == 0 {
			list("Commands:", func(*cobra.Command) bool { return true })
		}
		for _, g := range c.Groups() {
			list(g.Title, func(sub *cobra.Command) bool { return sub.GroupID == g.ID })
		}
	}
	own, settings := pflag.NewFlagSet("own", pflag.ContinueOnError), pflag.NewFlagSet("settings", pflag.ContinueOnError)
	own.SortFlags, settings.SortFlags = false, false
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Annotations[settingFlag]; ok {
			settings.AddFlag(f)
		} else {
			own.AddFlag(f)
		}
	})
	if own.HasAvailableFlags() {
		fmt.Fprintf(w, "\nFlags:\n%s", own.FlagUsages())
	}
	if settings.HasAvailableFlags() {
		fmt.Fprintf(w, "\nConfiguration (a flag wins over PRECINCT_*, which wins over the --config file):\n%s", settings.FlagUsages())
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\nRun '%s <command> --help' for the flags of a command.\n", c.CommandPath())
	}
	return nil
}
