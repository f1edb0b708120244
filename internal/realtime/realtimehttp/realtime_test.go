package realtimehttp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
)

// sioClient is a real socket.io-client 4.8 (Node), driven through its
// stdin and read through its stdout.
type sioClient struct {
	*nodeProc
	t      *testing.T
	mu     sync.Mutex
	events []sioEvent
	seen   chan struct{}
}

type sioEvent struct {
	Event string            `json:"event"`
	Args  []json.RawMessage `json:"args"`
	T     int64             `json:"t"`
}

// clientDir is where make test installs the client (npm ci).
func clientDir(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs("../testdata/client")
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("!!! node is missing: the Socket.IO client tests are SKIPPED (install Node 20 and npm)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client")); err != nil {
		if _, err := exec.LookPath("npm"); err != nil {
			t.Skip("!!! npm is missing: the Socket.IO client tests are SKIPPED (install Node 20 and npm)")
		}
		t.Fatalf("socket.io-client is not installed in %s: run make testclient (make test does)", dir)
	}
	return dir
}

// nodeProc is a Node script of testdata/client run against a server.
type nodeProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// runNode starts script against srv with opts (as JSON in OPTS) and hands
// every line it prints to line; the process ends with the test.
func runNode(t *testing.T, script string, srv *httptest.Server, opts map[string]any, line func([]byte)) *nodeProc {
	t.Helper()
	dir := clientDir(t)
	o, _ := json.Marshal(opts)
	cmd := exec.Command("node", filepath.Join(dir, script))
	cmd.Env = append(os.Environ(), "URL="+srv.URL, "OPTS="+string(o))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			line(sc.Bytes())
		}
	}()
	p := &nodeProc{cmd: cmd, stdin: stdin}
	t.Cleanup(p.stop)
	return p
}

