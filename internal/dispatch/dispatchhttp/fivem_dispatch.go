package dispatchhttp

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/dispatch"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// fivemRoutes are the dispatch routes CDE's FiveM resources call
// with a game server's key, answering what they read (docs/dispatch.md).
func (h *handlers) fivemRoutes(s *httpx.Server) {
	high := httpx.Limit(httpx.GroupFiveMHigh)
	s.Add(http.MethodPost, "/api/fivem/911", httpx.GameServer, h.fivem911, high)
	s.Add(http.MethodPost, "/api/civilian/fivem-911-call", httpx.GameServer, h.legacy911, high)
	s.Add(http.MethodPost, "/api/civilian/911-call", httpx.GameServer, h.legacy911, high)
	s.Add(http.MethodPost, "/api/fivem/panic", httpx.GameServer, h.fivemPanic, high)
	s.Add(http.MethodPost, "/api/fivem/traffic-stop", httpx.GameServer, h.fivemTrafficStop)
	s.Add(http.MethodGet, "/api/fivem/unit-calls", httpx.GameServer, h.fivemUnitCalls)
	s.Add(http.MethodGet, "/api/fivem/unit-active", httpx.GameServer, h.fivemUnitActive)
	s.Add(http.MethodGet, "/api/fivem/route-call", httpx.GameServer, h.fivemRouteCall)
	s.Add(http.MethodPost, "/api/fivem/cde-duty", httpx.GameServer, h.fivemDuty)
	s.Add(http.MethodPost, "/api/ers/duty", httpx.GameServer, h.fivemDuty)
	s.Add(http.MethodPost, "/api/fivem/ers/duty", httpx.GameServer, h.fivemDuty)
	s.Add(http.MethodPost, "/api/fivem/links/confirm", httpx.GameServer, h.fivemConfirmLink)
	// The tablet also sends its key in the body as apiKey.
	s.Add(http.MethodPost, "/api/dispatch/location-update", httpx.GameServer, h.locationUpdate, httpx.Before(bodyAPIKey))

	s.Add(http.MethodPost, "/api/fivem/alpr/cameras/sync", httpx.GameServer, h.camerasSync)
	s.Add(http.MethodPost, "/api/fivem/alpr/hit", httpx.GameServer, h.alprHit)
	s.Add(http.MethodGet, "/api/fivem/alpr/commands", httpx.GameServer, h.alprCommands)
	// The player's browser uploads the photo; the one-time token is the
	// credential.
	s.Add(http.MethodPost, "/api/alpr-upload/:token", httpx.Public, h.alprUpload, httpx.BodyLimit(httpx.ImageBodyLimit))

	// The bridge's civilians and vehicles are civil records (civilhttp).
	for _, p := range []string{"callout", "unit-attach", "callout-arrived", "callout-end", "traffic-stop", "ack-dispatch-callout"} {
		s.Add(http.MethodPost, "/api/fivem/ers/"+p, httpx.GameServer, h.ers)
	}
	s.Add(http.MethodGet, "/api/fivem/ers/pending-dispatch-callouts", httpx.GameServer, h.ersPending)
}

// bodyAPIKey lets the key ride in a JSON body's apiKey, as the tablet's
// location updates send it, when no header carries one. Only this route
// takes it; the key is never read from a query string (R71).
func bodyAPIKey(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		r := c.Request()
		if r.Header.Get("X-Api-Key") == "" && r.Header.Get("Authorization") == "" && r.Body != nil {
			b, err := httpx.ReadBody(r)
			if err != nil {
				return err
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			var peek struct {
				APIKey string `json:"apiKey"`
			}
			if json.Unmarshal(b, &peek) == nil && peek.APIKey != "" {
				r.Header.Set("X-Api-Key", peek.APIKey)
			}
		}
		return next(c)
	}
}

// game911In is a 911 call as the bundle and the legacy resources send it.
type game911In struct {
	httpx.CallIn
	Metadata struct {
		IsNPCReport httpx.LooseBool   `json:"isNPCReport"`
		IsAnonymous httpx.LooseBool   `json:"isAnonymous"`
		ReportType  httpx.LooseString `json:"reportType"`
	} `json:"metadata"`
	CallerInfo struct {
		PlayerName httpx.LooseString `json:"playerName"`
	} `json:"callerInfo"`
	IsAnonymous httpx.LooseBool   `json:"isAnonymous"`
	IsNPC       httpx.LooseBool   `json:"isNPC"`
	ReportType  httpx.LooseString `json:"reportType"`
}

