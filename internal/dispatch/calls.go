package dispatch

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/precinct-cad/precinct/internal/cad"
)

// CallInput is what a caller sets on a call; nil fields stay as they are.
type CallInput struct {
	CallType, Location, Postal, CallerName, CallerNumber, Description *string
	Priority, Source, ServerName                                      *string
	Coordinates                                                       *cad.Coords
	ERSCalloutID                                                      string
}

// text is one free-text field's rule.
type text struct {
	field string
	max   int
}

func clean(t text, v string) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > t.max {
		return "", cad.Errorf(cad.EINVALID, "%s must be valid text of at most %d characters", t.field, t.max)
	}
	return v, nil
}

// priorityOf maps what clients send (a word, or ERS's 1-5) to a priority.
func priorityOf(v string) (string, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "":
		return "normal", true
	case "1":
		return "low", true
	case "2":
		return "normal", true
	case "3":
		return "medium", true
	case "4":
		return "high", true
	case "5":
		return "critical", true
	case "urgent", "emergency":
		return "critical", true
	}
	return v, slices.Contains(cad.CallPriorities, v)
}

// apply validates in and writes it onto call.
func apply(call *cad.Call, in CallInput) error {
	for _, f := range []struct {
		p   *string
		dst *string
		t   text
	}{
		{in.CallType, &call.CallType, text{"callType", 100}}, {in.Location, &call.Location, text{"location", 200}},
		{in.Postal, &call.Postal, text{"postal", 16}}, {in.CallerName, &call.CallerName, text{"callerName", 100}},
		{in.CallerNumber, &call.CallerNumber, text{"callerNumber", 32}}, {in.Description, &call.Description, text{"description", 4000}},
		{in.ServerName, &call.ServerName, text{"serverName", 100}},
	} {
		if f.p == nil {
			continue
		}
		v, err := clean(f.t, *f.p)
		if err != nil {
			return err
		}
		*f.dst = v
	}
	// "Unknown" and "Getting..." are what the game sends before it knows.
	if p := strings.ToLower(call.Postal); p == "unknown" || p == "getting..." {
		call.Postal = ""
	}
	if in.Priority != nil {
		p, ok := priorityOf(*in.Priority)
		if !ok {
			return cad.Errorf(cad.EINVALID, "priority must be one of %s", strings.Join(cad.CallPriorities, ", "))
		}
		call.Priority = p
	}
	if in.Source != nil {
		src := strings.ToLower(strings.TrimSpace(*in.Source))
		if src == "" {
			src = "player"
		}
		if !slices.Contains(cad.CallSources, src) {
			return cad.Errorf(cad.EINVALID, "source must be one of %s", strings.Join(cad.CallSources, ", "))
		}
		call.Source = src
	}
	if in.Coordinates != nil {
		c := *in.Coordinates
		call.Coordinates = &c
	}
	if call.CallType == "" {
		return cad.Errorf(cad.EINVALID, "callType is required")
	}
	return nil
}

// step adds a timeline entry, keeping the newest MaxTimeline.
func step(call *cad.Call, c cad.Caller, at func() (t cad.CallStep), action, detail string) {
	st := at()
	st.ActorID, st.Action, st.Detail = c.Actor.UserID, action, detail
	call.Timeline = append(call.Timeline, st)
	if n := len(call.Timeline); n > cad.MaxTimeline {
		call.Timeline = call.Timeline[n-cad.MaxTimeline:]
	}
}

func (s *Service) stamp() cad.CallStep { return cad.CallStep{Time: s.now().UTC()} }

// touch records a change: the call lives on for the community's expiry.
func (s *Service) touch(c cad.Caller, call *cad.Call) {
	now := s.now().UTC()
	call.UpdatedAt, call.ExpiresAt = now, now.Add(expiry(c.Scope.Community))
}

// CreateCall opens a call with the community's next incident number. Who
// may: dispatchers, Supervisors and up, game servers, and (as 911 calls,
// PlaceCall) any member.
func (s *Service) CreateCall(ctx context.Context, c cad.Caller, in CallInput) (*cad.Call, error) {
	if !c.IsDispatcher() {
		return nil, errNeedDispatch
	}
	return s.createCall(ctx, c, in, cad.CallPending, nil)
}

