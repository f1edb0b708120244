package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/precinct-cad/precinct/internal/config"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := config.Load(config.Source{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8080" || c.PublicURL != "http://localhost:8080" || c.MongoDBURI != "" ||
		c.MongoDBDatabase != "precinct" || c.DataDir != "./data" || c.LogLevel != "info" || c.LogFormat != "json" ||
		c.RequestTimeout != 5*time.Second || c.ShutdownTimeout != 15*time.Second || c.BodyLimit != 1<<20 ||
		len(c.TrustedProxies) != 0 || len(c.CORSOrigins) != 0 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestPrecedenceFileThenEnvThenFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "p.yaml")
	yaml := "http_addr: \":9000\"\nlog_level: debug\ndata_dir: /var/lib/x\ntrusted_proxies:\n  - 10.0.0.0/8\n  - 192.168.1.1\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(config.Source{
		File:      file,
		LookupEnv: env(map[string]string{"PRECINCT_LOG_LEVEL": "warn", "PRECINCT_DATA_DIR": "/env/dir"}),
		Flags:     map[string]string{"data_dir": "/flag/dir"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":9000" {
		t.Errorf("file value lost: %q", c.HTTPAddr)
	}
	if c.LogLevel != "warn" {
		t.Errorf("env should override file: %q", c.LogLevel)
	}
	if c.DataDir != "/flag/dir" {
		t.Errorf("flag should override env: %q", c.DataDir)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "192.168.1.1/32" {
		t.Errorf("trusted proxies = %v", c.TrustedProxies)
	}
}

func TestInvalidValuesNameTheKey(t *testing.T) {
	tests := []struct {
		env, value, wantInErr string
	}{
		{"PRECINCT_HTTP_ADDR", "localhost", "PRECINCT_HTTP_ADDR"},
		{"PRECINCT_HTTP_ADDR", ":99999", "PRECINCT_HTTP_ADDR"},
		{"PRECINCT_PUBLIC_URL", "ftp://x", "PRECINCT_PUBLIC_URL"},
		{"PRECINCT_MONGODB_URI", "postgres://x", "PRECINCT_MONGODB_URI"},
		{"PRECINCT_MONGODB_DATABASE", "a.b", "PRECINCT_MONGODB_DATABASE"},
		{"PRECINCT_LOG_LEVEL", "loud", "PRECINCT_LOG_LEVEL"},
		{"PRECINCT_LOG_FORMAT", "xml", "PRECINCT_LOG_FORMAT"},
		{"PRECINCT_TRUSTED_PROXIES", "10.0.0.0/33", "PRECINCT_TRUSTED_PROXIES"},
		{"PRECINCT_CORS_ORIGINS", "*", "PRECINCT_CORS_ORIGINS"},
		{"PRECINCT_CORS_ORIGINS", "https://a.example/path", "PRECINCT_CORS_ORIGINS"},
		{"PRECINCT_REQUEST_TIMEOUT", "5", "PRECINCT_REQUEST_TIMEOUT"},
		{"PRECINCT_REQUEST_TIMEOUT", "0s", "PRECINCT_REQUEST_TIMEOUT"},
		{"PRECINCT_SHUTDOWN_TIMEOUT", "-1s", "PRECINCT_SHUTDOWN_TIMEOUT"},
		{"PRECINCT_BODY_LIMIT", "1GiB", "PRECINCT_BODY_LIMIT"},
		{"PRECINCT_DATA_DIR", " ", "PRECINCT_DATA_DIR"},
		{"PRECINCT_JWT_SECRET", "x", "PRECINCT_JWT_SECRET"},                                     // R39: 1 byte
		{"PRECINCT_JWT_SECRET", "0123456789abcdef", "PRECINCT_JWT_SECRET"},                      // R39: 16 bytes
		{"PRECINCT_JWT_SECRET", "0123456789abcdef0123456789abcde", "PRECINCT_JWT_SECRET"},       // R39: 31 bytes
		{"PRECINCT_COOKIE_SECRET", "0123456789abcdef0123456789abcde", "PRECINCT_COOKIE_SECRET"}, // R36
		{"PRECINCT_DISCORD_CLIENT_ID", "my-app", "PRECINCT_DISCORD_CLIENT_ID"},
		{"PRECINCT_DISCORD_BASE_URL", "discord.com", "PRECINCT_DISCORD_BASE_URL"},
		{"PRECINCT_DASHBOARD_URL", "//evil.example", "PRECINCT_DASHBOARD_URL"},
		{"PRECINCT_DASHBOARD_URL", "javascript:alert(1)", "PRECINCT_DASHBOARD_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			_, err := config.Load(config.Source{LookupEnv: env(map[string]string{tt.env: tt.value})})
			if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
				t.Fatalf("err = %v, want it to name %s", err, tt.wantInErr)
			}
		})
	}
}

