package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
)

// fivemCivilRoutes are the civilian, vehicle and bank routes CDE's FiveM
// resources call with a game server's key, each answering exactly what
// the resources read (docs/fivem-compat.md). The community is the key's
// (communityId, when sent, must name it).
func (s *Server) fivemCivilRoutes() {
	s.add(http.MethodGet, "/api/civilian/fivem-civilians-by-discord/:discordId", GameServer, s.fivemCiviliansByDiscord)
	s.add(http.MethodGet, "/api/civilian/fivem-civilian/:ssnOrId", GameServer, s.fivemCivilian)
	s.add(http.MethodGet, "/api/civilian/fivem-fingerprint/:civilianId", GameServer, s.fivemFingerprint)
	s.add(http.MethodPost, "/api/civilian/fivem-sync-character", GameServer, s.fivemSyncCharacter, bodyLimit(imageBodyLimit))
	s.add(http.MethodPut, "/api/civilian/fivem-update-character/:ssnOrId", GameServer, s.fivemUpdateCharacter, bodyLimit(imageBodyLimit))
	s.add(http.MethodDelete, "/api/civilian/fivem-delete-character/:ssnOrId", GameServer, s.fivemDeleteCharacter)
	s.add(http.MethodPost, "/api/civilian/fivem-force-sync-characters", GameServer, s.fivemForceSyncCharacters, bodyLimit(bulkBodyLimit))
	s.add(http.MethodPost, "/api/civilian/fivem-register-vehicle", GameServer, s.fivemRegisterVehicle)
	s.add(http.MethodGet, "/api/civilian/fivem-vehicle/:plate", GameServer, s.fivemVehicle)
	s.add(http.MethodPost, "/api/civilian/fivem-sync-vehicles", GameServer, s.fivemSyncVehicles, bodyLimit(bulkBodyLimit))
	s.add(http.MethodPost, "/api/civilian/fivem-force-sync-vehicles", GameServer, s.fivemSyncVehicles, bodyLimit(bulkBodyLimit))
	s.add(http.MethodGet, "/api/civilian/fivem-plate-lookup/:plate", GameServer, s.fivemPlateLookup)
	s.add(http.MethodGet, "/api/civilian/fivem-flagged-plates", GameServer, s.fivemFlaggedPlates)
	s.add(http.MethodGet, "/api/civilian/fivem-plate-designs", GameServer, s.fivemPlateDesigns)
	s.add(http.MethodGet, "/api/civilian/fivem-community-settings", GameServer, s.fivemCommunitySettings)
	s.add(http.MethodPost, "/api/civilian/fivem-paycheck", GameServer, s.fivemPaycheck)

	s.add(http.MethodGet, "/api/banking/fivem/account", GameServer, s.fivemBankingAccount)
	// The same handlers as the members' (civil.go): the civilian comes
	// from the body's civilianId (fromCivilianId) instead of the path.
	s.add(http.MethodPost, "/api/banking/fivem/deposit", GameServer, s.bankDeposit)
	s.add(http.MethodPost, "/api/banking/fivem/withdraw", GameServer, s.bankWithdraw)
	s.add(http.MethodPost, "/api/banking/fivem/transfer", GameServer, s.bankTransfer)
	s.add(http.MethodGet, "/api/fivem/bank/account/:civilianId", GameServer, s.fivemBankAccount)
	s.add(http.MethodPost, "/api/fivem/bank/deposit", GameServer, s.bankDeposit)
	s.add(http.MethodPost, "/api/fivem/bank/withdraw", GameServer, s.bankWithdraw)

	s.add(http.MethodGet, "/api/fivem/license-templates/render/:civilianId/:licenseType", GameServer, s.fivemRenderLicense)
}

