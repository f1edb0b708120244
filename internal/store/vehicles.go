package store

import (
	"context"
	"sort"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type vehicleRec cad.Vehicle

func (r *vehicleRec) DocID() string        { return r.ID }
func (r *vehicleRec) DocCommunity() string { return r.CommunityID }

func (r *vehicleRec) vehicle() *cad.Vehicle {
	v := cad.Vehicle(*r)
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	return &v
}

func (r *vehicleRec) round() {
	r.RegistrationExpires, r.InsuranceExpires, r.StolenDate = millisPtr(r.RegistrationExpires), millisPtr(r.InsuranceExpires), millisPtr(r.StolenDate)
}

var (
	vehicleTable       = table[vehicleRec, *vehicleRec]{vehicles}
	errVehicleNotFound = cad.Errorf(cad.ENOTFOUND, "Vehicle not found")
)

func dupVehicle(err error) error {
	if cad.ErrorCode(err) == cad.ECONFLICT {
		return cad.Wrap(cad.ECONFLICT, err, "A vehicle with that plate or VIN is registered already in this community")
	}
	return err
}

// CreateVehicle stores a new vehicle; a taken plate or VIN is a conflict.
func (s *Store) CreateVehicle(ctx context.Context, communityID string, v *cad.Vehicle) error {
	r := vehicleRec(*v)
	r.ID, r.CommunityID = cad.NewID(), communityID
	now := Millis(time.Now())
	r.CreatedAt, r.UpdatedAt = now, now
	r.round()
	if err := vehicleTable.insert(ctx, s.e, &r); err != nil {
		return dupVehicle(err)
	}
	*v = *r.vehicle()
	return nil
}

// Vehicle returns one vehicle of a community.
func (s *Store) Vehicle(ctx context.Context, communityID, id string) (*cad.Vehicle, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errVehicleNotFound
	}
	return s.getVehicle(ctx, Where(Community(communityID), ID(id)))
}

// VehicleByPlate returns the vehicle with a normalised plate.
func (s *Store) VehicleByPlate(ctx context.Context, communityID, plateKey string) (*cad.Vehicle, error) {
	if plateKey == "" {
		return nil, errVehicleNotFound
	}
	return s.getVehicle(ctx, Where(Community(communityID), Eq("plateKey", plateKey)))
}

func (s *Store) getVehicle(ctx context.Context, q Query) (*cad.Vehicle, error) {
	return getOne(ctx, vehicleTable, s.e, q, errVehicleNotFound, (*vehicleRec).vehicle)
}

// UpdateVehicle changes a vehicle in one transaction; its id, community
// and creation time stay.
func (s *Store) UpdateVehicle(ctx context.Context, communityID, id string, fn func(*cad.Vehicle) error) (*cad.Vehicle, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errVehicleNotFound
	}
	r, err := vehicleTable.modify(ctx, s, Where(Community(communityID), ID(id)), errVehicleNotFound, func(r *vehicleRec) error {
		created := r.CreatedAt
		if err := fn((*cad.Vehicle)(r)); err != nil {
			return err
		}
		r.ID, r.CommunityID, r.CreatedAt, r.UpdatedAt = id, communityID, created, Millis(time.Now())
		r.round()
		return nil
	})
	if err != nil {
		return nil, dupVehicle(err)
	}
	return r.vehicle(), nil
}

// DeleteVehicle deletes one vehicle of a community.
func (s *Store) DeleteVehicle(ctx context.Context, communityID, id string) error {
	id, ok := normID(id)
	if !ok {
		return errVehicleNotFound
	}
	n, err := vehicleTable.delete(ctx, s.e, Where(Community(communityID), ID(id)))
	if err != nil {
		return err
	}
	if n == 0 {
		return errVehicleNotFound
	}
	return nil
}

// DeleteVehiclesOf deletes every vehicle a character owns.
func (s *Store) DeleteVehiclesOf(ctx context.Context, communityID, ownerID string) (int64, error) {
	return vehicleTable.delete(ctx, s.e, Where(Community(communityID), Eq("ownerId", ownerID)))
}

// Vehicles lists a community's vehicles of one owner (a character or a
// user) or the stolen ones, a page at a time, oldest first.
func (s *Store) Vehicles(ctx context.Context, communityID string, f cad.VehicleFilter) ([]*cad.Vehicle, string, error) {
	q := Where(Community(communityID)).SortBy(Order(FieldID, false))
	switch {
	case f.OwnerID != "":
		q.Where = append(q.Where, Eq("ownerId", f.OwnerID))
	case f.OwnerUserID != "":
		q.Where = append(q.Where, Eq("ownerUserId", f.OwnerUserID))
	case f.StolenOnly:
		q.Where = append(q.Where, Eq("stolen", true))
	default:
		return nil, "", cad.Errorf(cad.EINTERNAL, "store: Vehicles needs an owner or stolenOnly")
	}
	q, err := page(vehicles, q, f.After, 0, f.Limit)
	if err != nil {
		return nil, "", err
	}
	list, err := vehicleTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Limit, func(r *vehicleRec) []any { return []any{r.ID} })
	out := make([]*cad.Vehicle, len(list))
	for i, r := range list {
		out[i] = r.vehicle()
	}
	return out, next, nil
}

// FlaggedVehicles returns up to limit vehicles that something flags at
// now: stolen, registration or insurance not valid or expired, or owned
// by one of owners. Each condition is one index range; the union is
// ordered by _id.
func (s *Store) FlaggedVehicles(ctx context.Context, communityID string, now time.Time, owners []string, limit int) ([]*cad.Vehicle, error) {
	now = Millis(now)
	notValid := []string{cad.DocExpired, cad.DocSuspended, cad.DocNone}
	queries := []Query{
		Where(Community(communityID), Eq("stolen", true)),
		Where(Community(communityID), In("registrationStatus", notValid)),
		Where(Community(communityID), Lte("registrationExpires", now)),
		Where(Community(communityID), In("insuranceStatus", notValid)),
		Where(Community(communityID), Lte("insuranceExpires", now)),
	}
	for start := 0; start < len(owners); start += 500 {
		queries = append(queries, Where(Community(communityID), In("ownerId", owners[start:min(start+500, len(owners))])))
	}
	seen := map[string]*cad.Vehicle{}
	for _, q := range queries {
		list, err := vehicleTable.find(ctx, s.e, q.Take(limit))
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			seen[r.ID] = r.vehicle()
		}
	}
	out := make([]*cad.Vehicle, 0, len(seen))
	for _, v := range seen {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DesignedVehicles returns up to limit vehicles with a plate design.
func (s *Store) DesignedVehicles(ctx context.Context, communityID string, limit int) ([]*cad.Vehicle, error) {
	return findAll(ctx, vehicleTable, s.e, Where(Community(communityID), Gt("plateDesignId", "")).Take(limit), (*vehicleRec).vehicle)
}
