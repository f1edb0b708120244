package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"

	"fmt"
	"io"
	"sort"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Export and import move records between databases, and between engines,
// as JSON lines: a header line, then one record a line,
//
//	{"format":"precinct-export","version":1,...}
//	{"collection":"users","record":{...}}
//
// Records are written as the store keeps them (secrets stay hashed), parents
// before the records that refer to them. Ephemeral collections (sessions,
// counters, sign-in states, server keys) are left out: they are short-lived,
// or secrets that cannot be hashed, and the target makes its own.

// ExportFormat and ExportVersion name the file format.
const (
	ExportFormat  = "precinct-export"
	ExportVersion = 1
)

// ExportHeader is the first line of an export.
type ExportHeader struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	Engine     string    `json:"engine"`
	ExportedAt time.Time `json:"exportedAt"`
	// Community is set when one community was exported.
	Community string `json:"community,omitempty"`
}

// exportLine is every line after the header.
type exportLine struct {
	Collection string          `json:"collection"`
	Record     json.RawMessage `json:"record"`
}

// newRecord returns an empty record of a collection that export carries.
func newRecord(c *Collection) (Doc, bool) {
	switch c {
	case users:
		return &userRec{}, true
	case communities:
		return &communityRec{}, true
	case members:
		return &memberRec{}, true
	case departments:
		return &departmentRec{}, true
	case apiKeys:
		return &apiKeyRec{}, true
	case audit:
		return &auditRec{}, true
	case lookups:
		return &lookupRec{}, true
	case authEvents:
		return &authEventRec{}, true
	case characters:
		return &characterRec{}, true
	case licenseHistory:
		return &licenseChangeRec{}, true
	case vehicles:
		return &vehicleRec{}, true
	case bankAccounts:
		return &accountRec{}, true
	case bankLedger:
		return &ledgerRec{}, true
	case media:
		return &mediaRec{}, true
	case sequences:
		return &sequenceRec{}, true
	case calls:
		return &callRec{}, true
	case units:
		return &unitRec{}, true
	case dutyPeriods:
		return &dutyRec{}, true
	case gameLinks:
		return &linkRec{}, true
	case bolos:
		return &boloRec{}, true
	case cameras:
		return &cameraRec{}, true
	case alprHits:
		return &hitRec{}, true
	case cameraCommands:
		return &commandRec{}, true
	case ersCallouts:
		return &ersRec{}, true
	case invites:
		return &inviteRec{}, true
	case announcements:
		return &announcementRec{}, true
	}
	return nil, false
}

// ExportStats says how many records of each collection were written.
type ExportStats map[string]int

