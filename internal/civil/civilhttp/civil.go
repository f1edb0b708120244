// Package civilhttp is the HTTP of civil records: characters, vehicles,
// licenses and bank accounts for members and for the game servers (the
// FiveM civilian, vehicle and bank routes, and the ERS bridge's civilians
// and vehicles), the officers' look-ups, and the stored images.
package civilhttp

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// Register adds the civil routes to s: the members' characters,
// vehicles and bank accounts and the officers' look-ups in the browser,
// the stored images, and the civilian, vehicle and bank routes of the
// FiveM resources (the routes they share with members are MemberOrServer).
// now is the clock of the answers that carry a time; ers attaches the ERS
// bridge's records to its call-outs.
func Register(s *httpx.Server, civ *civil.Service, ers ERSCalls, now func() time.Time) {
	h := &handlers{civil: civ, ers: ers, now: now, records: httpx.Records{MediaURL: civ.MediaURL, Now: now}}
	s.Add(http.MethodPost, "/api/civilian", httpx.Member, h.createCivilian, httpx.BodyLimit(httpx.ImageBodyLimit))
	s.Add(http.MethodGet, "/api/civilian", httpx.Member, h.myCivilians)
	s.Add(http.MethodGet, "/api/civilian/:id", httpx.MemberOrServer, h.getCivilian)
	s.Add(http.MethodPut, "/api/civilian/:id", httpx.MemberOrServer, h.updateCivilian, httpx.BodyLimit(httpx.ImageBodyLimit))
	s.Add(http.MethodDelete, "/api/civilian/:id", httpx.MemberOrServer, h.deleteCivilian)
	s.Add(http.MethodPut, "/api/civilian/:id/mugshot", httpx.Member, h.uploadMugshot, httpx.BodyLimit(httpx.ImageBodyLimit))
	s.Add(http.MethodPut, "/api/civilian/:id/missing", httpx.MemberOrServer, h.setMissing)
	s.Add(http.MethodPut, "/api/civilian/:id/license", httpx.MemberOrServer, h.setLicense)
	s.Add(http.MethodGet, "/api/civilian/:id/licenses", httpx.Member, h.licenseHistory)
	s.Add(http.MethodGet, "/api/civilian/missing-persons/:communityId", httpx.MemberOrServer, h.missingPersons)

	s.Add(http.MethodPost, "/api/civilian/vehicle", httpx.Member, h.registerVehicle)
	s.Add(http.MethodGet, "/api/civilian/vehicle", httpx.Member, h.myVehicles)
	s.Add(http.MethodGet, "/api/civilian/vehicle/:vehicleId", httpx.Member, h.getVehicle)
	s.Add(http.MethodPut, "/api/civilian/vehicle/:vehicleId", httpx.Member, h.updateVehicle)
	s.Add(http.MethodDelete, "/api/civilian/vehicle/:vehicleId", httpx.Member, h.deleteVehicle)
	s.Add(http.MethodPut, "/api/civilian/vehicle/:vehicleId/stolen", httpx.MemberOrServer, h.setStolen)
	s.Add(http.MethodGet, "/api/civilian/stolen-vehicles/:communityId", httpx.MemberOrServer, h.stolenVehicles)

	s.Add(http.MethodGet, "/api/civilian/:id/bank", httpx.Member, h.bankAccount)
	s.Add(http.MethodPost, "/api/civilian/:id/bank/deposit", httpx.Member, h.bankDeposit)
	s.Add(http.MethodPost, "/api/civilian/:id/bank/withdraw", httpx.Member, h.bankWithdraw)
	s.Add(http.MethodPost, "/api/civilian/:id/bank/transfer", httpx.Member, h.bankTransfer)
	s.Add(http.MethodPost, "/api/civilian/:id/bank/adjust", httpx.Member, h.bankAdjust)
	s.Add(http.MethodPost, "/api/civilian/:id/bank/freeze", httpx.Member, h.bankFreeze)
	s.Add(http.MethodPost, "/api/civilian/:id/bank/unfreeze", httpx.Member, h.bankFreeze)

	s.Add(http.MethodGet, "/api/lookup/person", httpx.Member, h.lookupPersons, httpx.Limit(httpx.GroupLookup))
	s.Add(http.MethodGet, "/api/lookup/person/:id", httpx.Member, h.lookupPerson, httpx.Limit(httpx.GroupLookup))
	s.Add(http.MethodGet, "/api/lookup/plate/:plate", httpx.Member, h.lookupPlate, httpx.Limit(httpx.GroupLookup))

	// Stored images: the URL is the credential (see civil.MediaPath).
	s.Add(http.MethodGet, "/api/media/:communityId/:mediaId", httpx.Public, h.media)
	h.fivemRoutes(s)
	h.ersRoutes(s)

}

