package realtime

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gws "github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// newTestWebSocket is the gateway's WebSocket transport on a real
// connection, and the client's end of it.
func newTestWebSocket(t *testing.T) (*ioWebSocket, *gws.Conn) {
	t.Helper()
	made := make(chan *ioWebSocket, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&gws.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		ctx := types.NewHttpContext(w, r)
		ctx.Websocket = &types.WebSocketConn{EventEmitter: types.NewEventEmitter(), Conn: c}
		made <- wsBuilder{}.New(ctx).(*ioWebSocket)
		<-release
		_ = c.Close()
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	client, _, err := gws.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return <-made, client
}

// The engine's packets and the hub's frames leave in the order they were
// handed over, however they are batched, and the engine gets one "drain"
// per Send, as its own bookkeeping expects.
func TestWebSocketKeepsOrderAndDrains(t *testing.T) {
	ws, client := newTestWebSocket(t)
	var drains atomic.Int64
	_ = ws.On("drain", func(...any) { drains.Add(1) })
	var want []string
	sends := 0
	wake := make(chan struct{}, 1)
	for i := 0; i < 300; i++ {
		if i%3 == 0 {
			// An engine packet, sometimes two in one Send.
			pkts := []*packet.Packet{{Type: packet.MESSAGE, Data: types.NewStringBuffer([]byte(fmt.Sprint("e", i)))}}
			want = append(want, fmt.Sprint("4e", i))
			if i%2 == 0 {
				pkts = append(pkts, &packet.Packet{Type: packet.PING})
				want = append(want, "2")
			}
			ws.Send(pkts)
			sends++
			continue
		}
		m := newMessage([]string{"a", "b"}, []byte(fmt.Sprint(i)), false)
		// Faster than the writer: wait when it is behind, as the hub does.
		for {
			ok, err := ws.sendFrames(m.webSocket(i%2 == 0), wake)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				break
			}
			select {
			case <-wake:
			case <-time.After(5 * time.Second):
				t.Fatal("the writer never caught up")
			}
		}
		want = append(want, fmt.Sprintf(`42["a",%d]`, i))
		if i%2 != 0 {
			want = append(want, fmt.Sprintf(`42["b",%d]`, i))
		}
	}
	_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
	for n, w := range want {
		_, got, err := client.ReadMessage()
		if err != nil {
			t.Fatalf("message %d: %v", n, err)
		}
		if string(got) != w {
			t.Fatalf("message %d: %q, want %q", n, got, w)
		}
	}
	for wait := time.Now().Add(2 * time.Second); drains.Load() != int64(sends); time.Sleep(time.Millisecond) {
		if time.Now().After(wait) {
			t.Fatalf("%d drains for %d sends", drains.Load(), sends)
		}
	}
}

// A client that does not read: past maxPending writes the transport says
// it is behind (sendFrames false, not writable for the engine); once the
// client reads again, the waiting sender is woken, the engine is told it
// may write ("ready"), and everything arrives.
func TestWebSocketBehindAndCatchingUp(t *testing.T) {
	ws, client := newTestWebSocket(t)
	var ready atomic.Int64
	_ = ws.On("ready", func(...any) { ready.Add(1) })
	wake := make(chan struct{}, 1)
	big := []byte(`"` + strings.Repeat("x", 256<<10) + `"`)
	sent := 0
	for ; sent < 10000; sent++ {
		m := newMessage([]string{"big"}, big, false)
		ok, err := ws.sendFrames(m.webSocket(false), wake)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	if sent == 10000 || ws.Writable() {
		t.Fatalf("never behind after %d frames of 256 KB (writable %v)", sent, ws.Writable())
	}
	got := make(chan int)
	go func() {
		n := 0
		_ = client.SetReadDeadline(time.Now().Add(20 * time.Second))
		for n < sent {
			if _, _, err := client.ReadMessage(); err != nil {
				break
			}
			n++
		}
		got <- n
	}()
	select {
	case <-wake:
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting sender was not woken")
	}
	if n := <-got; n != sent {
		t.Fatalf("%d of %d frames arrived", n, sent)
	}
	for wait := time.Now().Add(2 * time.Second); !ws.Writable() || ready.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(wait) {
			t.Fatalf("writable %v, ready %d after catching up", ws.Writable(), ready.Load())
		}
	}
}

// The frames the gateway writes itself are read back, name by name, by a
// real WebSocket client, at the sizes where a frame's length changes form
// (7 bits, 16 bits, 64 bits).
func TestWebSocketFramesReadByAClient(t *testing.T) {
	conns := make(chan *gws.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&gws.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		conns <- c
	}))
	defer srv.Close()
	client, _, err := gws.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server := <-conns
	defer server.Close()
	names := []string{"call:new", "newCall", "call-created", "call.created"}
	for _, size := range []int{0, 100, 118, 119, 120, 65500, 65530, 65531, 70000, 1 << 20} {
		payload := []byte(`{"d":"` + strings.Repeat("x", size) + `"}`)
		m := newMessage(names, payload, true)
		for _, lean := range []bool{false, true} {
			// Written while read: a large batch is more than TCP holds.
			wrote := make(chan error, 1)
			go func() { _, err := server.NetConn().Write(m.webSocket(lean)); wrote <- err }()
			want := names
			if lean {
				want = names[:1]
			}
			_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
			for _, n := range want {
				mt, got, err := client.ReadMessage()
				if err != nil {
					t.Fatalf("size %d, %s: %v", size, n, err)
				}
				exp := append(append([]byte(`42["`+n+`",`), payload...), ']')
				if mt != gws.TextMessage || !bytes.Equal(got, exp) {
					t.Fatalf("size %d, %s: type %d, %d bytes %.40q, want %d bytes", size, n, mt, len(got), got, len(exp))
				}
			}
			if err := <-wrote; err != nil {
				t.Fatal(err)
			}
		}
	}
}
