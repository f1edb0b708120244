// Package dispatchhttp is the HTTP of dispatch: calls and their units,
// duty, game links, BOLOs, the live map, ALPR and ERS, the announcements
// to members' screens, and the dispatch routes of the game servers (911,
// panic, traffic stops, the tablet's polls, cameras and the ERS bridge).
package dispatchhttp

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/dispatch"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// Register adds the dispatch routes to s: calls for dispatchers and
// responders, duty and units, game links, BOLOs, the live map, ALPR and
// ERS for members, the announcements admins post, and the routes CDE's
// FiveM resources call with a game server's key. records writes the
// civilians, vehicles and plate look-ups calls and traffic stops carry;
// now is the clock of the answers that carry a time. The service checks
// department permissions.
func Register(s *httpx.Server, dis *dispatch.Service, records httpx.Records, now func() time.Time) {
	h := &handlers{dispatch: dis, records: records, now: now}
	s.Add(http.MethodPost, "/api/calls", httpx.Member, h.createCall)
	s.Add(http.MethodGet, "/api/calls", httpx.Member, h.listCalls)
	s.Add(http.MethodGet, "/api/calls/pending", httpx.Member, h.pendingCalls)
	s.Add(http.MethodPost, "/api/calls/911", httpx.Member, h.memberCall, httpx.Limit(httpx.GroupFiveMHigh))
	s.Add(http.MethodGet, "/api/calls/:id", httpx.Member, h.getCall)
	s.Add(http.MethodPatch, "/api/calls/:id", httpx.Member, h.updateCall)
	s.Add(http.MethodPut, "/api/calls/:id/status", httpx.Member, h.callStatus)
	s.Add(http.MethodPost, "/api/calls/:id/close", httpx.Member, h.callStatus)
	s.Add(http.MethodPost, "/api/calls/:id/cancel", httpx.Member, h.callStatus)
	s.Add(http.MethodPost, "/api/calls/:id/units", httpx.Member, h.assignUnits)
	s.Add(http.MethodDelete, "/api/calls/:id/units/:userId", httpx.Member, h.unassignUnit)
	s.Add(http.MethodPost, "/api/calls/:id/notes", httpx.Member, h.callNote)
	s.Add(http.MethodPost, "/api/calls/:id/attach", httpx.Member, h.attachRecords)
	s.Add(http.MethodPost, "/api/calls/:id/detach", httpx.Member, h.attachRecords)

	s.Add(http.MethodGet, "/api/units", httpx.Member, h.listUnits)
	s.Add(http.MethodPost, "/api/units/duty", httpx.Member, h.myDuty)
	s.Add(http.MethodPut, "/api/units/:userId/status", httpx.Member, h.unitStatus)
	s.Add(http.MethodGet, "/api/units/duty-log", httpx.Member, h.dutyLog)
	s.Add(http.MethodGet, "/api/units/links", httpx.Member, h.listLinks)
	s.Add(http.MethodPost, "/api/units/links", httpx.Member, h.addLink)
	s.Add(http.MethodDelete, "/api/units/links/:identifier", httpx.Member, h.removeLink)
	// Admins see and remove every member's links (docs/dispatch.md).
	s.Add(http.MethodGet, "/api/community/:id/links", httpx.Admin, h.communityLinks)
	s.Add(http.MethodDelete, "/api/community/:id/links/:identifier", httpx.Admin, h.removeCommunityLink)

	s.Add(http.MethodGet, "/api/bolos", httpx.Member, h.listBOLOs)
	s.Add(http.MethodPost, "/api/bolos", httpx.MemberOrServer, h.createBOLO)
	s.Add(http.MethodPatch, "/api/bolos/:id", httpx.Member, h.updateBOLO)
	s.Add(http.MethodPost, "/api/bolos/:id/resolve", httpx.MemberOrServer, h.resolveBOLO)

	s.Add(http.MethodGet, "/api/dispatch/positions", httpx.MemberOrServer, h.positions)
	s.Add(http.MethodGet, "/api/civilian/911-markers/:communityId", httpx.MemberOrServer, h.markers)
	s.Add(http.MethodGet, "/api/dispatch/alpr/hits", httpx.Member, h.alprHits)
	s.Add(http.MethodGet, "/api/dispatch/alpr/cameras", httpx.Member, h.alprCameras)
	s.Add(http.MethodPost, "/api/dispatch/alpr/cameras/:camId/commands", httpx.Member, h.cameraCommand)
	s.Add(http.MethodPost, "/api/dispatch/ers-callouts", httpx.Member, h.queueERSCallout)

	// The announcements admins post to members' screens, kept for members
	// to read back.
	s.Add(http.MethodPost, "/api/community/:id/announcements", httpx.Admin, h.announce)
	s.Add(http.MethodGet, "/api/community/:id/announcements", httpx.Member, h.listAnnouncements)
	h.fivemRoutes(s)
}

