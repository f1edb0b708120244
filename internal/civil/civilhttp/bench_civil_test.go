package civilhttp_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/seed"
)

// The civil records at two sizes, in one run: 10 communities x 100
// characters and 100 vehicles, and 100 x 1,000 (100,000 of each, with
// 400,000 ledger entries). Members are a fifth of the characters at both
// sizes, so a player has 5 characters either way and the answers are the
// same length. Run with
//
//	go test -run '^$' -bench CivilScale -benchtime 2000x ./internal/civil/civilhttp/
func BenchmarkCivilScale(b *testing.B) {
	for _, size := range []struct {
		name      string
		n, civils int
	}{
		{"small-10x100", 10, 100},
		{"large-100x1000", 100, 1000},
	} {
		b.Run(size.name, func(b *testing.B) {
			start := time.Now()
			sd := apitest.NewSeeded(b, seed.Options{Communities: size.n, Members: size.civils / 5, Civilians: size.civils, Vehicles: size.civils})
			b.Logf("seeded in %s", time.Since(start).Round(time.Millisecond))
			target := sd.Target
			h := apitest.Quiet(b, sd.Env)
			token := sd.AdminToken(b)
			admin, ch, v := sd.Played(b)
			keyed := func(method, path, body string) *http.Request {
				var req *http.Request
				if body == "" {
					req = httptest.NewRequest(method, path, nil)
				} else {
					req = httptest.NewRequest(method, path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("x-api-key", target.APIKey)
				return req
			}
			b.Run("plate-lookup", func(b *testing.B) {
				apitest.ServeLoop(b, h, keyed("GET", "/api/civilian/fivem-plate-lookup/"+v.PlateKey, ""))
			})
			b.Run("fivem-civilian-by-ssn", func(b *testing.B) {
				apitest.ServeLoop(b, h, keyed("GET", "/api/civilian/fivem-civilian/"+ch.SSN, ""))
			})
			b.Run("fivem-civilians-by-discord", func(b *testing.B) {
				apitest.ServeLoop(b, h, keyed("GET", "/api/civilian/fivem-civilians-by-discord/"+admin.DiscordID, ""))
			})
			b.Run("name-search-first-page", func(b *testing.B) {
				// The first page of 10 of a common last-name prefix.
				req := httptest.NewRequest("GET", "/api/lookup/person?lastName=sm&limit=10", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("x-community-id", target.ID)
				apitest.ServeLoop(b, h, req)
			})
			b.Run("deposit", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, keyed("POST", "/api/fivem/bank/deposit", `{"civilianId":"`+ch.SSN+`","amount":1,"description":"bench"}`))
					if rec.Code != 200 {
						b.Fatal(rec.Code, rec.Body.String())
					}
				}
			})
		})
	}
}

// BenchmarkForceSync5000 sends 5,000 new characters in one force-sync
// request (each iteration new ones) to a community of the large size.
func BenchmarkForceSync5000(b *testing.B) {
	sd := apitest.NewSeeded(b, seed.Options{Communities: 100, Members: 200, Civilians: 1000, Vehicles: 1000})
	target := sd.Target
	h := apitest.Quiet(b, sd.Env)
	round := 0
	for b.Loop() {
		round++
		var sb strings.Builder
		sb.WriteString(`{"characters":[`)
		for i := 0; i < 5000; i++ {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"firstName":"Sync%d","lastName":"Bulk","dateOfBirth":"1990-01-01","gender":"Male","ssn":"FS%d-%05d","discordId":"4000000000%07d","phone":"555-0100","nationality":"American"}`,
				i, round, i, i)
		}
		sb.WriteString(`]}`)
		req := httptest.NewRequest("POST", "/api/civilian/fivem-force-sync-characters", strings.NewReader(sb.String()))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-api-key", target.APIKey)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"created":5000`) {
			b.Fatal(rec.Code, rec.Body.String()[:min(500, rec.Body.Len())])
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/5000")
	}
}
