package realtime

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gws "github.com/gorilla/websocket"
)

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