type handlers struct {
	dispatch *dispatch.Service
	records  httpx.Records
	now      func() time.Time
}

// callOut is a call as clients read it: both ids, the caller as "caller"
// (CDE) and "callerName" (the 911 resources' word).
type callOut struct {
	*cad.Call
	IDAlias    string `json:"id"`
	CallerName string `json:"callerName,omitempty"`
}

func callJSON(c *cad.Call) callOut {
	return callOut{Call: c, IDAlias: c.ID, CallerName: c.CallerName}
}

// callInput is the dispatch service's input of a call's body.
func callInput(in httpx.CallIn) dispatch.CallInput {
	return dispatch.CallInput{CallType: in.CallType.Ptr(), Location: in.Location.Ptr(), Postal: in.Postal.Ptr(),
		CallerName: httpx.FirstSet(in.CallerName, in.Caller), CallerNumber: in.CallerNumber.Ptr(), Description: in.Description.Ptr(),
		Priority: in.Priority.Ptr(), Source: in.Source.Ptr(), ServerName: in.ServerName.Ptr(),
		Coordinates: httpx.CoordsOf([]httpx.LooseCoords{in.Coordinates, in.Coords}, in.X, in.Y, in.Z)}
}

func (h *handlers) createCall(c *echo.Context) error {
	var in httpx.CallIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	call, err := h.dispatch.CreateCall(c.Request().Context(), httpx.CallerOf(c), callInput(in))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, callJSON(call))
}

// memberCall is a member's 911 call as one of their characters.
func (h *handlers) memberCall(c *echo.Context) error {
	var in httpx.CallIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if in.CharacterID.V == "" {
		return cad.Errorf(cad.EINVALID, "characterId (the civilian who calls) is required")
	}
	call, err := h.dispatch.MemberCall(c.Request().Context(), httpx.CallerOf(c), in.CharacterID.V, callInput(in))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, callJSON(call))
}

func (h *handlers) listCalls(c *echo.Context) error {
	p, err := httpx.PagingOf(c)
	if err != nil {
		return err
	}
	active := c.QueryParam("active") == "true"
	list, next, err := h.dispatch.Calls(c.Request().Context(), httpx.CallerOf(c), cad.CallFilter{OpenOnly: active,
		Status: c.QueryParam("status"), Priority: c.QueryParam("priority"), After: p.After, Limit: p.Limit})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p.Answer("calls", httpx.MapList(list, callJSON), next))
}

// pendingCalls is a bare array, as CDE documents it.
func (h *handlers) pendingCalls(c *echo.Context) error {
	list, err := h.dispatch.Pending(c.Request().Context(), httpx.CallerOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.MapList(list, callJSON))
}

// callDetailOut is a call with its units, civilians and vehicles filled
// in beside their ids.
type callDetailOut struct {
	callOut
	AssignedUnits     []*cad.Unit         `json:"assignedUnits"`
	AttachedCivilians []httpx.CivilianOut `json:"attachedCivilians"`
	AttachedVehicles  []httpx.VehicleOut  `json:"attachedVehicles"`
}

