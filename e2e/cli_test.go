package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/e2etest"
)

// The commands an operator finds in `precinct --help`, every one with its
// help.
var cliCommands = [][]string{
	{"serve"}, {"user"}, {"user", "create"}, {"user", "set-password"}, {"user", "disable"}, {"user", "list"},
	{"jwt"}, {"jwt", "rotate"}, {"community"}, {"community", "create"}, {"community", "list"},
	{"department"}, {"department", "create"}, {"department", "list"},
	{"apikey"}, {"apikey", "create"}, {"apikey", "list"}, {"apikey", "revoke"},
	{"migrate"}, {"seed"}, {"export"}, {"import"}, {"backup"}, {"version"}, {"completion"},
}

// flagsIn lists the long flags a help text shows.
func flagsIn(help string) []string {
	var out []string
	for _, line := range strings.Split(help, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "-h, ") || strings.HasPrefix(line, "-v, ") {
			line = line[4:]
		}
		if strings.HasPrefix(line, "--") {
			out = append(out, strings.Fields(line)[0][2:])
		}
	}
	return out
}

// Help lists the commands, and each command's help its own flags: the
// server's settings only on serve (issue 17: `precinct --help` printed
// serve's 32 flags, `help seed` ignored seed, `user --help` failed, and
// `seed --help` listed 32 server settings among its 39 flags).
func TestCLIHelp(t *testing.T) {
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		code, stdout, stderr := e2etest.RunSplit(t, args, nil, 20*time.Second)
		if code != 0 || stderr != "" {
			t.Fatalf("precinct %v: exit %d\n%s%s", args, code, stdout, stderr)
		}
		return stdout
	}
	server := map[string]bool{}
	for _, s := range config.Settings() {
		server[s.Flag()] = !slices.Contains([]string{"data-dir", "mongodb-uri", "mongodb-database"}, s.Flag())
	}

	top := run(t, "--help")
	if bare := run(t); bare != top {
		t.Errorf("precinct alone is not its help:\n%s", bare)
	}
	if !strings.HasPrefix(top, "Precinct is the CAD/MDT server") || !strings.Contains(top, "Usage:\n  precinct <command>\n") {
		t.Errorf("precinct --help:\n%s", top)
	}
	for _, c := range cliCommands {
		if len(c) == 1 && !strings.Contains(top, "\n  "+c[0]+" ") {
			t.Errorf("precinct --help does not list %s:\n%s", c[0], top)
		}
	}
	if got := flagsIn(top); !slices.Equal(got, []string{"help", "version"}) {
		t.Errorf("precinct --help shows the flags %v", got)
	}

	for _, c := range cliCommands {
		t.Run(strings.Join(c, " "), func(t *testing.T) {
			help := run(t, append(slices.Clone(c), "--help")...)
			if byHelp := run(t, append([]string{"help"}, c...)...); byHelp != help {
				t.Errorf("precinct help %s differs from --help:\n%s", strings.Join(c, " "), byHelp)
			}
			if !strings.Contains(help, "Usage:\n  precinct "+strings.Join(c, " ")) {
				t.Errorf("not %v's help:\n%s", c, help)
			}
			flags := flagsIn(help)
			for _, f := range flags {
				if server[f] && c[0] != "serve" {
					t.Errorf("--%s, a server setting, is a flag of %v", f, c)
				}
			}
			if c[0] == "serve" {
				for f := range server {
					if !slices.Contains(flags, f) {
						t.Errorf("serve --help does not show --%s", f)
					}
				}
			}
		})
	}

	seed := run(t, "seed", "--help")
	if got, want := flagsIn(seed), []string{"communities", "members", "civilians", "vehicles", "calls", "password", "force", "help",
		"config", "mongodb-uri", "mongodb-database", "data-dir"}; !slices.Equal(got, want) {
		t.Errorf("seed --help shows %v, want %v", got, want)
	}
	user := run(t, "user", "--help")
	for _, sub := range []string{"create", "set-password", "disable", "list"} {
		if !strings.Contains(user, "\n  "+sub+" ") {
			t.Errorf("user --help does not list %s:\n%s", sub, user)
		}
	}
	if v := run(t, "--version"); v != "precinct e2e\n" || run(t, "version") != v {
		t.Errorf("--version: %q", v)
	}
	if bash := run(t, "completion", "bash"); !strings.Contains(bash, "__start_precinct") {
		t.Errorf("no bash completion:\n%.300s", bash)
	}
	// The shell asks the binary itself for the candidates.
	if code, got, _ := e2etest.RunSplit(t, []string{"__complete", "user", "s"}, nil, 20*time.Second); code != 0 || !strings.HasPrefix(got, "set-password\t") {
		t.Errorf("completing `precinct user s`: %d %q", code, got)
	}
}

