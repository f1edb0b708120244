package realtime

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"

	gws "github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// wsBuilder makes the gateway's WebSocket transport (registered in place
// of the library's, under the same name, through its transport option).
type wsBuilder struct{}

func (wsBuilder) Name() string          { return transports.WEBSOCKET }
func (wsBuilder) HandlesUpgrades() bool { return true }
func (wsBuilder) UpgradesTo() []string  { return nil }

func (wsBuilder) New(ctx *types.HttpContext) transports.Transport {
	t := &ioWebSocket{Websocket: transports.MakeWebSocket(), ws: ctx.Websocket}
	if ctx.Websocket != nil && ctx.Websocket.Conn != nil {
		t.conn = ctx.Websocket.NetConn()
	}
	// The library's transport keeps the reading, the upgrade and the
	// closing; the writing is replaced.
	t.Prototype(t)
	t.Construct(ctx)
	return t
}

// ioWebSocket is the library's WebSocket transport with its writing
// replaced, for the cost of a fan-out:
//   - the hub hands it an event as WebSocket frames encoded once for every
//     socket (sendFrames), past the engine's per-packet work (an event, a
//     buffer, a flush and five more events for each of four names);
//   - everything waiting when its writer runs goes out in one write to the
//     connection: an event under its four names is one system call, and
//     usually one TCP segment the client reads at once, not four.
//
// At 1,000 dispatchers these were most of the server's cost of a 911 call
// (docs/performance.md). The engine's own packets (pings, replies) still
// come through Send, in order with the hub's frames.
//
// The frames are written straight to the connection, which is safe
// because every data frame goes through here: the library writes no other
// data frame on a transport it did not make, and gorilla's control frames
// (a pong, a close) are single writes, which the connection never
// interleaves with another write.
type ioWebSocket struct {
	transports.Websocket
	ws   *types.WebSocketConn
	conn net.Conn

	mu      sync.Mutex
	pending []outFrame
	sends   int // engine Send calls in pending: the engine expects a "drain" for each
	running bool
	failed  bool
	// drained is signalled after the next write, for a sender that found
	// the client behind.
	drained chan struct{}
}

// outFrame is one thing to write: an engine packet, or frames the hub
// encoded (shared by every socket: never written to).
type outFrame struct {
	pkt    *packet.Packet
	frames []byte
}

// maxPending is how many writes may wait for a client that is not reading
// before the transport says it is behind: the engine then buffers its
// packets, and the hub its events, where both are bounded and watched.
const maxPending = 64

// Send queues the engine's packets for the writer; it never waits.
func (t *ioWebSocket) Send(pkts []*packet.Packet) {
	t.mu.Lock()
	if t.failed || t.conn == nil {
		t.mu.Unlock()
		return
	}
	for _, p := range pkts {
		t.pending = append(t.pending, outFrame{pkt: p})
	}
	t.sends++
	start := t.startLocked()
	t.mu.Unlock()
	if start {
		go t.write()
	}
}

// sendFrames queues frames the hub encoded, unless maxPending writes wait
// already (false: the client is behind; wake is signalled after the next
// write). It never waits.
func (t *ioWebSocket) sendFrames(frames []byte, wake chan struct{}) (bool, error) {
	t.mu.Lock()
	if t.failed || t.conn == nil {
		t.mu.Unlock()
		return false, errClosed
	}
	if len(t.pending) >= maxPending {
		t.drained = wake
		t.mu.Unlock()
		return false, nil
	}
	t.pending = append(t.pending, outFrame{frames: frames})
	start := t.startLocked()
	t.mu.Unlock()
	if start {
		go t.write()
	}
	return true, nil
}

// startLocked marks the writer running and reports whether it must be
// started; it also stops the engine handing packets over while maxPending
// wait. t.mu is held.
func (t *ioWebSocket) startLocked() bool {
	if len(t.pending) >= maxPending {
		t.SetWritable(false)
	}
	if t.running {
		return false
	}
	t.running = true
	return true
}