// createCall makes a call with status and units, in one transaction with
// its incident number and the units' assignment.
func (s *Service) createCall(ctx context.Context, c cad.Caller, in CallInput, status string, units []string) (*cad.Call, error) {
	call := &cad.Call{Priority: "normal", Source: "dispatcher", Status: status, CreatedBy: c.Actor.UserID, ERSCalloutID: in.ERSCalloutID}
	if c.IsServer() {
		call.Source = "player"
	}
	if err := apply(call, in); err != nil {
		return nil, err
	}
	s.touch(c, call)
	call.CreatedAt = call.UpdatedAt
	step(call, c, s.stamp, "created", call.CallType)
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		n, err := s.db.NextSequence(ctx, c.CommunityID(), "incident")
		if err != nil {
			return err
		}
		d := *call
		d.Seq, d.IncidentNumber = n, fmt.Sprintf("%d-%06d", d.CreatedAt.Year(), n)
		if err := s.db.CreateCall(ctx, c.CommunityID(), &d); err != nil {
			return err
		}
		for _, u := range units {
			if err := s.attachUnit(ctx, c, &d, u); err != nil {
				return err
			}
		}
		if len(units) > 0 {
			if _, err := s.db.UpdateCall(ctx, c.CommunityID(), d.ID, func(x *cad.Call) error {
				x.Units, x.PrimaryUnit = d.Units, d.PrimaryUnit
				return nil
			}); err != nil {
				return err
			}
		}
		*call = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "call.created", call.ID, nil, map[string]any{"incidentNumber": call.IncidentNumber, "callType": call.CallType, "source": call.Source})
	s.publish("call.created", c.CommunityID(), call.ID, s.view(call))
	return call, nil
}

// attachUnit assigns a member's unit to call (in the caller's
// transaction): the unit must be on duty.
func (s *Service) attachUnit(ctx context.Context, c cad.Caller, call *cad.Call, userID string) error {
	_, err := s.db.UpdateUnit(ctx, c.CommunityID(), userID, nil, func(u *cad.Unit) error {
		if !u.OnDuty {
			return cad.Errorf(cad.EINVALID, "Unit %s is not on duty", u.CallSign)
		}
		if !slices.Contains(u.Calls, call.ID) {
			u.Calls = append(u.Calls, call.ID)
		}
		if u.CurrentCall == "" {
			u.CurrentCall = call.ID
		}
		return nil
	})
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return cad.Errorf(cad.EINVALID, "No unit on duty with that id")
	}
	if err != nil {
		return err
	}
	if !slices.Contains(call.Units, userID) {
		call.Units = append(call.Units, userID)
	}
	if call.PrimaryUnit == "" {
		call.PrimaryUnit = userID
	}
	return nil
}

// detachUnit frees a unit of a call (in the caller's transaction); a unit
// that is gone is no error.
func (s *Service) detachUnit(ctx context.Context, c cad.Caller, callID, userID string) error {
	_, err := s.db.UpdateUnit(ctx, c.CommunityID(), userID, nil, func(u *cad.Unit) error {
		u.Calls = slices.DeleteFunc(u.Calls, func(id string) bool { return id == callID })
		if u.CurrentCall == callID {
			u.CurrentCall = ""
			if len(u.Calls) > 0 {
				u.CurrentCall = u.Calls[0]
			}
		}
		return nil
	})
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return nil
	}
	return err
}

// view is a call as callers see it at now: an open call past its expiry
// reads expired, though the janitor has not marked it yet.
func (s *Service) view(call *cad.Call) *cad.Call {
	if call.Open && !call.ExpiresAt.After(s.now()) {
		v := *call
		v.Status, v.Open = cad.CallExpired, false
		return &v
	}
	return call
}

// Call returns a call for responders (and game servers).
func (s *Service) Call(ctx context.Context, c cad.Caller, id string) (*cad.Call, error) {
	if !c.IsResponder() {
		return nil, errNeedUnit
	}
	call, err := s.find(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return s.view(call), nil
}

// find reads a call by id or incident number.
func (s *Service) find(ctx context.Context, c cad.Caller, ref string) (*cad.Call, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 64 {
		return nil, errCallNotFound
	}
	call, err := s.db.Call(ctx, c.CommunityID(), ref)
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		call, err = s.db.CallByIncident(ctx, c.CommunityID(), ref)
	}
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return nil, errCallNotFound
	}
	return call, err
}

