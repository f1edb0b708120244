package civil

import (
	"context"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// VehicleInput is what a caller may set on a vehicle; nil fields stay.
type VehicleInput struct {
	// Owner names the owning character: CAD id, SSN or identifier.
	Owner               *string
	Plate, VIN          *string
	Make, Model, Color  *string
	Year                *int
	RegistrationStatus  *string
	RegistrationExpires *time.Time
	InsuranceStatus     *string
	InsuranceExpires    *time.Time
	Impounded           *bool
	PlateDesignID       *string
}

// StolenInput reports a vehicle stolen or recovered.
type StolenInput struct {
	Stolen      bool
	Description string
	Date        *time.Time
}

var errVehicleNotFound = cad.Errorf(cad.ENOTFOUND, "Vehicle not found")

func docStatus(field string, v string) (string, error) {
	v = strings.ToUpper(strings.TrimSpace(v))
	switch v {
	case "ACTIVE", "CURRENT", "YES", "TRUE":
		return cad.DocValid, nil
	case "NO", "FALSE", "":
		return cad.DocNone, nil
	case cad.DocValid, cad.DocExpired, cad.DocSuspended, cad.DocNone:
		return v, nil
	}
	return "", cad.Errorf(cad.EINVALID, "%s must be VALID, EXPIRED, SUSPENDED or NONE", field)
}

// applyVehicle validates in and writes it onto v (not the owner).
func (s *Service) applyVehicle(c cad.Caller, v *cad.Vehicle, in VehicleInput) error {
	if in.Plate != nil {
		display, key, err := checkPlate(*in.Plate)
		if err != nil {
			return err
		}
		v.Plate, v.PlateKey = display, key
	}
	if in.VIN != nil {
		vin, err := checkVIN(*in.VIN)
		if err != nil {
			return err
		}
		v.VIN = vin
	}
	for _, f := range []struct {
		p   *string
		dst *string
		t   text
	}{{in.Make, &v.Make, text{"make", 48}}, {in.Model, &v.Model, text{"model", 48}}, {in.Color, &v.Color, text{"color", 32}}} {
		if f.p == nil {
			continue
		}
		val, err := checkText(f.t, *f.p)
		if err != nil {
			return err
		}
		*f.dst = val
	}
	if in.Year != nil {
		if err := checkYear(*in.Year); err != nil {
			return err
		}
		v.Year = *in.Year
	}
	for _, f := range []struct {
		p     *string
		dst   *string
		field string
	}{{in.RegistrationStatus, &v.RegistrationStatus, "registrationStatus"}, {in.InsuranceStatus, &v.InsuranceStatus, "insuranceStatus"}} {
		if f.p == nil {
			continue
		}
		st, err := docStatus(f.field, *f.p)
		if err != nil {
			return err
		}
		*f.dst = st
	}
	if in.RegistrationExpires != nil {
		t := in.RegistrationExpires.UTC()
		v.RegistrationExpires = &t
	}
	if in.InsuranceExpires != nil {
		t := in.InsuranceExpires.UTC()
		v.InsuranceExpires = &t
	}
	if in.Impounded != nil {
		v.Impounded = *in.Impounded
	}
	if in.PlateDesignID != nil {
		id := strings.TrimSpace(*in.PlateDesignID)
		if id != "" && !hasDesign(c.Scope.Community, id) {
			return cad.Errorf(cad.EINVALID, "plateDesignId names no plate design of this community")
		}
		v.PlateDesignID = id
	}
	return nil
}

func hasDesign(com *cad.Community, id string) bool {
	for _, d := range com.Settings.PlateDesigns {
		if d.ID == id {
			return true
		}
	}
	return false
}

// RegisterVehicle registers a vehicle to a character the caller may
// manage. Registration and insurance start valid for a year unless given;
// a VIN is generated when absent.
func (s *Service) RegisterVehicle(ctx context.Context, c cad.Caller, in VehicleInput) (*cad.Vehicle, error) {
	if in.Owner == nil || strings.TrimSpace(*in.Owner) == "" {
		return nil, cad.Errorf(cad.EINVALID, "ownerId (the owning civilian's id or SSN) is required")
	}
	if in.Plate == nil {
		return nil, cad.Errorf(cad.EINVALID, "plate is required")
	}
	owner, err := s.visible(ctx, c, *in.Owner)
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return nil, cad.Errorf(cad.ENOTFOUND, "Owner civilian not found")
	} else if err != nil {
		return nil, err
	}
	year := s.now().AddDate(1, 0, 0).UTC()
	v := &cad.Vehicle{OwnerID: owner.ID, OwnerUserID: owner.OwnerID, RegistrationStatus: cad.DocValid, InsuranceStatus: cad.DocValid,
		RegistrationExpires: &year, InsuranceExpires: &year}
	if err := s.applyVehicle(c, v, in); err != nil {
		return nil, err
	}
	generated := in.VIN == nil || strings.TrimSpace(*in.VIN) == ""
	if generated {
		v.VIN = NewVIN()
	}
	for attempt := 0; ; attempt++ {
		draft := *v
		err = s.db.CreateVehicle(ctx, c.CommunityID(), &draft)
		if err == nil {
			*v = draft
			break
		}
		if cad.ErrorCode(err) != cad.ECONFLICT || !generated || attempt == 3 {
			return nil, err
		}
		// The plate may be what is taken; ask, else draw another VIN.
		if _, perr := s.db.VehicleByPlate(ctx, c.CommunityID(), v.PlateKey); perr == nil {
			return nil, err
		}
		v.VIN = NewVIN()
	}
	s.record(ctx, c, "vehicle.registered", v.ID, nil, map[string]any{"plate": v.Plate, "owner": owner.ID})
	return v, nil
}