// framePool holds the writers' buffers between bursts.
var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// write sends what is pending, in one write a round, until nothing is.
func (t *ioWebSocket) write() {
	var batch []outFrame
	for {
		t.mu.Lock()
		if len(t.pending) == 0 || t.failed {
			t.running = false
			t.mu.Unlock()
			return
		}
		batch, t.pending = t.pending, batch[:0]
		sends := t.sends
		t.sends = 0
		t.mu.Unlock()

		err := t.writeBatch(batch)
		clear(batch)
		if err != nil {
			t.fail(err)
			return
		}
		for range sends {
			t.Emit("drain")
		}
		t.mu.Lock()
		ready := !t.Writable() && len(t.pending) < maxPending
		if ready {
			t.SetWritable(true)
		}
		wake := t.drained
		t.drained = nil
		t.mu.Unlock()
		if ready {
			t.Emit("ready")
		}
		if wake != nil {
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}
}

// writeBatch writes a batch in one write: the shared frames as they are
// when they are all there is (no copy), else copied together.
func (t *ioWebSocket) writeBatch(batch []outFrame) error {
	if len(batch) == 1 && batch[0].pkt == nil {
		_, err := t.conn.Write(batch[0].frames)
		return err
	}
	bp := framePool.Get().(*[]byte)
	defer framePool.Put(bp)
	buf := (*bp)[:0]
	var err error
	for _, f := range batch {
		if f.pkt == nil {
			buf = append(buf, f.frames...)
		} else if buf, err = t.appendPacket(buf, f.pkt); err != nil {
			return err
		}
	}
	_, err = t.conn.Write(buf)
	if cap(buf) <= 1<<20 { // keep an ordinary buffer, not a huge one
		*bp = buf[:0]
	}
	return err
}

// fail ends the transport after a failed write, as the library does: a
// closed connection closes it, another error errors it (and the engine
// closes it then).
func (t *ioWebSocket) fail(err error) {
	t.mu.Lock()
	t.failed, t.running, t.pending = true, false, nil
	t.mu.Unlock()
	if errors.Is(err, net.ErrClosed) {
		t.ws.Emit("close")
		return
	}
	t.ws.Emit("error", err)
}

// appendPacket appends an engine packet's frame. A message of text is the
// type byte and the text as it is; anything else is the parser's.
func (t *ioWebSocket) appendPacket(buf []byte, p *packet.Packet) ([]byte, error) {
	if sb, ok := p.Data.(*types.StringBuffer); ok && p.Type == packet.MESSAGE {
		return appendTextFrame(buf, "4", sb.Bytes()), nil
	}
	data, err := t.Parser().EncodePacket(p, t.SupportsBinary())
	if err != nil {
		return buf, err
	}
	b := data.Bytes()
	if _, text := data.(*types.StringBuffer); text {
		return appendTextFrame(buf, "", b), nil
	}
	return append(appendFrameHeader(buf, gws.BinaryMessage, len(b)), b...), nil
}

// appendTextFrame appends one text frame holding prefix and text.
func appendTextFrame(buf []byte, prefix string, text []byte) []byte {
	buf = appendFrameHeader(buf, gws.TextMessage, len(prefix)+len(text))
	return append(append(buf, prefix...), text...)
}

// appendFrameHeader appends the header of one whole, unmasked WebSocket
// frame (a server's) of n bytes.
func appendFrameHeader(buf []byte, opcode int, n int) []byte {
	buf = append(buf, 0x80|byte(opcode)) // FIN
	switch {
	case n < 126:
		buf = append(buf, byte(n))
	case n <= 0xFFFF:
		buf = append(buf, 126)
		buf = binary.BigEndian.AppendUint16(buf, uint16(n))
	default:
		buf = append(buf, 127)
		buf = binary.BigEndian.AppendUint64(buf, uint64(n))
	}
	return buf
}