// fivemCiviliansByDiscord answers a bare array: the resources iterate it.
func (s *Server) fivemCiviliansByDiscord(c *echo.Context) error {
	list, err := s.deps.Civil.CharactersByDiscord(c.Request().Context(), callerOf(c), c.Param("discordId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, mapList(list, s.civilianJSON))
}

func (s *Server) fivemCivilian(c *echo.Context) error {
	ch, err := s.deps.Civil.Resolve(c.Request().Context(), callerOf(c), c.Param("ssnOrId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.civilianJSON(ch))
}

func (s *Server) fivemFingerprint(c *echo.Context) error {
	ch, fp, err := s.deps.Civil.FingerprintOf(c.Request().Context(), callerOf(c), c.Param("civilianId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "name": ch.FullName(), "civilianId": ch.ID,
		"fingerprintId": fp.ID, "pattern": fp.Pattern, "image": fp.Image, "wanted": false, "missing": ch.MissingPerson})
}

func (s *Server) fivemSyncCharacter(c *echo.Context) error {
	var in civilianIn
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ch, created, err := s.deps.Civil.SyncCharacter(c.Request().Context(), callerOf(c), in.input())
	if err != nil {
		return err
	}
	action, status := "updated", http.StatusOK
	if created {
		action, status = "created", http.StatusCreated
	}
	out := s.civilianJSON(ch)
	return c.JSON(status, map[string]any{"success": true, "action": action, "_id": ch.ID, "id": ch.ID, "civilian": out})
}

func (s *Server) fivemUpdateCharacter(c *echo.Context) error {
	var in civilianIn
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ch, err := s.deps.Civil.UpdateCharacter(c.Request().Context(), callerOf(c), c.Param("ssnOrId"), in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "_id": ch.ID, "id": ch.ID, "civilian": s.civilianJSON(ch)})
}

func (s *Server) fivemDeleteCharacter(c *echo.Context) error {
	if err := s.deps.Civil.DeleteCharacter(c.Request().Context(), callerOf(c), c.Param("ssnOrId")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "Civilian deleted"})
}

// maxBulk bounds one force-sync request.
const maxBulk = 10_000

func (s *Server) fivemForceSyncCharacters(c *echo.Context) error {
	var in struct {
		Characters []civilianIn `json:"characters"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if len(in.Characters) > maxBulk {
		return cad.Errorf(cad.EINVALID, "At most %d characters in one request", maxBulk)
	}
	inputs := make([]civil.CharacterInput, len(in.Characters))
	for i, ch := range in.Characters {
		inputs[i] = ch.input()
	}
	res, err := s.deps.Civil.ForceSyncCharacters(c.Request().Context(), callerOf(c), inputs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bulkJSON(res))
}

func bulkJSON(r *civil.BulkResult) map[string]any {
	return map[string]any{"success": true, "created": r.Created, "updated": r.Updated, "skipped": r.Skipped,
		"failed": r.Failed, "errors": r.Errors}
}

func (s *Server) fivemRegisterVehicle(c *echo.Context) error {
	var in vehicleIn
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v, existed, err := s.deps.Civil.RegisterOrFind(c.Request().Context(), callerOf(c), in.input())
	if err != nil {
		return err
	}
	status, action := http.StatusCreated, "created"
	if existed {
		status, action = http.StatusOK, "exists"
	}
	return c.JSON(status, map[string]any{"success": true, "action": action, "vehicleId": v.ID, "_id": v.ID, "id": v.ID,
		"plate": v.Plate, "vin": v.VIN, "vehicle": vehicleJSON(v)})
}

// fivemVehicle is a vehicle as the sync resources' /cadlookup reads it.
func (s *Server) fivemVehicle(c *echo.Context) error {
	ctx := c.Request().Context()
	cl := callerOf(c)
	v, err := s.deps.Civil.VehicleByPlate(ctx, cl, c.Param("plate"))
	if err != nil {
		return err
	}
	owner := ""
	if ch, err := s.deps.Civil.Resolve(ctx, cl, v.OwnerID); err == nil {
		owner = ch.FullName()
	}
	pv := s.plateVehicleJSON(v)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "_id": v.ID, "id": v.ID, "plate": v.Plate, "vin": v.VIN,
		"make": v.Make, "model": v.Model, "color": v.Color, "year": v.Year, "owner": owner, "ownerId": v.OwnerID,
		"stolen": v.Stolen, "impounded": v.Impounded,
		"registration": pv.RegistrationStatus == cad.DocValid, "registrationStatus": pv.RegistrationStatus, "registrationExpires": v.RegistrationExpires,
		"insurance": pv.InsuranceStatus == cad.DocValid, "insuranceStatus": pv.InsuranceStatus, "insuranceExpires": v.InsuranceExpires})
}

func (s *Server) fivemSyncVehicles(c *echo.Context) error {
	var in struct {
		OwnerID  looseString `json:"ownerId"`
		Vehicles []struct {
			vehicleIn
			CitizenID looseString `json:"citizenid"`
			Owner     looseString `json:"owner"`
		} `json:"vehicles"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if len(in.Vehicles) > maxBulk {
		return cad.Errorf(cad.EINVALID, "At most %d vehicles in one request", maxBulk)
	}
	inputs := make([]civil.VehicleInput, len(in.Vehicles))
	for i, v := range in.Vehicles {
		vi := v.vehicleIn.input()
		if vi.Owner == nil {
			vi.Owner = firstSet(v.CitizenID, v.Owner, in.OwnerID)
		}
		inputs[i] = vi
	}
	res, err := s.deps.Civil.SyncVehicles(c.Request().Context(), callerOf(c), inputs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bulkJSON(res))
}

func (s *Server) fivemPlateLookup(c *echo.Context) error {
	r, err := s.deps.Civil.PlateLookup(c.Request().Context(), callerOf(c), c.Param("plate"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.plateResultJSON(scopeOf(c).Community, r))
}

type flaggedPlateOut struct {
	Plate      string   `json:"plate"`
	Flags      []string `json:"flags"`
	AlertLevel string   `json:"alertLevel"`
	Owner      string   `json:"owner"`
	DL         string   `json:"dl"`
	HotCamIDs  []string `json:"hotCamIds"`
}

func (s *Server) fivemFlaggedPlates(c *echo.Context) error {
	list, err := s.deps.Civil.FlaggedPlates(c.Request().Context(), callerOf(c))
	if err != nil {
		return err
	}
	out := make([]flaggedPlateOut, len(list))
	for i, f := range list {
		out[i] = flaggedPlateOut{Plate: f.Vehicle.PlateKey, Flags: f.Flags, AlertLevel: f.Alert, HotCamIDs: []string{}, DL: "NONE"}
		if f.Owner != nil {
			out[i].Owner, out[i].DL = f.Owner.FullName(), licenseStatus(f.Owner)
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "generatedAt": s.deps.Auth.Now().UTC(), "plates": out,
		"cleanPlates": []string{}})
}

func (s *Server) fivemPlateDesigns(c *echo.Context) error {
	designs, byPlate, err := s.deps.Civil.PlateDesigns(c.Request().Context(), callerOf(c))
	if err != nil {
		return err
	}
	byID := make(map[string]cad.PlateDesign, len(designs))
	for _, d := range designs {
		byID[d.ID] = d
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "plateDesigns": byID, "designIdByPlate": byPlate})
}

// fivemCommunitySettings is cde-civ's old settings read.
func (s *Server) fivemCommunitySettings(c *echo.Context) error {
	com := scopeOf(c).Community
	j := map[string]any{"city": "", "county": "", "state": ""}
	for k := range j {
		if v, ok := com.Settings.CADSettings["jurisdiction."+k].(string); ok {
			j[k] = v
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "communityName": com.Name, "jurisdiction": j})
}

func (s *Server) fivemPaycheck(c *echo.Context) error {
	var in struct {
		CivilianID looseString `json:"civilianId"`
		Amount     looseAmount `json:"amount"`
		Department looseString `json:"department"`
		DiscordID  looseString `json:"discordId"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	m, err := s.deps.Civil.Paycheck(c.Request().Context(), callerOf(c), civil.PaycheckInput{Character: in.CivilianID.V,
		Department: in.Department.V, Amount: in.Amount.Cents, DiscordID: in.DiscordID.V})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "success": true, "amount": money(m.Entry.Amount),
		"balance": money(m.Account.Balance), "transaction": transactionJSON(m.Entry)})
}

// fivemBankingAccount is GET /api/banking/fivem/account?civilianId=.
func (s *Server) fivemBankingAccount(c *echo.Context) error {
	_, a, list, _, err := s.deps.Civil.Account(c.Request().Context(), callerOf(c), c.QueryParam("civilianId"), "", 50)
	if err != nil {
		return err
	}
	out := accountJSON(a)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "accountNumber": out.AccountNumber, "accountStatus": out.AccountStatus,
		"balance": out.Balance, "transactions": mapList(list, transactionJSON), "account": out})
}

// fivemBankAccount is LWK Bank's GET /api/fivem/bank/account/:civilianId.
func (s *Server) fivemBankAccount(c *echo.Context) error {
	ch, a, _, _, err := s.deps.Civil.Account(c.Request().Context(), callerOf(c), c.Param("civilianId"), "", 1)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "balance": money(a.Balance), "civilianName": ch.FullName(),
		"accountNumber": a.Number, "accountStatus": accountJSON(a).AccountStatus})
}

func (s *Server) fivemRenderLicense(c *echo.Context) error {
	uri, err := s.deps.Civil.RenderCard(c.Request().Context(), callerOf(c), c.Param("civilianId"), c.Param("licenseType"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "success": true, "dataUri": uri, "generatedAt": time.Now().UTC()})
}
