// Command precinct is the Precinct server and its admin tool. `precinct
// serve` runs the server; every other command works on its database (the
// SQLite file in the data directory, or MongoDB), with the server running
// or stopped. `precinct --help` lists the commands and docs/cli.md shows
// each one's flags; it is generated from the command tree (make docs).
//
// Every server setting can be given as a flag of serve, an environment
// variable (PRECINCT_*), or a key of the YAML file named by --config; see
// config/precinct.example.yaml. Admin commands read the same file and
// variables and take as flags only what finds the database and their own.
// This package only wires the parts together.
package main

//go:generate go test -count=1 -run ^TestCLIDocs$ . -update

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// version is stamped at build time (make build); see versionString.
var version = "dev"

func versionString() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs one command line and returns the exit code: 0, 1 when the
// command failed, 2 when the command line is wrong (an unknown command or
// flag, a missing flag, a bad setting).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	if args == nil {
		args = []string{} // cobra reads os.Args when given none
	}
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ue *usageError
	var done reported
	switch {
	case err == nil:
		return 0
	case errors.As(err, &done):
		return int(done)
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "precinct:", ue.msg)
		if ue.hint != "" {
			fmt.Fprintln(stderr, ue.hint)
		}
		return 2
	}
	fmt.Fprintln(stderr, "precinct:", errorText(err))
	return 1
}

// Command groups, in the order `precinct --help` shows them.
var groups = []*cobra.Group{
	{ID: "server", Title: "Server:"},
	{ID: "admin", Title: "Accounts and communities:"},
	{ID: "data", Title: "Data:"},
	{ID: "other", Title: "Other:"},
}

// newRoot builds the command tree. Every command refuses arguments it does
// not take, and a command with subcommands shows its help when run alone.
func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "precinct",
		Short: "The Precinct CAD/MDT server and its admin tool",
		Long: `Precinct is the CAD/MDT server for FiveM roleplay communities, and its admin tool.

'precinct serve' runs the server. The other commands work on its database (the
SQLite file in the data directory, or MongoDB), with the server running or
stopped. They read the same configuration file (--config, PRECINCT_CONFIG) and
PRECINCT_* variables as serve, and take as flags only what finds the database
and their own.`,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("precinct {{.Version}}\n")
	root.SetUsageFunc(usage)
	root.SetFlagErrorFunc(flagError)
	root.AddGroup(groups...)
	root.AddCommand(serveCommand(),
		userCommand(), jwtCommand(), communityCommand(), departmentCommand(), apikeyCommand(),
		migrateCommand(), seedCommand(), exportCommand(), importCommand(), backupCommand(),
		&cobra.Command{
			Use:     "version",
			Short:   "Print the version",
			GroupID: "other",
			Run: func(cmd *cobra.Command, _ []string) {
				fmt.Fprintln(cmd.OutOrStdout(), "precinct", versionString())
			},
		})
	root.SetHelpCommand(helpCommand())
	root.InitDefaultHelpCmd()
	root.SetCompletionCommandGroupID("other")
	root.InitDefaultCompletionCmd()
	strict(root)
	return root
}

// strict makes every command of the tree refuse what it does not take,
// with exit code 2 and a suggestion: a command with subcommands shows its
// help when run alone and refuses an unknown subcommand; any other refuses
// arguments unless it declares them.
func strict(c *cobra.Command) {
	c.SuggestionsMinimumDistance = 2
	c.Flags().SortFlags = false // as declared: the important first
	if c.HasSubCommands() {
		c.Args = noArgs
		if c.Run == nil && c.RunE == nil {
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	} else {
		c.Args = usageArgs(c.Args)
	}
	for _, sub := range c.Commands() {
		strict(sub)
	}
}

// helpCommand is `precinct help [command]`: a command's help, or exit code
// 2 with a suggestion for one that does not exist.
func helpCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "help [command]",
		Short:   "Show the help of a command",
		GroupID: "other",
		Args:    cobra.ArbitraryArgs,
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return unknownCommand(cmd, rest[0])
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}
