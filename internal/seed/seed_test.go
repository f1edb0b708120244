package seed_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/seed"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

func TestSeed(t *testing.T) {
	s := storetest.New(t)
	ctx := storetest.Ctx(t)
	res, err := seed.Run(ctx, s, seed.Options{Communities: 3, Members: 12, Civilians: 30, Vehicles: 40, Calls: 25, PasswordHash: "$argon2id$seed"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Communities) != 3 {
		t.Fatalf("made %d communities", len(res.Communities))
	}
	for _, c := range res.Communities {
		com, err := s.Community(ctx, c.GuildID, false)
		if err != nil || com.ID != c.ID || com.MemberCount != 12 || com.AdminCount != 1 {
			t.Fatalf("community %+v: %+v %v", c, com, err)
		}
		if !strings.HasPrefix(c.APIKey, "fvm_") {
			t.Fatalf("key %q", c.APIKey)
		}
		admin, err := s.UserByUsername(ctx, c.Admin.Username)
		if err != nil || admin.PasswordHash != "$argon2id$seed" {
			t.Fatalf("admin %v", err)
		}
		if m, err := s.Member(ctx, c.ID, admin.ID); err != nil || m.Role != cad.RoleAdmin {
			t.Fatalf("admin membership %+v %v", m, err)
		}
		member, _ := s.UserByUsername(ctx, c.Member.Username)
		if m, err := s.Member(ctx, c.ID, member.ID); err != nil || m.Role != cad.RoleMember || len(m.Departments) != 0 {
			t.Fatalf("plain member %+v %v", m, err)
		}
		if deps, _ := s.Departments(ctx, c.ID); len(deps) < 5 {
			t.Fatalf("%d departments", len(deps))
		}
		list, _, _ := s.Members(ctx, c.ID, cad.MemberFilter{Department: "LSPD", Limit: 50})
		if len(list) == 0 {
			t.Fatal("no police among the members")
		}
		// Civil records: every character has an account whose ledger
		// sums to its balance, owners sign in with a Discord id, and
		// vehicles are found by plate.
		chars, err := s.CharactersByDiscord(ctx, c.ID, admin.DiscordID, 100)
		if err != nil || len(chars) == 0 {
			t.Fatalf("the admin plays no character: %v", err)
		}
		for _, ch := range chars {
			a, err := s.AccountOf(ctx, c.ID, ch.ID)
			if err != nil {
				t.Fatal(err)
			}
			entries, _, _ := s.Ledger(ctx, c.ID, a.ID, "", 100)
			var sum int64
			for _, e := range entries {
				sum += e.Amount
			}
			if sum != a.Balance || len(entries) < 2 {
				t.Fatalf("ledger sums to %d of %d entries; balance %d", sum, len(entries), a.Balance)
			}
		}
		if v, err := s.VehicleByPlate(ctx, c.ID, "AAA0039"); err != nil || v.OwnerID == "" {
			t.Fatalf("vehicle 39: %+v %v", v, err)
		}
		// Call history: none open, every one numbered, the next number
		// after them.
		if open, _, err := s.Calls(ctx, c.ID, cad.CallFilter{OpenOnly: true, Limit: 10}, time.Now()); err != nil || len(open) != 0 {
			t.Fatalf("open seeded calls: %d %v", len(open), err)
		}
		if all, _, _ := s.Calls(ctx, c.ID, cad.CallFilter{Limit: 100}, time.Now()); len(all) != 25 {
			t.Fatalf("%d seeded calls", len(all))
		}
		if n, _ := s.NextSequence(ctx, c.ID, "incident"); n != 26 {
			t.Fatalf("the next incident number is %d", n)
		}
		found, _, err := s.SearchCharacters(ctx, c.ID, cad.CharacterFilter{DateOfBirth: chars[0].DateOfBirth, Limit: 10})
		if err != nil || len(found) == 0 {
			t.Fatalf("search by date of birth: %v", err)
		}
	}
	// A second run adds beside the first: seeded data is no real data.
	if _, err := seed.Run(ctx, s, seed.Options{Communities: 1, Members: 2, PasswordHash: "x"}); err != nil {
		t.Fatalf("second run: %v", err)
	}
}

// Seeding a database with real data in it needs --force.
func TestSeedRefusesRealData(t *testing.T) {
	for name, add := range map[string]func(t *testing.T, s storeLike){
		"a real user": func(t *testing.T, s storeLike) {
			if err := s.CreateUser(context.Background(), &cad.User{Username: "chief", PasswordHash: "x"}); err != nil {
				t.Fatal(err)
			}
		},
		"a real community": func(t *testing.T, s storeLike) {
			if err := s.CreateCommunity(context.Background(), &cad.Community{Name: "Real", GuildID: "123456789012345678", Settings: cad.DefaultSettings()}); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := storetest.New(t)
			add(t, s)
			_, err := seed.Run(storetest.Ctx(t), s, seed.Options{Communities: 1, Members: 2, PasswordHash: "x"})
			if err == nil || !strings.Contains(err.Error(), "--force") {
				t.Fatalf("seeded real data: %v", err)
			}
			if _, err := seed.Run(storetest.Ctx(t), s, seed.Options{Communities: 1, Members: 2, PasswordHash: "x", Force: true}); err != nil {
				t.Fatalf("with --force: %v", err)
			}
		})
	}
}

type storeLike interface {
	CreateUser(context.Context, *cad.User) error
	CreateCommunity(context.Context, *cad.Community) error
}

func TestMain(m *testing.M) { storetest.Main(m) }