// A wrong command line exits with code 2, one line saying what is wrong and
// one suggesting what was meant or where to look; nothing runs.
func TestCLIRefusesWrongCommandLines(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		err, hint string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate" for "precinct"`, "Run 'precinct --help' for the list of commands."},
		{[]string{"sed"}, `unknown command "sed" for "precinct"`, `Did you mean "precinct seed"`},
		{[]string{"user", "frob"}, `unknown command "frob" for "precinct user"`, "Run 'precinct user --help' for the list of commands."},
		{[]string{"user", "creat"}, `unknown command "creat" for "precinct user"`, `Did you mean "precinct user create"?`},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate" for "precinct"`, "Run 'precinct --help'"},
		{[]string{"--frobnicate"}, "unknown flag: --frobnicate", "Run 'precinct --help' for its usage."},
		{[]string{"seed", "--pasword", "x"}, "unknown flag: --pasword", "Did you mean --password?"},
		{[]string{"seed", "--http-addr", ":9000"}, "unknown flag: --http-addr", "--http-addr is a server setting, a flag of 'precinct serve'; other commands read it from the --config file or PRECINCT_HTTP_ADDR."},
		{[]string{"user", "list", "-data-dir", "x"}, "unknown shorthand flag: 'd' in -data-dir", "Did you mean --data-dir? Long flags take two dashes."},
		{[]string{"seed", "--communities", "many"}, `invalid argument "many" for "--communities" flag`, "Run 'precinct seed --help' for its usage."},
		{[]string{"user", "create"}, "--username is required", "Run 'precinct user create --help' for its usage."},
		{[]string{"user", "set-password", "--username", "chief", "--password", "x"}, "unknown flag: --password", ""},
		{[]string{"apikey", "revoke", "--community", "123456789012345678"}, "--id is required", ""},
		{[]string{"department", "create", "--community", "1", "--code", "X", "--name", "X"}, "--type is required", ""},
		{[]string{"user", "list", "--json=maybe"}, `invalid argument "maybe" for "--json" flag`, ""},
		{[]string{"community", "list", "--name", "x"}, "unknown flag: --name", ""},
		{[]string{"department", "list"}, "--community is required", "Run 'precinct department list --help' for its usage."},
		{[]string{"apikey", "list"}, "--community is required", ""},
		{[]string{"migrate", "now"}, `migrate takes no arguments (got "now")`, ""},
		{[]string{"import"}, "import needs FILE", ""},
		{[]string{"backup", "a.db", "b.db"}, `backup takes one FILE (a new file) (got "b.db" too)`, ""},
		{[]string{"serve", "--request-timeout", "forever"}, "configuration: --request-timeout", ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			dir := shortTemp(t)
			code, stdout, stderr := e2etest.RunSplit(t, tc.args, map[string]string{"PRECINCT_DATA_DIR": dir}, 20*time.Second)
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if code != 2 || stdout != "" || len(lines) > 2 {
				t.Fatalf("exit %d, want 2 with at most two lines:\n%s%s", code, stdout, stderr)
			}
			if !strings.HasPrefix(lines[0], "precinct: "+tc.err) {
				t.Errorf("error line %q, want %q", lines[0], tc.err)
			}
			if tc.hint != "" && (len(lines) < 2 || !strings.HasPrefix(lines[1], tc.hint)) {
				t.Errorf("hint %q, want %q", lines[1:], tc.hint)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("a refused command line opened the database: %v", ents)
			}
		})
	}
}