type handlers struct {
	civil   *civil.Service
	ers     ERSCalls
	now     func() time.Time
	records httpx.Records
}

// characterInput is the civil service's input of a civilian's body.
func characterInput(in httpx.CivilianIn) civil.CharacterInput {
	out := civil.CharacterInput{
		FirstName: in.FirstName.Ptr(), MiddleName: in.MiddleName.Ptr(), LastName: in.LastName.Ptr(),
		DateOfBirth: httpx.FirstSet(in.DateOfBirth, in.Dob), Gender: httpx.FirstSet(in.Gender, in.Sex), Race: in.Race.Ptr(),
		HairColor: in.HairColor.Ptr(), EyeColor: in.EyeColor.Ptr(), Height: in.Height.Ptr(), Weight: in.Weight.Ptr(),
		Address: in.Address.Ptr(), Phone: in.Phone.Ptr(), SecondaryPhone: in.SecondaryPhone.Ptr(), Occupation: in.Occupation.Ptr(),
		BloodType: in.BloodType.Ptr(), Allergies: in.Allergies.Ptr(), Medications: in.Medications.Ptr(),
		Nationality: in.Nationality.Ptr(), PlaceOfBirth: in.PlaceOfBirth.Ptr(), Mugshot: in.MugshotURL.Ptr(),
		SSN: in.SSN.Ptr(), Identifier: httpx.FirstSet(in.Identifier, in.CitizenID), DiscordID: in.DiscordID.Ptr(), Extra: in.Extra,
	}
	for k, v := range map[string]httpx.LooseString{"account": in.Account, "registration": in.Registration, "job": in.Job} {
		if v.Set && v.V != "" {
			if out.Extra == nil {
				out.Extra = map[string]string{}
			}
			out.Extra[k] = v.V
		}
	}
	return out
}

func (h *handlers) createCivilian(c *echo.Context) error {
	var in httpx.CivilianIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	ch, err := h.civil.CreateCharacter(c.Request().Context(), httpx.CallerOf(c), characterInput(in))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h.records.Civilian(ch))
}

func (h *handlers) myCivilians(c *echo.Context) error {
	list, err := h.civil.MyCharacters(c.Request().Context(), httpx.CallerOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"civilians": httpx.MapList(list, h.records.Civilian)})
}

func (h *handlers) getCivilian(c *echo.Context) error {
	ch, err := h.civil.Character(c.Request().Context(), httpx.CallerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.records.Civilian(ch))
}

func (h *handlers) updateCivilian(c *echo.Context) error {
	var in httpx.CivilianIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	ch, err := h.civil.UpdateCharacter(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), characterInput(in))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.records.Civilian(ch))
}

func (h *handlers) deleteCivilian(c *echo.Context) error {
	if err := h.civil.DeleteCharacter(c.Request().Context(), httpx.CallerOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "Civilian deleted"})
}

// uploadMugshot takes the image itself as the body (image/png, jpeg or
// webp), for browsers that upload a file.
func (h *handlers) uploadMugshot(c *echo.Context) error {
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		if httpx.IsTooLarge(err) {
			return err
		}
		return cad.Wrap(cad.EINVALID, err, "The image could not be read")
	}
	if len(data) == 0 {
		return cad.Errorf(cad.EINVALID, "The request body must be the image (PNG, JPEG or WebP)")
	}
	ch, err := h.civil.SetMugshot(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.records.Civilian(ch))
}