func (h *handlers) getCall(c *echo.Context) error {
	d, err := h.dispatch.Detail(c.Request().Context(), httpx.CallerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	units := d.Units
	if units == nil {
		units = []*cad.Unit{}
	}
	return c.JSON(http.StatusOK, callDetailOut{callOut: callJSON(d.Call), AssignedUnits: units,
		AttachedCivilians: httpx.MapList(d.Characters, h.records.Civilian), AttachedVehicles: httpx.MapList(d.Vehicles, httpx.Vehicle)})
}

func (h *handlers) updateCall(c *echo.Context) error {
	var in httpx.CallIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	call, err := h.dispatch.UpdateCall(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), callInput(in))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, callJSON(call))
}

// callStatus moves a call: PUT …/status {status}, or …/close, …/cancel.
func (h *handlers) callStatus(c *echo.Context) error {
	var status string
	switch c.Path() {
	case "/api/calls/:id/close":
		status = cad.CallClosed
	case "/api/calls/:id/cancel":
		status = cad.CallCancelled
	default:
		var in struct {
			Status httpx.LooseString `json:"status"`
		}
		if err := httpx.BindJSON(c, &in); err != nil {
			return err
		}
		status = in.Status.V
	}
	call, err := h.dispatch.SetStatus(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), status)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, callJSON(call))
}

func (h *handlers) assignUnits(c *echo.Context) error {
	var in struct {
		Units   []string          `json:"units"`
		Primary httpx.LooseString `json:"primary"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	call, err := h.dispatch.Assign(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), in.Units, in.Primary.V)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, callJSON(call))
}

func (h *handlers) unassignUnit(c *echo.Context) error {
	call, err := h.dispatch.Unassign(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), c.Param("userId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, callJSON(call))
}

func (h *handlers) callNote(c *echo.Context) error {
	var in struct {
		Note httpx.LooseString `json:"note"`
		Text httpx.LooseString `json:"text"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	note := in.Note.V
	if !in.Note.Set {
		note = in.Text.V
	}
	call, err := h.dispatch.AddNote(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, callJSON(call))
}

func (h *handlers) attachRecords(c *echo.Context) error {
	var in struct {
		Characters []string `json:"characters"`
		Vehicles   []string `json:"vehicles"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	call, err := h.dispatch.Attach(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), in.Characters, in.Vehicles,
		c.Path() == "/api/calls/:id/detach")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, callJSON(call))
}

func (h *handlers) listUnits(c *echo.Context) error {
	list, err := h.dispatch.Units(c.Request().Context(), httpx.CallerOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"units": list})
}

func (h *handlers) myDuty(c *echo.Context) error {
	var in struct {
		OnDuty     httpx.LooseBool   `json:"onDuty"`
		Department httpx.LooseString `json:"department"`
		CallSign   httpx.LooseString `json:"callSign"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if !in.OnDuty.Set {
		return cad.Errorf(cad.EINVALID, "onDuty (true or false) is required")
	}
	u, err := h.dispatch.MyDuty(c.Request().Context(), httpx.CallerOf(c), dispatch.DutyInput{OnDuty: in.OnDuty.V,
		Department: in.Department.V, CallSign: in.CallSign.V})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "unit": u})
}