// Export writes every exported record, or, with communityID set, one
// community: the users who are its members, its record, and its tenant
// records. Records come in _id order within each collection, so that two
// exports of the same data are the same file.
func (s *Store) Export(ctx context.Context, w io.Writer, communityID string) (ExportStats, error) {
	bw := bufio.NewWriter(w)
	h := ExportHeader{Format: ExportFormat, Version: ExportVersion, Engine: s.e.Kind(), ExportedAt: Millis(time.Now())}
	var userIDs []string
	if communityID != "" {
		c, err := s.Community(ctx, communityID, true)
		if err != nil {
			return nil, err
		}
		communityID, h.Community = c.ID, c.ID
		err = s.e.Find(ctx, members, Query{Where: []Cond{Community(communityID)}, Bulk: true}, func(decode func(any) error) error {
			var m memberRec
			if err := decode(&m); err != nil {
				return err
			}
			userIDs = append(userIDs, m.UserID)
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(userIDs)
	}
	if err := writeJSONLine(bw, h); err != nil {
		return nil, err
	}
	stats := ExportStats{}
	write := func(c *Collection, q Query) error {
		return s.e.Find(ctx, c, q, func(decode func(any) error) error {
			d, _ := newRecord(c)
			if err := decode(d); err != nil {
				return err
			}
			stats[c.Name]++
			return writeJSONLine(bw, exportRecord{c.Name, d})
		})
	}
	byID := []OrderKey{Order(FieldID, false)}
	for _, c := range Collections() {
		if _, ok := newRecord(c); !ok {
			if !c.Ephemeral {
				// A collection added without its record type here would
				// silently be left out of every export.
				return nil, fmt.Errorf("store: %s is not ephemeral and has no export record type", c.Name)
			}
			continue
		}
		var err error
		switch {
		case communityID == "":
			err = write(c, Query{AllTenants: true, Bulk: true, Sort: byID})
		case c == users:
			for i := 0; i < len(userIDs) && err == nil; i += 500 {
				err = write(c, Query{Where: []Cond{In(FieldID, userIDs[i:min(i+500, len(userIDs))])}, Sort: byID, Bulk: true})
			}
		case c == communities:
			err = write(c, Query{Where: []Cond{ID(communityID)}})
		case c.Tenant:
			err = write(c, Query{Where: []Cond{Community(communityID)}, Sort: byID, Bulk: true})
		default:
			// Platform records (the sign-in audit trail) belong to no
			// community: only in a whole export.
		}
		if err != nil {
			return nil, err
		}
	}
	return stats, bw.Flush()
}

type exportRecord struct {
	Collection string `json:"collection"`
	Record     any    `json:"record"`
}

func writeJSONLine(w *bufio.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	return w.WriteByte('\n')
}

// ImportStats says how many records of each collection were imported.
type ImportStats map[string]int

// importRec is one record of the file, with the line it came from.
type importRec struct {
	line int
	c    *Collection
	d    Doc
}

// maxImportLine bounds one line of an import file.
const maxImportLine = 16 << 20

// Import reads an export and stores its records. The whole file is read
// and checked first (the header, every line's collection and record,
// that every record's community is in the file or the database); nothing is
// written if any line is bad, and the error names the first bad line. Then
// the platform records (users, the sign-in trail) are written in one
// transaction, and each community's records in one transaction of their
// own: a community is imported whole or not at all. A record that exists
// already (the same _id or unique key) stops its community with an error
// naming its line; the other communities are imported all the same.
func (s *Store) Import(ctx context.Context, r io.Reader) (ImportStats, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxImportLine)
	line := 0
	bad := func(format string, args ...any) error {
		return cad.Errorf(cad.EINVALID, "line %d: %s", line, fmt.Sprintf(format, args...))
	}
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, err
		}
		return nil, cad.Errorf(cad.EINVALID, "line 1: the file is empty")
	}
	line = 1
	var h ExportHeader
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Format != ExportFormat {
		return nil, bad("not a Precinct export (the first line must be its header)")
	}
	if h.Version != ExportVersion {
		return nil, bad("export format version %d; this Precinct reads version %d", h.Version, ExportVersion)
	}
	var platform []importRec
	fileUsers := map[string]bool{}
	byCommunity := map[string][]importRec{}
	var order []string // communities in file order
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var l exportLine
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, bad("not a record line: %v", err)
		}
		c, ok := CollectionByName(l.Collection)
		if !ok {
			return nil, bad("unknown collection %q", l.Collection)
		}
		d, ok := newRecord(c)
		if !ok {
			return nil, bad("collection %q is not imported", l.Collection)
		}
		rd := json.NewDecoder(bytes.NewReader(l.Record))
		rd.DisallowUnknownFields()
		if err := rd.Decode(d); err != nil {
			return nil, bad("%s record: %v", c.Name, err)
		}
		if d.DocID() == "" {
			return nil, bad("%s record without _id", c.Name)
		}
		rec := importRec{line, c, d}
		switch {
		case c == communities:
			id := d.DocID()
			if _, seen := byCommunity[id]; seen {
				return nil, bad("community %s appears twice", id)
			}
			byCommunity[id] = append([]importRec{rec}, byCommunity[id]...)
			order = append(order, id)
		case c.Tenant:
			cid := d.(TenantDoc).DocCommunity()
			if cid == "" {
				return nil, bad("%s record without communityId", c.Name)
			}
			if len(byCommunity[cid]) == 0 || byCommunity[cid][0].c != communities {
				if _, err := s.Community(ctx, cid, true); err != nil {
					return nil, bad("%s record of community %s, which is neither earlier in the file nor in the database", c.Name, cid)
				}
				if _, seen := byCommunity[cid]; !seen {
					order = append(order, cid)
				}
			}
			if m, ok := d.(*memberRec); ok && !fileUsers[m.UserID] {
				if _, err := s.UserByID(ctx, m.UserID); err != nil {
					return nil, bad("membership of user %s, who is neither earlier in the file nor in the database", m.UserID)
				}
			}
			byCommunity[cid] = append(byCommunity[cid], rec)
		default:
			if c == users {
				fileUsers[d.DocID()] = true
			}
			platform = append(platform, rec)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, cad.Wrap(cad.EINVALID, err, fmt.Sprintf("line %d: %v", line+1, err))
	}
	stats := ImportStats{}
	// What was cached of the communities the file adds to is stale after.
	defer s.cache.reset()
	if err := s.importBatch(ctx, platform, stats); err != nil {
		return stats, err
	}
	// Each community on its own: one that fails does not stop the
	// others; the first failure is reported.
	var first error
	failed := 0
	for _, cid := range order {
		if err := s.importBatch(ctx, byCommunity[cid], stats); err != nil {
			failed++
			if first == nil {
				first = err
			}
			if cad.ErrorCode(err) == cad.EUNAVAILABLE {
				break
			}
		}
	}
	if first != nil {
		return stats, fmt.Errorf("%d of %d communities were not imported (nothing of them was written); the first: %w", failed, len(order), first)
	}
	return stats, nil
}

// importBatch inserts records in one transaction. Where the engine has no
// transactions (a test server), what was inserted is deleted again on
// failure.
func (s *Store) importBatch(ctx context.Context, recs []importRec, stats ImportStats) error {
	if len(recs) == 0 {
		return nil
	}
	var done []importRec
	err := s.Tx(ctx, func(ctx context.Context) error {
		done = done[:0]
		for _, r := range recs {
			if err := s.e.Insert(ctx, r.c, r.d); err != nil {
				if cad.ErrorCode(err) == cad.ECONFLICT {
					return cad.Wrap(cad.ECONFLICT, err, fmt.Sprintf("line %d: the %s record %s exists already (or one with the same unique key)", r.line, r.c.Name, r.d.DocID()))
				}
				return fmt.Errorf("line %d: %w", r.line, err)
			}
			// Usage is derived, never exported: what the file brings is
			// counted as it is written.
			if m, ok := r.d.(*mediaRec); ok && m.counted() {
				m.Size = int64(len(m.Data))
				if err := s.countMedia(ctx, m, 1, nil); err != nil {
					return fmt.Errorf("line %d: %w", r.line, err)
				}
			}
			done = append(done, r)
		}
		return nil
	})
	if err != nil {
		if !s.e.Atomic() {
			for i := len(done) - 1; i >= 0; i-- {
				_, _ = s.e.Delete(context.WithoutCancel(ctx), done[i].c, Query{Where: []Cond{ID(done[i].d.DocID())}, AllTenants: true})
			}
		}
		return err
	}
	for _, r := range recs {
		stats[r.c.Name]++
	}
	return nil
}