// stop closes the script's stdin (it then exits) and kills it if it has
// not within a few seconds.
func (p *nodeProc) stop() {
	_ = p.stdin.Close()
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

// startClient runs a client against srv with opts (see client.mjs).
func startClient(t *testing.T, srv *httptest.Server, opts map[string]any) *sioClient {
	t.Helper()
	c := &sioClient{t: t, seen: make(chan struct{}, 1)}
	c.nodeProc = runNode(t, "client.mjs", srv, opts, func(b []byte) {
		var e sioEvent
		if json.Unmarshal(b, &e) == nil {
			c.mu.Lock()
			c.events = append(c.events, e)
			c.mu.Unlock()
			select {
			case c.seen <- struct{}{}:
			default:
			}
		}
	})
	return c
}

// serve runs env's server on loopback until the test ends.
func serve(t *testing.T, env *apitest.Env) *httptest.Server {
	srv := httptest.NewServer(env.Server.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// pause makes the client stop reading its socket, as a frozen tab.
func (c *sioClient) pause() {
	_, _ = c.stdin.Write([]byte(`{"pause":true}` + "\n"))
	c.mustWait("paused", 5*time.Second)
}

// callsInOrder waits up to d until each of names has come n times, the
// calls <prefix>0 to <prefix>n-1 in that order; any event in refused fails
// the test at once.
func (c *sioClient) callsInOrder(prefix string, n int, names, refused []string, d time.Duration) {
	c.t.Helper()
	for wait := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		c.mu.Lock()
		got := map[string]int{}
		for _, e := range c.events {
			switch {
			case slices.Contains(names, e.Event):
				if want := fmt.Sprintf(`"incidentNumber":"%s%d"`, prefix, got[e.Event]); !strings.Contains(string(e.Args[0]), want) {
					c.mu.Unlock()
					c.t.Fatalf("%s %d out of order: %.80s", e.Event, got[e.Event], e.Args[0])
				}
				got[e.Event]++
			case slices.Contains(refused, e.Event):
				c.mu.Unlock()
				c.t.Fatalf("the client got %s", e.Event)
			}
		}
		c.mu.Unlock()
		done := true
		for _, name := range names {
			done = done && got[name] == n
		}
		if done {
			return
		}
		if time.Now().After(wait) {
			c.t.Fatalf("received %v of %d each", got, n)
		}
	}
}

// resume makes the client read its socket again.
func (c *sioClient) resume() {
	_, _ = c.stdin.Write([]byte(`{"resume":true}` + "\n"))
	c.mustWait("resumed", 5*time.Second)
}

// emit sends an event from the client.
func (c *sioClient) emit(event string, args ...any) {
	b, _ := json.Marshal(map[string]any{"emit": event, "args": args})
	_, _ = c.stdin.Write(append(b, '\n'))
}

// wait returns the first event named name, waiting up to d.
func (c *sioClient) wait(name string, d time.Duration) (sioEvent, bool) {
	deadline := time.After(d)
	for {
		c.mu.Lock()
		for _, e := range c.events {
			if e.Event == name {
				c.mu.Unlock()
				return e, true
			}
		}
		c.mu.Unlock()
		select {
		case <-c.seen:
		case <-deadline:
			return sioEvent{}, false
		}
	}
}

// mustWait fails unless the event arrives within d.
func (c *sioClient) mustWait(name string, d time.Duration) sioEvent {
	c.t.Helper()
	e, ok := c.wait(name, d)
	if !ok {
		c.mu.Lock()
		var got []string
		for _, e := range c.events {
			got = append(got, e.Event)
		}
		c.mu.Unlock()
		c.t.Fatalf("no %q within %s; got %s", name, d, strings.Join(got, ", "))
	}
	return e
}

// has reports whether an event named name arrived.
func (c *sioClient) has(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.events {
		if e.Event == name {
			return true
		}
	}
	return false
}

// The acceptance of the real-time issue with the real socket.io-client:
// members of A (a JWT and a cookie) receive a game's 911 under every
// name; B's member nothing of A; a non-member's join is refused; a
// civilian-only member gets calls but no panic or positions; a logout
// closes the socket within a second.
func TestSocketIOWithTheRealClient(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.DispatchPeople(t)
	env := tn.Env
	srv := serve(t, env)
	cookie := apitest.LoginAs(t, env, "dispatcherA", apitest.GoodPassword, "192.0.2.50").Cookie
	if cookie == "" {
		t.Fatal("no session cookie")
	}
	officer := startClient(t, srv, map[string]any{"token": tn.Tokens["officerA"], "join": []string{tn.A.GuildID}, "watchMap": tn.A.ID})
	browser := startClient(t, srv, map[string]any{"cookie": cookie, "join": []string{tn.A.ID}, "transports": []string{"polling", "websocket"}})
	// Long-polling only (the library's transport) beside WebSocket (the
	// gateway's own writing, iowebsocket.go).
	polling := startClient(t, srv, map[string]any{"token": tn.Tokens["dispatcherA"], "join": []string{tn.A.ID}, "transports": []string{"polling"}})
	memberB := startClient(t, srv, map[string]any{"token": tn.Tokens["memberB"], "join": []string{tn.B.ID}})
	outsider := startClient(t, srv, map[string]any{"token": tn.Tokens["outsider"], "join": []string{tn.A.ID}})
	plain := startClient(t, srv, map[string]any{"token": tn.Tokens["plainA"], "join": []string{tn.A.ID}, "watchMap": tn.A.ID})
	// The cookie from another origin (a sibling subdomain gets it sent) is
	// refused; from Precinct's own it holds; a token needs no origin.
	hijack := startClient(t, srv, map[string]any{"cookie": cookie, "origin": "https://evil.example.com", "join": []string{tn.A.ID}})
	own := startClient(t, srv, map[string]any{"cookie": cookie, "origin": env.Config.PublicURL, "join": []string{tn.A.ID}})
	tokenAnywhere := startClient(t, srv, map[string]any{"token": tn.Tokens["officerA"], "origin": "https://evil.example.com", "join": []string{tn.A.ID}})
	if e := hijack.mustWait("connect_error", 10*time.Second); !strings.Contains(string(e.Args[0]), "unauthorized") {
		t.Fatalf("a cross-origin cookie: %s", e.Args[0])
	}
	for name, c := range map[string]*sioClient{"own origin": own, "token": tokenAnywhere} {
		if e := c.mustWait("ack:join", 10*time.Second); !strings.Contains(string(e.Args[0]), `"ok":true`) {
			t.Fatalf("%s: %s", name, e.Args[0])
		}
	}
	anonymous := startClient(t, srv, map[string]any{"join": []string{tn.A.ID}})
	for name, c := range map[string]*sioClient{"officer": officer, "browser": browser, "memberB": memberB, "plain": plain, "polling": polling} {
		e := c.mustWait("ack:join", 10*time.Second)
		if !strings.Contains(string(e.Args[0]), `"ok":true`) {
			t.Fatalf("%s's join: %s", name, e.Args[0])
		}
	}
	for name, c := range map[string]*sioClient{"outsider": outsider, "anonymous": anonymous} {
		e := c.mustWait("ack:join", 10*time.Second)
		c.mustWait("error", 5*time.Second)
		if !strings.Contains(string(e.Args[0]), `"ok":false`) {
			t.Fatalf("%s's join of A: %s", name, e.Args[0])
		}
	}
	// A non-member learns nothing of whether a community exists.
	outsider.emit("join-community", "0123456789abcdef01234567")
	var refusals []string
	for wait := time.Now().Add(5 * time.Second); len(refusals) < 2 && time.Now().Before(wait); time.Sleep(20 * time.Millisecond) {
		refusals = refusals[:0]
		outsider.mu.Lock()
		for _, e := range outsider.events {
			if e.Event == "error" {
				var m map[string]any
				_ = json.Unmarshal(e.Args[0], &m)
				refusals = append(refusals, m["message"].(string))
			}
		}
		outsider.mu.Unlock()
	}
	if len(refusals) != 2 || refusals[0] != refusals[1] {
		t.Fatalf("refusals differ: %v", refusals)
	}
	officer.mustWait("ack:watch-map", 5*time.Second)
	if e := plain.mustWait("ack:watch-map", 5*time.Second); !strings.Contains(string(e.Args[0]), `"ok":false`) {
		t.Fatalf("a civilian watches the map: %s", e.Args[0])
	}
	officer.mustWait(MapEvent, 5*time.Second) // the snapshot on subscribe
	// Every client that may upgrade to WebSocket has: from Precinct's own
	// origin too, though the test server's Host is not the public URL's.
	// A browser of another origin may not open one (as on the event
	// stream): the token client from evil.example.com stays on polling.
	for name, c := range map[string]*sioClient{"officer": officer, "browser": browser, "plain": plain, "own": own} {
		if _, ok := c.wait("upgrade", 5*time.Second); !ok {
			t.Fatalf("%s did not upgrade", name)
		}
	}
	if _, ok := tokenAnywhere.wait("upgrade", 0); ok {
		t.Fatal("a WebSocket from another origin")
	}
	ws := map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
		"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": "https://evil.example.com"}
	if res := env.Do("GET", "/socket.io/?EIO=4&transport=websocket", nil, ws, ""); res.Code != 403 || !strings.Contains(res.Body.String(), "may not open a WebSocket") {
		t.Fatalf("a WebSocket from another origin: %d %s", res.Code, res.Body)
	}
	engineWrites := env.Hub.Stats().EngineWrites.Load()

	res := env.Do("POST", "/api/fivem/911", map[string]any{"callType": "911 Call", "location": "Vespucci Beach", "callerName": "John"}, apitest.Key(tn.KeyA), "")
	if res.Code != 201 {
		t.Fatal(res.Code, res.Body)
	}
	incident := apitest.JSONOf(t, res)["incidentNumber"].(string)
	if e := polling.mustWait("connect", 5*time.Second); string(e.Args[0]) != `"polling"` {
		t.Fatalf("the polling client connected over %s", e.Args[0])
	}
	for name, c := range map[string]*sioClient{"officer": officer, "browser": browser, "plain": plain, "polling": polling} {
		for _, ev := range []string{"call:new", "newCall", "call-created", "call.created"} {
			e := c.mustWait(ev, 5*time.Second)
			var p map[string]any
			_ = json.Unmarshal(e.Args[0], &p)
			if p["incidentNumber"] != incident || p["_id"] == nil || p["communityId"] != tn.A.ID || p["timestamp"] == nil {
				t.Fatalf("%s's %s: %s", name, ev, e.Args[0])
			}
		}
	}
	// Only the copies of the two clients on polling took the engine's
	// path; the sockets on WebSocket, upgraded ones too, got theirs in one
	// write.
	if n := env.Hub.Stats().EngineWrites.Load() - engineWrites; n != 2 {
		t.Fatalf("%d events through the engine, want 2 (the polling clients')", n)
	}
	// A panic and positions: responders only.
	if c := apitest.Status(env, "POST", "/api/fivem/panic", map[string]any{"officerName": "Officer Smith", "location": "Pier"}, apitest.Key(tn.KeyA)); c != 200 {
		t.Fatal(c)
	}
	if c := apitest.Status(env, "POST", "/api/dispatch/location-update", map[string]any{"unitId": "steam:1", "x": 1, "y": 2, "z": 3}, apitest.Key(tn.KeyA)); c != 200 {
		t.Fatal(c)
	}
	officer.mustWait("panic", 5*time.Second)
	browser.mustWait("panic", 5*time.Second)
	polling.mustWait("panic", 5*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := 0
		officer.mu.Lock()
		for _, e := range officer.events {
			if e.Event == MapEvent && strings.Contains(string(e.Args[0]), "steam:1") {
				n++
			}
		}
		officer.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no position batch")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	for _, ev := range []string{"panic", MapEvent} {
		if plain.has(ev) {
			t.Errorf("a civilian-only member received %s", ev)
		}
	}
	for _, c := range []*sioClient{memberB, outsider, anonymous} {
		for _, ev := range []string{"call:new", "call.created", "panic"} {
			if c.has(ev) {
				t.Errorf("someone outside A received %s", ev)
			}
		}
	}
	// Logout closes the cookie's socket within a second.
	start := time.Now()
	if c := apitest.Status(env, "POST", "/api/auth/logout", nil, apitest.CookieHeader(cookie)); c != 200 {
		t.Fatalf("logout: %d", c)
	}
	browser.mustWait("disconnect", time.Second)
	t.Logf("socket closed %s after the logout", time.Since(start).Round(time.Millisecond))
}

// framesFor reads the stream for d and returns the events that came.
func framesFor(ws *websocket.Conn, d time.Duration) []string {
	_ = ws.SetReadDeadline(time.Now().Add(d))
	var out []string
	for {
		var f struct {
			Event string `json:"event"`
		}
		if err := ws.ReadJSON(&f); err != nil {
			return out
		}
		out = append(out, f.Event)
	}
}

// MapEvent is the live map's batch event.
const MapEvent = "map:positions"

// wsDial opens the plain event stream with headers.
func wsDial(t *testing.T, srv *httptest.Server, query string, h map[string]string) *websocket.Conn {
	t.Helper()
	hdr := http.Header{}
	for k, v := range h {
		hdr.Set(k, v)
	}
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/events" + query
	ws, res, err := websocket.DefaultDialer.Dial(u, hdr)
	if err != nil {
		code := 0
		if res != nil {
			code = res.StatusCode
		}
		t.Fatalf("dial %s: %v (%d)", u, err, code)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return ws
}

// readUntil reads frames until one named event arrives.
func readUntil(t *testing.T, ws *websocket.Conn, event string, d time.Duration) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(d))
	for {
		var f struct {
			Event string         `json:"event"`
			Data  map[string]any `json:"data"`
		}
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("waiting for %s: %v", event, err)
		}
		if f.Event == event {
			return f.Data
		}
	}
}

