package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
)

// adminSettings are the settings an admin command takes as flags: what
// finds the database. It reads the others from the file and the
// environment, as serve does.
var adminSettings = []string{"data_dir", "mongodb_uri", "mongodb_database"}

// adminEnv is what an admin command works with: the database (the running
// server's embedded one when there is one), the services the API uses, and
// the command's streams.
type adminEnv struct {
	db        *db
	auth      *auth.Service
	community *community.Service
	cl        auth.Client
	args      []string  // the command's arguments
	in        io.Reader // standard input: a password, an import
	out       io.Writer // the command's output
	msg       io.Writer // what people read beside it (standard error)
}

// withDB makes cmd work on the database: it takes the flags that find it,
// and its RunE loads the configuration, opens the database the way mode
// says (beside a running server or not), and runs fn for at most limit.
// fn's errors exit with code 1.
func withDB(cmd *cobra.Command, mode openMode, limit time.Duration, fn func(context.Context, *adminEnv) error) *cobra.Command {
	load := configFlags(cmd.Flags(), adminSettings...)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := load()
		if err != nil {
			return &usageError{msg: err.Error()}
		}
		// Admin commands log only problems; their output is for people.
		logger := slog.New(logHandler(cmd.ErrOrStderr(), "text", slog.LevelWarn))
		ctx, cancel := context.WithTimeout(cmd.Context(), limit)
		defer cancel()
		// Opening errors name the setting to fix: shown whole.
		db, err := openStore(ctx, cfg, logger, mode)
		if err != nil {
			return failed(cmd, err)
		}
		defer db.close()
		svc, err := newAuth(ctx, cfg, db, logger)
		if err != nil {
			return failed(cmd, err)
		}
		host, _ := os.Hostname()
		return fn(ctx, &adminEnv{db: db, auth: svc, community: community.New(db, svc, logger),
			cl:   auth.Client{IP: "cli", UserAgent: "precinct-cli@" + host},
			args: args, in: cmd.InOrStdin(), out: cmd.OutOrStdout(), msg: cmd.ErrOrStderr()})
	}
	return cmd
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

// inCommunity makes cmd an admin command on one community, named by
// --community (its id or its Discord guild id): fn runs in the scope the
// community service works in, as the API's handlers do.
func inCommunity(cmd *cobra.Command, fn func(context.Context, *adminEnv, *cad.Scope) error) *cobra.Command {
	var ref string
	cmd.Flags().StringVar(&ref, "community", "", "the community: its id or its Discord guild id (required)")
	return withDB(cmd, forAdmin, 2*time.Minute, func(ctx context.Context, env *adminEnv) error {
		c, err := env.community.Resolve(ctx, ref)
		if err != nil {
			return err
		}
		return fn(ctx, env, &cad.Scope{Community: c})
	})
}

func userCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "user",
		Short:   "Create and list accounts, set a password, disable an account",
		GroupID: "admin",
	}
	var username string
	usernameFlag := func(c *cobra.Command) *cobra.Command {
		c.Flags().StringVar(&username, "username", "", "the account's username (required)")
		c.PreRunE = required("username")
		return c
	}

	var superAdmin bool
	var discordID string
	create := usernameFlag(&cobra.Command{
		Use:     "create --username NAME",
		Short:   "Make an account; the password is read from standard input",
		Example: `  printf '%s\n' "$PASSWORD" | precinct user create --username chief --super-admin`,
	})
	create.Flags().BoolVar(&superAdmin, "super-admin", false, "make the user a platform Super Admin")
	create.Flags().StringVar(&discordID, "discord-id", "", "link the user's Discord account (its numeric id)")
	withDB(create, forAdmin, 2*time.Minute, func(ctx context.Context, env *adminEnv) error {
		pw, err := readSecret(env.in)
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
		fmt.Fprintf(env.out, "created %s %s (id %s)\n", role, u.Username, u.ID)
		return nil
	})

	setPassword := usernameFlag(&cobra.Command{
		Use:     "set-password --username NAME",
		Short:   "Set an account's password (read from standard input); ends the user's sessions",
		Example: `  printf '%s\n' "$PASSWORD" | precinct user set-password --username chief`,
	})
	withDB(setPassword, forAdmin, 2*time.Minute, func(ctx context.Context, env *adminEnv) error {
		pw, err := readSecret(env.in)
		if err != nil {
			return err
		}
		u, err := env.auth.AdminSetPassword(ctx, username, pw, env.cl)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.out, "password of %s set; all of their sessions ended\n", u.Username)
		return nil
	})

	disable := usernameFlag(&cobra.Command{
		Use:   "disable --username NAME",
		Short: "Refuse an account everywhere; ends the user's sessions",
	})
	withDB(disable, forAdmin, 2*time.Minute, func(ctx context.Context, env *adminEnv) error {
		u, n, err := env.auth.DisableUser(ctx, username, env.cl)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.out, "disabled %s; %d session(s) ended\n", u.Username, n)
		return nil
	})

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List every account by username",
	}
	jsonFlag(list, &asJSON)
	withDB(list, forAdmin, 10*time.Minute, func(ctx context.Context, env *adminEnv) error {
		var all []*cad.User
		for after := ""; ; {
			page, next, err := env.db.Users(ctx, after, 500)
			if err != nil {
				return err
			}
			all = append(all, page...)
			if next == "" {
				break
			}
			after = next
		}
		return printList(env.out, asJSON, all, userView, []string{"USERNAME", "ID", "ROLE", "STATUS", "DISCORD", "CREATED"}, func(u userOut) []string {
			role, status := "user", "active"
			if u.SuperAdmin {
				role = "Super Admin"
			}
			if u.Disabled {
				status = "disabled"
			}
			discord := u.DiscordUsername
			if discord == "" {
				discord = u.DiscordID
			}
			return []string{u.Username, u.ID, role, status, orDash(discord), day(u.CreatedAt)}
		})
	})

	cmd.AddCommand(create, setPassword, disable, list)
	return cmd
}