func (in game911In) input() dispatch.CallInput {
	ci := callInput(in.CallIn)
	if in.IsNPC.V || in.Metadata.IsNPCReport.V {
		npc := "npc"
		ci.Source = &npc
	}
	if ci.CallerName == nil && in.CallerInfo.PlayerName.Set {
		ci.CallerName = in.CallerInfo.PlayerName.Ptr()
	}
	if in.IsAnonymous.V || in.Metadata.IsAnonymous.V {
		anon := "Anonymous"
		ci.CallerName = &anon
	}
	if rt := httpx.FirstSet(in.ReportType, in.Metadata.ReportType); rt != nil && ci.Description == nil {
		ci.Description = rt
	}
	return ci
}

// fivem911 answers 201 with incidentNumber (read only on 201).
func (h *handlers) fivem911(c *echo.Context) error {
	var in game911In
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	call, err := h.dispatch.Place911(c.Request().Context(), httpx.CallerOf(c), in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"success": true, "incidentNumber": call.IncidentNumber, "_id": call.ID, "id": call.ID,
		"callId": call.ID, "call": callJSON(call)})
}

// legacy911 is the old resources' 911: 200 or 201 with _id.
func (h *handlers) legacy911(c *echo.Context) error {
	var in game911In
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	call, err := h.dispatch.Place911(c.Request().Context(), httpx.CallerOf(c), in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"success": true, "_id": call.ID, "id": call.ID, "incidentNumber": call.IncidentNumber,
		"message": "911 call received"})
}