// The commands an operator missed: user list, community list, department
// create and list, apikey list and revoke. They work beside the running
// server through the services the API uses (its rules, and audit entries
// as the command line), print a table or JSON, and refuse an unknown
// community or a bad value with exit code 1 and nothing changed.
func TestCLIListsAndRevokes(t *testing.T) {
	dir := shortTemp(t)
	env := map[string]string{"PRECINCT_DATA_DIR": dir}
	srv := e2etest.Start(t, e2etest.Options{DataDir: dir})
	fail := func(want string, args ...string) {
		t.Helper()
		code, out, _ := e2etest.RunWithInput(t, args, env, "", time.Minute)
		if code != 1 || !strings.Contains(out, want) {
			t.Fatalf("precinct %v: exit %d, want 1 with %q:\n%s", args, code, want, out)
		}
	}
	jsonOf := func(args ...string) []map[string]any {
		t.Helper()
		code, stdout, stderr := e2etest.RunSplit(t, append(args, "--json"), env, time.Minute)
		var out []map[string]any
		if code != 0 || json.Unmarshal([]byte(stdout), &out) != nil {
			t.Fatalf("precinct %v --json: exit %d\n%s%s", args, code, stdout, stderr)
		}
		return out
	}
	const guild = "123456789012345678"

	if got := jsonOf("user", "list"); len(got) != 0 {
		t.Fatalf("no users yet: %v", got)
	}
	if code, out, _ := e2etest.RunWithInput(t, []string{"user", "create", "--username", "chief", "--super-admin"}, env, adminPassword+"\n", time.Minute); code != 0 {
		t.Fatal(out)
	}
	if code, out, _ := e2etest.RunWithInput(t, []string{"user", "create", "--username", "Alice", "--discord-id", "80351110224678912"}, env, "alice's long passphrase\n", time.Minute); code != 0 {
		t.Fatal(out)
	}
	table := runOK(t, env, "user", "list")
	if !strings.HasPrefix(table, "USERNAME  ID ") || !regexpLine(table, `^Alice +[0-9a-f]{24} +user +active +80351110224678912 +\d{4}-\d\d-\d\d$`) ||
		!regexpLine(table, `^chief +[0-9a-f]{24} +Super Admin +active +- +\d{4}-\d\d-\d\d$`) {
		t.Fatalf("user list:\n%s", table)
	}
	users := jsonOf("user", "list")
	if len(users) != 2 || users[0]["username"] != "Alice" || users[1]["superAdmin"] != true {
		t.Fatalf("user list --json: %v", users)
	}
	if strings.Contains(runOK(t, env, "user", "list", "--json"), "argon2") {
		t.Fatal("user list shows a password hash")
	}

	runOK(t, env, "community", "create", "--name", "Los Santos RP", "--guild-id", guild, "--admin", "chief")
	runOK(t, env, "community", "create", "--name", "Blaine County", "--guild-id", "223456789012345678")
	if table := runOK(t, env, "community", "list"); !regexpLine(table, `^Blaine County +[0-9a-f]{24} +223456789012345678 +0 +0 +\d{4}-`) ||
		!regexpLine(table, `^Los Santos RP +[0-9a-f]{24} +`+guild+` +1 +1 +\d{4}-`) {
		t.Fatalf("community list:\n%s", table)
	}
	communities := jsonOf("community", "list")
	if len(communities) != 2 || communities[1]["guildId"] != guild || communities[1]["memberCount"] != 1.0 {
		t.Fatalf("community list --json: %v", communities)
	}
	communityID := communities[1]["id"].(string)

	out := runOK(t, env, "department", "create", "--community", guild, "--code", "lspd", "--name", "Los Santos Police", "--type", "leo",
		"--call-sign-template", "1-ADAM-{n}", "--blip-color", "3", "--paycheck", "500")
	if !strings.HasPrefix(out, "created department LSPD (Los Santos Police, id ") || !strings.HasSuffix(out, ") in Los Santos RP\n") {
		t.Fatalf("department create: %s", out)
	}
	runOK(t, env, "department", "create", "--community", communityID, "--code", "BCSO", "--name", "Blaine County Sheriff", "--type", "leo")
	if table := runOK(t, env, "department", "list", "--community", guild); !regexpLine(table, `^LSPD +Los Santos Police +leo +[0-9a-f]{24} +1-ADAM-\{n\} +500$`) ||
		!regexpLine(table, `^BCSO +Blaine County Sheriff +leo +[0-9a-f]{24} +- +0$`) {
		t.Fatalf("department list:\n%s", table)
	}
	deps := jsonOf("department", "list", "--community", guild)
	if len(deps) != 2 || deps[0]["code"] != "BCSO" && deps[1]["code"] != "BCSO" {
		t.Fatalf("department list --json: %v", deps)
	}
	fail("A department with that code exists already", "department", "create", "--community", guild, "--code", "LSPD", "--name", "Again", "--type", "leo")
	fail("type must be leo, fire, ems, dispatch or civilian", "department", "create", "--community", guild, "--code", "X", "--name", "Xylophone", "--type", "cops")
	fail("Community not found", "department", "create", "--community", "999999999999999999", "--code", "X", "--name", "Xylophone", "--type", "leo")
	fail("Community not found", "department", "list", "--community", "0123456789abcdef01234567")

	// The game server's view: its departments, through its key.
	code, keyOut, _ := e2etest.RunSplit(t, []string{"apikey", "create", "--community", guild, "--name", "main server"}, env, time.Minute)
	key := strings.TrimSpace(keyOut)
	if code != 0 || !strings.HasPrefix(key, "fvm_") {
		t.Fatalf("apikey create: %d %q", code, keyOut)
	}
	if status, body := api(t, srv.URL, http.MethodGet, "/api/civilian/fivem-departments", "", key); status != 200 || !strings.Contains(body, "LSPD") {
		t.Fatalf("fivem-departments with the new key: %d %s", status, body)
	}
	table = runOK(t, env, "apikey", "list", "--community", guild)
	if !regexpLine(table, `^main server +[0-9a-f]{24} +`+key[:12]+`… +\d{4}-\d\d-\d\d \d\d:\d\dZ +\d{4}-\d\d-\d\d \d\d:\d\dZ$`) || strings.Contains(table, key[12:]) {
		t.Fatalf("apikey list (used once):\n%s", table)
	}
	keys := jsonOf("apikey", "list", "--community", guild)
	if len(keys) != 1 || keys[0]["prefix"] != key[4:12] || keys[0]["lastUsedAt"] == nil {
		t.Fatalf("apikey list --json: %v", keys)
	}
	keyID := keys[0]["id"].(string)
	if got := jsonOf("apikey", "list", "--community", "223456789012345678"); len(got) != 0 {
		t.Fatalf("another community's keys: %v", got)
	}
	fail("API key not found", "apikey", "revoke", "--community", "223456789012345678", "--id", keyID)
	fail("Community not found", "apikey", "list", "--community", "999999999999999999")
	fail("Community not found", "apikey", "revoke", "--community", "999999999999999999", "--id", keyID)
	if status, _ := api(t, srv.URL, http.MethodGet, "/api/civilian/fivem-departments", "", key); status != 200 {
		t.Fatal("revoking through another community touched the key")
	}

	out = runOK(t, env, "apikey", "revoke", "--community", guild, "--id", keyID)
	if out != "revoked API key "+keyID+" of Los Santos RP\n" {
		t.Fatalf("apikey revoke: %q", out)
	}
	// The running server refuses the key: the command logged the change,
	// which the server reads ten times a second (docs/operations.md).
	refused(t, "the revoked key", func() int {
		status, _ := api(t, srv.URL, http.MethodGet, "/api/civilian/fivem-departments", "", key)
		return status
	})
	fail("API key not found", "apikey", "revoke", "--community", guild, "--id", keyID)
	if got := jsonOf("apikey", "list", "--community", guild); len(got) != 0 {
		t.Fatalf("keys after the revocation: %v", got)
	}

	// The community's audit trail has what the command line did, as the
	// command line.
	token := tokenOf(t, srv.URL, "chief", adminPassword)
	status, body := api(t, srv.URL, http.MethodGet, "/api/community/"+communityID+"/audit?limit=50", token, "")
	var audit struct {
		Entries []struct{ Action, ActorKind, Target string }
	}
	if status != 200 || json.Unmarshal([]byte(body), &audit) != nil {
		t.Fatalf("audit: %d %s", status, body)
	}
	var cli []string
	for _, e := range audit.Entries {
		if e.ActorKind == "cli" {
			cli = append(cli, e.Action)
		}
	}
	slices.Sort(cli)
	if want := []string{"apikey.created", "apikey.revoked", "community.created", "department.created", "department.created", "member.added"}; !slices.Equal(cli, want) {
		t.Fatalf("audit entries by the command line: %v, want %v", cli, want)
	}
}

