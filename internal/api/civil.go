package api

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/metrics"
)

// Body limits of the routes that carry images or bulk records; every
// other route keeps the configured body_limit (1 MiB by default).
const (
	// imageBodyLimit fits a 5 MB image as a base64 data URI in JSON.
	imageBodyLimit int64 = 8 << 20
	// bulkBodyLimit fits a force-sync of thousands of records.
	bulkBodyLimit int64 = 16 << 20
)

// civilRoutes are the civil records for members in the browser: their
// characters, vehicles and bank accounts, and officers' look-ups. The
// routes CDE's FiveM resources also call with a key are MemberOrServer.
func (s *Server) civilRoutes() {
	s.add(http.MethodPost, "/api/civilian", Member, s.createCivilian, bodyLimit(imageBodyLimit))
	s.add(http.MethodGet, "/api/civilian", Member, s.myCivilians)
	s.add(http.MethodGet, "/api/civilian/:id", MemberOrServer, s.getCivilian)
	s.add(http.MethodPut, "/api/civilian/:id", MemberOrServer, s.updateCivilian, bodyLimit(imageBodyLimit))
	s.add(http.MethodDelete, "/api/civilian/:id", MemberOrServer, s.deleteCivilian)
	s.add(http.MethodPut, "/api/civilian/:id/mugshot", Member, s.uploadMugshot, bodyLimit(imageBodyLimit))
	s.add(http.MethodPut, "/api/civilian/:id/missing", MemberOrServer, s.setMissing)
	s.add(http.MethodPut, "/api/civilian/:id/license", MemberOrServer, s.setLicense)
	s.add(http.MethodGet, "/api/civilian/:id/licenses", Member, s.licenseHistory)
	s.add(http.MethodGet, "/api/civilian/missing-persons/:communityId", MemberOrServer, s.missingPersons)

	s.add(http.MethodPost, "/api/civilian/vehicle", Member, s.registerVehicle)
	s.add(http.MethodGet, "/api/civilian/vehicle", Member, s.myVehicles)
	s.add(http.MethodGet, "/api/civilian/vehicle/:vehicleId", Member, s.getVehicle)
	s.add(http.MethodPut, "/api/civilian/vehicle/:vehicleId", Member, s.updateVehicle)
	s.add(http.MethodDelete, "/api/civilian/vehicle/:vehicleId", Member, s.deleteVehicle)
	s.add(http.MethodPut, "/api/civilian/vehicle/:vehicleId/stolen", MemberOrServer, s.setStolen)
	s.add(http.MethodGet, "/api/civilian/stolen-vehicles/:communityId", MemberOrServer, s.stolenVehicles)

	s.add(http.MethodGet, "/api/civilian/:id/bank", Member, s.bankAccount)
	s.add(http.MethodPost, "/api/civilian/:id/bank/deposit", Member, s.bankDeposit)
	s.add(http.MethodPost, "/api/civilian/:id/bank/withdraw", Member, s.bankWithdraw)
	s.add(http.MethodPost, "/api/civilian/:id/bank/transfer", Member, s.bankTransfer)
	s.add(http.MethodPost, "/api/civilian/:id/bank/adjust", Member, s.bankAdjust)
	s.add(http.MethodPost, "/api/civilian/:id/bank/freeze", Member, s.bankFreeze)
	s.add(http.MethodPost, "/api/civilian/:id/bank/unfreeze", Member, s.bankFreeze)

	s.add(http.MethodGet, "/api/lookup/person", Member, s.lookupPersons, limitGroup(GroupLookup))
	s.add(http.MethodGet, "/api/lookup/person/:id", Member, s.lookupPerson, limitGroup(GroupLookup))
	s.add(http.MethodGet, "/api/lookup/plate/:plate", Member, s.lookupPlate, limitGroup(GroupLookup))

	// Stored images: the URL is the credential (see civil.MediaPath).
	s.add(http.MethodGet, "/api/media/:communityId/:mediaId", Public, s.media)
	s.deps.Metrics.Media(func() []metrics.MediaUsage {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		list, err := s.deps.Civil.AllMediaUsage(ctx)
		if err != nil {
			s.log.WarnContext(ctx, "reading media usage for the metrics", "error", err.Error())
		}
		return mapList(list, func(m civil.CommunityMedia) metrics.MediaUsage {
			return metrics.MediaUsage{Community: m.Usage.CommunityID, Bytes: m.Usage.Bytes, ALPRBytes: m.Usage.ALPRBytes,
				Images: m.Usage.Images, QuotaBytes: m.Quota.Bytes}
		})
	})
}