func (h *handlers) fivemPanic(c *echo.Context) error {
	var in struct {
		OfficerName httpx.LooseString `json:"officerName"`
		OfficerID   httpx.LooseString `json:"officerId"`
		DiscordID   httpx.LooseString `json:"discordId"`
		Location    httpx.LooseString `json:"location"`
		Postal      httpx.LooseString `json:"postal"`
		Coordinates httpx.LooseCoords `json:"coordinates"`
		Coords      httpx.LooseCoords `json:"coords"`
		ServerName  httpx.LooseString `json:"serverName"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	officer := in.OfficerID.V
	if officer == "" {
		officer = in.DiscordID.V
	}
	alert, err := h.dispatch.Panic(c.Request().Context(), httpx.CallerOf(c), dispatch.PanicInput{OfficerName: in.OfficerName.V,
		OfficerID: officer, Location: in.Location.V, Postal: in.Postal.V, ServerName: in.ServerName.V,
		Coordinates: httpx.CoordsOf([]httpx.LooseCoords{in.Coordinates, in.Coords}, httpx.LooseFloat{}, httpx.LooseFloat{}, httpx.LooseFloat{})})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Panic alert sent", "alert": alert})
}

// fivemTrafficStop answers exactly 201 with the plate look-up.
func (h *handlers) fivemTrafficStop(c *echo.Context) error {
	var in struct {
		Plate       httpx.LooseString `json:"plate"`
		DiscordID   httpx.LooseString `json:"discordId"`
		CallSign    httpx.LooseString `json:"callSign"`
		Location    httpx.LooseString `json:"location"`
		Postal      httpx.LooseString `json:"postal"`
		Coordinates httpx.LooseCoords `json:"coordinates"`
		Coords      httpx.LooseCoords `json:"coords"`
		X           httpx.LooseFloat  `json:"x"`
		Y           httpx.LooseFloat  `json:"y"`
		Z           httpx.LooseFloat  `json:"z"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	call, res, err := h.dispatch.TrafficStop(c.Request().Context(), httpx.CallerOf(c), dispatch.TrafficStopInput{Plate: in.Plate.V,
		Player: in.DiscordID.V, CallSign: in.CallSign.V, Location: in.Location.V, Postal: in.Postal.V,
		Coordinates: httpx.CoordsOf([]httpx.LooseCoords{in.Coordinates, in.Coords}, in.X, in.Y, in.Z)})
	if err != nil {
		return err
	}
	out := h.records.PlateResult(httpx.ScopeOf(c).Community, res)
	return c.JSON(http.StatusCreated, map[string]any{"success": true, "incidentNumber": call.IncidentNumber, "callId": call.ID,
		"plate": out.Plate, "found": out.Found, "alertLevel": out.AlertLevel, "flags": out.Flags, "vehicle": out.Vehicle, "owner": out.Owner,
		"bolo": out.Bolo, "ownerBolo": out.OwnerBolo, "msg": "Traffic stop " + call.IncidentNumber})
}

// unitCallOut is a call as the tablet reads it.
type unitCallOut struct {
	ID          string      `json:"id"`
	IDAlias     string      `json:"_id"`
	Incident    string      `json:"incidentNumber"`
	CallType    string      `json:"callType"`
	Status      string      `json:"status"`
	Priority    string      `json:"priority"`
	Location    string      `json:"location"`
	Postal      string      `json:"postal"`
	Description string      `json:"description"`
	Coordinates *cad.Coords `json:"coordinates,omitempty"`
}

func unitCallJSON(call *cad.Call) unitCallOut {
	return unitCallOut{ID: call.ID, IDAlias: call.ID, Incident: call.IncidentNumber, CallType: call.CallType, Status: call.Status,
		Priority: call.Priority, Location: call.Location, Postal: call.Postal, Description: call.Description, Coordinates: call.Coordinates}
}

// fivemUnitCalls is the tablet's 10-second poll: exactly 200, success.
func (h *handlers) fivemUnitCalls(c *echo.Context) error {
	list, _, err := h.dispatch.UnitCalls(c.Request().Context(), httpx.CallerOf(c), c.QueryParam("discordId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "calls": httpx.MapList(list, unitCallJSON)})
}

// fivemUnitActive is the tablet's 30-second poll: exactly 200, success.
func (h *handlers) fivemUnitActive(c *echo.Context) error {
	u, err := h.dispatch.UnitByDiscord(c.Request().Context(), httpx.CallerOf(c), c.QueryParam("discordId"))
	if err != nil {
		return err
	}
	out := map[string]any{"success": true, "active": false, "status": "", "department": "", "callSign": ""}
	if u != nil && u.OnDuty {
		out["active"], out["status"], out["department"], out["callSign"] = true, u.Status, u.Department, u.CallSign
	}
	return c.JSON(http.StatusOK, out)
}

// fivemRouteCall is the caller's current call with coordinates.
func (h *handlers) fivemRouteCall(c *echo.Context) error {
	call, err := h.dispatch.RouteCall(c.Request().Context(), httpx.CallerOf(c), c.QueryParam("discordId"))
	if err != nil {
		return err
	}
	if call == nil {
		return c.JSON(http.StatusOK, map[string]any{"success": false, "msg": "You are not on a call", "call": nil})
	}
	out := unitCallJSON(call)
	if out.Coordinates == nil {
		return c.JSON(http.StatusOK, map[string]any{"success": false, "msg": "Your call has no coordinates", "call": out})
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "call": out})
}

// fivemDuty serves cde-duty, ers/duty and fivem/ers/duty; the resources
// ignore the answer.
func (h *handlers) fivemDuty(c *echo.Context) error {
	var in struct {
		DiscordID   httpx.LooseString `json:"discordId"`
		OnShift     httpx.LooseBool   `json:"onShift"`
		OnDuty      httpx.LooseBool   `json:"onDuty"`
		Department  httpx.LooseString `json:"department"`
		ServiceType httpx.LooseString `json:"serviceType"`
		CallSign    httpx.LooseString `json:"callSign"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	on := in.OnShift
	if !on.Set {
		on = in.OnDuty
	}
	if !on.Set {
		return cad.Errorf(cad.EINVALID, "onShift (true or false) is required")
	}
	dep := in.Department.V
	if dep == "" {
		dep = in.ServiceType.V
	}
	source := "cde-duty"
	if strings.Contains(c.Path(), "/ers/") {
		source = "ers"
	}
	u, err := h.dispatch.GameDuty(c.Request().Context(), httpx.CallerOf(c), in.DiscordID.V, dispatch.DutyInput{OnDuty: on.V,
		Department: dep, CallSign: in.CallSign.V, Source: source})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Duty updated", "onDuty": u.OnDuty, "callSign": u.CallSign,
		"department": u.Department})
}

// locationUpdate takes a live position (no database write).
func (h *handlers) locationUpdate(c *echo.Context) error {
	var in struct {
		UnitID   httpx.LooseString `json:"unitId"`
		UnitName httpx.LooseString `json:"unitName"`
		X        httpx.LooseFloat  `json:"x"`
		Y        httpx.LooseFloat  `json:"y"`
		Z        httpx.LooseFloat  `json:"z"`
		Lat      httpx.LooseFloat  `json:"lat"`
		Lng      httpx.LooseFloat  `json:"lng"`
		Heading  httpx.LooseFloat  `json:"heading"`
		Status   httpx.LooseString `json:"status"`
		Job      httpx.LooseString `json:"job"`
		Postal   httpx.LooseString `json:"postal"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	x, y := in.X, in.Y
	if !x.Set && in.Lng.Set {
		x = in.Lng
	}
	if !y.Set && in.Lat.Set {
		y = in.Lat
	}
	err := h.dispatch.UpdatePosition(httpx.CallerOf(c), dispatch.LocationInput{UnitID: in.UnitID.V, UnitName: in.UnitName.V,
		Coords: cad.Coords{X: x.V, Y: y.V, Z: in.Z.V}, Heading: in.Heading.V, Status: in.Status.V, Job: in.Job.V, Postal: in.Postal.V,
		HasPosition: x.Set && y.Set})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true})
}

// camerasSync answers exactly 200 (a 201 makes the server retry).
func (h *handlers) camerasSync(c *echo.Context) error {
	var in struct {
		Cameras []struct {
			ID         httpx.LooseString `json:"id"`
			X          httpx.LooseFloat  `json:"x"`
			Y          httpx.LooseFloat  `json:"y"`
			Z          httpx.LooseFloat  `json:"z"`
			Heading    httpx.LooseFloat  `json:"heading"`
			Label      httpx.LooseString `json:"label"`
			Name       httpx.LooseString `json:"name"`
			Postal     httpx.LooseString `json:"postal"`
			PlacedBy   httpx.LooseString `json:"placedBy"`
			Enabled    httpx.LooseBool   `json:"enabled"`
			SpeedLimit httpx.LooseInt    `json:"speedLimit"`
		} `json:"cameras"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	list := make([]*cad.Camera, len(in.Cameras))
	for i, x := range in.Cameras {
		enabled := true
		if x.Enabled.Set {
			enabled = x.Enabled.V
		}
		name := x.Name.V
		if name == "" {
			name = x.Label.V
		}
		list[i] = &cad.Camera{CamID: x.ID.V, Name: name, Label: x.Label.V, Coords: cad.Coords{X: x.X.V, Y: x.Y.V, Z: x.Z.V},
			Heading: x.Heading.V, Postal: x.Postal.V, PlacedBy: x.PlacedBy.V, Enabled: enabled, SpeedLimit: x.SpeedLimit.V}
	}
	n, err := h.dispatch.SyncCameras(c.Request().Context(), httpx.CallerOf(c), list)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "count": n})
}

// alprHit answers exactly 201 with one-time photo tokens.
func (h *handlers) alprHit(c *echo.Context) error {
	var in struct {
		CamID          httpx.LooseString `json:"camId"`
		CameraName     httpx.LooseString `json:"cameraName"`
		Plate          httpx.LooseString `json:"plate"`
		Kind           httpx.LooseString `json:"kind"`
		Flags          []string          `json:"flags"`
		AlertLevel     httpx.LooseString `json:"alertLevel"`
		Speed          httpx.LooseFloat  `json:"speed"`
		SpeedLimit     httpx.LooseFloat  `json:"speedLimit"`
		Location       httpx.LooseString `json:"location"`
		Coordinates    httpx.LooseCoords `json:"coordinates"`
		IncidentNumber httpx.LooseString `json:"incidentNumber"`
		Screenshots    struct {
			Enabled httpx.LooseBool `json:"enabled"`
		} `json:"screenshots"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	rec := &cad.ALPRHit{CamID: in.CamID.V, CameraName: in.CameraName.V, Plate: in.Plate.V, Kind: in.Kind.V, Flags: in.Flags,
		AlertLevel: in.AlertLevel.V, Speed: in.Speed.V, SpeedLimit: in.SpeedLimit.V, Location: in.Location.V,
		Coordinates: httpx.CoordsOf([]httpx.LooseCoords{in.Coordinates}, httpx.LooseFloat{}, httpx.LooseFloat{}, httpx.LooseFloat{}), IncidentNumber: in.IncidentNumber.V}
	if rec.Flags == nil {
		rec.Flags = []string{}
	}
	hit, tokens, err := h.dispatch.RecordHit(c.Request().Context(), httpx.CallerOf(c), rec, in.Screenshots.Enabled.V)
	if err != nil {
		return err
	}
	out := map[string]any{"success": true, "hitId": hit.ID, "_id": hit.ID}
	if tokens != nil {
		out["screenshotToken"], out["plateToken"] = tokens.Screenshot, tokens.Plate
	}
	return c.JSON(http.StatusCreated, out)
}

func (h *handlers) alprCommands(c *echo.Context) error {
	list, err := h.dispatch.TakeCameraCommands(c.Request().Context(), httpx.CallerOf(c))
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(list))
	for i, cmd := range list {
		out[i] = map[string]any{"camId": cmd.CamID, "changes": cmd.Changes}
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "commands": out})
}

