// Command precinct is the Precinct server and its admin tool.
//
//	precinct [serve] [flags]                     run the server (the default)
//	precinct user create --username NAME [--super-admin] [--discord-id ID]
//	                                            make an account; the password is read from standard input
//	precinct user set-password --username NAME  set a password (standard input); ends the user's sessions
//	precinct user disable --username NAME       refuse the user everywhere; ends their sessions
//	precinct jwt rotate [--revoke-all]          make a new signing key current (--revoke-all: end every session)
//	precinct community create --name NAME --guild-id ID [--admin USERNAME]
//	precinct apikey create --community ID --name NAME   print a new fvm_ key once
//	precinct migrate                            bring the schema up to date
//	precinct seed --communities N --members M --password P   demo data; prints what it made as JSON
//	precinct export [--community ID] > FILE     every record as JSON lines
//	precinct import FILE                        load an export; each community whole or not at all
//	precinct backup FILE                        a consistent copy of the SQLite database
//	precinct version                            print the version
//
// Admin commands work with the server running (on the same SQLite file or
// MongoDB database) or stopped.
//
// Every setting can be given as a flag, an environment variable
// (PRECINCT_*), or a key of the YAML file named by --config; see
// config/precinct.example.yaml. This package only wires the parts together.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
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

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands(stdin io.Reader) []command {
	return []command{
		{"serve", "run the HTTP server (the default)", serve},
		{"user", "create a user (password on stdin), set a password, disable a user", userCommand(stdin)},
		{"jwt", "rotate the JWT signing key (--revoke-all ends every session)", jwtCommand},
		{"community", "create a community for a Discord server", communityCommand},
		{"apikey", "create a game server's API key for a community", apikeyCommand},
		{"migrate", "bring the database's schema up to date (serve does it at start)", migrateCommand},
		{"seed", "fill the database with demo data: --communities N --members M --password P", seedCommand},
		{"export", "write every record (or --community ID's) as JSON lines to standard output", exportCommand},
		{"import", "load an export (FILE, or - for standard input): each community whole or not at all", importCommand},
		{"backup", "write a consistent copy of the SQLite database to a new FILE while the server runs", backupCommand},
		{"version", "print the version", func(_ context.Context, _ []string, stdout, _ io.Writer) int {
			fmt.Fprintln(stdout, "precinct", versionString())
			return 0
		}},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 && (len(args[0]) == 0 || args[0][0] != '-') {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands(stdin) {
		if c.name == name {
			return c.run(ctx, args, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "precinct: unknown command %q\n\n", name)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: precinct <command> [flags]\n\nCommands:")
	for _, c := range commands(nil) {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'precinct <command> -h' for the flags of a command.")
}
