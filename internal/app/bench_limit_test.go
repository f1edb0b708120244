package app_test

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/seed"
	"github.com/precinct-cad/precinct/internal/store/sqlite"
)

// limitConcurrency is how many requests are in flight at once in
// BenchmarkAtTheLimit, as a busy deployment has them.
const limitConcurrency = 16

// BenchmarkAtTheLimit is issue 16's comparison, in one run: the scoped reads,
// GET /api/auth/me and the game's plate look-up (with its durable audit
// entry), each beside a bare Echo v5 handler (no middleware) that does one
// indexed read with database/sql on the same SQLite file (a vehicle by its
// plate) and answers it as JSON. Everything runs 16 requests at a time in
// this process; the figure is the process's CPU time per request (user and
// system, from getrusage), and each request is measured in chunks of 500
// interleaved with as many bare ones, so that the ratio (x-bare) holds on a
// machine other work shares. The plate look-ups also report how much the
// database (the file and its WAL) grew per look-up (dbB/op). Run with
//
//	go test -run '^$' -bench AtTheLimit -benchtime 20000x -count 3 ./internal/app/
//
// PRECINCT_BENCH_LARGE=1 adds the large size (100 communities of 1,000
// characters and 1,000 vehicles).
func BenchmarkAtTheLimit(b *testing.B) {
	sizes := []struct {
		name      string
		n, civils int
	}{{"small-10x100", 10, 100}}
	if os.Getenv("PRECINCT_BENCH_LARGE") != "" {
		sizes = append(sizes, struct {
			name      string
			n, civils int
		}{"large-100x1000", 100, 1000})
	}
	for _, size := range sizes {
		b.Run(size.name, func(b *testing.B) {
			sd := apitest.NewSeeded(b, seed.Options{Communities: size.n, Members: size.civils / 5, Civilians: size.civils, Vehicles: size.civils})
			env, target := sd.Env, sd.Target
			h := apitest.Quiet(b, env)
			token := sd.AdminToken(b)
			_, ch, v := sd.Played(b)
			plate := v.PlateKey
			jwt := func(path string) func() *http.Request {
				return func() *http.Request {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					return req
				}
			}
			keyed := func(path string) func() *http.Request {
				return func() *http.Request {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					req.Header.Set("x-api-key", target.APIKey)
					return req
				}
			}
			// The bare handler: Echo v5 with no middleware, one indexed
			// read with database/sql on the same file (its own pool of
			// read connections, as many as the store's), the row decoded
			// and answered as JSON.
			path := env.DB.Engine().(*sqlite.Engine).Path()
			raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
			if err != nil {
				b.Fatal(err)
			}
			defer raw.Close()
			raw.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
			raw.SetMaxIdleConns(max(4, 2*runtime.GOMAXPROCS(0)))
			bare := echo.New()
			bare.GET("/vehicles/:plate", func(c *echo.Context) error {
				var doc string
				err := raw.QueryRowContext(c.Request().Context(), "SELECT doc FROM vehicles WHERE community_id = ? AND plate_key = ?",
					target.ID, c.Param("plate")).Scan(&doc)
				if err != nil {
					return err
				}
				var v bareVehicle
				if err := json.Unmarshal([]byte(doc), &v); err != nil {
					return err
				}
				return c.JSON(http.StatusOK, v)
			})
			// Its twin for the key-scoped civilian read: the same record
			// (a character by SSN), read and answered the same bare way.
			bare.GET("/civilians/:ssn", func(c *echo.Context) error {
				var doc string
				err := raw.QueryRowContext(c.Request().Context(), "SELECT doc FROM characters WHERE community_id = ? AND ssn = ?",
					target.ID, c.Param("ssn")).Scan(&doc)
				if err != nil {
					return err
				}
				var ch cad.Character
				if err := json.Unmarshal([]byte(doc), &ch); err != nil {
					return err
				}
				return c.JSON(http.StatusOK, ch)
			})
			bareRead := func() *http.Request { return httptest.NewRequest(http.MethodGet, "/vehicles/"+plate, nil) }
			cases := []struct {
				name string
				h    http.Handler
				req  func() *http.Request
			}{
				{"bare-echo-civilian-read", bare, func() *http.Request { return httptest.NewRequest(http.MethodGet, "/civilians/"+ch.SSN, nil) }},
				{"jwt-community", h, jwt("/api/community/" + target.ID)},
				{"jwt-departments", h, jwt("/api/community/" + target.ID + "/departments")},
				{"key-departments", h, keyed("/api/civilian/fivem-departments")},
				{"key-civilian-by-ssn", h, keyed("/api/civilian/fivem-civilian/" + ch.SSN)},
				{"auth-me", h, jwt("/api/auth/me")},
				{"key-plate-lookup", h, keyed("/api/civilian/fivem-plate-lookup/" + plate)},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					before := fileSizes(path)
					own, base := pairedCPU(b, c.h, c.req, bare, bareRead)
					b.ReportMetric(own, "cpu-ns/op")
					b.ReportMetric(base, "bare-cpu-ns/op")
					b.ReportMetric(own/base, "x-bare")
					if strings.Contains(c.name, "lookup") {
						b.ReportMetric(float64(fileSizes(path)-before)/float64(b.N), "dbB/op")
					}
					b.Logf("load average %s", loadAverage())
				})
			}
		})
	}
}

// pairedChunk is how many requests of one kind run before the other kind
// takes its turn in pairedCPU.
const pairedChunk = 500

// pairedCPU serves b.N requests through h and as many bare ones through
// bare, interleaved in chunks, each chunk limitConcurrency at a time, and
// returns the process's CPU time per request of each in nanoseconds. The
// interleaving makes the two figures share whatever else the machine was
// doing meanwhile, so that their ratio holds on a busy machine.
func pairedCPU(b *testing.B, h http.Handler, newReq func() *http.Request, bare http.Handler, newBare func() *http.Request) (own, base float64) {
	b.ReportAllocs()
	var cpuOwn, cpuBare time.Duration
	for done := 0; done < b.N; {
		n := min(pairedChunk, b.N-done)
		cpuOwn += parallelServe(b, h, newReq, n)
		b.StopTimer()
		cpuBare += parallelServe(b, bare, newBare, n)
		b.StartTimer()
		done += n
	}
	return float64(cpuOwn) / float64(b.N), float64(cpuBare) / float64(b.N)
}

// parallelServe serves n requests through h from limitConcurrency
// goroutines, failing on anything but 200, and returns the process's CPU
// time meanwhile.
func parallelServe(b *testing.B, h http.Handler, newReq func() *http.Request, n int) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := processCPU()
	for g := 0; g < limitConcurrency; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := newReq()
			for next.Add(1) <= int64(n) {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Error(rec.Code, rec.Body.String())
					return
				}
			}
		}()
	}
	wg.Wait()
	return processCPU() - start
}

// bareVehicle is what the bare handler reads of a vehicle and answers.
type bareVehicle struct {
	ID           string `json:"_id"`
	Plate        string `json:"plate"`
	VIN          string `json:"vin"`
	Make         string `json:"make"`
	Model        string `json:"model"`
	Color        string `json:"color"`
	Year         int    `json:"year"`
	OwnerID      string `json:"ownerId"`
	Stolen       bool   `json:"stolen"`
	Registration string `json:"registrationStatus"`
	Insurance    string `json:"insuranceStatus"`
}

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fileSizes is the size of a SQLite file and its WAL.
func fileSizes(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// loadAverage is the machine's 1, 5 and 15 minute load average.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
