package dispatch

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/precinct-cad/precinct/internal/cad"
)

// janitorActor is who expires calls in the audit trail and timelines.
var janitorActor = cad.Actor{UserID: "janitor", Kind: "system"}

// DefaultStatusCodes are a unit's statuses when a community sets none.
var DefaultStatusCodes = []cad.StatusCode{
	{Code: "available", Label: "Available"}, {Code: "busy", Label: "Busy"}, {Code: "enroute", Label: "En route"},
	{Code: "onscene", Label: "On scene"}, {Code: "out-of-service", Label: "Out of service"},
}

// statusCodes are a community's unit statuses.
func statusCodes(com *cad.Community) []cad.StatusCode {
	if len(com.Settings.StatusCodes) > 0 {
		return com.Settings.StatusCodes
	}
	return DefaultStatusCodes
}

// statusOf maps a code or label (any case) to the community's code.
func statusOf(com *cad.Community, v string) (string, bool) {
	v = strings.TrimSpace(v)
	for _, sc := range statusCodes(com) {
		if strings.EqualFold(sc.Code, v) || strings.EqualFold(sc.Label, v) {
			return sc.Code, true
		}
	}
	return "", false
}

var errNoPlayer = cad.Errorf(cad.ENOTFOUND, "No member of this community has that Discord id or game identifier")

var discordRE = regexp.MustCompile(`^[0-9]{5,20}$`)

