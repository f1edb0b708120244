package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/seed"
	"github.com/precinct-cad/precinct/internal/store/sqlite"
)

// The data commands: migrate, seed, export, import, backup. Each works on
// a stopped server's database and beside a running one.

func migrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate",
		Short:   "Bring the database's schema up to date (serve does it at start)",
		GroupID: "data",
	}
	return withDB(cmd, forAdmin, 5*time.Minute, func(ctx context.Context, env *adminEnv) error {
		// openStore has migrated (SQLite) or created the indexes
		// (MongoDB); say where the schema stands.
		if se, ok := env.db.Engine().(*sqlite.Engine); ok {
			cur, known, err := se.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.out, "%s: schema at version %d (this binary knows up to %d)\n", se.Path(), cur, known)
			return nil
		}
		fmt.Fprintln(env.out, "MongoDB: every declared index is in place")
		return nil
	})
}

func seedCommand() *cobra.Command {
	var o seed.Options
	var password string
	cmd := &cobra.Command{
		Use:     "seed --password P",
		Short:   "Fill the database with demo data; prints what it made as JSON",
		GroupID: "data",
		Long: `Fill the database with demo data: communities with members (one Community Admin
and one plain Member among them), and as asked characters, vehicles and past
calls. It prints what it made as JSON (the users to sign in as). It refuses a
database that holds data seed did not make, unless --force.`,
		Example: `  precinct seed --communities 100 --members 20 --civilians 1000 --vehicles 1000 --password 'demo passphrase'`,
		PreRunE: required("password"),
	}
	f := cmd.Flags()
	f.IntVar(&o.Communities, "communities", 10, "communities to make")
	f.IntVar(&o.Members, "members", 10, "members per community (one Community Admin and one plain Member among them)")
	f.IntVar(&o.Civilians, "civilians", 0, "characters per community, with licenses, a bank account and ledger entries")
	f.IntVar(&o.Vehicles, "vehicles", 0, "vehicles per community, owned by the characters")
	f.IntVar(&o.Calls, "calls", 0, "past calls per community (closed, cancelled and expired, over the last 90 days)")
	f.StringVar(&password, "password", "", "the password every seeded user signs in with (required)")
	f.BoolVar(&o.Force, "force", false, "seed even a database that holds data seed did not make")
	return withDB(cmd, forBulk, time.Hour, func(ctx context.Context, env *adminEnv) error {
		if err := auth.CheckPassword(password, seed.UserPrefix); err != nil {
			return err
		}
		h, err := env.auth.Hasher().Hash(ctx, password)
		if err != nil {
			return err
		}
		o.PasswordHash = h
		start := time.Now()
		res, err := seed.Run(ctx, env.db, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.msg, "seeded %d communities with %d members, %d civilians, %d vehicles and %d calls each in %s\n",
			o.Communities, o.Members, o.Civilians, o.Vehicles, o.Calls, time.Since(start).Round(time.Millisecond))
		enc := json.NewEncoder(env.out)
		return enc.Encode(res)
	})
}

func exportCommand() *cobra.Command {
	var communityRef string
	cmd := &cobra.Command{
		Use:     "export",
		Short:   "Write every record (or one community's) as JSON lines to standard output",
		GroupID: "data",
		Example: `  precinct export > precinct.jsonl
  precinct export --community 123456789012345678 > lsrp.jsonl`,
	}
	cmd.Flags().StringVar(&communityRef, "community", "", "export one community (its id or Discord guild id) and its members' accounts; empty exports everything")
	return withDB(cmd, forBulk, time.Hour, func(ctx context.Context, env *adminEnv) error {
		stats, err := env.db.Export(ctx, env.out, communityRef)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.msg, "exported", statsLine(stats))
		return nil
	})
}

func importCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "import FILE",
		Short:   "Load an export (FILE, or - for standard input): each community whole or not at all",
		GroupID: "data",
		Args:    fileArg("FILE (an export; - reads standard input)"),
	}
	return withDB(cmd, forBulk, time.Hour, func(ctx context.Context, env *adminEnv) error {
		r := env.in
		if path := env.args[0]; path != "-" {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			r = f
		}
		stats, err := env.db.Import(ctx, r)
		if len(stats) > 0 {
			fmt.Fprintln(env.out, "imported", statsLine(stats))
		}
		return err
	})
}

func backupCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "backup FILE",
		Short:   "Write a consistent copy of the SQLite database to a new FILE, while the server runs",
		GroupID: "data",
		Args:    fileArg("FILE (a new file)"),
	}
	return withDB(cmd, forBulk, time.Hour, func(ctx context.Context, env *adminEnv) error {
		se, ok := env.db.Engine().(*sqlite.Engine)
		if !ok {
			return errors.New("backup copies the SQLite database; on MongoDB use mongodump (or precinct export)")
		}
		path := env.args[0]
		start := time.Now()
		if err := se.Backup(ctx, path); err != nil {
			return err
		}
		fi, _ := os.Stat(path)
		fmt.Fprintf(env.out, "backed up %s to %s (%d bytes, %s)\n", se.Path(), path, fi.Size(), time.Since(start).Round(time.Millisecond))
		return nil
	})
}

func statsLine[M ~map[string]int](m M) string {
	keys := make([]string, 0, len(m))
	total := 0
	for k, n := range m {
		keys = append(keys, k)
		total += n
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return fmt.Sprintf("%d records (%s)", total, strings.Join(parts, ", "))
}
