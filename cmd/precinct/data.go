package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/seed"
	"github.com/precinct-cad/precinct/internal/store/sqlite"
)

// The data commands: migrate, seed, export, import, backup. Each works on
// a stopped server's database and beside a running one.

func migrateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return withStore(ctx, "migrate", args, stderr, forAdmin, 5*time.Minute, nil, func(ctx context.Context, env *adminEnv) error {
		// openStore has migrated (SQLite) or created the indexes
		// (MongoDB); say where the schema stands.
		if se, ok := env.db.Engine().(*sqlite.Engine); ok {
			cur, known, err := se.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: schema at version %d (this binary knows up to %d)\n", se.Path(), cur, known)
			return nil
		}
		fmt.Fprintln(stdout, "MongoDB: every declared index is in place")
		return nil
	})
}

func seedCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o seed.Options
	var password string
	return withStore(ctx, "seed", args, stderr, forBulk, time.Hour, func(fs *flag.FlagSet) {
		fs.IntVar(&o.Communities, "communities", 10, "communities to make")
		fs.IntVar(&o.Members, "members", 10, "members per community (one Community Admin and one plain Member among them)")
		fs.IntVar(&o.Civilians, "civilians", 0, "characters per community, with licenses, a bank account and ledger entries")
		fs.IntVar(&o.Vehicles, "vehicles", 0, "vehicles per community, owned by the characters")
		fs.IntVar(&o.Calls, "calls", 0, "past calls per community (closed, cancelled and expired, over the last 90 days)")
		fs.StringVar(&password, "password", "", "the password every seeded user signs in with (required)")
		fs.BoolVar(&o.Force, "force", false, "seed even a database that holds data seed did not make")
	}, func(ctx context.Context, env *adminEnv) error {
		if password == "" {
			return errors.New("--password is required")
		}
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
		fmt.Fprintf(stderr, "seeded %d communities with %d members, %d civilians, %d vehicles and %d calls each in %s\n",
			o.Communities, o.Members, o.Civilians, o.Vehicles, o.Calls, time.Since(start).Round(time.Millisecond))
		enc := json.NewEncoder(stdout)
		return enc.Encode(res)
	})
}

func exportCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var communityRef string
	return withStore(ctx, "export", args, stderr, forBulk, time.Hour, func(fs *flag.FlagSet) {
		fs.StringVar(&communityRef, "community", "", "export one community (its id or Discord guild id) and its members' accounts; empty exports everything")
	}, func(ctx context.Context, env *adminEnv) error {
		stats, err := env.db.Export(ctx, stdout, communityRef)
		if err != nil {
			return err
		}
		fmt.Fprintln(stderr, "exported", statsLine(stats))
		return nil
	})
}

// fileArg takes the file a command names first ("-", standard input, when
// stdin allows); false (after printing usage) when there is none.
func fileArg(args []string, stdin bool, stderr io.Writer, usage string) (string, []string, bool) {
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && !(stdin && args[0] == "-")) {
		fmt.Fprintln(stderr, "usage:", usage)
		return "", nil, false
	}
	return args[0], args[1:], true
}

func importCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	path, args, ok := fileArg(args, true, stderr, "precinct import FILE.jsonl   (- reads standard input)")
	if !ok {
		return 2
	}
	return withStore(ctx, "import", args, stderr, forBulk, time.Hour, nil, func(ctx context.Context, env *adminEnv) error {
		var r io.Reader = os.Stdin
		if path != "-" {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			r = f
		}
		stats, err := env.db.Import(ctx, r)
		if len(stats) > 0 {
			fmt.Fprintln(stdout, "imported", statsLine(stats))
		}
		return err
	})
}

func backupCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	path, args, ok := fileArg(args, false, stderr, "precinct backup FILE   (a new file: a consistent copy of the SQLite database)")
	if !ok {
		return 2
	}
	return withStore(ctx, "backup", args, stderr, forBulk, time.Hour, nil, func(ctx context.Context, env *adminEnv) error {
		se, ok := env.db.Engine().(*sqlite.Engine)
		if !ok {
			return errors.New("backup copies the SQLite database; on MongoDB use mongodump (or precinct export)")
		}
		start := time.Now()
		if err := se.Backup(ctx, path); err != nil {
			return err
		}
		fi, _ := os.Stat(path)
		fmt.Fprintf(stdout, "backed up %s to %s (%d bytes, %s)\n", se.Path(), path, fi.Size(), time.Since(start).Round(time.Millisecond))
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
