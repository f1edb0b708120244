package dispatch

import (
	"context"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Place911 opens a 911 call from the game (or a member's browser):
// pending, with its incident number.
func (s *Service) Place911(ctx context.Context, c cad.Caller, in CallInput) (*cad.Call, error) {
	if in.CallType == nil || strings.TrimSpace(*in.CallType) == "" {
		t := "911 Call"
		in.CallType = &t
	}
	return s.createCall(ctx, c, in, cad.CallPending, nil)
}

// MemberCall is a 911 call a member places from the browser as one of
// their characters.
func (s *Service) MemberCall(ctx context.Context, c cad.Caller, characterID string, in CallInput) (*cad.Call, error) {
	ch, err := s.civil.Character(ctx, c, characterID)
	if err != nil {
		return nil, err
	}
	name, src := ch.FullName(), "player"
	in.CallerName, in.Source = &name, &src
	if ch.Phone != "" && in.CallerNumber == nil {
		in.CallerNumber = &ch.Phone
	}
	return s.Place911(ctx, c, in)
}

// PanicInput is an officer's panic button.
type PanicInput struct {
	OfficerName string
	OfficerID   string // license:… or a Discord id
	Location    string
	Postal      string
	Coordinates *cad.Coords
	ServerName  string
}

// Panic raises a panic alert for the officer: published to the community
// and audited. It makes no call (the resource posts its own "Officer
// Panic" 911 afterwards).
func (s *Service) Panic(ctx context.Context, c cad.Caller, in PanicInput) (map[string]any, error) {
	name, err := clean(text{"officerName", 100}, in.OfficerName)
	if err != nil {
		return nil, err
	}
	loc, err := clean(text{"location", 200}, in.Location)
	if err != nil {
		return nil, err
	}
	alert := map[string]any{"officerName": name, "officerId": in.OfficerID, "location": loc, "postal": in.Postal,
		"coordinates": in.Coordinates, "serverName": in.ServerName, "time": s.now().UTC()}
	if m, _, err := s.Player(ctx, c, in.OfficerID); err == nil {
		alert["userId"] = m.UserID
		if u, err := s.db.Unit(ctx, c.CommunityID(), m.UserID); err == nil {
			alert["callSign"], alert["department"] = u.CallSign, u.Department
		}
	}
	s.record(ctx, c, "panic", in.OfficerID, nil, alert)
	s.publish("panic", c.CommunityID(), in.OfficerID, alert)
	return alert, nil
}

// TrafficStopInput is an officer's traffic stop from the game.
type TrafficStopInput struct {
	Plate       string
	Player      string // the officer: a Discord id or game identifier
	CallSign    string
	Location    string
	Postal      string
	Coordinates *cad.Coords
}

// TrafficStop opens a traffic-stop call assigned to the officer's unit
// (when on duty) and answers the plate look-up.
func (s *Service) TrafficStop(ctx context.Context, c cad.Caller, in TrafficStopInput) (*cad.Call, *cad.PlateResult, error) {
	res, err := s.civil.PlateLookup(ctx, c, in.Plate)
	if err != nil {
		return nil, nil, err
	}
	var units []string
	if m, _, err := s.Player(ctx, c, in.Player); err == nil {
		if u, err := s.db.Unit(ctx, c.CommunityID(), m.UserID); err == nil && u.OnDuty {
			units = []string{m.UserID}
		}
	}
	typ, desc, src := "Traffic Stop", "Plate "+res.Plate, "player"
	if len(res.Flags) > 0 {
		desc += ": " + strings.Join(res.Flags, ", ")
	}
	if in.CallSign != "" {
		desc += " (" + in.CallSign + ")"
	}
	prio := "normal"
	if res.Alert == cad.AlertAlert {
		prio = "high"
	}
	status := cad.CallPending
	if len(units) > 0 {
		status = cad.CallAssigned
	}
	call, err := s.createCall(ctx, c, CallInput{CallType: &typ, Description: &desc, Location: &in.Location, Postal: &in.Postal,
		Coordinates: in.Coordinates, Source: &src, Priority: &prio}, status, units)
	if err != nil {
		return nil, nil, err
	}
	if res.Vehicle != nil {
		_, _ = s.db.UpdateCall(ctx, c.CommunityID(), call.ID, func(x *cad.Call) error {
			x.Vehicles = append(x.Vehicles, res.Vehicle.ID)
			if res.Owner != nil {
				x.Characters = append(x.Characters, res.Owner.ID)
			}
			return nil
		})
	}
	return call, res, nil
}

// Markers are the open calls with coordinates, for a live map.
func (s *Service) Markers(ctx context.Context, c cad.Caller) ([]*cad.Call, error) {
	if !c.IsResponder() {
		return nil, errNeedUnit
	}
	list, _, err := s.db.Calls(ctx, c.CommunityID(), cad.CallFilter{OpenOnly: true, Limit: 200}, s.now())
	if err != nil {
		return nil, err
	}
	out := make([]*cad.Call, 0, len(list))
	for _, call := range list {
		if call.Coordinates != nil {
			out = append(out, call)
		}
	}
	return out, nil
}

// Announcement is a Community Admin's message to members' screens as it is
// posted and sent live: the stored record, with its time also under the
// live event's name for it.
type Announcement struct {
	cad.Announcement
	Time time.Time `json:"timestamp"`
}

// Announce stores an announcement, publishes it to the community's members
// (the route admits Community Admins) and audits it.
func (s *Service) Announce(ctx context.Context, c cad.Caller, title, message, priority string) (*Announcement, error) {
	title, err := clean(text{"title", 100}, title)
	if err != nil {
		return nil, err
	}
	message, err = clean(text{"message", 2000}, message)
	if err != nil {
		return nil, err
	}
	if message == "" {
		return nil, cad.Errorf(cad.EINVALID, "message is required")
	}
	p, ok := priorityOf(priority)
	if !ok {
		return nil, cad.Errorf(cad.EINVALID, "priority must be one of low, normal, medium, high, critical")
	}
	author, err := s.db.UserByID(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	a := &cad.Announcement{CommunityID: c.CommunityID(), Title: title, Message: message, Priority: p,
		AuthorID: c.Actor.UserID, AuthorName: author.Username, CreatedAt: s.now().UTC()}
	if err := s.db.AddAnnouncement(ctx, a); err != nil {
		return nil, err
	}
	s.record(ctx, c, "announcement", a.ID, nil, map[string]any{"title": title})
	out := &Announcement{Announcement: *a, Time: a.CreatedAt}
	s.publish("announcement", c.CommunityID(), a.ID, out)
	return out, nil
}

// Announcements pages through the community's announcements, newest
// first (the route admits members).
func (s *Service) Announcements(ctx context.Context, c cad.Caller, after string, limit int) ([]*cad.Announcement, string, error) {
	return s.db.Announcements(ctx, c.CommunityID(), after, limit)
}