// `precinct user set-password` sets a password from standard input: the new
// one signs in, the old one no longer does, and the user's sessions end
// (issue 17: no test drove it to success).
func TestCLISetPassword(t *testing.T) {
	dir := shortTemp(t)
	env := map[string]string{"PRECINCT_DATA_DIR": dir}
	srv := e2etest.Start(t, e2etest.Options{DataDir: dir})
	if code, out, _ := e2etest.RunWithInput(t, []string{"user", "create", "--username", "dispatcher1"}, env, "the first passphrase\n", time.Minute); code != 0 {
		t.Fatal(out)
	}
	old := tokenOf(t, srv.URL, "dispatcher1", "the first passphrase")
	if status, _ := api(t, srv.URL, http.MethodGet, "/api/auth/me", old, ""); status != 200 {
		t.Fatalf("me before: %d", status)
	}

	for _, tc := range []struct {
		args        []string
		stdin, want string
		code        int
	}{
		{[]string{"--username", "nobody"}, "a second passphrase\n", "not found", 1},
		{[]string{"--username", "dispatcher1"}, "", "no password on standard input", 1},
		{[]string{"--username", "dispatcher1"}, "short\n", "Password must be at least", 1},
		{nil, "a second passphrase\n", "--username is required", 2},
	} {
		code, out, _ := e2etest.RunWithInput(t, append([]string{"user", "set-password"}, tc.args...), env, tc.stdin, time.Minute)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Fatalf("set-password %v <<< %q: exit %d, want %d with %q:\n%s", tc.args, tc.stdin, code, tc.code, tc.want, out)
		}
	}
	if status, _ := api(t, srv.URL, http.MethodGet, "/api/auth/me", old, ""); status != 200 {
		t.Fatal("a refused set-password ended the session")
	}

	code, out, _ := e2etest.RunWithInput(t, []string{"user", "set-password", "--username", "Dispatcher1"}, env, "  a second passphrase, spaces kept  \n", time.Minute)
	if code != 0 || out != "password of dispatcher1 set; all of their sessions ended\n" {
		t.Fatalf("set-password: exit %d\n%s", code, out)
	}
	refused(t, "the session from before the new password", func() int {
		status, _ := api(t, srv.URL, http.MethodGet, "/api/auth/me", old, "")
		return status
	})
	if status, _ := api(t, srv.URL, http.MethodPost, "/api/auth/login", "", "", `{"username":"dispatcher1","password":"the first passphrase"}`); status != http.StatusUnauthorized {
		t.Fatalf("the old password: %d", status)
	}
	if status, _ := api(t, srv.URL, http.MethodPost, "/api/auth/login", "", "", `{"username":"dispatcher1","password":"a second passphrase, spaces kept"}`); status != http.StatusUnauthorized {
		t.Fatalf("the new password without its spaces: %d", status)
	}
	fresh := tokenOf(t, srv.URL, "dispatcher1", "  a second passphrase, spaces kept  ")
	if status, body := api(t, srv.URL, http.MethodGet, "/api/auth/me", fresh, ""); status != 200 || !strings.Contains(body, `"dispatcher1"`) {
		t.Fatalf("me with the new password: %d %s", status, body)
	}
	if strings.Contains(srv.Output(), "second passphrase") {
		t.Fatal("the password reached the server's log")
	}
}