// callerOf is the civil service's view of the caller.
func callerOf(c *echo.Context) cad.Caller {
	p := principalOf(c)
	cl := cad.Caller{Scope: scopeOf(c), Actor: actorOf(c)}
	if p.IsUser() {
		cl.UserID, cl.DiscordID = p.User.ID, p.User.DiscordID
	}
	return cl
}

// civilianIn is a character as members and game servers send it.
type civilianIn struct {
	FirstName      looseString       `json:"firstName"`
	MiddleName     looseString       `json:"middleName"`
	LastName       looseString       `json:"lastName"`
	DateOfBirth    looseString       `json:"dateOfBirth"`
	Dob            looseString       `json:"dob"`
	Gender         looseString       `json:"gender"`
	Sex            looseString       `json:"sex"`
	Race           looseString       `json:"race"`
	HairColor      looseString       `json:"hairColor"`
	EyeColor       looseString       `json:"eyeColor"`
	Height         looseString       `json:"height"`
	Weight         looseString       `json:"weight"`
	Address        looseString       `json:"address"`
	Phone          looseString       `json:"phone"`
	SecondaryPhone looseString       `json:"secondaryPhone"`
	Occupation     looseString       `json:"occupation"`
	BloodType      looseString       `json:"bloodType"`
	Allergies      looseString       `json:"allergies"`
	Medications    looseString       `json:"medications"`
	Nationality    looseString       `json:"nationality"`
	PlaceOfBirth   looseString       `json:"placeOfBirth"`
	MugshotURL     looseString       `json:"mugshotUrl"`
	SSN            looseString       `json:"ssn"`
	Identifier     looseString       `json:"identifier"`
	CitizenID      looseString       `json:"citizenid"`
	DiscordID      looseString       `json:"discordId"`
	Extra          map[string]string `json:"extra"`
	// Framework fields the sync resources send beside the record.
	Account      looseString `json:"account"`
	Registration looseString `json:"registration"`
	Job          looseString `json:"job"`
}

func firstSet(vs ...looseString) *string {
	for _, v := range vs {
		if v.Set {
			return v.Ptr()
		}
	}
	return nil
}

func (in civilianIn) input() civil.CharacterInput {
	out := civil.CharacterInput{
		FirstName: in.FirstName.Ptr(), MiddleName: in.MiddleName.Ptr(), LastName: in.LastName.Ptr(),
		DateOfBirth: firstSet(in.DateOfBirth, in.Dob), Gender: firstSet(in.Gender, in.Sex), Race: in.Race.Ptr(),
		HairColor: in.HairColor.Ptr(), EyeColor: in.EyeColor.Ptr(), Height: in.Height.Ptr(), Weight: in.Weight.Ptr(),
		Address: in.Address.Ptr(), Phone: in.Phone.Ptr(), SecondaryPhone: in.SecondaryPhone.Ptr(), Occupation: in.Occupation.Ptr(),
		BloodType: in.BloodType.Ptr(), Allergies: in.Allergies.Ptr(), Medications: in.Medications.Ptr(),
		Nationality: in.Nationality.Ptr(), PlaceOfBirth: in.PlaceOfBirth.Ptr(), Mugshot: in.MugshotURL.Ptr(),
		SSN: in.SSN.Ptr(), Identifier: firstSet(in.Identifier, in.CitizenID), DiscordID: in.DiscordID.Ptr(), Extra: in.Extra,
	}
	for k, v := range map[string]looseString{"account": in.Account, "registration": in.Registration, "job": in.Job} {
		if v.Set && v.V != "" {
			if out.Extra == nil {
				out.Extra = map[string]string{}
			}
			out.Extra[k] = v.V
		}
	}
	return out
}