func (h *handlers) unitStatus(c *echo.Context) error {
	var in struct {
		Status httpx.LooseString `json:"status"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	u, err := h.dispatch.SetUnitStatus(c.Request().Context(), httpx.CallerOf(c), c.Param("userId"), in.Status.V)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "unit": u})
}

func (h *handlers) dutyLog(c *echo.Context) error {
	p, err := httpx.PagingOf(c)
	if err != nil {
		return err
	}
	user := c.QueryParam("userId")
	if user == "" && c.QueryParam("all") != "true" {
		user = httpx.CallerOf(c).UserID
	}
	list, next, err := h.dispatch.DutyLog(c.Request().Context(), httpx.CallerOf(c), user, p.After, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p.Answer("periods", list, next))
}

// linkJSON is a link as members and admins read it: status confirmed, or
// unconfirmed for a link made before the game had to confirm links.
func linkJSON(l *cad.GameLink) cad.GameLink {
	out := *l
	if !out.Confirmed() {
		out.Status = cad.LinkUnconfirmed
	}
	return out
}

// linkCodeJSON is a member's live link code, without the code.
func linkCodeJSON(lc *cad.LinkCode) map[string]any {
	return map[string]any{"status": cad.LinkPending, "identifier": lc.Identifier, "userId": lc.UserID, "communityId": lc.CommunityID,
		"createdAt": lc.CreatedAt, "expiresAt": lc.ExpiresAt}
}

func (h *handlers) listLinks(c *echo.Context) error {
	list, pending, err := h.dispatch.Links(c.Request().Context(), httpx.CallerOf(c))
	if err != nil {
		return err
	}
	out := map[string]any{"links": httpx.MapList(list, linkJSON), "pending": nil}
	if pending != nil {
		out["pending"] = linkCodeJSON(pending)
	}
	return c.JSON(http.StatusOK, out)
}

// addLink answers a one-time code the member types in game; the link is
// made when the game server posts it (POST /api/fivem/links/confirm).
func (h *handlers) addLink(c *echo.Context) error {
	var in struct {
		Identifier httpx.LooseString `json:"identifier"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	code, lc, err := h.dispatch.Link(c.Request().Context(), httpx.CallerOf(c), in.Identifier.V)
	if err != nil {
		return err
	}
	out := linkCodeJSON(lc)
	out["code"] = code
	out["msg"] = "Enter " + code + " in game within " + strconv.Itoa(int(dispatch.LinkCodeTTL.Minutes())) + " minutes"
	return c.JSON(http.StatusCreated, out)
}

func (h *handlers) removeLink(c *echo.Context) error {
	if err := h.dispatch.Unlink(c.Request().Context(), httpx.CallerOf(c), c.Param("identifier")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "Unlinked"})
}

func (h *handlers) communityLinks(c *echo.Context) error {
	p, err := httpx.PagingOf(c)
	if err != nil {
		return err
	}
	list, next, err := h.dispatch.CommunityLinks(c.Request().Context(), httpx.CallerOf(c), c.QueryParam("userId"), p.After, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p.Answer("links", httpx.MapList(list, linkJSON), next))
}

func (h *handlers) removeCommunityLink(c *echo.Context) error {
	if err := h.dispatch.RemoveLink(c.Request().Context(), httpx.CallerOf(c), c.Param("identifier")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "Unlinked"})
}

// boloIn is a BOLO as members and the game send it.
type boloIn struct {
	Type        httpx.LooseString `json:"type"`
	Reason      httpx.LooseString `json:"reason"`
	Description httpx.LooseString `json:"description"`
	Priority    httpx.LooseString `json:"priority"`
	Plate       httpx.LooseString `json:"plate"`
	CharacterID httpx.LooseString `json:"characterId"`
	ExpiresAt   httpx.LooseTime   `json:"expiresAt"`
}

func (in boloIn) input() dispatch.BOLOInput {
	return dispatch.BOLOInput{Kind: in.Type.Ptr(), Reason: in.Reason.Ptr(), Description: in.Description.Ptr(), Priority: in.Priority.Ptr(),
		Plate: in.Plate.Ptr(), Character: in.CharacterID.Ptr(), ExpiresAt: in.ExpiresAt.Ptr()}
}

func (h *handlers) listBOLOs(c *echo.Context) error {
	p, err := httpx.PagingOf(c)
	if err != nil {
		return err
	}
	list, next, err := h.dispatch.BOLOs(c.Request().Context(), httpx.CallerOf(c), c.QueryParam("all") != "true", p.After, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p.Answer("bolos", list, next))
}

