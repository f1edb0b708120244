// Package seed fills a database with realistic data for demos, load tests
// and benchmarks, through the same store methods the server uses. Every
// seeded user signs in with one password (hashed once); each community gets
// departments, a game-server key, a Community Admin, a plain Member with no
// department, and members with roles and departments spread as a real
// community's are.
package seed

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
)

// Options say how much to make.
type Options struct {
	Communities int
	Members     int // per community, the admin and the plain member included
	// Civilians and Vehicles are per community: characters (owned by the
	// members, each with licenses and a bank account with ledger
	// entries) and vehicles (owned by the characters).
	Civilians int
	Vehicles  int
	// Calls is past calls per community (closed, cancelled and expired,
	// spread over the last 90 days), with units and notes.
	Calls int
	// PasswordHash is the argon2id hash every seeded user gets.
	PasswordHash string
	// Force seeds a database that holds data not made by seed.
	Force bool
}

// Store is what seeding needs.
type Store interface {
	cad.TenancyStore
	cad.DispatchStore
	// SeededOnly reports whether every user and community in the
	// database was made by seed (true for an empty one).
	SeededOnly(ctx context.Context, userPrefix, guildPrefix string) (bool, error)
}

// Result is what seed made, for scripts to use: printed as JSON.
type Result struct {
	Communities []Community `json:"communities"`
}

// Community is one seeded community.
type Community struct {
	ID      string  `json:"id"`
	GuildID string  `json:"guildId"`
	APIKey  string  `json:"apiKey"`
	Admin   Account `json:"admin"`
	Member  Account `json:"member"`
}

// Account names a seeded user who can sign in with the seed password.
type Account struct {
	Username string `json:"username"`
}

// Seeded users' names start with UserPrefix and seeded guild ids with
// GuildPrefix; that is how a later run tells seeded data from real data.
const (
	UserPrefix  = "seed-"
	GuildPrefix = "9"
)

var departments = []cad.Department{
	{Code: "LSPD", Name: "Los Santos Police Department", Type: cad.DeptLEO, CallSignTemplate: "1-ADAM-{n}", BlipColor: 3, BlipSprite: 60, Paycheck: 850},
	{Code: "BCSO", Name: "Blaine County Sheriff's Office", Type: cad.DeptLEO, CallSignTemplate: "2-LINCOLN-{n}", BlipColor: 5, BlipSprite: 60, Paycheck: 800},
	{Code: "SAFR", Name: "San Andreas Fire Rescue", Type: cad.DeptFire, CallSignTemplate: "E-{n}", BlipColor: 1, BlipSprite: 436, Paycheck: 780},
	{Code: "EMS", Name: "Emergency Medical Services", Type: cad.DeptEMS, CallSignTemplate: "M-{n}", BlipColor: 2, BlipSprite: 61, Paycheck: 760},
	{Code: "DISPATCH", Name: "San Andreas Communications", Type: cad.DeptDispatch, Paycheck: 700},
	{Code: "CIV", Name: "Civilian Operations", Type: cad.DeptCivilian},
}

var communityNames = []string{"Los Santos", "Blaine County", "Paleto Bay", "Sandy Shores", "Vinewood", "Vespucci", "Del Perro", "Mirror Park", "Grapeseed", "Chumash"}

// Run seeds s and returns what it made. It refuses a database that holds
// data seed did not make, unless o.Force.
func Run(ctx context.Context, s Store, o Options) (*Result, error) {
	if o.Communities < 1 || o.Members < 2 {
		return nil, fmt.Errorf("seed needs at least 1 community and 2 members per community (an admin and a member)")
	}
	if o.PasswordHash == "" {
		return nil, fmt.Errorf("seed needs a password")
	}
	if !o.Force {
		ok, err := s.SeededOnly(ctx, UserPrefix, GuildPrefix)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("the database holds users or communities that seed did not make; seeding it would mix demo data into real data (--force does it anyway)")
		}
	}
	// One run's names: a run id keeps a second run's data apart from the
	// first's.
	run := fmt.Sprintf("%06d", randUint()%1_000_000)
	res := &Result{}
	for i := 0; i < o.Communities; i++ {
		c, err := seedCommunity(ctx, s, o, run, i)
		if err != nil {
			return nil, fmt.Errorf("community %d: %w", i+1, err)
		}
		res.Communities = append(res.Communities, *c)
	}
	return res, nil
}

