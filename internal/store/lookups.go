package store

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/precinct-cad/precinct/internal/cad"
)

// A look-up's audit entry is kept compact and apart from the changes: the
// game's plate readers run one every few seconds per player, and a full
// entry (with its IP, request id and before/after states, in a table with
// an index on every audit field) cost several times what the look-up's
// answer was worth. It is written by group commit (committer.go) and read
// back, merged with the changes, as an audit entry.
type lookupRec struct {
	ID          string `json:"_id"`
	CommunityID string `json:"communityId"`
	Kind        string `json:"kind"`
	ActorID     string `json:"actorId"`
	// ActorKind is kept only when ActorID does not tell it: a game
	// server's id is "apikey:…", a member's a user id.
	ActorKind string    `json:"actorKind,omitempty"`
	Query     string    `json:"query"`
	Hit       bool      `json:"hit"`
	Time      time.Time `json:"time"`
}

func (r *lookupRec) DocID() string        { return r.ID }
func (r *lookupRec) DocCommunity() string { return r.CommunityID }

const serverActorPrefix = "apikey:"

// entry is the record as the audit trail shows it.
func (r *lookupRec) entry() *cad.AuditEntry {
	kind := r.ActorKind
	if kind == "" {
		kind = "user"
		if strings.HasPrefix(r.ActorID, serverActorPrefix) {
			kind = "server"
		}
	}
	return &cad.AuditEntry{ID: r.ID, CommunityID: r.CommunityID, Action: lookupAction + r.Kind, ActorID: r.ActorID, ActorKind: kind,
		Target: r.Query, After: map[string]any{"found": r.Hit}, Time: r.Time.UTC()}
}

// lookupAction prefixes a look-up's kind in its audit action.
const lookupAction = "lookup."

// LookupKinds are the kinds of look-up kept in the compact table; the
// community's whole list merges one index range of each.
var LookupKinds = []string{"plate", "person"}

var lookupTable = table[lookupRec, *lookupRec]{lookups}

// AddLookup stores one look-up's entry and returns once it is durable.
// Outside a transaction it goes through the group committer, so that
// concurrent look-ups share one write; inside one, it is written there.
func (s *Store) AddLookup(ctx context.Context, e *cad.LookupEntry) error {
	actorKind := e.ActorKind
	if actorKind == "user" || actorKind == "server" {
		actorKind = ""
	}
	r := &lookupRec{ID: cad.NewID(), CommunityID: e.CommunityID, Kind: e.Kind, ActorID: e.ActorID, ActorKind: actorKind,
		Query: cut(e.Query, cad.MaxLookupQuery), Hit: e.Hit, Time: Millis(e.Time)}
	if err := lookupTable.checkDoc(r); err != nil {
		return err
	}
	var err error
	if s.e.InTx(ctx) {
		err = lookupTable.insert(ctx, s.e, r)
	} else {
		err = s.lookups.add(ctx, r)
	}
	if err != nil {
		return err
	}
	e.ID = r.ID
	return nil
}

// cut shortens s to at most n bytes without splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// PruneLookups deletes up to limit of a community's look-up entries from
// before cut, oldest first: one index range per kind read, then a delete
// by _id, so that the write it takes is short whatever the table's size.
func (s *Store) PruneLookups(ctx context.Context, communityID string, cut time.Time, limit int) (int, error) {
	var ids []string
	for _, kind := range LookupKinds {
		if len(ids) >= limit {
			break
		}
		q := Where(Community(communityID), Eq("kind", kind), Lt("time", Millis(cut))).
			SortBy(Order("time", false), Order(FieldID, false)).Take(limit - len(ids))
		list, err := lookupTable.find(ctx, s.e, q)
		if err != nil {
			return 0, err
		}
		for _, r := range list {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	n, err := lookupTable.delete(ctx, s.e, Where(Community(communityID), In(FieldID, ids)))
	return int(n), err
}

// CommunityIDs lists every community's id, deleted ones too: the work list
// of the look-up retention. It reads the whole (small) communities table.
func (s *Store) CommunityIDs(ctx context.Context) ([]string, error) {
	list, err := communityTable.find(ctx, s.e, Query{Bulk: true})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(list))
	for i, r := range list {
		ids[i] = r.ID
	}
	return ids, nil
}
