package civilhttp

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// ERSCalls are the ERS bridge's call-outs, which the civilians and
// vehicles it sends are attached to (dispatch.Service does).
type ERSCalls interface {
	AttachToERSCall(ctx context.Context, c cad.Caller, ersCalloutID, characterID, vehicleID string)
	ERSVehicleBOLO(ctx context.Context, c cad.Caller, plate, description string) error
}

// ersRoutes are the ERS bridge's civilians and vehicles: civil records,
// attached to the call-out they came with. Its other routes are
// dispatchhttp's; every one reads the one body, httpx.ERSIn.
func (h *handlers) ersRoutes(s *httpx.Server) {
	s.Add(http.MethodPost, "/api/fivem/ers/civilian", httpx.GameServer, h.ersCivilian)
	s.Add(http.MethodPost, "/api/fivem/ers/vehicle", httpx.GameServer, h.ersVehicle)
}

// ersCivilian makes (or updates) an ERS pedestrian as a civilian.
func (h *handlers) ersCivilian(c *echo.Context) error {
	var in httpx.ERSIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	ci := characterInput(in.CivilianIn)
	id := firstNonEmpty(in.MDTCivilianID.V, in.CivID.V, in.PedID.V)
	if id == "" {
		id = "ERS-" + strings.ToUpper(strings.ReplaceAll(in.CivilianIn.FirstName.V+in.CivilianIn.LastName.V+in.CivilianIn.DateOfBirth.V, " ", ""))
	} else {
		id = "ERS-" + id
	}
	ci.SSN = &id
	ctx, cl := c.Request().Context(), httpx.CallerOf(c)
	ch, _, err := h.civil.SyncCharacter(ctx, cl, ci)
	if err != nil {
		return err
	}
	if status := in.DLStatus.V; status != "" {
		if _, err := h.civil.SetLicense(ctx, cl, ch.ID, "drivers", status, "ERS"); err != nil && cad.ErrorCode(err) != cad.EINVALID {
			return err
		}
	}
	h.ers.AttachToERSCall(ctx, cl, in.ERSCalloutID.V, ch.ID, "")
	return c.JSON(http.StatusOK, map[string]any{"success": true, "civilianId": ch.ID, "_id": ch.ID, "fullName": ch.FullName(), "ssn": ch.SSN})
}

// ersVehicle registers an ERS vehicle to its owner (an ERS civilian made
// by name when none is named), with its stolen flag and BOLO.
func (h *handlers) ersVehicle(c *echo.Context) error {
	var in httpx.ERSIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	ctx, cl := c.Request().Context(), httpx.CallerOf(c)
	key, err := cad.PlateKey(in.Plate.V)
	if err != nil {
		return err
	}
	if key == "" {
		return cad.Errorf(cad.EINVALID, "plate is required")
	}
	owner := strings.TrimSpace(in.OwnerName.V)
	if owner == "" {
		owner = "Unknown Owner"
	}
	first, last, _ := strings.Cut(owner, " ")
	if last == "" {
		last = "-"
	}
	ssn := "ERS-OWNER-" + key
	ch, _, err := h.civil.SyncCharacter(ctx, cl, civil.CharacterInput{FirstName: &first, LastName: &last, SSN: &ssn})
	if err != nil {
		return err
	}
	v, _, err := h.civil.RegisterOrFind(ctx, cl, civil.VehicleInput{Owner: &ch.ID, Plate: in.Plate.Ptr(), Make: in.Make.Ptr(),
		Model: in.Model.Ptr(), Color: in.Color.Ptr(), Year: in.Year.Ptr()})
	if err != nil {
		return err
	}
	if in.Stolen.V {
		if v, err = h.civil.SetStolen(ctx, cl, v.ID, civil.StolenInput{Stolen: true, Description: "Reported by ERS"}); err != nil {
			return err
		}
	}
	if in.BOLO.V {
		if err := h.ers.ERSVehicleBOLO(ctx, cl, in.Plate.V, in.BOLODesc.V); err != nil {
			return err
		}
	}
	h.ers.AttachToERSCall(ctx, cl, in.ERSCalloutID.V, "", v.ID)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "vehicleId": v.ID, "_id": v.ID, "plate": v.Plate, "msg": "Vehicle recorded"})
}