// The plain stream: a game server's key joins its community at once and
// receives each event once, under its dotted name; a member joins,
// watches the map and syncs; an anonymous join is refused; a ban takes
// the member out of the room within a second.
func TestEventStream(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.DispatchPeople(t)
	env := tn.Env
	srv := serve(t, env)
	game := wsDial(t, srv, "", apitest.Key(tn.KeyA))
	if d := readUntil(t, game, "joined-community", 5*time.Second); d["communityId"] != tn.A.ID {
		t.Fatalf("joined %v", d)
	}
	officer := wsDial(t, srv, "?communityId="+tn.A.GuildID, tn.As("officerA"))
	readUntil(t, officer, "joined-community", 5*time.Second)
	_ = officer.WriteJSON(map[string]string{"type": "watch-map", "communityId": tn.A.ID})
	if d := readUntil(t, officer, MapEvent, 5*time.Second); d["full"] != true {
		t.Fatalf("snapshot %v", d)
	}
	anon := wsDial(t, srv, "", nil)
	_ = anon.WriteJSON(map[string]string{"type": "join", "communityId": tn.A.ID})
	readUntil(t, anon, "error", 5*time.Second)

	if c := apitest.Status(env, "POST", "/api/fivem/911", map[string]any{"callType": "911 Call"}, apitest.Key(tn.KeyA)); c != 201 {
		t.Fatal(c)
	}
	for _, ws := range []*websocket.Conn{game, officer} {
		d := readUntil(t, ws, "call.created", 5*time.Second)
		if d["communityId"] != tn.A.ID || d["incidentNumber"] == nil {
			t.Fatalf("call.created %v", d)
		}
	}
	// Once: no alias frames follow.
	for _, ev := range framesFor(game, 300*time.Millisecond) {
		if strings.Contains(ev, "call") {
			t.Fatalf("a second frame for the call: %s", ev)
		}
	}
	_ = officer.WriteJSON(map[string]string{"type": "sync", "communityId": tn.A.ID})
	if d := readUntil(t, officer, "sync", 5*time.Second); len(d["calls"].([]any)) == 0 {
		t.Fatalf("sync %v", d)
	}
	// A ban narrows the socket at once: out of the room.
	banned := cad.MemberBanned
	start := time.Now()
	if _, err := env.Community.UpdateMember(context.Background(), community.CLIActor(), &cad.Scope{Community: tn.A}, tn.Users["officerA"].ID,
		community.MemberPatch{Status: &banned}); err != nil {
		t.Fatal(err)
	}
	readUntil(t, officer, "left-community", time.Second)
	t.Logf("left the room %s after the ban", time.Since(start).Round(time.Millisecond))
	if c := apitest.Status(env, "POST", "/api/fivem/911", map[string]any{"callType": "911 Call"}, apitest.Key(tn.KeyA)); c != 201 {
		t.Fatal(c)
	}
	for _, ev := range framesFor(officer, 500*time.Millisecond) {
		if ev == "call.created" {
			t.Fatal("a banned member still receives A's calls")
		}
	}
	// A revoked key ends its stream.
	if err := env.Community.RevokeKey(context.Background(), community.CLIActor(), &cad.Scope{Community: tn.A}, tn.KeyAID); err != nil {
		t.Fatal(err)
	}
	_ = game.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		if _, _, err := game.ReadMessage(); err != nil {
			break
		}
	}
}

