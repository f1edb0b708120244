package civilhttp

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// fivemRoutes are the civilian, vehicle and bank routes CDE's FiveM
// resources call with a game server's key, each answering exactly what
// the resources read (docs/fivem-compat.md). The community is the key's
// (communityId, when sent, must name it).
func (h *handlers) fivemRoutes(s *httpx.Server) {
	s.Add(http.MethodGet, "/api/civilian/fivem-civilians-by-discord/:discordId", httpx.GameServer, h.fivemCiviliansByDiscord)
	s.Add(http.MethodGet, "/api/civilian/fivem-civilian/:ssnOrId", httpx.GameServer, h.fivemCivilian)
	s.Add(http.MethodGet, "/api/civilian/fivem-fingerprint/:civilianId", httpx.GameServer, h.fivemFingerprint)
	s.Add(http.MethodPost, "/api/civilian/fivem-sync-character", httpx.GameServer, h.fivemSyncCharacter, httpx.BodyLimit(httpx.ImageBodyLimit))
	s.Add(http.MethodPut, "/api/civilian/fivem-update-character/:ssnOrId", httpx.GameServer, h.fivemUpdateCharacter, httpx.BodyLimit(httpx.ImageBodyLimit))
	s.Add(http.MethodDelete, "/api/civilian/fivem-delete-character/:ssnOrId", httpx.GameServer, h.fivemDeleteCharacter)
	s.Add(http.MethodPost, "/api/civilian/fivem-force-sync-characters", httpx.GameServer, h.fivemForceSyncCharacters, httpx.BodyLimit(httpx.BulkBodyLimit))
	s.Add(http.MethodPost, "/api/civilian/fivem-register-vehicle", httpx.GameServer, h.fivemRegisterVehicle)
	s.Add(http.MethodGet, "/api/civilian/fivem-vehicle/:plate", httpx.GameServer, h.fivemVehicle)
	s.Add(http.MethodPost, "/api/civilian/fivem-sync-vehicles", httpx.GameServer, h.fivemSyncVehicles, httpx.BodyLimit(httpx.BulkBodyLimit))
	s.Add(http.MethodPost, "/api/civilian/fivem-force-sync-vehicles", httpx.GameServer, h.fivemSyncVehicles, httpx.BodyLimit(httpx.BulkBodyLimit))
	s.Add(http.MethodGet, "/api/civilian/fivem-plate-lookup/:plate", httpx.GameServer, h.fivemPlateLookup)
	s.Add(http.MethodGet, "/api/civilian/fivem-flagged-plates", httpx.GameServer, h.fivemFlaggedPlates)
	s.Add(http.MethodGet, "/api/civilian/fivem-plate-designs", httpx.GameServer, h.fivemPlateDesigns)
	s.Add(http.MethodGet, "/api/civilian/fivem-community-settings", httpx.GameServer, h.fivemCommunitySettings)
	s.Add(http.MethodPost, "/api/civilian/fivem-paycheck", httpx.GameServer, h.fivemPaycheck)

	s.Add(http.MethodGet, "/api/banking/fivem/account", httpx.GameServer, h.fivemBankingAccount)
	// The same handlers as the members' (civil.go): the civilian comes
	// from the body's civilianId (fromCivilianId) instead of the path.
	s.Add(http.MethodPost, "/api/banking/fivem/deposit", httpx.GameServer, h.bankDeposit)
	s.Add(http.MethodPost, "/api/banking/fivem/withdraw", httpx.GameServer, h.bankWithdraw)
	s.Add(http.MethodPost, "/api/banking/fivem/transfer", httpx.GameServer, h.bankTransfer)
	s.Add(http.MethodGet, "/api/fivem/bank/account/:civilianId", httpx.GameServer, h.fivemBankAccount)
	s.Add(http.MethodPost, "/api/fivem/bank/deposit", httpx.GameServer, h.bankDeposit)
	s.Add(http.MethodPost, "/api/fivem/bank/withdraw", httpx.GameServer, h.bankWithdraw)

	s.Add(http.MethodGet, "/api/fivem/license-templates/render/:civilianId/:licenseType", httpx.GameServer, h.fivemRenderLicense)
}