func TestMongoURIPasswordNeverInErrorsOrLogs(t *testing.T) {
	c, err := config.Load(config.Source{LookupEnv: env(map[string]string{"PRECINCT_MONGODB_URI": "mongodb://app:s3cretpw@db.example:27017/?replicaSet=rs0"})})
	if err != nil {
		t.Fatal(err)
	}
	if r := c.RedactedMongoDBURI(); strings.Contains(r, "s3cretpw") || !strings.Contains(r, "db.example") {
		t.Fatalf("redacted = %q", r)
	}
	_, err = config.Load(config.Source{
		LookupEnv: env(map[string]string{"PRECINCT_MONGODB_URI": "mongodb://app:s3cretpw@db.example", "PRECINCT_LOG_LEVEL": "x"}),
		Flags:     map[string]string{"mongodb_uri": "mysql://root:s3cretpw@h"},
	})
	if err == nil || strings.Contains(err.Error(), "s3cretpw") {
		t.Fatalf("err = %v", err)
	}
}

// Secrets are never echoed in errors, and a long enough one is taken as is.
func TestSecrets(t *testing.T) {
	_, err := config.Load(config.Source{LookupEnv: env(map[string]string{"PRECINCT_JWT_SECRET": "short-secret-value"})})
	if err == nil || strings.Contains(err.Error(), "short-secret-value") {
		t.Fatalf("err = %v", err)
	}
	long := strings.Repeat("k", 40)
	c, err := config.Load(config.Source{LookupEnv: env(map[string]string{"PRECINCT_JWT_SECRET": long, "PRECINCT_COOKIE_SECRET": long + "c"})})
	if err != nil || string(c.JWTSecret) != long || string(c.CookieSecret) != long+"c" {
		t.Fatalf("%v %q", err, c.JWTSecret)
	}
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, tc := range map[string]struct{ body, want string }{
		"unknown key": {"htp_addr: :80\n", `unknown key "htp_addr"`},
		"bad value":   {"log_level: shout\n", "log_level"},
		"not yaml":    {"::: [", "config file"},
		"mapping":     {"http_addr:\n  port: 80\n", "http_addr"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Load(config.Source{File: write(strings.ReplaceAll(name, " ", "_")+".yaml", tc.body), LookupEnv: env(nil)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := config.Load(config.Source{File: filepath.Join(dir, "missing.yaml")}); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestFlags(t *testing.T) {
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	visited := config.RegisterFlags(fs)
	if err := fs.Parse([]string{"--http-addr", "127.0.0.1:0", "--cors-origins=https://a.example,https://b.example:8443"}); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(config.Source{LookupEnv: env(nil), Flags: visited()})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:0" || len(c.CORSOrigins) != 2 || c.CORSOrigins[1] != "https://b.example:8443" {
		t.Fatalf("%+v", c)
	}
}

// A command that needs only some settings gets only their flags; the rest
// come from the file and the environment.
func TestFlagsOfSomeSettings(t *testing.T) {
	fs := pflag.NewFlagSet("user list", pflag.ContinueOnError)
	visited := config.RegisterFlags(fs, "data_dir", "mongodb_uri")
	if fs.Lookup("data-dir") == nil || fs.Lookup("mongodb-uri") == nil || fs.Lookup("http-addr") != nil || fs.Lookup("jwt-secret") != nil {
		t.Fatal("the flags are not the named settings'")
	}
	if err := fs.Parse([]string{"--http-addr", ":9000"}); err == nil {
		t.Fatal("a setting that was not named is a flag")
	}
	if err := fs.Parse([]string{"--data-dir", "/flag/dir"}); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(config.Source{LookupEnv: env(map[string]string{"PRECINCT_DATA_DIR": "/env/dir", "PRECINCT_LOG_LEVEL": "warn"}), Flags: visited()})
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/flag/dir" || c.LogLevel != "warn" {
		t.Fatalf("data dir %q, log level %q", c.DataDir, c.LogLevel)
	}
}

// The example file and the README must document every key, and the example
// must load as it is.
func TestDocsListEverySetting(t *testing.T) {
	example, err := os.ReadFile("../../config/precinct.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range config.Settings() {
		if !strings.Contains(string(example), "\n"+s.Name+":") && !strings.Contains(string(example), "\n# "+s.Name+":") {
			t.Errorf("config/precinct.example.yaml does not document %s", s.Name)
		}
		if !strings.Contains(string(readme), "`"+s.Env()+"`") {
			t.Errorf("README.md does not document %s", s.Env())
		}
	}
	if _, err := config.Load(config.Source{File: "../../config/precinct.example.yaml", LookupEnv: env(nil)}); err != nil {
		t.Fatalf("example does not load: %v", err)
	}
}