// A client that stops reading fills only its own queue: it is cut off
// after the grace, and everyone else keeps getting events and answers.
func TestSlowConsumerIsCutOff(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	srv := serve(t, env)
	stuck := wsDial(t, srv, "", apitest.Key(tn.KeyA)) // never read again
	healthy := wsDial(t, srv, "", apitest.Key(tn.KeyA))
	readUntil(t, healthy, "joined-community", 5*time.Second)
	big := strings.Repeat("x", 32<<10)
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		env.Events.Publish(cad.Event{Type: "call.created", CommunityID: tn.A.ID, ID: fmt.Sprint(i), Time: time.Now(),
			Payload: map[string]any{"description": big}})
		if (i+1)%50 == 0 {
			// The healthy client keeps up.
			_ = healthy.SetReadDeadline(time.Now().Add(5 * time.Second))
			for n := 0; n < 50; n++ {
				if _, _, err := healthy.ReadMessage(); err != nil {
					t.Fatalf("the healthy client: %v", err)
				}
			}
			if _, _, _, disc := env.Hub.Snapshot(); disc["slow consumer"] > 0 {
				break
			}
		}
	}
	if _, _, _, disc := env.Hub.Snapshot(); disc["slow consumer"] != 1 {
		t.Fatalf("disconnects %v", disc)
	}
	// The operator is told, by the key's id, never the key.
	logged := false
	for _, l := range env.Logs.Lines() {
		if strings.Contains(fmt.Sprint(l["msg"]), "could not take events") && l["apiKeyId"] == tn.KeyAID {
			logged = true
		}
	}
	if !logged || strings.Contains(env.Logs.String(), tn.KeyA) {
		t.Fatalf("the cut-off's log line (logged %v)", logged)
	}
	// The server still answers at once.
	start := time.Now()
	if c := apitest.Status(env, "GET", "/healthz", nil, nil); c != 200 || time.Since(start) > time.Second {
		t.Fatalf("healthz %d after %s", c, time.Since(start))
	}
	_ = stuck
}

