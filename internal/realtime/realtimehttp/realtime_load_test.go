package realtimehttp_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/seed"
)

// The real-time load figures of docs/performance.md: not part of make
// test (no timing thresholds there). Run with
//
//	PRECINCT_RT_LOAD=1 go test -run TestRealtimeLoad -v -timeout 10m ./internal/realtime/realtimehttp/
//
// The server runs in this process on loopback; the sockets are real
// socket.io-client sockets in one Node process (load.mjs).
func TestRealtimeLoad(t *testing.T) {
	if os.Getenv("PRECINCT_RT_LOAD") == "" {
		t.Skip("load figures: PRECINCT_RT_LOAD=1")
	}
	tn := apitest.NewTenantsWith(t, apitest.Unlimited, operatorIntervals)
	tn.DispatchPeople(t)
	env := tn.Env
	srv := serve(t, env)
	h := env.Server.Handler()

	// Memory per idle socket: the heap and stacks before and after 1,000
	// sockets joined.
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc + m.StackInuse
	}
	before := heap()
	// HTTP latency while 1,000 sockets connect at once.
	stopProbe, probe := probeLatency(h, tn.Tokens["officerA"], tn.A.ID)
	dispatchers := startLoads(t, srv, clientProcs, map[string]any{"n": 1000, "token": tn.Tokens["dispatcherA"], "join": tn.A.ID, "events": []string{"call:new"}})
	dispatchers.waitReady(t, 60*time.Second)
	p := stopProbe()
	t.Logf("HTTP while 1,000 sockets connected at once: %d requests, p50 %s, p99 %s", len(probe()), p[0], p[1])
	after := heap()
	t.Logf("memory per idle socket: %.1f KB (live heap + stacks %d -> %d)", float64(after-before)/1000/1024, before, after)

	idle := cpuTime(os.Getpid())
	time.Sleep(5 * time.Second)
	t.Logf("server CPU with 1,000 idle sockets (revalidated every 500 ms): %.1f%% of one core", float64(cpuTime(os.Getpid())-idle)/float64(5*time.Second)*100)
	calls911(t, env, tn.KeyA, dispatchers, "every name (call:new, newCall, call-created, call.created)")
	dispatchers.stop()
	// The same with clients that asked for one name per event.
	lean := startLoads(t, srv, clientProcs, map[string]any{"n": 1000, "token": tn.Tokens["dispatcherA"], "join": tn.A.ID, "events": []string{"call:new"}, "aliases": false})
	lean.waitReady(t, 60*time.Second)
	calls911(t, env, tn.KeyA, lean, "one name (auth.aliases false)")

	// Faults while events flow: the 1,000 sockets killed mid-stream, and
	// one socket that stops reading. HTTP keeps answering.
	stuck := startClient(t, srv, map[string]any{"token": tn.Tokens["dispatcherA"], "join": []string{tn.A.ID}})
	stuck.mustWait("ack:join", 10*time.Second)
	stuck.pause()
	stopProbe, probe = probeLatency(h, tn.Tokens["officerA"], tn.A.ID)
	stopPub := make(chan struct{})
	pubDone := make(chan int)
	go func() {
		big := strings.Repeat("x", 4<<10)
		i := 0
		for ; ; i++ {
			select {
			case <-stopPub:
				pubDone <- i
				return
			case <-time.After(2 * time.Millisecond):
			}
			env.Events.Publish(cad.Event{Type: "call.created", CommunityID: tn.A.ID, ID: fmt.Sprint("f", i), Time: time.Now(),
				Payload: map[string]any{"incidentNumber": fmt.Sprint("F", i), "description": big}})
		}
	}()
	time.Sleep(time.Second)
	lean.kill()
	time.Sleep(7 * time.Second)
	close(stopPub)
	published := <-pubDone
	p = stopProbe()
	connected, _, _, disc := env.Hub.Snapshot()
	t.Logf("faults (1,000 sockets killed mid-stream, 1 socket not reading, %d events of 4 KB published over 8 s): HTTP %d requests, p50 %s, p99 %s; sockets left %d; disconnects %v",
		published, len(probe()), p[0], p[1], connected, disc)

	// 20,000 position updates a second for 5 s while 200 sockets watch.
	watchers := startLoad(t, srv, map[string]any{"n": 200, "token": tn.Tokens["officerA"], "join": tn.A.ID, "watchMap": tn.A.ID,
		"events": []string{"map:positions"}})
	watchers.waitReady(t, 60*time.Second)
	// Paced: each goroutine sends as fast as it can while behind the
	// schedule of rate updates a second, and sleeps when ahead. 500 units
	// (a full server) each move 40 times a second.
	const rate, units, span = 20000, 500, 5 * time.Second
	start := time.Now()
	var sent atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				el := time.Since(start)
				if el >= span {
					return
				}
				if sent.Load() >= int64(el.Seconds()*rate) {
					time.Sleep(200 * time.Microsecond)
					continue
				}
				i := sent.Add(1)
				body := fmt.Sprintf(`{"unitId":"steam:%d","x":%d,"y":2,"z":3,"heading":90,"speed":12}`, i%units, i%4000)
				req := httptest.NewRequest("POST", "/api/dispatch/location-update", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("x-api-key", tn.KeyA)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					t.Error(rec.Code, rec.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	time.Sleep(time.Second)
	perSocket := map[string]int{}
	for _, l := range watchers.lines() {
		f := strings.Fields(l)
		if len(f) == 4 {
			perSocket[f[1]]++
		}
	}
	most := 0
	for _, n := range perSocket {
		most = max(most, n)
	}
	t.Logf("positions: %d updates in %s (%.0f/s) with 200 watchers; batches per socket: most %d in %.1f s (%.2f/s)",
		sent.Load(), elapsed.Round(time.Millisecond), float64(sent.Load())/elapsed.Seconds(), most, elapsed.Seconds()+1, float64(most)/(elapsed.Seconds()+1))
	watchers.stop()
}

// clientProcs is how many Node processes share the sockets: Node runs
// one thread, and real clients do not share one.
const clientProcs = 2

// loadGroup is the sockets of several Node processes.
type loadGroup []*loadProc

// startLoads splits opts["n"] sockets over procs processes.
func startLoads(t *testing.T, srv *httptest.Server, procs int, opts map[string]any) loadGroup {
	var g loadGroup
	n := opts["n"].(int)
	for i := 0; i < procs; i++ {
		o := maps.Clone(opts)
		o["n"], o["first"] = n/procs, i*(n/procs)
		p := startLoad(t, srv, o)
		p.n = n / procs
		g = append(g, p)
	}
	return g
}

func (g loadGroup) sockets() int {
	n := 0
	for _, p := range g {
		n += p.n
	}
	return n
}

func (g loadGroup) waitReady(t *testing.T, d time.Duration) {
	for _, p := range g {
		p.waitReady(t, d)
	}
}

func (g loadGroup) lines() []string {
	var out []string
	for _, p := range g {
		out = append(out, p.lines()...)
	}
	return out
}

func (g loadGroup) stop() {
	for _, p := range g {
		p.stop()
	}
}

func (g loadGroup) kill() {
	for _, p := range g {
		_ = p.cmd.Process.Kill()
	}
}

func (g loadGroup) cpu() time.Duration {
	var d time.Duration
	for _, p := range g {
		d += cpuTime(p.cmd.Process.Pid)
	}
	return d
}

// loadProc is one Node process of many sockets.
type loadProc struct {
	*nodeProc
	n     int // sockets
	mu    sync.Mutex
	out   []string
	ready chan struct{}
}

func startLoad(t *testing.T, srv *httptest.Server, opts map[string]any) *loadProc {
	t.Helper()
	p := &loadProc{ready: make(chan struct{})}
	p.nodeProc = runNode(t, "load.mjs", srv, opts, func(b []byte) {
		l := string(b)
		if strings.HasPrefix(l, "ready ") {
			close(p.ready)
			return
		}
		p.mu.Lock()
		p.out = append(p.out, l)
		p.mu.Unlock()
	})
	return p
}

func (p *loadProc) waitReady(t *testing.T, d time.Duration) {
	select {
	case <-p.ready:
	case <-time.After(d):
		t.Fatalf("sockets not ready in %s: %v", d, p.lines()[:min(5, len(p.lines()))])
	}
}

func (p *loadProc) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.out...)
}

