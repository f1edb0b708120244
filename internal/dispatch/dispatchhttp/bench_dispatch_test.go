package dispatchhttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/dispatch"
	"github.com/precinct-cad/precinct/internal/seed"
)

// The tablet's polls and the pending board with an empty call history and
// with 100 communities x 1,000 past calls (100,000), in one run. Run with
//
//	go test -run '^$' -bench DispatchScale -benchtime 5000x ./internal/dispatch/dispatchhttp/
func BenchmarkDispatchScale(b *testing.B) {
	for _, size := range []struct {
		name  string
		calls int
	}{
		{"empty-history", 0},
		{"100x1000-calls", 1000},
	} {
		b.Run(size.name, func(b *testing.B) {
			sd := apitest.NewSeeded(b, seed.Options{Communities: 100, Members: 20, Calls: size.calls})
			env, target := sd.Env, sd.Target
			h := apitest.Quiet(b, env)
			ctx := context.Background()
			com, _ := env.DB.Community(ctx, target.ID, false)
			admin, _ := env.DB.UserByUsername(ctx, target.Admin.Username)
			m, _ := env.DB.Member(ctx, target.ID, admin.ID)
			srv := cad.Caller{Scope: &cad.Scope{Community: com, Server: true}, Actor: cad.Actor{UserID: "bench", Kind: "server"}}
			if _, err := env.Dispatch.SetDuty(ctx, srv, m, admin, dispatch.DutyInput{OnDuty: true, Department: "LSPD"}); err != nil {
				b.Fatal(err)
			}
			// Three pending calls, one of them the admin's.
			for i := 0; i < 3; i++ {
				typ := fmt.Sprint("911 Call ", i)
				call, err := env.Dispatch.Place911(ctx, srv, dispatch.CallInput{CallType: &typ, Coordinates: &cad.Coords{X: 1, Y: 2, Z: 3}})
				if err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					if _, err := env.Dispatch.Assign(ctx, srv, call.ID, []string{admin.ID}, ""); err != nil {
						b.Fatal(err)
					}
				}
			}
			keyed := func(path string) *http.Request {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("x-api-key", target.APIKey)
				req.Header.Set("Content-Type", "application/json")
				return req
			}
			b.Run("unit-calls", func(b *testing.B) { apitest.ServeLoop(b, h, keyed("/api/fivem/unit-calls?discordId="+admin.DiscordID)) })
			b.Run("unit-active", func(b *testing.B) {
				apitest.ServeLoop(b, h, keyed("/api/fivem/unit-active?discordId="+admin.DiscordID))
			})
			token := sd.AdminToken(b)
			b.Run("calls-pending", func(b *testing.B) {
				req := httptest.NewRequest("GET", "/api/calls/pending?communityId="+target.ID, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				apitest.ServeLoop(b, h, req)
			})
		})
	}
}

// BenchmarkPositionIngest posts live positions through the whole
// application (key, community, limits, JSON, the in-memory map) from
// parallel goroutines, 1,000 units over 10 communities; it reports
// updates a second.
func BenchmarkPositionIngest(b *testing.B) {
	env := apitest.NewSeeded(b, seed.Options{Communities: 10, Members: 2}).Env
	h := apitest.Quiet(b, env)
	res, err := seed.Run(context.Background(), env.DB, seed.Options{Communities: 10, Members: 2, PasswordHash: "x", Force: true})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	start := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			c := res.Communities[i%10]
			body := fmt.Sprintf(`{"unitId":"steam:%d","unitName":"Unit %d","x":%d.5,"y":-800.25,"z":30,"heading":90,"status":"In Service","job":"lspd","postal":"123"}`,
				i%1000, i%1000, i%4000)
			req := httptest.NewRequest("POST", "/api/dispatch/location-update", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-API-Key", c.APIKey)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatal(rec.Code, rec.Body.String())
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "updates/s")
	if held := env.Dispatch.Positions().Len(); held > 1000 {
		b.Fatalf("%d positions held for 1,000 units", held)
	}
}