// A Socket.IO client that stops reading (a frozen tab) backs up into its
// own bounded queue, not into the server's memory, and is cut off after
// the grace, while a client beside it keeps receiving every event. A
// client that asked for no aliases gets each event once.
func TestSocketIOSlowConsumerIsCutOff(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.DispatchPeople(t)
	env := tn.Env
	srv := serve(t, env)
	stuck := startClient(t, srv, map[string]any{"token": tn.Tokens["dispatcherA"], "join": []string{tn.A.ID}})
	healthy := startClient(t, srv, map[string]any{"token": tn.Tokens["dispatcherA"], "join": []string{tn.A.ID}, "aliases": false})
	stuck.mustWait("ack:join", 10*time.Second)
	healthy.mustWait("ack:join", 10*time.Second)
	stuck.pause()

	big := strings.Repeat("x", 4<<10)
	var last int
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		env.Events.Publish(cad.Event{Type: "call.created", CommunityID: tn.A.ID, ID: fmt.Sprint(i), Time: time.Now(),
			Payload: map[string]any{"incidentNumber": fmt.Sprint("N", i), "description": big}})
		last = i
		time.Sleep(time.Millisecond)
		if _, _, _, disc := env.Hub.Snapshot(); disc["slow consumer"] > 0 {
			break
		}
	}
	if _, _, _, disc := env.Hub.Snapshot(); disc["slow consumer"] != 1 {
		t.Fatalf("disconnects %v after %d events", disc, last+1)
	}
	// The healthy client got everything, in the order published, whether
	// written at once or through the queue, under one name each.
	healthy.callsInOrder("N", last+1, []string{"call:new"}, []string{"newCall", "call-created", "call.created", "disconnect"}, 10*time.Second)
	t.Logf("cut off after %d events", last+1)
}