func (h *handlers) setMissing(c *echo.Context) error {
	var in struct {
		MissingPerson    httpx.LooseBool   `json:"missingPerson"`
		Missing          httpx.LooseBool   `json:"missing"`
		MissingDate      httpx.LooseTime   `json:"missingDate"`
		LastSeenLocation httpx.LooseString `json:"lastSeenLocation"`
		Description      httpx.LooseString `json:"description"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	flag := in.MissingPerson
	if !flag.Set {
		flag = in.Missing
	}
	if !flag.Set {
		return cad.Errorf(cad.EINVALID, "missingPerson (true or false) is required")
	}
	ch, err := h.civil.SetMissing(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), civil.MissingInput{
		Missing: flag.V, Date: in.MissingDate.Ptr(), LastSeenLocation: in.LastSeenLocation.V, Description: in.Description.V})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.records.Civilian(ch))
}

func (h *handlers) setLicense(c *echo.Context) error {
	var in struct {
		LicenseType httpx.LooseString `json:"licenseType"`
		Status      httpx.LooseString `json:"status"`
		Reason      httpx.LooseString `json:"reason"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	ch, err := h.civil.SetLicense(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), in.LicenseType.V, in.Status.V, in.Reason.V)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.records.Civilian(ch))
}

func (h *handlers) licenseHistory(c *echo.Context) error {
	list, err := h.civil.LicenseHistory(c.Request().Context(), httpx.CallerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"history": list})
}

func (h *handlers) missingPersons(c *echo.Context) error {
	return listPage(c, "civilians", h.civil.MissingPersons, h.records.Civilian)
}

// listPage answers one keyset page of a civil listing under name.
func listPage[T, O any](c *echo.Context, name string, load func(context.Context, cad.Caller, string, int) ([]T, string, error), conv func(T) O) error {
	p, err := httpx.PagingOf(c)
	if err != nil {
		return err
	}
	list, next, err := load(c.Request().Context(), httpx.CallerOf(c), p.After, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p.Answer(name, httpx.MapList(list, conv), next))
}

// vehicleIn is a vehicle as members and game servers send it.
type vehicleIn struct {
	OwnerID             httpx.LooseString `json:"ownerId"`
	CivilianID          httpx.LooseString `json:"civilianId"`
	Plate               httpx.LooseString `json:"plate"`
	VIN                 httpx.LooseString `json:"vin"`
	Make                httpx.LooseString `json:"make"`
	Model               httpx.LooseString `json:"model"`
	Color               httpx.LooseString `json:"color"`
	Year                httpx.LooseInt    `json:"year"`
	RegistrationStatus  httpx.LooseString `json:"registrationStatus"`
	RegistrationExpires httpx.LooseTime   `json:"registrationExpires"`
	InsuranceStatus     httpx.LooseString `json:"insuranceStatus"`
	InsuranceExpires    httpx.LooseTime   `json:"insuranceExpires"`
	Impounded           httpx.LooseBool   `json:"impounded"`
	PlateDesignID       httpx.LooseString `json:"plateDesignId"`
}

func (in vehicleIn) input() civil.VehicleInput {
	return civil.VehicleInput{Owner: httpx.FirstSet(in.OwnerID, in.CivilianID), Plate: in.Plate.Ptr(), VIN: in.VIN.Ptr(),
		Make: in.Make.Ptr(), Model: in.Model.Ptr(), Color: in.Color.Ptr(), Year: in.Year.Ptr(),
		RegistrationStatus: in.RegistrationStatus.Ptr(), RegistrationExpires: in.RegistrationExpires.Ptr(),
		InsuranceStatus: in.InsuranceStatus.Ptr(), InsuranceExpires: in.InsuranceExpires.Ptr(), Impounded: in.Impounded.Ptr(),
		PlateDesignID: in.PlateDesignID.Ptr()}
}

func (h *handlers) registerVehicle(c *echo.Context) error {
	var in vehicleIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	v, err := h.civil.RegisterVehicle(c.Request().Context(), httpx.CallerOf(c), in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, httpx.Vehicle(v))
}

