package civil

import (
	"context"
	"reflect"
	"strings"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Bulk sync: a game server sends every character or vehicle of its
// framework's database in one request. Records are written in batches, one
// transaction per batch (a commit per record would make 5,000 records take
// minutes on one disk); a batch that fails as a whole is written again
// record by record, so one bad record costs only itself. The audit trail
// gets one entry per request, not one per record.

// BulkBatch is how many records one transaction writes.
const BulkBatch = 250

// BulkResult counts what a bulk sync did.
type BulkResult struct {
	Created int         `json:"created"`
	Updated int         `json:"updated"`
	Skipped int         `json:"skipped"` // unchanged, or nothing to match on
	Failed  int         `json:"failed"`
	Errors  []BulkError `json:"errors"`
}

// BulkError says why one record failed (the first 100 are kept).
type BulkError struct {
	Index int    `json:"index"`
	Error string `json:"error"`
}

type outcome int

const (
	created outcome = iota + 1
	updated
	skipped
)

type quietKey struct{}

// quiet marks a context whose changes are audited once by the caller.
func quiet(ctx context.Context) context.Context { return context.WithValue(ctx, quietKey{}, true) }

func isQuiet(ctx context.Context) bool { q, _ := ctx.Value(quietKey{}).(bool); return q }

func (r *BulkResult) count(i int, o outcome, err error) {
	switch {
	case err != nil:
		r.Failed++
		if len(r.Errors) < 100 {
			msg := "internal error"
			if e, ok := err.(*cad.Error); ok {
				msg = e.Message
			}
			r.Errors = append(r.Errors, BulkError{Index: i, Error: msg})
		}
	case o == created:
		r.Created++
	case o == updated:
		r.Updated++
	default:
		r.Skipped++
	}
}

// bulk runs one per record, in batches.
func (s *Service) bulk(ctx context.Context, n int, one func(ctx context.Context, i int) (outcome, error)) (*BulkResult, error) {
	res := &BulkResult{Errors: []BulkError{}}
	ctx = quiet(ctx)
	for start := 0; start < n; start += BulkBatch {
		end := min(start+BulkBatch, n)
		outs := make([]outcome, end-start)
		errs := make([]error, end-start)
		err := s.db.Tx(ctx, func(ctx context.Context) error {
			for i := start; i < end; i++ {
				outs[i-start], errs[i-start] = one(ctx, i)
				if errs[i-start] != nil && cad.ErrorCode(errs[i-start]) != cad.EINVALID {
					// Not the record's own fault: the batch may be
					// unusable (MongoDB aborts it); redo it one by one.
					return errs[i-start]
				}
			}
			return nil
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			for i := start; i < end; i++ {
				o, err := one(ctx, i)
				res.count(i, o, err)
			}
			continue
		}
		for i := start; i < end; i++ {
			res.count(i, outs[i-start], errs[i-start])
		}
	}
	return res, nil
}

// ForceSyncCharacters upserts every character by SSN (their framework
// identifier).
func (s *Service) ForceSyncCharacters(ctx context.Context, c cad.Caller, list []CharacterInput) (*BulkResult, error) {
	res, err := s.bulk(ctx, len(list), func(ctx context.Context, i int) (outcome, error) {
		return s.syncOne(ctx, c, list[i])
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "civilian.bulk-sync", "", nil, map[string]any{"created": res.Created, "updated": res.Updated,
		"skipped": res.Skipped, "failed": res.Failed})
	return res, nil
}

// syncOne upserts one character; an unchanged one is skipped, unwritten.
func (s *Service) syncOne(ctx context.Context, c cad.Caller, in CharacterInput) (outcome, error) {
	if (in.SSN == nil || strings.TrimSpace(*in.SSN) == "") && (in.Identifier == nil || strings.TrimSpace(*in.Identifier) == "") {
		return skipped, nil
	}
	if in.SSN == nil || strings.TrimSpace(*in.SSN) == "" {
		in.SSN = in.Identifier
	}
	ch, err := s.db.CharacterBySSN(ctx, c.CommunityID(), strings.TrimSpace(*in.SSN))
	if err == nil && in.Mugshot == nil {
		next := *ch
		next.Extra = cloneMap(ch.Extra)
		if err := apply(&next, in, false); err != nil {
			return 0, err
		}
		if reflect.DeepEqual(&next, ch) {
			return skipped, nil
		}
	}
	_, isNew, err := s.SyncCharacter(ctx, c, in)
	if err != nil {
		return 0, err
	}
	if isNew {
		return created, nil
	}
	return updated, nil
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// RegisterOrFind registers a vehicle for a game server; a plate already
// registered to the same owner answers that vehicle (existed), as the sync
// resources register a player's vehicles again on every purchase.
func (s *Service) RegisterOrFind(ctx context.Context, c cad.Caller, in VehicleInput) (*cad.Vehicle, bool, error) {
	if in.Plate != nil && in.Owner != nil {
		if v, err := s.db.VehicleByPlate(ctx, c.CommunityID(), cad.NormalizePlate(*in.Plate)); err == nil {
			owner, err := s.Resolve(ctx, c, *in.Owner)
			if err != nil {
				return nil, false, cad.Errorf(cad.ENOTFOUND, "Owner civilian not found")
			}
			if owner.ID != v.OwnerID {
				return nil, false, cad.Errorf(cad.ECONFLICT, "That plate is registered to another civilian")
			}
			return v, true, nil
		}
	}
	v, err := s.RegisterVehicle(ctx, c, in)
	return v, false, err
}

// SyncVehicles upserts vehicles by plate: a new plate is registered to its
// owner, a known one of the same owner updated (make, model, colour,
// year), one of another owner refused.
func (s *Service) SyncVehicles(ctx context.Context, c cad.Caller, list []VehicleInput) (*BulkResult, error) {
	owners := map[string]*cad.Character{}
	res, err := s.bulk(ctx, len(list), func(ctx context.Context, i int) (outcome, error) {
		return s.syncVehicle(ctx, c, list[i], owners)
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "vehicle.bulk-sync", "", nil, map[string]any{"created": res.Created, "updated": res.Updated,
		"skipped": res.Skipped, "failed": res.Failed})
	return res, nil
}

func (s *Service) syncVehicle(ctx context.Context, c cad.Caller, in VehicleInput, owners map[string]*cad.Character) (outcome, error) {
	if in.Plate == nil || in.Owner == nil || strings.TrimSpace(*in.Owner) == "" {
		return 0, cad.Errorf(cad.EINVALID, "plate and an owner (ownerId or citizenid) are required")
	}
	ref := strings.TrimSpace(*in.Owner)
	owner, ok := owners[ref]
	if !ok {
		o, err := s.Resolve(ctx, c, ref)
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			return 0, cad.Errorf(cad.EINVALID, "Owner civilian %q not found", clip(ref, 64))
		} else if err != nil {
			return 0, err
		}
		owner, owners[ref] = o, o
	}
	id := owner.ID
	in.Owner = &id
	v, err := s.db.VehicleByPlate(ctx, c.CommunityID(), cad.NormalizePlate(*in.Plate))
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		if _, err := s.RegisterVehicle(ctx, c, in); err != nil {
			if cad.ErrorCode(err) == cad.ECONFLICT {
				return 0, cad.Errorf(cad.EINVALID, "%s", err.(*cad.Error).Message)
			}
			return 0, err
		}
		return created, nil
	} else if err != nil {
		return 0, err
	}
	if v.OwnerID != owner.ID {
		return 0, cad.Errorf(cad.EINVALID, "Plate %s is registered to another civilian", v.Plate)
	}
	next := *v
	keep := VehicleInput{Make: in.Make, Model: in.Model, Color: in.Color, Year: in.Year}
	if err := s.applyVehicle(c, &next, keep); err != nil {
		return 0, err
	}
	if reflect.DeepEqual(&next, v) {
		return skipped, nil
	}
	if _, err := s.db.UpdateVehicle(ctx, c.CommunityID(), v.ID, func(x *cad.Vehicle) error {
		return s.applyVehicle(c, x, keep)
	}); err != nil {
		return 0, err
	}
	return updated, nil
}