// One Engine.IO connection carries many Socket.IO sockets in turn (a
// client may connect, leave and connect again without reconnecting): in
// the raw protocol over WebSocket, 30 connects and disconnects leave one
// connection in the hub, and the last socket's events still go out as
// frames in one write, every name once.
func TestSocketIOReconnectOnOneConnection(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.DispatchPeople(t)
	env := tn.Env
	srv := serve(t, env)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	iter := -1
	read := func(prefix string) string {
		t.Helper()
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				t.Fatalf("waiting for %q (i %d): %v", prefix, iter, err)
			}
			if strings.HasPrefix(string(b), prefix) {
				return string(b)
			}
		}
	}
	send := func(p string) {
		t.Helper()
		if err := ws.WriteMessage(websocket.TextMessage, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	read("0{") // Engine.IO open
	connections := func(want int64) {
		t.Helper()
		for wait := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
			if n, _, _, _ := env.Hub.Snapshot(); n == want {
				return
			} else if time.Now().After(wait) {
				t.Fatalf("%d connections in the hub, want %d", n, want)
			}
		}
	}
	connect := `40{"token":"` + tn.Tokens["dispatcherA"] + `"}`
	for i := 0; i < 30; i++ {
		iter = i
		send(connect)
		if got := read("4"); !strings.HasPrefix(got, "40{") {
			t.Fatalf("connect %d: %s", i, got)
		}
		// The library acknowledges the connect before the hub has the
		// socket: wait for it, or the wait for none below could pass
		// before the hub ever saw it, while the disconnect is still
		// queued in the library.
		connections(1)
		send("41")
		// Connecting again before the server has taken the socket out
		// is a protocol error that closes the connection (as in
		// Socket.IO's own server); it is out once the hub lets it go.
		connections(0)
	}
	send(connect)
	read("40{")
	send(`420["join-community","` + tn.A.ID + `"]`)
	if ack := read("430"); !strings.Contains(ack, `"ok":true`) {
		t.Fatal(ack)
	}
	connections(1)
	engineWrites := env.Hub.Stats().EngineWrites.Load()
	res := env.Do("POST", "/api/fivem/911", map[string]any{"callType": "911 Call", "callerName": "Raw"}, apitest.Key(tn.KeyA), "")
	if res.Code != 201 {
		t.Fatal(res.Code, res.Body)
	}
	for _, name := range []string{"call:new", "newCall", "call-created", "call.created"} {
		if got := read(`42["`); !strings.HasPrefix(got, `42["`+name+`",`) {
			t.Fatalf("want %s next, got %.60s", name, got)
		}
	}
	if n := env.Hub.Stats().EngineWrites.Load() - engineWrites; n != 0 {
		t.Fatalf("%d events through the engine on a WebSocket that is not behind", n)
	}
}