// fivemCiviliansByDiscord answers a bare array: the resources iterate it.
func (h *handlers) fivemCiviliansByDiscord(c *echo.Context) error {
	list, err := h.civil.CharactersByDiscord(c.Request().Context(), httpx.CallerOf(c), c.Param("discordId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.MapList(list, h.records.Civilian))
}

func (h *handlers) fivemCivilian(c *echo.Context) error {
	ch, err := h.civil.Resolve(c.Request().Context(), httpx.CallerOf(c), c.Param("ssnOrId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.records.Civilian(ch))
}

func (h *handlers) fivemFingerprint(c *echo.Context) error {
	ch, fp, err := h.civil.FingerprintOf(c.Request().Context(), httpx.CallerOf(c), c.Param("civilianId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "name": ch.FullName(), "civilianId": ch.ID,
		"fingerprintId": fp.ID, "pattern": fp.Pattern, "image": fp.Image, "wanted": false, "missing": ch.MissingPerson})
}

func (h *handlers) fivemSyncCharacter(c *echo.Context) error {
	var in httpx.CivilianIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	ch, created, err := h.civil.SyncCharacter(c.Request().Context(), httpx.CallerOf(c), characterInput(in))
	if err != nil {
		return err
	}
	action, status := "updated", http.StatusOK
	if created {
		action, status = "created", http.StatusCreated
	}
	out := h.records.Civilian(ch)
	return c.JSON(status, map[string]any{"success": true, "action": action, "_id": ch.ID, "id": ch.ID, "civilian": out})
}

func (h *handlers) fivemUpdateCharacter(c *echo.Context) error {
	var in httpx.CivilianIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	ch, err := h.civil.UpdateCharacter(c.Request().Context(), httpx.CallerOf(c), c.Param("ssnOrId"), characterInput(in))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "_id": ch.ID, "id": ch.ID, "civilian": h.records.Civilian(ch)})
}

func (h *handlers) fivemDeleteCharacter(c *echo.Context) error {
	if err := h.civil.DeleteCharacter(c.Request().Context(), httpx.CallerOf(c), c.Param("ssnOrId")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "Civilian deleted"})
}

// maxBulk bounds one force-sync request.
const maxBulk = 10_000

func (h *handlers) fivemForceSyncCharacters(c *echo.Context) error {
	var in struct {
		Characters []httpx.CivilianIn `json:"characters"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if len(in.Characters) > maxBulk {
		return cad.Errorf(cad.EINVALID, "At most %d characters in one request", maxBulk)
	}
	inputs := make([]civil.CharacterInput, len(in.Characters))
	for i, ch := range in.Characters {
		inputs[i] = characterInput(ch)
	}
	res, err := h.civil.ForceSyncCharacters(c.Request().Context(), httpx.CallerOf(c), inputs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bulkJSON(res))
}

func bulkJSON(r *civil.BulkResult) map[string]any {
	return map[string]any{"success": true, "created": r.Created, "updated": r.Updated, "skipped": r.Skipped,
		"failed": r.Failed, "errors": r.Errors}
}

func (h *handlers) fivemRegisterVehicle(c *echo.Context) error {
	var in vehicleIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	v, existed, err := h.civil.RegisterOrFind(c.Request().Context(), httpx.CallerOf(c), in.input())
	if err != nil {
		return err
	}
	status, action := http.StatusCreated, "created"
	if existed {
		status, action = http.StatusOK, "exists"
	}
	return c.JSON(status, map[string]any{"success": true, "action": action, "vehicleId": v.ID, "_id": v.ID, "id": v.ID,
		"plate": v.Plate, "vin": v.VIN, "vehicle": httpx.Vehicle(v)})
}

// fivemVehicle is a vehicle as the sync resources' /cadlookup reads it.
func (h *handlers) fivemVehicle(c *echo.Context) error {
	ctx := c.Request().Context()
	cl := httpx.CallerOf(c)
	v, err := h.civil.VehicleByPlate(ctx, cl, c.Param("plate"))
	if err != nil {
		return err
	}
	owner := ""
	if ch, err := h.civil.Resolve(ctx, cl, v.OwnerID); err == nil {
		owner = ch.FullName()
	}
	pv := h.records.PlateVehicle(v)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "_id": v.ID, "id": v.ID, "plate": v.Plate, "vin": v.VIN,
		"make": v.Make, "model": v.Model, "color": v.Color, "year": v.Year, "owner": owner, "ownerId": v.OwnerID,
		"stolen": v.Stolen, "impounded": v.Impounded,
		"registration": pv.RegistrationStatus == cad.DocValid, "registrationStatus": pv.RegistrationStatus, "registrationExpires": v.RegistrationExpires,
		"insurance": pv.InsuranceStatus == cad.DocValid, "insuranceStatus": pv.InsuranceStatus, "insuranceExpires": v.InsuranceExpires})
}

func (h *handlers) fivemSyncVehicles(c *echo.Context) error {
	var in struct {
		OwnerID  httpx.LooseString `json:"ownerId"`
		Vehicles []struct {
			vehicleIn
			CitizenID httpx.LooseString `json:"citizenid"`
			Owner     httpx.LooseString `json:"owner"`
		} `json:"vehicles"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if len(in.Vehicles) > maxBulk {
		return cad.Errorf(cad.EINVALID, "At most %d vehicles in one request", maxBulk)
	}
	inputs := make([]civil.VehicleInput, len(in.Vehicles))
	for i, v := range in.Vehicles {
		vi := v.vehicleIn.input()
		if vi.Owner == nil {
			vi.Owner = httpx.FirstSet(v.CitizenID, v.Owner, in.OwnerID)
		}
		inputs[i] = vi
	}
	res, err := h.civil.SyncVehicles(c.Request().Context(), httpx.CallerOf(c), inputs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bulkJSON(res))
}

func (h *handlers) fivemPlateLookup(c *echo.Context) error {
	r, err := h.civil.PlateLookup(c.Request().Context(), httpx.CallerOf(c), c.Param("plate"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.records.PlateResult(httpx.ScopeOf(c).Community, r))
}

type flaggedPlateOut struct {
	Plate      string   `json:"plate"`
	Flags      []string `json:"flags"`
	AlertLevel string   `json:"alertLevel"`
	Owner      string   `json:"owner"`
	DL         string   `json:"dl"`
	HotCamIDs  []string `json:"hotCamIds"`
}

func (h *handlers) fivemFlaggedPlates(c *echo.Context) error {
	list, err := h.civil.FlaggedPlates(c.Request().Context(), httpx.CallerOf(c))
	if err != nil {
		return err
	}
	out := make([]flaggedPlateOut, len(list))
	for i, f := range list {
		out[i] = flaggedPlateOut{Plate: f.Vehicle.PlateKey, Flags: f.Flags, AlertLevel: f.Alert, HotCamIDs: []string{}, DL: "NONE"}
		if f.Owner != nil {
			out[i].Owner, out[i].DL = f.Owner.FullName(), httpx.LicenseStatus(f.Owner)
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "generatedAt": h.now().UTC(), "plates": out,
		"cleanPlates": []string{}})
}

func (h *handlers) fivemPlateDesigns(c *echo.Context) error {
	designs, byPlate, err := h.civil.PlateDesigns(c.Request().Context(), httpx.CallerOf(c))
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
func (h *handlers) fivemCommunitySettings(c *echo.Context) error {
	com := httpx.ScopeOf(c).Community
	j := map[string]any{"city": "", "county": "", "state": ""}
	for k := range j {
		if v, ok := com.Settings.CADSettings["jurisdiction."+k].(string); ok {
			j[k] = v
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "communityName": com.Name, "jurisdiction": j})
}

func (h *handlers) fivemPaycheck(c *echo.Context) error {
	var in struct {
		CivilianID httpx.LooseString `json:"civilianId"`
		Amount     looseAmount       `json:"amount"`
		Department httpx.LooseString `json:"department"`
		DiscordID  httpx.LooseString `json:"discordId"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	m, err := h.civil.Paycheck(c.Request().Context(), httpx.CallerOf(c), civil.PaycheckInput{Character: in.CivilianID.V,
		Department: in.Department.V, Amount: in.Amount.Cents, DiscordID: in.DiscordID.V})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "success": true, "amount": money(m.Entry.Amount),
		"balance": money(m.Account.Balance), "transaction": transactionJSON(m.Entry)})
}

// fivemBankingAccount is GET /api/banking/fivem/account?civilianId=.
func (h *handlers) fivemBankingAccount(c *echo.Context) error {
	_, a, list, _, err := h.civil.Account(c.Request().Context(), httpx.CallerOf(c), c.QueryParam("civilianId"), "", 50)
	if err != nil {
		return err
	}
	out := accountJSON(a)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "accountNumber": out.AccountNumber, "accountStatus": out.AccountStatus,
		"balance": out.Balance, "transactions": httpx.MapList(list, transactionJSON), "account": out})
}

// fivemBankAccount is LWK Bank's GET /api/fivem/bank/account/:civilianId.
func (h *handlers) fivemBankAccount(c *echo.Context) error {
	ch, a, _, _, err := h.civil.Account(c.Request().Context(), httpx.CallerOf(c), c.Param("civilianId"), "", 1)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "balance": money(a.Balance), "civilianName": ch.FullName(),
		"accountNumber": a.Number, "accountStatus": accountJSON(a).AccountStatus})
}

func (h *handlers) fivemRenderLicense(c *echo.Context) error {
	uri, err := h.civil.RenderCard(c.Request().Context(), httpx.CallerOf(c), c.Param("civilianId"), c.Param("licenseType"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "success": true, "dataUri": uri, "generatedAt": time.Now().UTC()})
}