// alprUpload takes one photo (multipart field file) for a hit; the token
// in the path is single use.
func (h *handlers) alprUpload(c *echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		if httpx.IsTooLarge(err) {
			return err
		}
		return cad.Errorf(cad.EINVALID, "The photo must be a multipart/form-data field named file")
	}
	if fh.Size > cad.MaxMediaBytes {
		return cad.Errorf(cad.ETOOLARGE, "The image is over %d MB", cad.MaxMediaBytes>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return cad.Wrap(cad.EINVALID, err, "The photo could not be read")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, cad.MaxMediaBytes+1))
	if err != nil {
		return cad.Wrap(cad.EINVALID, err, "The photo could not be read")
	}
	hit, err := h.dispatch.UploadPhoto(c.Request().Context(), c.Param("token"), data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"success": true, "hitId": hit.ID, "photos": len(hit.Photos)})
}

// ers serves the ERS bridge's POSTs; each answers 2xx with what the
// bridge reads.
func (h *handlers) ers(c *echo.Context) error {
	var in httpx.ERSIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	ctx, cl := c.Request().Context(), httpx.CallerOf(c)
	d := h.dispatch
	ersID := in.ERSCalloutID.V
	switch strings.TrimPrefix(c.Path(), "/api/fivem/ers/") {
	case "callout":
		call, created, err := d.ERSCallout(ctx, cl, ersID, callInput(in.CallIn))
		if err != nil {
			return err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		return c.JSON(status, map[string]any{"success": true, "incidentNumber": call.IncidentNumber, "callId": call.ID, "_id": call.ID,
			"ersCalloutId": ersID, "msg": "Callout " + call.IncidentNumber})
	case "unit-attach":
		call, err := d.ERSAttach(ctx, cl, ersID, in.DiscordID.V)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Unit attached", "incidentNumber": call.IncidentNumber, "status": call.Status})
	case "callout-arrived":
		call, err := d.ERSStatus(ctx, cl, ersID, cad.CallOnScene)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "On scene", "status": call.Status})
	case "callout-end":
		call, err := d.ERSStatus(ctx, cl, ersID, cad.CallClosed)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Callout closed", "status": call.Status})
	case "traffic-stop":
		call, res, err := d.TrafficStop(ctx, cl, dispatch.TrafficStopInput{Plate: in.Plate.V, Player: in.DiscordID.V, CallSign: in.CallSign.V,
			Location: in.CallIn.Location.V, Postal: in.CallIn.Postal.V,
			Coordinates: httpx.CoordsOf([]httpx.LooseCoords{in.CallIn.Coordinates, in.CallIn.Coords}, in.CallIn.X, in.CallIn.Y, in.CallIn.Z)})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]any{"success": true, "incidentNumber": call.IncidentNumber, "callId": call.ID,
			"plate": res.Plate, "alertLevel": res.Alert, "flags": res.Flags, "msg": "Traffic stop " + call.IncidentNumber})
	case "ack-dispatch-callout":
		acked, err := d.AckERSCallout(ctx, cl, ersID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "acknowledged": acked, "msg": "Acknowledged"})
	}
	return cad.Errorf(cad.ENOTFOUND, "Not found")
}