// Player finds the member a game request names: a Discord id (with or
// without "discord:"), or a game identifier the game confirmed a member's
// (license:…, steam:…). Only active members are found.
func (s *Service) Player(ctx context.Context, c cad.Caller, ref string) (*cad.Membership, *cad.User, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 128 {
		return nil, nil, errNoPlayer
	}
	var userID string
	if d := strings.TrimPrefix(ref, "discord:"); discordRE.MatchString(d) {
		if u, err := s.db.UserByDiscordID(ctx, d); err == nil {
			userID = u.ID
		} else if cad.ErrorCode(err) != cad.ENOTFOUND {
			return nil, nil, err
		}
	}
	if userID == "" {
		// Only a link the game confirmed names a player: a link nobody
		// proved is nobody's (docs/dispatch.md).
		l, err := s.db.GameLink(ctx, c.CommunityID(), ref)
		if cad.ErrorCode(err) == cad.ENOTFOUND || (err == nil && !l.Confirmed()) {
			return nil, nil, errNoPlayer
		} else if err != nil {
			return nil, nil, err
		}
		userID = l.UserID
	}
	m, err := s.db.Member(ctx, c.CommunityID(), userID)
	if cad.ErrorCode(err) == cad.ENOTFOUND || (err == nil && m.Status != cad.MemberActive) {
		return nil, nil, errNoPlayer
	} else if err != nil {
		return nil, nil, err
	}
	u, err := s.db.UserByID(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	return m, u, nil
}

// DutyInput is a change of duty.
type DutyInput struct {
	OnDuty bool
	// Department is a department's code or name, or a service type
	// (police, fire, ambulance/ems) that picks the member's department of
	// that kind.
	Department string
	CallSign   string
	Source     string // browser, cde-duty, ers
}

var serviceTypes = map[string]string{"police": cad.DeptLEO, "leo": cad.DeptLEO, "sheriff": cad.DeptLEO, "fire": cad.DeptFire,
	"ambulance": cad.DeptEMS, "ems": cad.DeptEMS, "medic": cad.DeptEMS, "dispatch": cad.DeptDispatch}

// pickDepartment finds the department a duty change names among the
// member's (any for an admin).
func (s *Service) pickDepartment(ctx context.Context, c cad.Caller, m *cad.Membership, ref string) (*cad.Department, error) {
	deps, err := s.db.Departments(ctx, c.CommunityID())
	if err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(ref)
	mine := func(d *cad.Department) bool { return m.Role == cad.RoleAdmin || slices.Contains(m.Departments, d.Code) }
	for _, d := range deps {
		if (strings.EqualFold(d.Code, ref) || strings.EqualFold(d.Name, ref)) && ref != "" {
			if !mine(d) {
				return nil, cad.Errorf(cad.EFORBIDDEN, "%s is not in department %s", m.Username, d.Code)
			}
			return d, nil
		}
	}
	typ := serviceTypes[strings.ToLower(ref)]
	for _, d := range deps {
		if mine(d) && d.Type != cad.DeptCivilian && (typ == "" || d.Type == typ) && slices.Contains(m.Departments, d.Code) {
			return d, nil
		}
	}
	if ref == "" || typ != "" {
		return nil, cad.Errorf(cad.EINVALID, "%s has no department to go on duty in", m.Username)
	}
	return nil, cad.Errorf(cad.ENOTFOUND, "Department not found")
}

var callSignRE = regexp.MustCompile(`^[\p{L}\p{N} ._-]{1,24}$`)

// SetDuty puts a member's unit on or off duty. On: in a department of
// theirs, with the call sign given, else theirs, else the department's
// template. Off: the period is kept (start, end, duration).
func (s *Service) SetDuty(ctx context.Context, c cad.Caller, m *cad.Membership, u *cad.User, in DutyInput) (*cad.Unit, error) {
	now := s.now().UTC()
	var dep *cad.Department
	callSign := strings.TrimSpace(in.CallSign)
	if callSign != "" && !callSignRE.MatchString(callSign) {
		return nil, cad.Errorf(cad.EINVALID, "callSign must be 1 to 24 letters, digits, spaces, dots, dashes or underscores")
	}
	if in.OnDuty {
		// A unit already on duty keeps its call sign and department
		// unless the change names new ones (ERS and cde-duty both report
		// the same shift).
		cur, err := s.db.Unit(ctx, c.CommunityID(), m.UserID)
		if err != nil && cad.ErrorCode(err) != cad.ENOTFOUND {
			return nil, err
		}
		onDuty := err == nil && cur.OnDuty
		if onDuty && callSign == "" {
			callSign = cur.CallSign
		}
		depRef := in.Department
		if onDuty && depRef == "" && cur.Department != "" {
			depRef = cur.Department
		}
		if dep, err = s.pickDepartment(ctx, c, m, depRef); err != nil {
			return nil, err
		}
		if callSign == "" {
			callSign = m.CallSign
		}
		if callSign == "" {
			callSign = dep.CallSignTemplate
			if strings.Contains(callSign, "{n}") {
				n, err := s.db.NextSequence(ctx, c.CommunityID(), "callsign:"+dep.Code)
				if err != nil {
					return nil, err
				}
				callSign = strings.ReplaceAll(callSign, "{n}", fmt.Sprint(n))
			}
		}
		if callSign == "" {
			callSign = m.Username
		}
	}
	var period *cad.DutyPeriod
	fresh := func() *cad.Unit {
		return &cad.Unit{DiscordID: u.DiscordID, Name: m.Username}
	}
	unit, err := s.db.UpdateUnit(ctx, c.CommunityID(), m.UserID, fresh, func(x *cad.Unit) error {
		x.DiscordID, x.Name = u.DiscordID, m.Username
		switch {
		case in.OnDuty && !x.OnDuty:
			x.OnDuty, x.DutyStart, x.DutySource = true, &now, in.Source
			x.Status = statusCodes(c.Scope.Community)[0].Code
			fallthrough
		case in.OnDuty:
			x.Department, x.CallSign = dep.Code, callSign
		case !in.OnDuty && x.OnDuty:
			start := now
			if x.DutyStart != nil {
				start = *x.DutyStart
			}
			period = &cad.DutyPeriod{CommunityID: c.CommunityID(), UserID: m.UserID, CallSign: x.CallSign, Department: x.Department,
				Start: start, End: now, DurationMs: now.Sub(start).Milliseconds(), Source: in.Source}
			x.OnDuty, x.DutyStart, x.Calls, x.CurrentCall = false, nil, []string{}, ""
			x.Status = ""
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if period != nil {
		if err := s.db.AddDutyPeriod(ctx, period); err != nil {
			return nil, err
		}
		s.positions.Remove(c.CommunityID(), u.DiscordID)
	}
	s.record(ctx, c, "unit.duty", m.UserID, nil, map[string]any{"onDuty": unit.OnDuty, "callSign": unit.CallSign, "department": unit.Department, "source": in.Source})
	s.publish("unit.status", c.CommunityID(), unit.ID, unit)
	return unit, nil
}

// MyDuty changes the caller's own duty (the browser).
func (s *Service) MyDuty(ctx context.Context, c cad.Caller, in DutyInput) (*cad.Unit, error) {
	if c.Scope.Membership == nil {
		return nil, cad.Errorf(cad.EFORBIDDEN, "Only a member of the community goes on duty")
	}
	u, err := s.db.UserByID(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	in.Source = "browser"
	return s.SetDuty(ctx, c, c.Scope.Membership, u, in)
}

// GameDuty changes the duty of the player a game server names.
func (s *Service) GameDuty(ctx context.Context, c cad.Caller, player string, in DutyInput) (*cad.Unit, error) {
	m, u, err := s.Player(ctx, c, player)
	if err != nil {
		return nil, err
	}
	return s.SetDuty(ctx, c, m, u, in)
}

// SetUnitStatus sets the caller's unit's status: one of the community's
// status codes (by code or label).
func (s *Service) SetUnitStatus(ctx context.Context, c cad.Caller, userID, status string) (*cad.Unit, error) {
	if userID != c.UserID && !c.IsDispatcher() {
		return nil, errNeedDispatch
	}
	code, ok := statusOf(c.Scope.Community, status)
	if !ok {
		var codes []string
		for _, sc := range statusCodes(c.Scope.Community) {
			codes = append(codes, sc.Code)
		}
		return nil, cad.Errorf(cad.EINVALID, "status must be one of %s", strings.Join(codes, ", "))
	}
	unit, err := s.db.UpdateUnit(ctx, c.CommunityID(), userID, nil, func(x *cad.Unit) error {
		if !x.OnDuty {
			return cad.Errorf(cad.EINVALID, "The unit is not on duty")
		}
		x.Status = code
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.publish("unit.status", c.CommunityID(), unit.ID, unit)
	return unit, nil
}

// Units lists the units on duty (responders).
func (s *Service) Units(ctx context.Context, c cad.Caller) ([]*cad.Unit, error) {
	if !c.IsResponder() {
		return nil, errNeedUnit
	}
	return s.db.OnDutyUnits(ctx, c.CommunityID(), 500)
}

// DutyLog pages through duty periods: one member's (their own, or any for
// a Supervisor) or, with userID "", the community's (Supervisors).
func (s *Service) DutyLog(ctx context.Context, c cad.Caller, userID, after string, limit int) ([]*cad.DutyPeriod, string, error) {
	if userID != c.UserID && !c.IsSupervisor() {
		return nil, "", cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Supervisor")
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	return s.db.DutyPeriods(ctx, c.CommunityID(), userID, after, limit)
}

// UnitByDiscord is the unit of a Discord user, or nil (the tablet's cheap
// poll: one indexed read).
func (s *Service) UnitByDiscord(ctx context.Context, c cad.Caller, discordID string) (*cad.Unit, error) {
	discordID = strings.TrimPrefix(strings.TrimSpace(discordID), "discord:")
	if !discordRE.MatchString(discordID) {
		return nil, cad.Errorf(cad.EINVALID, "discordId must be a Discord user id (digits)")
	}
	u, err := s.db.UnitByDiscord(ctx, c.CommunityID(), discordID)
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return nil, nil
	}
	return u, err
}

// UnitCalls are the open calls of a Discord user's unit (the tablet's
// poll: two indexed reads).
func (s *Service) UnitCalls(ctx context.Context, c cad.Caller, discordID string) ([]*cad.Call, *cad.Unit, error) {
	u, err := s.UnitByDiscord(ctx, c, discordID)
	if err != nil || u == nil || !u.OnDuty || len(u.Calls) == 0 {
		return []*cad.Call{}, u, err
	}
	list, err := s.db.CallsByID(ctx, c.CommunityID(), u.Calls)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*cad.Call, 0, len(list))
	for _, call := range list {
		if v := s.view(call); v.Open {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b *cad.Call) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, u, nil
}

// RouteCall is a Discord user's unit's current call, or nil.
func (s *Service) RouteCall(ctx context.Context, c cad.Caller, discordID string) (*cad.Call, error) {
	list, u, err := s.UnitCalls(ctx, c, discordID)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	for _, call := range list {
		if call.ID == u.CurrentCall {
			return call, nil
		}
	}
	return list[0], nil
}