func (h *handlers) createBOLO(c *echo.Context) error {
	var in boloIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	b, err := h.dispatch.CreateBOLO(c.Request().Context(), httpx.CallerOf(c), in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, b)
}

func (h *handlers) updateBOLO(c *echo.Context) error {
	var in boloIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	b, err := h.dispatch.UpdateBOLO(c.Request().Context(), httpx.CallerOf(c), c.Param("id"), in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (h *handlers) resolveBOLO(c *echo.Context) error {
	b, err := h.dispatch.ResolveBOLO(c.Request().Context(), httpx.CallerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (h *handlers) positions(c *echo.Context) error {
	list, err := h.dispatch.LivePositions(httpx.CallerOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "positions": list, "generatedAt": h.now().UTC()})
}

// markers are the open calls with coordinates (CDE's 911 markers).
func (h *handlers) markers(c *echo.Context) error {
	list, err := h.dispatch.Markers(c.Request().Context(), httpx.CallerOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "markers": httpx.MapList(list, callJSON)})
}

// hitOut is an ALPR hit with its photos' URLs.
type hitOut struct {
	*cad.ALPRHit
	PhotoURLs []string `json:"photoUrls"`
}

func (h *handlers) alprHits(c *echo.Context) error {
	p, err := httpx.PagingOf(c)
	if err != nil {
		return err
	}
	list, next, err := h.dispatch.Hits(c.Request().Context(), httpx.CallerOf(c), p.After, p.Limit)
	if err != nil {
		return err
	}
	out := make([]hitOut, len(list))
	for i, hit := range list {
		out[i] = hitOut{ALPRHit: hit, PhotoURLs: []string{}}
		for _, id := range hit.Photos {
			out[i].PhotoURLs = append(out[i].PhotoURLs, h.dispatch.PhotoURL(hit.CommunityID, id))
		}
	}
	return c.JSON(http.StatusOK, p.Answer("hits", out, next))
}

func (h *handlers) alprCameras(c *echo.Context) error {
	list, err := h.dispatch.Cameras(c.Request().Context(), httpx.CallerOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"cameras": list})
}

func (h *handlers) cameraCommand(c *echo.Context) error {
	var in struct {
		Enabled    httpx.LooseBool   `json:"enabled"`
		SpeedLimit httpx.LooseInt    `json:"speedLimit"`
		Name       httpx.LooseString `json:"name"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	cmd, err := h.dispatch.QueueCameraCommand(c.Request().Context(), httpx.CallerOf(c), c.Param("camId"),
		dispatch.CameraChange{Enabled: in.Enabled.Ptr(), SpeedLimit: in.SpeedLimit.Ptr(), Name: in.Name.Ptr()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cmd)
}

func (h *handlers) queueERSCallout(c *echo.Context) error {
	var in struct {
		httpx.CallIn
		ServiceType httpx.LooseString `json:"serviceType"`
		ERSConfig   map[string]any    `json:"ersConfig"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	co, err := h.dispatch.QueueERSCallout(c.Request().Context(), httpx.CallerOf(c), callInput(in.CallIn), in.ServiceType.V, in.ERSConfig)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, co)
}

func (h *handlers) announce(c *echo.Context) error {
	var in struct {
		Title    httpx.LooseString `json:"title"`
		Message  httpx.LooseString `json:"message"`
		Priority httpx.LooseString `json:"priority"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	a, err := h.dispatch.Announce(c.Request().Context(), httpx.CallerOf(c), in.Title.V, in.Message.V, in.Priority.V)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

func (h *handlers) listAnnouncements(c *echo.Context) error {
	p, err := httpx.PagingOf(c)
	if err != nil {
		return err
	}
	list, next, err := h.dispatch.Announcements(c.Request().Context(), httpx.CallerOf(c), p.After, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"announcements": list, "nextCursor": httpx.Nullable(next)})
}