// ersPending hands the game the call-outs it has not acknowledged.
func (h *handlers) ersPending(c *echo.Context) error {
	list, err := h.dispatch.PendingERSCallouts(c.Request().Context(), httpx.CallerOf(c))
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(list))
	for i, co := range list {
		out[i] = map[string]any{"ersCalloutId": co.ERSCalloutID, "callType": co.CallType, "location": co.Location, "postal": co.Postal,
			"coordinates": co.Coordinates, "priority": co.Priority, "description": co.Description, "serviceType": co.ServiceType,
			"ersConfig": co.Config}
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "callouts": out})
}

// fivemConfirmLink is a game server confirming a player's identifiers: by
// the code the player typed, or by their Discord identifier.
func (h *handlers) fivemConfirmLink(c *echo.Context) error {
	var in struct {
		Code        httpx.LooseString `json:"code"`
		Identifiers []string          `json:"identifiers"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	res, err := h.dispatch.ConfirmLink(c.Request().Context(), httpx.CallerOf(c), dispatch.ConfirmInput{Code: in.Code.V, Identifiers: in.Identifiers})
	if err != nil {
		return err
	}
	ids := make([]string, len(res.Links))
	for i, l := range res.Links {
		ids[i] = l.Identifier
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Linked to " + res.Member.Username + " in the CAD",
		"userId": res.Member.UserID, "username": res.Member.Username, "via": res.Via, "identifiers": ids, "links": httpx.MapList(res.Links, linkJSON)})
}