func jwtCommand() *cobra.Command {
	var revokeAll bool
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new signing key current (--revoke-all also ends every session)",
	}
	rotate.Flags().BoolVar(&revokeAll, "revoke-all", false, "also end every session of every user, so every existing token and cookie stops working")
	withDB(rotate, forAdmin, 2*time.Minute, func(ctx context.Context, env *adminEnv) error {
		n, err := env.auth.RotateJWTKey(ctx, revokeAll, env.cl)
		if err != nil {
			return err
		}
		if revokeAll {
			fmt.Fprintf(env.out, "new signing key in use; %d session(s) ended: everyone must sign in again\n", n)
		} else {
			fmt.Fprintln(env.out, "new signing key in use (running servers switch within a minute); existing tokens stay valid until they expire")
		}
		return nil
	})
	cmd := &cobra.Command{
		Use:     "jwt",
		Short:   "Rotate the key that signs access tokens",
		GroupID: "admin",
	}
	cmd.AddCommand(rotate)
	return cmd
}

func communityCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "community",
		Short:   "Create and list communities (one per Discord server)",
		GroupID: "admin",
	}
	var name, guildID, admin string
	create := &cobra.Command{
		Use:     "create --name NAME --guild-id ID",
		Short:   "Create a community for a Discord server, with its first Community Admin",
		Example: `  precinct community create --name "Los Santos RP" --guild-id 123456789012345678 --admin chief`,
		PreRunE: required("name", "guild-id"),
	}
	create.Flags().StringVar(&name, "name", "", "the community's display name (required)")
	create.Flags().StringVar(&guildID, "guild-id", "", "the Discord server (guild) id it belongs to (required)")
	create.Flags().StringVar(&admin, "admin", "", "username of its first Community Admin")
	withDB(create, forAdmin, 2*time.Minute, func(ctx context.Context, env *adminEnv) error {
		c, err := env.community.Create(ctx, community.CLIActor(), name, guildID, admin)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.out, "created community %s (id %s, guild %s)\n", c.Name, c.ID, c.GuildID)
		return nil
	})

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the communities by name (deleted ones are left out)",
	}
	jsonFlag(list, &asJSON)
	withDB(list, forAdmin, 2*time.Minute, func(ctx context.Context, env *adminEnv) error {
		ids, err := env.db.CommunityIDs(ctx)
		if err != nil {
			return err
		}
		var all []*cad.Community
		for chunk := range slices.Chunk(ids, 500) { // bounded IN lists
			live, err := env.db.CommunitiesByIDs(ctx, chunk)
			if err != nil {
				return err
			}
			all = append(all, live...)
		}
		slices.SortStableFunc(all, func(a, b *cad.Community) int { return strings.Compare(a.Name, b.Name) })
		return printList(env.out, asJSON, all, communityView, []string{"NAME", "ID", "GUILD", "MEMBERS", "ADMINS", "CREATED"}, func(c communityOut) []string {
			return []string{c.Name, c.ID, c.GuildID, fmt.Sprint(c.MemberCount), fmt.Sprint(c.AdminCount), day(c.CreatedAt)}
		})
	})

	cmd.AddCommand(create, list)
	return cmd
}

func departmentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "department",
		Short:   "Create and list a community's departments",
		GroupID: "admin",
	}
	var in community.DepartmentInput
	create := inCommunity(&cobra.Command{
		Use:     "create --community ID --code CODE --name NAME --type TYPE",
		Short:   "Add a department to a community",
		Example: `  precinct department create --community 123456789012345678 --code LSPD --name "Los Santos Police" --type leo`,
		PreRunE: required("community", "code", "name", "type"),
	}, func(ctx context.Context, env *adminEnv, sc *cad.Scope) error {
		d, err := env.community.CreateDepartment(ctx, community.CLIActor(), sc, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.out, "created department %s (%s, id %s) in %s\n", d.Code, d.Name, d.ID, sc.Community.Name)
		return nil
	})
	f := create.Flags()
	f.StringVar(&in.Code, "code", "", "its code, unique in the community: 1 to 16 of A-Z 0-9 _ - (required)")
	f.StringVar(&in.Name, "name", "", "its name, 2 to 64 characters (required)")
	f.StringVar(&in.Type, "type", "", "leo, fire, ems, dispatch or civilian (required)")
	f.StringVar(&in.CallSignTemplate, "call-sign-template", "", "the template of its members' call signs, such as 1-ADAM-{n}")
	f.IntVar(&in.BlipColor, "blip-color", 0, "its units' GTA blip colour, 0 to 85")
	f.IntVar(&in.BlipSprite, "blip-sprite", 0, "its units' GTA blip sprite, 0 to 883")
	f.Int64Var(&in.Paycheck, "paycheck", 0, "its members' paycheck, 0 to 1000000")

	var asJSON bool
	list := inCommunity(&cobra.Command{
		Use:     "list --community ID",
		Short:   "List a community's departments",
		PreRunE: required("community"),
	}, func(ctx context.Context, env *adminEnv, sc *cad.Scope) error {
		deps, err := env.community.Departments(ctx, sc)
		if err != nil {
			return err
		}
		return printList(env.out, asJSON, deps, departmentView, []string{"CODE", "NAME", "TYPE", "ID", "CALL SIGNS", "PAYCHECK"}, func(d departmentOut) []string {
			return []string{d.Code, d.Name, d.Type, d.ID, orDash(d.CallSignTemplate), fmt.Sprint(d.Paycheck)}
		})
	})
	jsonFlag(list, &asJSON)

	cmd.AddCommand(create, list)
	return cmd
}

func apikeyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "apikey",
		Short:   "Create, list and revoke a community's game-server keys",
		GroupID: "admin",
	}
	var name string
	create := inCommunity(&cobra.Command{
		Use:     "create --community ID --name NAME",
		Short:   "Make a game server's fvm_ key; it is printed this once",
		Example: `  precinct apikey create --community 123456789012345678 --name "main server"`,
		PreRunE: required("community", "name"),
	}, func(ctx context.Context, env *adminEnv, sc *cad.Scope) error {
		key, k, err := env.community.CreateKey(ctx, community.CLIActor(), sc, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.msg, "API key %q (id %s) for %s; it is shown this once:\n", k.Name, k.ID, sc.Community.Name)
		fmt.Fprintln(env.out, key)
		return nil
	})
	create.Flags().StringVar(&name, "name", "", "a name for the key, such as the game server's (required)")

	var asJSON bool
	list := inCommunity(&cobra.Command{
		Use:     "list --community ID",
		Short:   "List a community's keys, newest first (never the keys themselves)",
		PreRunE: required("community"),
	}, func(ctx context.Context, env *adminEnv, sc *cad.Scope) error {
		keys, err := env.community.Keys(ctx, sc)
		if err != nil {
			return err
		}
		return printList(env.out, asJSON, keys, apiKeyView, []string{"NAME", "ID", "PREFIX", "CREATED", "LAST USED"}, func(k apiKeyOut) []string {
			used := "never"
			if k.LastUsedAt != nil {
				used = minute(*k.LastUsedAt)
			}
			return []string{k.Name, k.ID, "fvm_" + k.Prefix + "…", minute(k.CreatedAt), used}
		})
	})
	jsonFlag(list, &asJSON)

	var id string
	revoke := inCommunity(&cobra.Command{
		Use:     "revoke --community ID --id KEY_ID",
		Short:   "Revoke a key: the next request with it is refused",
		PreRunE: required("community", "id"),
	}, func(ctx context.Context, env *adminEnv, sc *cad.Scope) error {
		if err := env.community.RevokeKey(ctx, community.CLIActor(), sc, id); err != nil {
			return err
		}
		fmt.Fprintf(env.out, "revoked API key %s of %s\n", id, sc.Community.Name)
		return nil
	})
	revoke.Flags().StringVar(&id, "id", "", "the key's id, as apikey list shows it (required)")

	cmd.AddCommand(create, list, revoke)
	return cmd
}