// A client that stops reading for a while (a network stall shorter than
// the grace) loses nothing: the events pile up in TCP, then in its
// WebSocket writer (64 writes), then in the engine and its queue, and
// arrive in the order published once it reads again, every name of each.
// A request answered while it is behind (the sync) holds the engine, so
// the events after it take the engine's path, and those after the engine
// drains the direct one again: the order holds across both.
func TestSocketIOStalledClientCatchesUpInOrder(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.DispatchPeople(t)
	env := tn.Env
	srv := serve(t, env)
	c := startClient(t, srv, map[string]any{"token": tn.Tokens["dispatcherA"], "join": []string{tn.A.ID}})
	c.mustWait("ack:join", 10*time.Second)
	c.pause()
	// 200 events of 4 names x 16 KB: 12.8 MB, more than TCP holds here.
	big := strings.Repeat("x", 16<<10)
	const n = 200
	for i := 0; i < n; i++ {
		if i == n*3/4 {
			c.emit("sync", tn.A.ID)
		}
		env.Events.Publish(cad.Event{Type: "call.created", CommunityID: tn.A.ID, ID: fmt.Sprint(i), Time: time.Now(),
			Payload: map[string]any{"incidentNumber": fmt.Sprint("S", i), "description": big}})
		time.Sleep(time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	c.resume()
	c.mustWait("ack:sync", 10*time.Second)
	c.callsInOrder("S", n, []string{"call:new", "newCall", "call-created", "call.created"}, []string{"disconnect", "sync:required"}, 20*time.Second)
	if _, _, _, disc := env.Hub.Snapshot(); len(disc) != 0 {
		t.Fatalf("disconnects %v", disc)
	}
}

// Events another instance made arrive through the shared bus marked
// Remote (the MongoDB bus; here published as it would): a call reaches
// the sockets of this instance, a position lands on this instance's live
// map (its poll and its watchers), a removal takes it off, and a gap in
// the stream tells joined clients to sync.
func TestEventsFromAnotherInstance(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	srv := serve(t, env)
	ws := wsDial(t, srv, "", apitest.Key(tn.KeyA))
	readUntil(t, ws, "joined-community", 5*time.Second)
	_ = ws.WriteJSON(map[string]any{"type": "watch-map", "communityId": tn.A.ID})
	readUntil(t, ws, "watching-map", 5*time.Second)

	env.Events.Publish(cad.Event{Type: "call.created", CommunityID: tn.A.ID, ID: "remote1", Time: time.Now(), Remote: true,
		Payload: map[string]any{"incidentNumber": "26-999", "callType": "911 Call"}})
	if d := readUntil(t, ws, "call.created", 5*time.Second); d["incidentNumber"] != "26-999" || d["_id"] != "remote1" || d["communityId"] != tn.A.ID {
		t.Fatalf("the remote call: %v", d)
	}
	env.Events.Publish(cad.Event{Type: "unit.position", CommunityID: tn.A.ID, ID: "steam:far", Time: time.Now(), Remote: true,
		Payload: map[string]any{"unitId": "steam:far", "coordinates": map[string]any{"x": 1, "y": 2, "z": 3}, "updatedAt": time.Now().UTC()}})
	for {
		d := readUntil(t, ws, MapEvent, 5*time.Second)
		if strings.Contains(fmt.Sprint(d["positions"]), "steam:far") {
			break
		}
	}
	polled := func() string {
		return fmt.Sprint(apitest.JSONOf(t, env.Do("GET", "/api/dispatch/positions", nil, apitest.Key(tn.KeyA), ""))["positions"])
	}
	if !strings.Contains(polled(), "steam:far") {
		t.Fatalf("the remote position is not on this instance's map: %s", polled())
	}
	if strings.Contains(fmt.Sprint(apitest.JSONOf(t, env.Do("GET", "/api/dispatch/positions", nil, apitest.Key(tn.KeyB), ""))["positions"]), "steam:far") {
		t.Fatal("B's map shows A's unit")
	}
	env.Events.Publish(cad.Event{Type: "unit.position", CommunityID: tn.A.ID, ID: "steam:far", Time: time.Now(), Remote: true,
		Payload: map[string]any{"unitId": "steam:far", "status": "offline"}})
	for {
		d := readUntil(t, ws, MapEvent, 5*time.Second)
		if strings.Contains(fmt.Sprint(d["removed"]), "steam:far") {
			break
		}
	}
	if strings.Contains(polled(), "steam:far") {
		t.Fatal("the remote removal did not take the unit off")
	}
	env.Events.Publish(cad.Event{Type: cad.EventGap, Time: time.Now(), Remote: true})
	if d := readUntil(t, ws, "sync.required", 5*time.Second); d["message"] == nil {
		t.Fatalf("the gap: %v", d)
	}
}

// An expired call stays in the history, and its event goes out under the
// expired names and the deleted ones (CDE deletes expired calls; its
// clients take a call off their board on deletion).
func TestCallExpiryReachesSockets(t *testing.T) {
	tn := apitest.NewTenants(t)
	tn.DispatchPeople(t)
	env := tn.Env
	srv := serve(t, env)
	c := startClient(t, srv, map[string]any{"token": tn.Tokens["dispatcherA"], "join": []string{tn.A.ID}})
	c.mustWait("ack:join", 10*time.Second)
	res := env.Do("POST", "/api/fivem/911", map[string]any{"callType": "911 Call", "callerName": "Ann"}, apitest.Key(tn.KeyA), "")
	if res.Code != 201 {
		t.Fatal(res.Code, res.Body)
	}
	created := c.mustWait("call:new", 5*time.Second)
	var call map[string]any
	_ = json.Unmarshal(created.Args[0], &call)
	env.Clock.Advance(26 * time.Minute)
	if n, err := env.Dispatch.ExpireCalls(context.Background()); err != nil || n < 1 {
		t.Fatal(n, err)
	}
	// The fixture's own call expires too: find this one's under each name.
	names := []string{"call:expired", "callExpired", "call-expired", "call.expired", "call:deleted", "callDeleted", "call-deleted", "call.deleted"}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		seen := map[string]bool{}
		c.mu.Lock()
		for _, e := range c.events {
			var got map[string]any
			_ = json.Unmarshal(e.Args[0], &got)
			if got["_id"] == call["_id"] && got["incidentNumber"] == call["incidentNumber"] && got["type"] == "call.expired" {
				seen[e.Event] = true
			}
		}
		c.mu.Unlock()
		if len(seen) == len(names) {
			for _, n := range names {
				if !seen[n] {
					t.Fatalf("not under %s: %v", n, seen)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the expiry arrived under %v of %v", seen, names)
		}
	}
}

// A client that falls behind through a burst of events that may be
// dropped (announcements) loses some, stays connected, and is told to
// sync once it has caught up: never a silent loss.
func TestDroppedEventsAskForASync(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	srv := serve(t, env)
	ws := wsDial(t, srv, "", apitest.Key(tn.KeyA))
	readUntil(t, ws, "joined-community", 5*time.Second)
	big := strings.Repeat("x", 32<<10)
	// Not reading: the socket buffers fill, then the queue (256), then
	// events are dropped.
	for i := 0; i < 2000; i++ {
		env.Events.Publish(cad.Event{Type: "announcement", CommunityID: tn.A.ID, ID: fmt.Sprint(i), Time: time.Now(),
			Payload: map[string]any{"message": big}})
	}
	for deadline := time.Now().Add(5 * time.Second); env.Hub.Stats().EventsDropped.Load() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("nothing was dropped: the test did not overflow the queue")
		}
	}
	got := 0
	for {
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		var f struct {
			Event string `json:"event"`
		}
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("after %d announcements, no sync.required: %v", got, err)
		}
		if f.Event == "sync.required" {
			break
		}
		got++
	}
	if got >= 2000 || got == 0 {
		t.Fatalf("%d announcements before the sync request", got)
	}
	if _, _, _, disc := env.Hub.Snapshot(); len(disc) != 0 {
		t.Fatalf("disconnected: %v", disc)
	}
	t.Logf("%d of 2,000 announcements, then sync.required", got)
}