// vehicleFor finds a vehicle (by id or plate) the caller may manage: a
// game server any, a member the vehicles of their characters, a
// Supervisor and up all.
func (s *Service) vehicleFor(ctx context.Context, c cad.Caller, ref string) (*cad.Vehicle, error) {
	v, err := s.findVehicle(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	if !c.IsSupervisor() && (c.UserID == "" || v.OwnerUserID != c.UserID) {
		return nil, errVehicleNotFound
	}
	return v, nil
}

func (s *Service) findVehicle(ctx context.Context, c cad.Caller, ref string) (*cad.Vehicle, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 64 {
		return nil, errVehicleNotFound
	}
	if v, err := s.db.Vehicle(ctx, c.CommunityID(), ref); cad.ErrorCode(err) != cad.ENOTFOUND {
		return v, err
	}
	return s.db.VehicleByPlate(ctx, c.CommunityID(), cad.NormalizePlate(ref))
}

// Vehicle returns a vehicle the caller may manage.
func (s *Service) Vehicle(ctx context.Context, c cad.Caller, ref string) (*cad.Vehicle, error) {
	return s.vehicleFor(ctx, c, ref)
}

// VehicleByPlate returns the vehicle with a plate (game servers). A plate
// cad.PlateKey refuses is a 400 with its reason, as when registering one.
func (s *Service) VehicleByPlate(ctx context.Context, c cad.Caller, plate string) (*cad.Vehicle, error) {
	key, err := cad.PlateKey(plate)
	if err != nil {
		return nil, err
	}
	if key == "" || len(key) > 32 {
		return nil, errVehicleNotFound
	}
	return s.db.VehicleByPlate(ctx, c.CommunityID(), key)
}

// MyVehicles lists the vehicles of the caller's characters.
func (s *Service) MyVehicles(ctx context.Context, c cad.Caller, after string, limit int) ([]*cad.Vehicle, string, error) {
	return s.db.Vehicles(ctx, c.CommunityID(), cad.VehicleFilter{OwnerUserID: c.UserID, After: after, Limit: pageSize(limit)})
}

// VehiclesOf lists a character's vehicles, for whoever may see it.
func (s *Service) VehiclesOf(ctx context.Context, c cad.Caller, characterID string) ([]*cad.Vehicle, error) {
	list, _, err := s.db.Vehicles(ctx, c.CommunityID(), cad.VehicleFilter{OwnerID: characterID, Limit: MaxCharactersPage})
	return list, err
}

// UpdateVehicle changes a vehicle the caller may manage. A new owner must
// be a character the caller may manage too.
func (s *Service) UpdateVehicle(ctx context.Context, c cad.Caller, ref string, in VehicleInput) (*cad.Vehicle, error) {
	v, err := s.vehicleFor(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	var owner *cad.Character
	if in.Owner != nil {
		if owner, err = s.visible(ctx, c, *in.Owner); err != nil {
			return nil, cad.Errorf(cad.ENOTFOUND, "Owner civilian not found")
		}
	}
	out, err := s.db.UpdateVehicle(ctx, c.CommunityID(), v.ID, func(x *cad.Vehicle) error {
		if owner != nil {
			x.OwnerID, x.OwnerUserID = owner.ID, owner.OwnerID
		}
		return s.applyVehicle(c, x, in)
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "vehicle.updated", v.ID, map[string]any{"plate": v.Plate, "owner": v.OwnerID}, map[string]any{"plate": out.Plate, "owner": out.OwnerID})
	return out, nil
}

// DeleteVehicle deletes a vehicle the caller may manage.
func (s *Service) DeleteVehicle(ctx context.Context, c cad.Caller, ref string) error {
	v, err := s.vehicleFor(ctx, c, ref)
	if err != nil {
		return err
	}
	if err := s.db.DeleteVehicle(ctx, c.CommunityID(), v.ID); err != nil {
		return err
	}
	s.record(ctx, c, "vehicle.deleted", v.ID, map[string]any{"plate": v.Plate, "owner": v.OwnerID}, nil)
	return nil
}

// SetStolen reports a vehicle stolen or recovered: its owner, a
// Supervisor, an officer or a game server may.
func (s *Service) SetStolen(ctx context.Context, c cad.Caller, ref string, in StolenInput) (*cad.Vehicle, error) {
	v, err := s.findVehicle(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	if !c.IsSupervisor() && !officer(c) && (c.UserID == "" || v.OwnerUserID != c.UserID) {
		return nil, errVehicleNotFound
	}
	desc, err := checkText(text{"stolenDescription", 1000}, in.Description)
	if err != nil {
		return nil, err
	}
	out, err := s.db.UpdateVehicle(ctx, c.CommunityID(), v.ID, func(x *cad.Vehicle) error {
		x.Stolen = in.Stolen
		if in.Stolen {
			d := s.now().UTC()
			if in.Date != nil {
				d = in.Date.UTC()
			}
			x.StolenDate, x.StolenDescription = &d, desc
		} else {
			x.StolenDate, x.StolenDescription = nil, ""
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "vehicle.stolen", v.ID, map[string]any{"stolen": v.Stolen}, map[string]any{"stolen": in.Stolen, "plate": v.Plate})
	return out, nil
}

// StolenVehicles lists the community's stolen vehicles.
func (s *Service) StolenVehicles(ctx context.Context, c cad.Caller, after string, limit int) ([]*cad.Vehicle, string, error) {
	return s.db.Vehicles(ctx, c.CommunityID(), cad.VehicleFilter{StolenOnly: true, After: after, Limit: pageSize(limit)})
}