// CallDetail is a call with its units, characters and vehicles filled in.
type CallDetail struct {
	Call       *cad.Call
	Units      []*cad.Unit
	Characters []*cad.Character
	Vehicles   []*cad.Vehicle
}

// Detail returns a call with its units, characters and vehicles.
func (s *Service) Detail(ctx context.Context, c cad.Caller, id string) (*CallDetail, error) {
	call, err := s.Call(ctx, c, id)
	if err != nil {
		return nil, err
	}
	d := &CallDetail{Call: call}
	for _, u := range call.Units {
		if unit, err := s.db.Unit(ctx, c.CommunityID(), u); err == nil {
			d.Units = append(d.Units, unit)
		}
	}
	for _, ch := range call.Characters {
		if x, err := s.db.Character(ctx, c.CommunityID(), ch); err == nil {
			d.Characters = append(d.Characters, x)
		}
	}
	for _, v := range call.Vehicles {
		if x, err := s.db.Vehicle(ctx, c.CommunityID(), v); err == nil {
			d.Vehicles = append(d.Vehicles, x)
		}
	}
	return d, nil
}

// change runs fn on a call in one transaction, records a change, and
// publishes it. Only open calls change, but a Supervisor's override.
func (s *Service) change(ctx context.Context, c cad.Caller, id, event string, fn func(ctx context.Context, call *cad.Call) error) (*cad.Call, error) {
	call, err := s.find(ctx, c, id)
	if err != nil {
		return nil, err
	}
	var out *cad.Call
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var inner error
		out, err = s.db.UpdateCall(ctx, c.CommunityID(), call.ID, func(x *cad.Call) error {
			if !s.view(x).Open && !c.IsSupervisor() {
				return cad.Errorf(cad.ECONFLICT, "The call is %s", s.view(x).Status)
			}
			if inner = fn(ctx, x); inner != nil {
				return inner
			}
			s.touch(c, x)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, c, "call."+event, out.ID, map[string]any{"status": call.Status}, map[string]any{"status": out.Status, "incidentNumber": out.IncidentNumber})
	typ := "call.updated"
	if out.Status == cad.CallClosed || out.Status == cad.CallCancelled {
		typ = "call.closed"
	}
	s.publish(typ, c.CommunityID(), out.ID, out)
	return out, nil
}

// UpdateCall changes a call's fields (dispatchers).
func (s *Service) UpdateCall(ctx context.Context, c cad.Caller, id string, in CallInput) (*cad.Call, error) {
	if !c.IsDispatcher() {
		return nil, errNeedDispatch
	}
	return s.change(ctx, c, id, "updated", func(_ context.Context, call *cad.Call) error {
		if err := apply(call, in); err != nil {
			return err
		}
		step(call, c, s.stamp, "updated", "")
		return nil
	})
}

// statusRank orders the lifecycle.
func statusRank(s string) int {
	switch s {
	case cad.CallPending:
		return 1
	case cad.CallAssigned:
		return 2
	case cad.CallEnroute:
		return 3
	case cad.CallOnScene:
		return 4
	case cad.CallClosed:
		return 5
	}
	return 0
}

// SetStatus moves a call along its lifecycle: forward only (pending →
// assigned → enroute → on-scene → closed), or to cancelled. A Supervisor
// may set any status. Responders may.
func (s *Service) SetStatus(ctx context.Context, c cad.Caller, id, status string) (*cad.Call, error) {
	if !c.IsResponder() {
		return nil, errNeedUnit
	}
	status = strings.ToLower(strings.TrimSpace(status))
	if status == "onscene" || status == "on_scene" {
		status = cad.CallOnScene
	}
	if status == "expired" || !slices.Contains(cad.CallStatuses, status) {
		return nil, cad.Errorf(cad.EINVALID, "status must be pending, assigned, enroute, on-scene, closed or cancelled")
	}
	event := "status"
	return s.change(ctx, c, id, event, func(ctx context.Context, call *cad.Call) error {
		from := call.Status
		if from == status {
			return nil
		}
		ok := status == cad.CallCancelled || statusRank(status) > statusRank(from)
		if !ok && !c.IsSupervisor() {
			return cad.Errorf(cad.EINVALID, "A call moves from %s only forward (pending, assigned, enroute, on-scene, closed) or to cancelled", from)
		}
		call.Status = status
		step(call, c, s.stamp, "status", from+" → "+status)
		if !cad.OpenCallStatus(status) {
			now := s.now().UTC()
			call.ClosedAt = &now
			for _, u := range call.Units {
				if err := s.detachUnit(ctx, c, call.ID, u); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Assign puts units (member user ids, on duty) on a call; the first is
// primary when the call has none, or when primary says so.
func (s *Service) Assign(ctx context.Context, c cad.Caller, id string, userIDs []string, primary string) (*cad.Call, error) {
	if !c.IsDispatcher() && !c.IsResponder() {
		return nil, errNeedUnit
	}
	if len(userIDs) == 0 || len(userIDs) > 50 {
		return nil, cad.Errorf(cad.EINVALID, "units must name 1 to 50 units")
	}
	// Officers may attach themselves; dispatchers anyone.
	if !c.IsDispatcher() {
		for _, u := range userIDs {
			if u != c.UserID {
				return nil, errNeedDispatch
			}
		}
	}
	return s.change(ctx, c, id, "assigned", func(ctx context.Context, call *cad.Call) error {
		for _, u := range userIDs {
			if err := s.attachUnit(ctx, c, call, u); err != nil {
				return err
			}
			step(call, c, s.stamp, "assigned", u)
		}
		if primary != "" {
			if !slices.Contains(call.Units, primary) {
				return cad.Errorf(cad.EINVALID, "The primary unit must be assigned")
			}
			call.PrimaryUnit = primary
		}
		if call.Status == cad.CallPending {
			call.Status = cad.CallAssigned
		}
		return nil
	})
}

// Unassign takes a unit off a call.
func (s *Service) Unassign(ctx context.Context, c cad.Caller, id, userID string) (*cad.Call, error) {
	if !c.IsDispatcher() && userID != c.UserID {
		return nil, errNeedDispatch
	}
	return s.change(ctx, c, id, "unassigned", func(ctx context.Context, call *cad.Call) error {
		if !slices.Contains(call.Units, userID) {
			return cad.Errorf(cad.ENOTFOUND, "That unit is not on the call")
		}
		call.Units = slices.DeleteFunc(call.Units, func(u string) bool { return u == userID })
		if call.PrimaryUnit == userID {
			call.PrimaryUnit = ""
			if len(call.Units) > 0 {
				call.PrimaryUnit = call.Units[0]
			}
		}
		step(call, c, s.stamp, "unassigned", userID)
		return s.detachUnit(ctx, c, call.ID, userID)
	})
}

// AddNote adds a note to a call (responders).
func (s *Service) AddNote(ctx context.Context, c cad.Caller, id, note string) (*cad.Call, error) {
	if !c.IsResponder() {
		return nil, errNeedUnit
	}
	note, err := clean(text{"note", 2000}, note)
	if err != nil {
		return nil, err
	}
	if note == "" {
		return nil, cad.Errorf(cad.EINVALID, "note is required")
	}
	author := c.Actor.UserID
	if c.Scope.Membership != nil {
		author = c.Scope.Membership.Username
	}
	return s.change(ctx, c, id, "note", func(_ context.Context, call *cad.Call) error {
		call.Notes = append(call.Notes, cad.CallNote{ID: cad.NewID(), AuthorID: c.Actor.UserID, Author: author, Text: note, Time: s.now().UTC()})
		if n := len(call.Notes); n > cad.MaxTimeline {
			call.Notes = call.Notes[n-cad.MaxTimeline:]
		}
		step(call, c, s.stamp, "note", "")
		return nil
	})
}

// Attach puts characters or vehicles of the community on a call; detach
// takes them off.
func (s *Service) Attach(ctx context.Context, c cad.Caller, id string, characters, vehicles []string, detach bool) (*cad.Call, error) {
	if !c.IsResponder() {
		return nil, errNeedUnit
	}
	if len(characters)+len(vehicles) == 0 || len(characters)+len(vehicles) > 50 {
		return nil, cad.Errorf(cad.EINVALID, "name 1 to 50 characters or vehicles")
	}
	if !detach {
		for _, ch := range characters {
			if _, err := s.db.Character(ctx, c.CommunityID(), ch); err != nil {
				return nil, err
			}
		}
		for _, v := range vehicles {
			if _, err := s.db.Vehicle(ctx, c.CommunityID(), v); err != nil {
				return nil, err
			}
		}
	}
	action := "attached"
	if detach {
		action = "detached"
	}
	return s.change(ctx, c, id, action, func(_ context.Context, call *cad.Call) error {
		for _, l := range []struct {
			ids []string
			dst *[]string
		}{{characters, &call.Characters}, {vehicles, &call.Vehicles}} {
			for _, x := range l.ids {
				has := slices.Contains(*l.dst, x)
				switch {
				case detach && has:
					*l.dst = slices.DeleteFunc(*l.dst, func(y string) bool { return y == x })
				case !detach && !has:
					*l.dst = append(*l.dst, x)
				}
				step(call, c, s.stamp, action, x)
			}
		}
		return nil
	})
}

// Pending lists the community's pending calls, newest first (up to 100).
func (s *Service) Pending(ctx context.Context, c cad.Caller) ([]*cad.Call, error) {
	if !c.IsResponder() {
		return nil, errNeedUnit
	}
	list, _, err := s.db.Calls(ctx, c.CommunityID(), cad.CallFilter{OpenOnly: true, Status: cad.CallPending, Limit: 100}, s.now())
	return list, err
}

// Calls pages through calls: active (open, not expired) or all, with a
// status and priority filter.
func (s *Service) Calls(ctx context.Context, c cad.Caller, f cad.CallFilter) ([]*cad.Call, string, error) {
	if !c.IsResponder() {
		return nil, "", errNeedUnit
	}
	if f.Status != "" && !slices.Contains(cad.CallStatuses, f.Status) {
		return nil, "", cad.Errorf(cad.EINVALID, "status must be one of %s", strings.Join(cad.CallStatuses, ", "))
	}
	if f.Priority != "" && !slices.Contains(cad.CallPriorities, f.Priority) {
		return nil, "", cad.Errorf(cad.EINVALID, "priority must be one of %s", strings.Join(cad.CallPriorities, ", "))
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	list, next, err := s.db.Calls(ctx, c.CommunityID(), f, s.now())
	if err != nil {
		return nil, "", err
	}
	for i, call := range list {
		list[i] = s.view(call)
	}
	return list, next, nil
}

// ExpireCalls marks every open call past its expiry expired (it is kept),
// frees its units and publishes call.expired: the janitor's round. It
// returns how many it marked.
func (s *Service) ExpireCalls(ctx context.Context) (int, error) {
	n := 0
	for {
		list, err := s.db.ExpiredOpenCalls(ctx, s.now(), 100)
		if err != nil || len(list) == 0 {
			return n, err
		}
		for _, call := range list {
			c := cad.Caller{Actor: janitorActor, Scope: &cad.Scope{Community: &cad.Community{ID: call.CommunityID}, Server: true}}
			err := s.db.Tx(ctx, func(ctx context.Context) error {
				out, err := s.db.UpdateCall(ctx, call.CommunityID, call.ID, func(x *cad.Call) error {
					if !x.Open || x.ExpiresAt.After(s.now()) {
						return errNotExpired
					}
					x.Status = cad.CallExpired
					step(x, c, s.stamp, "expired", "no change for the community's call expiry")
					return nil
				})
				if err != nil {
					return err
				}
				for _, u := range out.Units {
					if err := s.detachUnit(ctx, c, out.ID, u); err != nil {
						return err
					}
				}
				return nil
			})
			switch {
			case err == errNotExpired:
			case err != nil:
				return n, err
			default:
				n++
				s.publish("call.expired", call.CommunityID, call.ID, map[string]any{"incidentNumber": call.IncidentNumber})
			}
		}
		if len(list) < 100 {
			return n, nil
		}
	}
}

var errNotExpired = cad.Errorf(cad.ECONFLICT, "not expired")

// RunJanitor expires calls every interval until ctx ends.
func (s *Service) RunJanitor(ctx context.Context, interval time.Duration) {
	cad.NowAndEvery(ctx, interval, func(ctx context.Context) {
		if n, err := s.ExpireCalls(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("expiring calls failed", "error", err.Error())
		} else if n > 0 {
			s.log.Info("calls expired", "count", n)
		}
	})
}