func (s *Server) createCivilian(c *echo.Context) error {
	var in civilianIn
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ch, err := s.deps.Civil.CreateCharacter(c.Request().Context(), callerOf(c), in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.civilianJSON(ch))
}

func (s *Server) myCivilians(c *echo.Context) error {
	list, err := s.deps.Civil.MyCharacters(c.Request().Context(), callerOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"civilians": mapList(list, s.civilianJSON)})
}

func (s *Server) getCivilian(c *echo.Context) error {
	ch, err := s.deps.Civil.Character(c.Request().Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.civilianJSON(ch))
}

func (s *Server) updateCivilian(c *echo.Context) error {
	var in civilianIn
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ch, err := s.deps.Civil.UpdateCharacter(c.Request().Context(), callerOf(c), c.Param("id"), in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.civilianJSON(ch))
}

func (s *Server) deleteCivilian(c *echo.Context) error {
	if err := s.deps.Civil.DeleteCharacter(c.Request().Context(), callerOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "Civilian deleted"})
}

// uploadMugshot takes the image itself as the body (image/png, jpeg or
// webp), for browsers that upload a file.
func (s *Server) uploadMugshot(c *echo.Context) error {
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		if isTooLarge(err) {
			return err
		}
		return cad.Wrap(cad.EINVALID, err, "The image could not be read")
	}
	if len(data) == 0 {
		return cad.Errorf(cad.EINVALID, "The request body must be the image (PNG, JPEG or WebP)")
	}
	ch, err := s.deps.Civil.SetMugshot(c.Request().Context(), callerOf(c), c.Param("id"), data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.civilianJSON(ch))
}

func (s *Server) setMissing(c *echo.Context) error {
	var in struct {
		MissingPerson    looseBool   `json:"missingPerson"`
		Missing          looseBool   `json:"missing"`
		MissingDate      looseTime   `json:"missingDate"`
		LastSeenLocation looseString `json:"lastSeenLocation"`
		Description      looseString `json:"description"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	flag := in.MissingPerson
	if !flag.Set {
		flag = in.Missing
	}
	if !flag.Set {
		return cad.Errorf(cad.EINVALID, "missingPerson (true or false) is required")
	}
	ch, err := s.deps.Civil.SetMissing(c.Request().Context(), callerOf(c), c.Param("id"), civil.MissingInput{
		Missing: flag.V, Date: in.MissingDate.Ptr(), LastSeenLocation: in.LastSeenLocation.V, Description: in.Description.V})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.civilianJSON(ch))
}

func (s *Server) setLicense(c *echo.Context) error {
	var in struct {
		LicenseType looseString `json:"licenseType"`
		Status      looseString `json:"status"`
		Reason      looseString `json:"reason"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ch, err := s.deps.Civil.SetLicense(c.Request().Context(), callerOf(c), c.Param("id"), in.LicenseType.V, in.Status.V, in.Reason.V)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.civilianJSON(ch))
}

func (s *Server) licenseHistory(c *echo.Context) error {
	list, err := s.deps.Civil.LicenseHistory(c.Request().Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"history": list})
}

func (s *Server) missingPersons(c *echo.Context) error {
	return listPage(c, "civilians", s.deps.Civil.MissingPersons, s.civilianJSON)
}

// listPage answers one keyset page of a civil listing under name.
func listPage[T, O any](c *echo.Context, name string, load func(context.Context, cad.Caller, string, int) ([]T, string, error), conv func(T) O) error {
	p, err := pagination(c)
	if err != nil {
		return err
	}
	list, next, err := load(c.Request().Context(), callerOf(c), p.After, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p.answer(name, mapList(list, conv), next))
}

