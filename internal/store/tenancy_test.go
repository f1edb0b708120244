package store_test

import (
	"context"
	"testing"

	"github.com/precinct-cad/precinct/internal/cad"
	. "github.com/precinct-cad/precinct/internal/store"
	"github.com/precinct-cad/precinct/internal/storetest"
)

// Each tenant repository, in isolation: data made in community A is
// invisible from community B, look-ups by id included (R60).
func TestTenantRepositoriesAreIsolated(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	a := &cad.Community{Name: "A", GuildID: "11111", Settings: cad.DefaultSettings()}
	b := &cad.Community{Name: "B", GuildID: "22222", Settings: cad.DefaultSettings()}
	for _, c := range []*cad.Community{a, b} {
		if err := db.CreateCommunity(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	u := &cad.User{Username: "someone", PasswordHash: "x"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}

	t.Run("members", func(t *testing.T) {
		if err := db.AddMember(ctx, &cad.Membership{CommunityID: a.ID, UserID: u.ID, Username: u.Username, Role: cad.RoleAdmin, Status: cad.MemberActive}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Member(ctx, b.ID, u.ID); cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Fatalf("B sees A's member: %v", err)
		}
		if list, _ := db.Members(ctx, b.ID, MemberFilter{Limit: 10}); len(list) != 0 {
			t.Fatalf("B lists %d members", len(list))
		}
		role := cad.RoleMember
		if _, err := db.UpdateMember(ctx, b.ID, u.ID, MemberUpdate{Role: &role}); cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Fatalf("B updates A's member: %v", err)
		}
		if err := db.RemoveMember(ctx, b.ID, u.ID); cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Fatalf("B removes A's member: %v", err)
		}
		if n, _ := db.CountAdmins(ctx, b.ID); n != 0 {
			t.Fatal("B counts A's admin")
		}
		if m, err := db.Member(ctx, a.ID, u.ID); err != nil || m.Role != cad.RoleAdmin {
			t.Fatalf("A's member changed: %+v %v", m, err)
		}
	})
	t.Run("departments", func(t *testing.T) {
		d := &cad.Department{Code: "LSPD", Name: "Police", Type: cad.DeptLEO}
		if err := db.CreateDepartment(ctx, a.ID, d); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Department(ctx, b.ID, d.ID); cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Fatalf("B reads A's department: %v", err)
		}
		if list, _ := db.Departments(ctx, b.ID); len(list) != 0 {
			t.Fatal("B lists A's department")
		}
		changed := *d
		changed.Name = "Stolen"
		if _, err := db.UpdateDepartment(ctx, b.ID, &changed); cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Fatalf("B updates A's department: %v", err)
		}
		if err := db.DeleteDepartment(ctx, b.ID, d.ID); cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Fatalf("B deletes A's department: %v", err)
		}
		// The same code is free in B: uniqueness is per community.
		if err := db.CreateDepartment(ctx, b.ID, &cad.Department{Code: "LSPD", Name: "Other", Type: cad.DeptLEO}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("api keys", func(t *testing.T) {
		k := &cad.APIKey{Hash: "h-a", CommunityID: a.ID, Name: "A", Prefix: "01234567"}
		if err := db.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if _, err := db.APIKey(ctx, b.ID, k.ID); cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Fatalf("B reads A's key: %v", err)
		}
		if list, _ := db.APIKeys(ctx, b.ID); len(list) != 0 {
			t.Fatal("B lists A's key")
		}
		if err := db.DeleteAPIKey(ctx, b.ID, k.Hash); cad.ErrorCode(err) != cad.ENOTFOUND {
			t.Fatalf("B revokes A's key: %v", err)
		}
	})
	t.Run("audit", func(t *testing.T) {
		if err := db.AddAudit(ctx, &cad.AuditEntry{CommunityID: a.ID, Action: "x"}); err != nil {
			t.Fatal(err)
		}
		if list, _ := db.Audit(ctx, b.ID, cad.AuditFilter{Limit: 10}); len(list) != 0 {
			t.Fatal("B reads A's audit log")
		}
	})
}
