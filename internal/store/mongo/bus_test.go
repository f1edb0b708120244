package mongo_test

import (
	"context"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store/mongo"
	"github.com/precinct-cad/precinct/internal/store/storetest"
)

// Two instances on one replica set: what one publishes, the other's
// subscribers receive once, marked remote, calls and positions alike; the
// publisher's own subscribers get it once, in process. Skipped where the
// server has no change streams (FerretDB, a standalone server): the bus's
// logic is tested on a fake stream in bus_internal_test.go.
func TestBusBetweenInstances(t *testing.T) {
	_, e := storetest.NewMongoEngine(t, server.uri)
	if !e.Capabilities().ChangeStreams {
		t.Skip("this server (" + e.Capabilities().Engine + ") has no change streams: run with PRECINCT_TEST_MONGODB_URI set to a MongoDB replica set")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := mongo.NewBus(ctx, e, mongo.BusOptions{Origin: "a", PositionInterval: 50 * time.Millisecond, Logger: storetest.QuietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := mongo.NewBus(ctx, e, mongo.BusOptions{Origin: "b", PositionInterval: 50 * time.Millisecond, Logger: storetest.QuietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	atA, stopA := a.Subscribe(64)
	defer stopA()
	atB, stopB := b.Subscribe(64)
	defer stopB()
	go a.Run(ctx)
	go b.Run(ctx)
	time.Sleep(500 * time.Millisecond) // the streams open

	a.Publish(cad.Event{Type: "call.created", CommunityID: "c1", ID: "call1", Time: time.Now(), Payload: map[string]any{"incidentNumber": "26-1"}})
	b.Publish(cad.Event{Type: "unit.position", CommunityID: "c1", ID: "u1", Time: time.Now(), Payload: map[string]any{"unitId": "u1", "x": 1}})
	want := func(ch <-chan cad.Event, typ string, remote bool) {
		t.Helper()
		select {
		case ev := <-ch:
			if ev.Type != typ || ev.Remote != remote || ev.CommunityID != "c1" {
				t.Fatalf("got %+v, want %s (remote %v)", ev, typ, remote)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s", typ)
		}
	}
	want(atA, "call.created", false)
	want(atB, "unit.position", false)
	want(atB, "call.created", true)
	want(atA, "unit.position", true)
	select {
	case ev := <-atA:
		t.Fatalf("delivered twice: %+v", ev)
	case ev := <-atB:
		t.Fatalf("delivered twice: %+v", ev)
	case <-time.After(500 * time.Millisecond):
	}
}