// vehicleIn is a vehicle as members and game servers send it.
type vehicleIn struct {
	OwnerID             looseString `json:"ownerId"`
	CivilianID          looseString `json:"civilianId"`
	Plate               looseString `json:"plate"`
	VIN                 looseString `json:"vin"`
	Make                looseString `json:"make"`
	Model               looseString `json:"model"`
	Color               looseString `json:"color"`
	Year                looseInt    `json:"year"`
	RegistrationStatus  looseString `json:"registrationStatus"`
	RegistrationExpires looseTime   `json:"registrationExpires"`
	InsuranceStatus     looseString `json:"insuranceStatus"`
	InsuranceExpires    looseTime   `json:"insuranceExpires"`
	Impounded           looseBool   `json:"impounded"`
	PlateDesignID       looseString `json:"plateDesignId"`
}

func (in vehicleIn) input() civil.VehicleInput {
	return civil.VehicleInput{Owner: firstSet(in.OwnerID, in.CivilianID), Plate: in.Plate.Ptr(), VIN: in.VIN.Ptr(),
		Make: in.Make.Ptr(), Model: in.Model.Ptr(), Color: in.Color.Ptr(), Year: in.Year.Ptr(),
		RegistrationStatus: in.RegistrationStatus.Ptr(), RegistrationExpires: in.RegistrationExpires.Ptr(),
		InsuranceStatus: in.InsuranceStatus.Ptr(), InsuranceExpires: in.InsuranceExpires.Ptr(), Impounded: in.Impounded.Ptr(),
		PlateDesignID: in.PlateDesignID.Ptr()}
}

func (s *Server) registerVehicle(c *echo.Context) error {
	var in vehicleIn
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v, err := s.deps.Civil.RegisterVehicle(c.Request().Context(), callerOf(c), in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, vehicleJSON(v))
}

func (s *Server) myVehicles(c *echo.Context) error {
	return listPage(c, "vehicles", s.deps.Civil.MyVehicles, vehicleJSON)
}