func seedCommunity(ctx context.Context, s Store, o Options, run string, i int) (*Community, error) {
	var out *Community
	var community *cad.Community
	var owners []owner
	// One transaction per community: a thousand members commit at once,
	// and a failure leaves no half community.
	err := s.Tx(ctx, func(ctx context.Context) error {
		out = nil
		name := fmt.Sprintf("%s RP %s-%d", communityNames[i%len(communityNames)], run, i+1)
		guild := fmt.Sprintf("%s%06s%011d", GuildPrefix, run, i)
		c := &cad.Community{Name: name, GuildID: guild, Settings: cad.DefaultSettings()}
		if err := s.CreateCommunity(ctx, c); err != nil {
			return err
		}
		for _, d := range departments {
			d := d
			if err := s.CreateDepartment(ctx, c.ID, &d); err != nil {
				return err
			}
		}
		key, k, err := auth.NewAPIKey(c.ID, "seeded game server", "seed")
		if err != nil {
			return err
		}
		if err := s.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		out = &Community{ID: c.ID, GuildID: c.GuildID, APIKey: key}
		community = c
		now := time.Now()
		for j := 0; j < o.Members; j++ {
			role, deps := cad.RoleMember, memberDepartments(j)
			var uname string
			switch j {
			case 0:
				uname, role, deps = fmt.Sprintf("%s%s-c%d-admin", UserPrefix, run, i+1), cad.RoleAdmin, nil
				out.Admin.Username = uname
			case 1:
				uname, deps = fmt.Sprintf("%s%s-c%d-member", UserPrefix, run, i+1), nil
				out.Member.Username = uname
			default:
				uname = fmt.Sprintf("%s%s-c%d-u%05d", UserPrefix, run, i+1, j)
				if j%50 == 0 {
					role = cad.RoleSupervisor
				}
			}
			u := &cad.User{Username: uname, PasswordHash: o.PasswordHash, DiscordID: fmt.Sprintf("4%s%04d%06d", run, i%10000, j)}
			if err := s.CreateUser(ctx, u); err != nil {
				return err
			}
			owners = append(owners, owner{id: u.ID, discordID: u.DiscordID})
			m := &cad.Membership{CommunityID: c.ID, UserID: u.ID, Username: u.Username, Role: role, Departments: deps, Status: cad.MemberActive}
			if len(deps) > 0 && deps[0] != "CIV" {
				m.CallSign = fmt.Sprintf("%s-%d", strings.ToUpper(deps[0][:1]), j)
			}
			if err := s.AddMember(ctx, m); err != nil {
				return err
			}
		}
		return s.AddAudit(ctx, &cad.AuditEntry{CommunityID: c.ID, Action: "community.seeded", ActorID: "seed", ActorKind: "cli",
			IP: "cli", Target: c.ID, After: map[string]any{"members": o.Members, "civilians": o.Civilians, "vehicles": o.Vehicles, "calls": o.Calls}, Time: now})
	})
	if err != nil {
		return nil, err
	}
	if err := seedCivil(ctx, s, o, community, owners); err != nil {
		return nil, err
	}
	if err := seedCalls(ctx, s, o, community, owners); err != nil {
		return nil, err
	}
	return out, nil
}

// memberDepartments spreads members over departments as a community's
// are: most are civilians only, about a third police, fewer fire, EMS and
// dispatch.
func memberDepartments(j int) []string {
	switch j % 10 {
	case 0, 1:
		return []string{"LSPD"}
	case 2:
		return []string{"BCSO"}
	case 3:
		return []string{"SAFR"}
	case 4:
		return []string{"EMS"}
	case 5:
		return []string{"DISPATCH"}
	}
	return []string{}
}

func randUint() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:])
}