// A Community Admin's announcement reaches the members joined to the
// room, and is audited; a bad one is a 400 with the standard body. Who
// may not post is in the route sweeps (tenancy_test.go, routes_test.go).
func TestAnnouncements(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	srv := serve(t, env)
	member := wsDial(t, srv, "?communityId="+tn.A.ID, tn.As("memberA"))
	readUntil(t, member, "joined-community", 5*time.Second)
	path := "/api/community/" + tn.A.ID + "/announcements"
	for _, bad := range []map[string]any{{"title": "No message"}, {"message": "Hi", "priority": "purple"}, {"message": strings.Repeat("x", 5000)}} {
		res := env.Do("POST", path, bad, tn.As("adminA"), "")
		if res.Code != 400 {
			t.Fatalf("%v: %d %s", bad, res.Code, res.Body)
		}
		apitest.CheckErrorBody(t, res, cad.EINVALID)
	}
	res := env.Do("POST", path, map[string]any{"title": "Server restart", "message": "At 20:00", "priority": "high"}, tn.As("adminA"), "")
	if res.Code != 201 {
		t.Fatal(res.Code, res.Body)
	}
	d := readUntil(t, member, "announcement.created", 5*time.Second)
	if d["title"] != "Server restart" || d["priority"] != "high" || d["communityId"] != tn.A.ID || d["_id"] != apitest.JSONOf(t, res)["_id"] {
		t.Fatalf("announcement %v", d)
	}
	audit := env.Do("GET", "/api/community/"+tn.A.ID+"/audit", nil, tn.As("adminA"), "")
	if !strings.Contains(audit.Body.String(), `"announcement"`) {
		t.Fatalf("not audited: %.300s", audit.Body)
	}
}