// refused waits until the running server answers 401, as it must within
// about a tenth of a second of an admin command's change; the 10 s bound
// is for a busy machine.
func refused(t *testing.T, what string, status func() int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := status()
		if got == http.StatusUnauthorized {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d, want 401", what, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func runOK(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	code, stdout, stderr := e2etest.RunSplit(t, args, env, time.Minute)
	if code != 0 {
		t.Fatalf("precinct %v: exit %d\n%s%s", args, code, stdout, stderr)
	}
	return stdout
}

// api sends one request with a bearer token or a game server's key and
// returns the status and the body.
func api(t *testing.T, base, method, path, token, key string, body ...string) (int, string) {
	t.Helper()
	var in io.Reader
	if len(body) > 0 {
		in = strings.NewReader(body[0])
	}
	req, err := http.NewRequestWithContext(ctxT(t), method, base+path, in)
	if err != nil {
		t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// tokenOf signs in and returns the access token.
func tokenOf(t *testing.T, base, username, password string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	status, body := api(t, base, http.MethodPost, "/api/auth/login", "", "", string(b))
	var out struct{ Token string }
	if status != 200 || json.Unmarshal([]byte(body), &out) != nil || out.Token == "" {
		t.Fatalf("login %s: %d %s", username, status, body)
	}
	return out.Token
}

// regexpLine reports whether a line of text matches the pattern.
func regexpLine(text, pattern string) bool {
	return regexp.MustCompile("(?m)" + pattern).MatchString(text)
}