func (s *Server) getVehicle(c *echo.Context) error {
	v, err := s.deps.Civil.Vehicle(c.Request().Context(), callerOf(c), c.Param("vehicleId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, vehicleJSON(v))
}

func (s *Server) updateVehicle(c *echo.Context) error {
	var in vehicleIn
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v, err := s.deps.Civil.UpdateVehicle(c.Request().Context(), callerOf(c), c.Param("vehicleId"), in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, vehicleJSON(v))
}

func (s *Server) deleteVehicle(c *echo.Context) error {
	if err := s.deps.Civil.DeleteVehicle(c.Request().Context(), callerOf(c), c.Param("vehicleId")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "Vehicle deleted"})
}

func (s *Server) setStolen(c *echo.Context) error {
	var in struct {
		Stolen            looseBool   `json:"stolen"`
		StolenDescription looseString `json:"stolenDescription"`
		Description       looseString `json:"description"`
		StolenDate        looseTime   `json:"stolenDate"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if !in.Stolen.Set {
		return cad.Errorf(cad.EINVALID, "stolen (true or false) is required")
	}
	desc := in.StolenDescription
	if !desc.Set {
		desc = in.Description
	}
	v, err := s.deps.Civil.SetStolen(c.Request().Context(), callerOf(c), c.Param("vehicleId"), civil.StolenInput{
		Stolen: in.Stolen.V, Description: desc.V, Date: in.StolenDate.Ptr()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "vehicle": vehicleJSON(v)})
}

func (s *Server) stolenVehicles(c *echo.Context) error {
	return listPage(c, "vehicles", s.deps.Civil.StolenVehicles, vehicleJSON)
}

func (s *Server) bankAccount(c *echo.Context) error {
	p, err := pagination(c)
	if err != nil {
		return err
	}
	_, a, list, next, err := s.deps.Civil.Account(c.Request().Context(), callerOf(c), c.Param("id"), p.After, p.Limit)
	if err != nil {
		return err
	}
	out := p.answer("transactions", mapList(list, transactionJSON), next)
	out["account"] = accountJSON(a)
	return c.JSON(http.StatusOK, out)
}

// moneyIn is a money request's body, from the browser or a game server.
type moneyIn struct {
	Amount         looseAmount `json:"amount"`
	Description    looseString `json:"description"`
	Reason         looseString `json:"reason"`
	IdempotencyKey looseString `json:"idempotencyKey"`
	// Transfers.
	ToAccountNumber looseString `json:"toAccountNumber"`
	// Game servers name the civilian in the body.
	CivilianID     looseString `json:"civilianId"`
	FromCivilianID looseString `json:"fromCivilianId"`
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
	if err := bindJSON(c, &in); err != nil {
		return in, err
	}
	if k := c.Request().Header.Get("Idempotency-Key"); k != "" && !in.IdempotencyKey.Set {
		in.IdempotencyKey = looseString{Set: true, V: k}
	}
	return in, nil
}

// moneyOp is one of the service's one-account movements.
type moneyOp func(context.Context, cad.Caller, civil.MoneyInput) (*civil.Movement, error)

// move answers a one-account movement of the civilian the path names
// (members) or the body names (game servers: civilianID).
func (s *Server) move(c *echo.Context, op moneyOp, adjust func(*civil.MoneyInput) error) error {
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
	m, err := op(c.Request().Context(), callerOf(c), mi)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, movementJSON(m, false))
}

func (s *Server) bankDeposit(c *echo.Context) error  { return s.move(c, s.deps.Civil.Deposit, nil) }
func (s *Server) bankWithdraw(c *echo.Context) error { return s.move(c, s.deps.Civil.Withdraw, nil) }

func (s *Server) bankAdjust(c *echo.Context) error {
	return s.move(c, s.deps.Civil.Adjust, func(in *civil.MoneyInput) error {
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
func (s *Server) bankTransfer(c *echo.Context) error {
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
	m, err := s.deps.Civil.Transfer(c.Request().Context(), callerOf(c), civil.TransferInput{From: from,
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

func (s *Server) bankFreeze(c *echo.Context) error {
	var in moneyIn
	if c.Request().ContentLength != 0 {
		if err := bindJSON(c, &in); err != nil {
			return err
		}
	}
	frozen := c.Path() == "/api/civilian/:id/bank/freeze"
	a, err := s.deps.Civil.SetFrozen(c.Request().Context(), callerOf(c), c.Param("id"), frozen, in.description())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "account": accountJSON(a)})
}

func (s *Server) lookupPersons(c *echo.Context) error {
	limit := 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return cad.Errorf(cad.EINVALID, "limit must be a whole number from 1 to %d", maxPageSize)
		}
		limit = n
	}
	q := c.QueryParams()
	list, next, err := s.deps.Civil.SearchPersons(c.Request().Context(), callerOf(c), civil.PersonQuery{
		Name: q.Get("name"), FirstName: q.Get("firstName"), LastName: q.Get("lastName"), DateOfBirth: q.Get("dob"),
		SSN: q.Get("ssn"), After: q.Get("after"), Limit: limit})
	if err != nil {
		return err
	}
	var cursor any
	if next != "" {
		cursor = next
	}
	return c.JSON(http.StatusOK, map[string]any{"civilians": mapList(list, s.civilianJSON), "nextCursor": cursor})
}

func (s *Server) lookupPerson(c *echo.Context) error {
	rec, err := s.deps.Civil.Person(c.Request().Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"civilian": s.civilianJSON(rec.Character), "vehicles": mapList(rec.Vehicles, vehicleJSON),
		"licenseHistory": rec.History, "flags": rec.Flags, "alertLevel": rec.Alert})
}

func (s *Server) lookupPlate(c *echo.Context) error {
	r, err := s.deps.Civil.PlateLookup(c.Request().Context(), callerOf(c), c.Param("plate"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.plateResultJSON(scopeOf(c).Community, r))
}

// media serves a stored image. The id is the secret; the answer may be
// cached for ever, as an image's id changes whenever it is replaced.
func (s *Server) media(c *echo.Context) error {
	m, err := s.deps.Civil.Media(c.Request().Context(), c.Param("communityId"), c.Param("mediaId"))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("ETag", `"`+m.ID+`"`)
	if c.Request().Header.Get("If-None-Match") == `"`+m.ID+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, m.ContentType, m.Data)
}
