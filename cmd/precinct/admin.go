package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
)

// adminEnv is what an admin command works with: the database (the running
// server's embedded one when there is one) and the auth service.
type adminEnv struct {
	db        *db
	auth      *auth.Service
	community *community.Service
	cl        auth.Client
}

// withAdmin loads the configuration with the command's own flags, opens the
// database the way admin commands do (beside a running server or not), and
// runs fn. Errors go to stderr; the exit code is 0, 1 (failure) or 2 (usage).
func withAdmin(ctx context.Context, name string, args []string, stderr io.Writer, flags func(*flag.FlagSet), fn func(context.Context, *adminEnv) error) int {
	return withStore(ctx, name, args, stderr, forAdmin, 2*time.Minute, flags, fn)
}

// withStore is withAdmin with the open mode and the time the command may
// take.
func withStore(ctx context.Context, name string, args []string, stderr io.Writer, mode openMode, limit time.Duration, flags func(*flag.FlagSet), fn func(context.Context, *adminEnv) error) int {
	cfg, err := loadConfig(name, args, stderr, flags)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "precinct:", err)
		return 2
	}
	// Admin commands log only problems; their output is for people.
	logger := slog.New(logHandler(stderr, "text", slog.LevelWarn))
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	db, err := openStore(ctx, cfg, logger, mode)
	if err != nil {
		fmt.Fprintln(stderr, "precinct:", err)
		return 1
	}
	defer db.close()
	svc, err := newAuth(ctx, cfg, db, logger)
	if err != nil {
		fmt.Fprintln(stderr, "precinct:", err)
		return 1
	}
	host, _ := os.Hostname()
	env := &adminEnv{db: db, auth: svc, community: community.New(db, svc, logger), cl: auth.Client{IP: "cli", UserAgent: "precinct-cli@" + host}}
	if err := fn(ctx, env); err != nil {
		fmt.Fprintln(stderr, "precinct:", errorText(err))
		return 1
	}
	return 0
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

// readSecret reads one line from r: a password given on standard input, as
// in `echo "$PW" | precinct user create ...`. Only the line ending is
// removed; spaces are part of the password (R3).
func readSecret(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

func userCommand(stdin io.Reader) func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		if len(args) == 0 {
			fmt.Fprintln(stderr, "usage: precinct user create|set-password|disable --username NAME [flags]")
			return 2
		}
		sub, args := args[0], args[1:]
		var username, discordID string
		var superAdmin bool
		common := func(fs *flag.FlagSet) { fs.StringVar(&username, "username", "", "the account's username") }
		need := func() error {
			if username == "" {
				return errors.New("--username is required")
			}
			return nil
		}
		switch sub {
		case "create":
			return withAdmin(ctx, "user create", args, stderr, func(fs *flag.FlagSet) {
				common(fs)
				fs.BoolVar(&superAdmin, "super-admin", false, "make the user a platform Super Admin")
				fs.StringVar(&discordID, "discord-id", "", "link the user's Discord account (its numeric id)")
			}, func(ctx context.Context, env *adminEnv) error {
				if err := need(); err != nil {
					return err
				}
				pw, err := readSecret(stdin)
				if err != nil {
					return err
				}
				u, err := env.auth.CreateUser(ctx, auth.NewUser{Username: username, Password: pw, SuperAdmin: superAdmin, DiscordID: discordID}, env.cl)
				if err != nil {
					return err
				}
				role := "user"
				if u.SuperAdmin {
					role = "Super Admin"
				}
				fmt.Fprintf(stdout, "created %s %s (id %s)\n", role, u.Username, u.ID)
				return nil
			})
		case "set-password":
			return withAdmin(ctx, "user set-password", args, stderr, common, func(ctx context.Context, env *adminEnv) error {
				if err := need(); err != nil {
					return err
				}
				pw, err := readSecret(stdin)
				if err != nil {
					return err
				}
				u, err := env.auth.AdminSetPassword(ctx, username, pw, env.cl)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "password of %s set; all of their sessions ended\n", u.Username)
				return nil
			})
		case "disable":
			return withAdmin(ctx, "user disable", args, stderr, common, func(ctx context.Context, env *adminEnv) error {
				if err := need(); err != nil {
					return err
				}
				u, n, err := env.auth.DisableUser(ctx, username, env.cl)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "disabled %s; %d session(s) ended\n", u.Username, n)
				return nil
			})
		}
		fmt.Fprintf(stderr, "precinct user: unknown subcommand %q (create, set-password, disable)\n", sub)
		return 2
	}
}

func jwtCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(stderr, "usage: precinct jwt rotate [--revoke-all]")
		return 2
	}
	var revokeAll bool
	return withAdmin(ctx, "jwt rotate", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&revokeAll, "revoke-all", false, "also end every session of every user, so every existing token and cookie stops working")
	}, func(ctx context.Context, env *adminEnv) error {
		n, err := env.auth.RotateJWTKey(ctx, revokeAll, env.cl)
		if err != nil {
			return err
		}
		if revokeAll {
			fmt.Fprintf(stdout, "new signing key in use; %d session(s) ended: everyone must sign in again\n", n)
		} else {
			fmt.Fprintln(stdout, "new signing key in use (running servers switch within a minute); existing tokens stay valid until they expire")
		}
		return nil
	})
}

func communityCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: precinct community create --name NAME --guild-id ID [--admin USERNAME]")
		return 2
	}
	var name, guildID, admin string
	return withAdmin(ctx, "community create", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "the community's display name")
		fs.StringVar(&guildID, "guild-id", "", "the Discord server (guild) id it belongs to")
		fs.StringVar(&admin, "admin", "", "username of its first Community Admin")
	}, func(ctx context.Context, env *adminEnv) error {
		c, err := env.community.Create(ctx, community.CLIActor(), name, guildID, admin)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created community %s (id %s, guild %s)\n", c.Name, c.ID, c.GuildID)
		return nil
	})
}

func apikeyCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: precinct apikey create --community ID --name NAME")
		return 2
	}
	var communityRef, name string
	return withAdmin(ctx, "apikey create", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&communityRef, "community", "", "the community: its id or its Discord guild id")
		fs.StringVar(&name, "name", "", "a name for the key, such as the game server's")
	}, func(ctx context.Context, env *adminEnv) error {
		if communityRef == "" {
			return errors.New("--community is required")
		}
		c, err := env.community.Resolve(ctx, communityRef)
		if err != nil {
			return err
		}
		key, k, err := env.community.CreateKey(ctx, community.CLIActor(), &cad.Scope{Community: c}, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "API key %q (id %s) for %s; it is shown this once:\n", k.Name, k.ID, c.Name)
		fmt.Fprintln(stdout, key)
		return nil
	})
}
