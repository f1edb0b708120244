package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/storetest"
)

// R12, R85: counters and member counts stay exact under concurrent updates,
// on the embedded FerretDB (which applies $inc as a read and then a write)
// as on MongoDB.
func TestConcurrentUpdatesAreNotLost(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	com := &cad.Community{Name: "C", GuildID: "33333", Settings: cad.DefaultSettings()}
	if err := db.CreateCommunity(ctx, com); err != nil {
		t.Fatal(err)
	}
	const n = 50
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := db.IncrCounter(ctx, "k", time.Now().Add(time.Hour)); err != nil {
				t.Error(err)
			}
			u := &cad.User{Username: "user" + string(rune('A'+i%26)) + string(rune('a'+i/26)), PasswordHash: "x"}
			if err := db.CreateUser(ctx, u); err != nil {
				t.Error(err)
				return
			}
			if err := db.AddMember(ctx, &cad.Membership{CommunityID: com.ID, UserID: u.ID, Username: u.Username, Role: cad.RoleMember, Status: cad.MemberActive}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	got, err := db.Counters(ctx, time.Now(), "k")
	if err != nil || got["k"].Count != n {
		t.Fatalf("counter after %d concurrent increments: %d %v", n, got["k"].Count, err)
	}
	if members, err := db.CountMembers(ctx, com.ID); err != nil || members != n {
		t.Fatalf("member count after %d concurrent joins: %d %v", n, members, err)
	}
}