// probeLatency sends an authenticated read every 2 ms until stopped and
// returns its p50 and p99.
func probeLatency(h http.Handler, token, community string) (stop func() [2]time.Duration, samples func() []time.Duration) {
	var mu sync.Mutex
	var lat []time.Duration
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			req := httptest.NewRequest("GET", "/api/community/"+community, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			start := time.Now()
			h.ServeHTTP(httptest.NewRecorder(), req)
			mu.Lock()
			lat = append(lat, time.Since(start))
			mu.Unlock()
		}
	}()
	return func() [2]time.Duration {
			close(done)
			mu.Lock()
			defer mu.Unlock()
			s := append([]time.Duration(nil), lat...)
			sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
			if len(s) == 0 {
				return [2]time.Duration{}
			}
			return [2]time.Duration{s[len(s)/2], s[len(s)*99/100]}
		}, func() []time.Duration {
			mu.Lock()
			defer mu.Unlock()
			return lat
		}
}

// cpuTime is a process's user+system CPU time so far (Linux).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond // USER_HZ 100
}

// calls911 sends 50 calls, 100 ms apart, and reports how long each took
// from its 201 to its call:new at every socket of p.
func calls911(t *testing.T, env *apitest.Env, apiKey string, p loadGroup, label string) (p99 int64) {
	answered := map[string]int64{}
	selfCPU, nodeCPU := cpuTime(os.Getpid()), p.cpu()
	if f := os.Getenv("PRECINCT_RT_PROFILE"); f != "" {
		// One profile per run: <file>.<first word of the label>.
		out, err := os.Create(f + "." + strings.Fields(label)[0])
		if err != nil {
			t.Fatal(err)
		}
		_ = pprof.StartCPUProfile(out)
		defer out.Close()
	}
	// handed: from the 201 to every socket's packets handed to its
	// connection (the server's part; the rest is the network and the
	// clients).
	var handed []time.Duration
	for i := 0; i < 50; i++ {
		base := env.Hub.Stats().EventsSent.Load()
		res := env.Do("POST", "/api/fivem/911", map[string]any{"callType": "911 Call", "callerName": fmt.Sprint("Load ", i)}, apitest.Key(apiKey), "")
		if res.Code != 201 {
			t.Fatal(res.Code, res.Body)
		}
		answered[apitest.JSONOf(t, res)["incidentNumber"].(string)] = time.Now().UnixMilli()
		t0 := time.Now()
		for env.Hub.Stats().EventsSent.Load() < base+int64(p.sockets()) && time.Since(t0) < time.Second {
			time.Sleep(50 * time.Microsecond)
		}
		handed = append(handed, time.Since(t0))
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	pprof.StopCPUProfile()
	sort.Slice(handed, func(i, j int) bool { return handed[i] < handed[j] })
	var lat []int64
	for _, l := range p.lines() {
		f := strings.Fields(l)
		if len(f) == 4 && f[0] == "call:new" {
			at, _ := strconv.ParseInt(f[3], 10, 64)
			if sent, ok := answered[f[2]]; ok {
				lat = append(lat, at-sent)
			}
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) != 50*1000 {
		t.Fatalf("%d deliveries of 50,000", len(lat))
	}
	t.Logf("911 answered -> call:new received, %s, 50 calls x 1,000 sockets: p50 %d ms, p99 %d ms, max %d ms; handed to every socket's connection: p50 %s, max %s; CPU server %s, clients %s",
		label, lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1], handed[25].Round(time.Millisecond), handed[49].Round(time.Millisecond),
		cpuTime(os.Getpid())-selfCPU, p.cpu()-nodeCPU)
	return lat[len(lat)*99/100]
}

// operatorIntervals are the real-time defaults an operator runs with
// (tests elsewhere use shorter ones).
func operatorIntervals(c *config.Config) {
	c.MapInterval, c.RevalidateInterval, c.SlowConsumerGrace = 500*time.Millisecond, 500*time.Millisecond, 5*time.Second
}

// TestRealtimeLoadAtSize is the 911 fan-out at two sizes of seeded data in
// one run: 100 communities of 20 members with no past calls, and with
// 1,000 past calls each (100,000); 1,000 sockets of the middle community's
// admin. Run with PRECINCT_RT_LOAD=1 (docs/performance.md).
func TestRealtimeLoadAtSize(t *testing.T) {
	if os.Getenv("PRECINCT_RT_LOAD") == "" {
		t.Skip("load figures: PRECINCT_RT_LOAD=1")
	}
	var p99 []int64
	for _, size := range []struct {
		name  string
		calls int
	}{{"empty history", 0}, {"100 x 1,000 past calls", 1000}} {
		start := time.Now()
		sd := apitest.NewSeeded(t, seed.Options{Communities: 100, Members: 20, Calls: size.calls}, operatorIntervals)
		env, target := sd.Env, sd.Target
		t.Logf("%s seeded in %s", size.name, time.Since(start).Round(time.Second))
		srv := httptest.NewServer(env.Server.Handler())
		token := sd.AdminToken(t)
		for _, aliases := range []bool{true, false} {
			g := startLoads(t, srv, clientProcs, map[string]any{"n": 1000, "token": token, "join": target.ID, "events": []string{"call:new"}, "aliases": aliases})
			g.waitReady(t, 60*time.Second)
			label := "every name"
			if !aliases {
				label = "one name"
			}
			p99 = append(p99, calls911(t, env, target.APIKey, g, label+", "+size.name))
			g.stop()
		}
		srv.Close()
	}
	t.Logf("p99 ratio, 100,000 past calls to none: every name %.2f, one name %.2f", float64(p99[2])/float64(p99[0]), float64(p99[3])/float64(p99[1]))
}