func (h *handlers) myVehicles(c *echo.Context) error {
	return listPage(c, "vehicles", h.civil.MyVehicles, httpx.Vehicle)
}

func (h *handlers) getVehicle(c *echo.Context) error {
	v, err := h.civil.Vehicle(c.Request().Context(), httpx.CallerOf(c), c.Param("vehicleId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.Vehicle(v))
}

func (h *handlers) updateVehicle(c *echo.Context) error {
	var in vehicleIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	v, err := h.civil.UpdateVehicle(c.Request().Context(), httpx.CallerOf(c), c.Param("vehicleId"), in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.Vehicle(v))
}

func (h *handlers) deleteVehicle(c *echo.Context) error {
	if err := h.civil.DeleteVehicle(c.Request().Context(), httpx.CallerOf(c), c.Param("vehicleId")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "Vehicle deleted"})
}

func (h *handlers) setStolen(c *echo.Context) error {
	var in struct {
		Stolen            httpx.LooseBool   `json:"stolen"`
		StolenDescription httpx.LooseString `json:"stolenDescription"`
		Description       httpx.LooseString `json:"description"`
		StolenDate        httpx.LooseTime   `json:"stolenDate"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if !in.Stolen.Set {
		return cad.Errorf(cad.EINVALID, "stolen (true or false) is required")
	}
	desc := in.StolenDescription
	if !desc.Set {
		desc = in.Description
	}
	v, err := h.civil.SetStolen(c.Request().Context(), httpx.CallerOf(c), c.Param("vehicleId"), civil.StolenInput{
		Stolen: in.Stolen.V, Description: desc.V, Date: in.StolenDate.Ptr()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "vehicle": httpx.Vehicle(v)})
}

func (h *handlers) stolenVehicles(c *echo.Context) error {
	return listPage(c, "vehicles", h.civil.StolenVehicles, httpx.Vehicle)
}

func (h *handlers) bankAccount(c *echo.Context) error {
	p, err := httpx.PagingOf(c)
	if err != nil {
		return err
	}
	_, a, list, next, err := h.civil.Account(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), p.After, p.Limit)
	if err != nil {
		return err
	}
	out := p.Answer("transactions", httpx.MapList(list, transactionJSON), next)
	out["account"] = accountJSON(a)
	return c.JSON(http.StatusOK, out)
}

// moneyIn is a money request's body, from the browser or a game server.
type moneyIn struct {
	Amount         looseAmount       `json:"amount"`
	Description    httpx.LooseString `json:"description"`
	Reason         httpx.LooseString `json:"reason"`
	IdempotencyKey httpx.LooseString `json:"idempotencyKey"`
	// Transfers.
	ToAccountNumber httpx.LooseString `json:"toAccountNumber"`
	// Game servers name the civilian in the body.
	CivilianID     httpx.LooseString `json:"civilianId"`
	FromCivilianID httpx.LooseString `json:"fromCivilianId"`
}

func (in moneyIn) description() string {
	if in.Description.Set {
		return in.Description.V
	}
	return in.Reason.V
}

// bindMoney reads a money request; the Idempotency-Key header stands for
// idempotencyKey.
func bindMoney(c *echo.Context) (moneyIn, error) {
	var in moneyIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return in, err
	}
	if k := c.Request().Header.Get("Idempotency-Key"); k != "" && !in.IdempotencyKey.Set {
		in.IdempotencyKey = httpx.LooseString{Set: true, V: k}
	}
	return in, nil
}

// moneyOp is one of the service's one-account movements.
type moneyOp func(context.Context, cad.Caller, civil.MoneyInput) (*civil.Movement, error)

// move answers a one-account movement of the civilian the path names
// (members) or the body names (game servers: civilianID).
func (h *handlers) move(c *echo.Context, op moneyOp, adjust func(*civil.MoneyInput) error) error {
	in, err := bindMoney(c)
	if err != nil {
		return err
	}
	amount, err := requireAmount(in.Amount)
	if err != nil {
		return err
	}
	who := c.Param("id")
	if who == "" {
		who = in.CivilianID.V
	}
	mi := civil.MoneyInput{Character: who, Amount: amount, Description: in.description(), IdempotencyKey: in.IdempotencyKey.V}
	if adjust != nil {
		if err := adjust(&mi); err != nil {
			return err
		}
	}
	m, err := op(c.Request().Context(), httpx.CallerOf(c), mi)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, movementJSON(m, false))
}

func (h *handlers) bankDeposit(c *echo.Context) error  { return h.move(c, h.civil.Deposit, nil) }
func (h *handlers) bankWithdraw(c *echo.Context) error { return h.move(c, h.civil.Withdraw, nil) }

func (h *handlers) bankAdjust(c *echo.Context) error {
	return h.move(c, h.civil.Adjust, func(in *civil.MoneyInput) error {
		switch c.QueryParam("direction") {
		case "", "credit":
		case "debit":
			in.Amount = -in.Amount
		default:
			return cad.Errorf(cad.EINVALID, "direction must be credit or debit")
		}
		return nil
	})
}

// bankTransfer moves money from the civilian the path names (members) or
// the body names (game servers: fromCivilianId) to an account number.
func (h *handlers) bankTransfer(c *echo.Context) error {
	in, err := bindMoney(c)
	if err != nil {
		return err
	}
	amount, err := requireAmount(in.Amount)
	if err != nil {
		return err
	}
	from := c.Param("id")
	if from == "" {
		from = firstNonEmpty(in.FromCivilianID.V, in.CivilianID.V)
	}
	m, err := h.civil.Transfer(c.Request().Context(), httpx.CallerOf(c), civil.TransferInput{From: from,
		ToAccount: in.ToAccountNumber.V, Amount: amount, Description: in.description(), IdempotencyKey: in.IdempotencyKey.V})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, movementJSON(m, true))
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func (h *handlers) bankFreeze(c *echo.Context) error {
	var in moneyIn
	if c.Request().ContentLength != 0 {
		if err := httpx.BindJSON(c, &in); err != nil {
			return err
		}
	}
	frozen := c.Path() == "/api/civilian/:id/bank/freeze"
	a, err := h.civil.SetFrozen(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), frozen, in.description())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "account": accountJSON(a)})
}

func (h *handlers) lookupPersons(c *echo.Context) error {
	limit := 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > httpx.MaxPageSize {
			return cad.Errorf(cad.EINVALID, "limit must be a whole number from 1 to %d", httpx.MaxPageSize)
		}
		limit = n
	}
	q := c.QueryParams()
	list, next, err := h.civil.SearchPersons(c.Request().Context(), httpx.CallerOf(c), civil.PersonQuery{
		Name: q.Get("name"), FirstName: q.Get("firstName"), LastName: q.Get("lastName"), DateOfBirth: q.Get("dob"),
		SSN: q.Get("ssn"), After: q.Get("after"), Limit: limit})
	if err != nil {
		return err
	}
	var cursor any
	if next != "" {
		cursor = next
	}
	return c.JSON(http.StatusOK, map[string]any{"civilians": httpx.MapList(list, h.records.Civilian), "nextCursor": cursor})
}

func (h *handlers) lookupPerson(c *echo.Context) error {
	rec, err := h.civil.Person(c.Request().Context(), httpx.CallerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"civilian": h.records.Civilian(rec.Character), "vehicles": httpx.MapList(rec.Vehicles, httpx.Vehicle),
		"licenseHistory": rec.History, "flags": rec.Flags, "alertLevel": rec.Alert})
}

func (h *handlers) lookupPlate(c *echo.Context) error {
	r, err := h.civil.PlateLookup(c.Request().Context(), httpx.CallerOf(c), c.Param("plate"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.records.PlateResult(httpx.ScopeOf(c).Community, r))
}

// media serves a stored image. The id is the secret; the answer may be
// cached for ever, as an image's id changes whenever it is replaced.
func (h *handlers) media(c *echo.Context) error {
	m, err := h.civil.Media(c.Request().Context(), c.Param("communityId"), c.Param("mediaId"))
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("ETag", `"`+m.ID+`"`)
	if c.Request().Header.Get("If-None-Match") == `"`+m.ID+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, m.ContentType, m.Data)
}
