package dispatch

import (
	"context"
	"encoding/json"
	"hash/maphash"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Live positions are kept in memory, per community, never one database
// write per update: a position is worth its freshness only. A position
// older than PositionTTL is stale: left out of snapshots and swept.

// PositionTTL is how long a position stays on the map without an update.
const PositionTTL = 2 * time.Minute

const positionShards = 32

// Positions holds the live map of every community, sharded so that
// updates of different communities do not contend.
type Positions struct {
	seed   maphash.Seed
	shards [positionShards]struct {
		mu sync.Mutex
		m  map[string]map[string]*cad.Position // community -> unit -> position
	}
}

// NewPositions returns an empty live map.
func NewPositions() *Positions {
	p := &Positions{seed: maphash.MakeSeed()}
	for i := range p.shards {
		p.shards[i].m = map[string]map[string]*cad.Position{}
	}
	return p
}

func (p *Positions) shard(communityID string) int {
	return int(maphash.String(p.seed, communityID) % positionShards)
}

// MaxUnitsPerCommunity bounds one community's live map, so that a
// misbehaving server cannot grow it without end.
const MaxUnitsPerCommunity = 5000

// Set stores a unit's position (overwriting its last). It reports false
// when the community's map is full of fresh units.
func (p *Positions) Set(communityID string, pos cad.Position) bool {
	sh := &p.shards[p.shard(communityID)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	m := sh.m[communityID]
	if m == nil {
		m = map[string]*cad.Position{}
		sh.m[communityID] = m
	}
	if cur, ok := m[pos.UnitID]; ok {
		*cur = pos
		return true
	}
	if len(m) >= MaxUnitsPerCommunity {
		sweep(m, pos.UpdatedAt)
		if len(m) >= MaxUnitsPerCommunity {
			return false
		}
	}
	cp := pos
	m[pos.UnitID] = &cp
	return true
}

// Remove takes a unit off the map (it went offline or off duty).
func (p *Positions) Remove(communityID, unitID string) {
	if unitID == "" {
		return
	}
	sh := &p.shards[p.shard(communityID)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if m := sh.m[communityID]; m != nil {
		delete(m, unitID)
		if len(m) == 0 {
			delete(sh.m, communityID)
		}
	}
}

// Snapshot is a community's fresh positions at now, by unit id.
func (p *Positions) Snapshot(communityID string, now time.Time) []cad.Position {
	sh := &p.shards[p.shard(communityID)]
	sh.mu.Lock()
	out := make([]cad.Position, 0, len(sh.m[communityID]))
	for _, pos := range sh.m[communityID] {
		if now.Sub(pos.UpdatedAt) < PositionTTL {
			out = append(out, *pos)
		}
	}
	sh.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].UnitID < out[j].UnitID })
	return out
}

// Sweep drops every stale position; the server runs it every minute, so
// memory stays flat however many units come and go.
func (p *Positions) Sweep(now time.Time) int {
	n := 0
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		for c, m := range sh.m {
			n += sweep(m, now)
			if len(m) == 0 {
				delete(sh.m, c)
			}
		}
		sh.mu.Unlock()
	}
	return n
}

func sweep(m map[string]*cad.Position, now time.Time) int {
	n := 0
	for id, pos := range m {
		if now.Sub(pos.UpdatedAt) >= PositionTTL {
			delete(m, id)
			n++
		}
	}
	return n
}

// Len counts the positions held (fresh or not yet swept).
func (p *Positions) Len() int {
	n := 0
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		for _, m := range sh.m {
			n += len(m)
		}
		sh.mu.Unlock()
	}
	return n
}

// FollowRemote keeps the live map true to the positions other instances
// take (events that the shared bus marks Remote), so that snapshots, syncs
// and polls on this instance show every unit, until ctx ends.
func (s *Service) FollowRemote(ctx context.Context, sub cad.Subscriber) {
	ch, stop := sub.Subscribe(65536)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-ch:
			if e.Remote && e.Type == "unit.position" {
				s.applyRemote(e)
			}
		}
	}
}

func (s *Service) applyRemote(e cad.Event) {
	b, err := json.Marshal(e.Payload)
	if err != nil {
		return
	}
	var pos cad.Position
	if json.Unmarshal(b, &pos) != nil {
		return
	}
	if pos.UnitID == "" {
		pos.UnitID = e.ID
	}
	if strings.EqualFold(pos.Status, "offline") {
		s.positions.Remove(e.CommunityID, pos.UnitID)
		return
	}
	if pos.UpdatedAt.IsZero() {
		pos.UpdatedAt = e.Time
	}
	s.positions.Set(e.CommunityID, pos)
}
