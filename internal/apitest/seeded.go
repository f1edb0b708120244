package apitest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/precinct-cad/precinct/internal/app"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/seed"
	"github.com/precinct-cad/precinct/internal/store/sqlite"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

// The fixture of the benchmarks and load tests: the application on a
// SQLite file filled by the same code as `precinct seed`, measured at the
// sizes docs/performance.md states.

// SeedPassword is the password of every person NewSeeded makes.
const SeedPassword = "a benchmark passphrase"

// Seeded is the application on seeded data, and the community in the
// middle of it.
type Seeded struct {
	*Env
	Target seed.Community
}

// NewSeeded seeds a fresh SQLite file as o says and builds the application
// on it, with every rate limit out of the way (Unlimited) and opts applied.
// Its target is the community in the middle of the data.
func NewSeeded(t testing.TB, o seed.Options, opts ...Option) *Seeded {
	t.Helper()
	s, _ := storetest.NewSQLite(t, sqlite.Options{Path: filepath.Join(t.TempDir(), sqlite.FileName)})
	env := NewWith(t, DefaultConfig(t, append([]Option{Unlimited}, opts...)...), s)
	h, err := env.Auth.Hasher().Hash(context.Background(), SeedPassword)
	if err != nil {
		t.Fatal(err)
	}
	o.PasswordHash = h
	res, err := seed.Run(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	target := res.Communities[o.Communities/2]
	if c, err := s.Community(context.Background(), target.ID, false); err != nil || c.MemberCount != o.Members {
		t.Fatal(fmt.Sprint(c, err))
	}
	return &Seeded{Env: env, Target: target}
}

// AdminToken signs the target's Community Admin in as a tablet and returns
// the bearer token.
func (s *Seeded) AdminToken(t testing.TB) string {
	t.Helper()
	out, err := s.Auth.Login(context.Background(), s.Target.Admin.Username, SeedPassword, cad.SessionTablet, false, cad.Client{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return out.Token
}

// Played is the target's admin, the first character they play there, and
// that character's first vehicle (seeded with civil records).
func (s *Seeded) Played(t testing.TB) (*cad.User, *cad.Character, *cad.Vehicle) {
	t.Helper()
	ctx := context.Background()
	admin, err := s.DB.UserByUsername(ctx, s.Target.Admin.Username)
	if err != nil {
		t.Fatal(err)
	}
	chars, err := s.DB.CharactersByDiscord(ctx, s.Target.ID, admin.DiscordID, 10)
	if err != nil || len(chars) == 0 {
		t.Fatalf("the admin plays no character: %v", err)
	}
	vs, _, _ := s.DB.Vehicles(ctx, s.Target.ID, cad.VehicleFilter{OwnerID: chars[0].ID, Limit: 1})
	if len(vs) == 0 {
		t.Fatal("no vehicle")
	}
	return admin, chars[0], vs[0]
}

// Quiet is the application on env's services and database, logging JSON
// to nowhere (so that encoding is measured, not the terminal), without the
// real-time gateway or the metrics.
func Quiet(t testing.TB, env *Env) http.Handler {
	t.Helper()
	srv, err := app.New(app.Deps{Config: env.Config, Health: env.DB,
		Services: &app.Services{Auth: env.Auth, Community: env.Community, Civil: env.Civil, Dispatch: env.Dispatch},
		Logger:   slog.New(slog.NewJSONHandler(io.Discard, nil)), Version: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	return srv.Handler()
}

// ServeLoop serves req through h for the benchmark's iterations, failing on
// anything but 200.
func ServeLoop(b *testing.B, h http.Handler, req *http.Request) {
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
