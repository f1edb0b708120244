package community

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/precinct-cad/precinct/internal/cad"
)

var snowflakeRE = regexp.MustCompile(`^[0-9]{5,20}$`)

// Create makes a community for a Discord server, optionally with a first
// admin (by username).
func (s *Service) Create(ctx context.Context, a cad.Actor, name, guildID, adminUsername string) (*cad.Community, error) {
	if !a.SuperAdmin {
		return nil, cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Super Admin")
	}
	name = strings.TrimSpace(name)
	if err := checkName(name); err != nil {
		return nil, err
	}
	guildID = strings.TrimSpace(guildID)
	if !snowflakeRE.MatchString(guildID) {
		return nil, cad.Errorf(cad.EINVALID, "guildId must be a Discord server id (digits)")
	}
	var admin *cad.User
	if adminUsername != "" {
		u, err := s.db.UserByUsername(ctx, adminUsername)
		if err != nil {
			return nil, err
		}
		admin = u
	}
	c := &cad.Community{Name: name, GuildID: guildID, Settings: cad.DefaultSettings()}
	if err := s.db.CreateCommunity(ctx, c); err != nil {
		return nil, err
	}
	s.audit(ctx, a, c.ID, "community.created", c.ID, nil, map[string]any{"name": c.Name, "guildId": c.GuildID})
	if admin != nil {
		m := &cad.Membership{CommunityID: c.ID, UserID: admin.ID, Username: admin.Username, Role: cad.RoleAdmin, Status: cad.MemberActive}
		if err := s.db.AddMember(ctx, m); err != nil {
			return nil, err
		}
		s.audit(ctx, a, c.ID, "member.added", admin.ID, nil, map[string]any{"role": cad.RoleAdmin})
		// Read back for the member count the store keeps.
		return s.db.Community(ctx, c.ID, false)
	}
	return c, nil
}

func checkName(name string) error {
	if n := utf8.RuneCountInString(name); n < 2 || n > 64 {
		return cad.Errorf(cad.EINVALID, "name must be 2 to 64 characters")
	}
	return nil
}

// Detail is a community with its departments.
type Detail struct {
	Community   *cad.Community
	Departments []*cad.Department
}

// Get returns the scoped community with its departments.
func (s *Service) Get(ctx context.Context, sc *cad.Scope) (*Detail, error) {
	deps, err := s.db.Departments(ctx, sc.Community.ID)
	if err != nil {
		return nil, err
	}
	return &Detail{Community: sc.Community, Departments: deps}, nil
}

// MineEntry is one community of /api/community/mine.
type MineEntry struct {
	Community *cad.Community
	Role      string
}

// Mine lists the caller's communities with their role in each.
func (s *Service) Mine(ctx context.Context, u *cad.User) ([]MineEntry, error) {
	sums, err := s.CommunitiesOf(ctx, u, "")
	if err != nil {
		return nil, err
	}
	out := make([]MineEntry, len(sums))
	for i, sm := range sums {
		out[i] = MineEntry{Community: sm.Community, Role: sm.Role}
	}
	return out, nil
}

// Patch is a change of a community: nil fields stay as they are.
type Patch struct {
	Name     *string
	Settings *SettingsPatch
}

// SettingsPatch changes some settings.
type SettingsPatch struct {
	DispatchRoleID       *string                      `json:"dispatchRoleId"`
	CADSettings          *map[string]any              `json:"cadSettings"`
	StatusCodes          *[]cad.StatusCode            `json:"statusCodes"`
	AutoJoin             *bool                        `json:"autoJoin"`
	StartingBalance      *int64                       `json:"startingBalance"`
	MaxCharactersPerUser *int                         `json:"maxCharactersPerUser"`
	AllowPublicStatus    *bool                        `json:"allowPublicStatus"`
	PlateDesigns         *[]cad.PlateDesign           `json:"plateDesigns"`
	CardTemplates        *map[string]cad.CardTemplate `json:"cardTemplates"`
	CallExpiryMinutes    *int                         `json:"callExpiryMinutes"`
	// AllowMemberDepositsWithdrawals: see cad.CommunitySettings.
	AllowMemberDepositsWithdrawals *bool `json:"allowMemberDepositsWithdrawals"`
}

var settingKeyRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Update changes a community's name and settings (community admin).
func (s *Service) Update(ctx context.Context, a cad.Actor, sc *cad.Scope, p Patch) (*cad.Community, error) {
	c := sc.Community
	name, st := c.Name, c.Settings
	if p.Name != nil {
		name = strings.TrimSpace(*p.Name)
		if err := checkName(name); err != nil {
			return nil, err
		}
	}
	if sp := p.Settings; sp != nil {
		if sp.DispatchRoleID != nil {
			if *sp.DispatchRoleID != "" && !snowflakeRE.MatchString(*sp.DispatchRoleID) {
				return nil, cad.Errorf(cad.EINVALID, "settings.dispatchRoleId must be a Discord role id (digits) or empty")
			}
			st.DispatchRoleID = *sp.DispatchRoleID
		}
		if sp.CADSettings != nil {
			if err := checkCADSettings(*sp.CADSettings); err != nil {
				return nil, err
			}
			st.CADSettings = *sp.CADSettings
		}
		if sp.StatusCodes != nil {
			if err := checkStatusCodes(*sp.StatusCodes); err != nil {
				return nil, err
			}
			st.StatusCodes = *sp.StatusCodes
		}
		if sp.AutoJoin != nil {
			st.AutoJoin = *sp.AutoJoin
		}
		if sp.StartingBalance != nil {
			if *sp.StartingBalance < 0 || *sp.StartingBalance > 1_000_000_000 {
				return nil, cad.Errorf(cad.EINVALID, "settings.startingBalance must be 0 to 1000000000")
			}
			st.StartingBalance = *sp.StartingBalance
		}
		if sp.MaxCharactersPerUser != nil {
			if *sp.MaxCharactersPerUser < 1 || *sp.MaxCharactersPerUser > 100 {
				return nil, cad.Errorf(cad.EINVALID, "settings.maxCharactersPerUser must be 1 to 100")
			}
			st.MaxCharactersPerUser = *sp.MaxCharactersPerUser
		}
		if sp.AllowPublicStatus != nil {
			st.AllowPublicStatus = *sp.AllowPublicStatus
		}
		if sp.AllowMemberDepositsWithdrawals != nil {
			st.AllowMemberDepositsWithdrawals = *sp.AllowMemberDepositsWithdrawals
		}
		if sp.PlateDesigns != nil {
			if err := checkPlateDesigns(*sp.PlateDesigns); err != nil {
				return nil, err
			}
			st.PlateDesigns = *sp.PlateDesigns
		}
		if sp.CallExpiryMinutes != nil {
			if *sp.CallExpiryMinutes < 1 || *sp.CallExpiryMinutes > 24*60 {
				return nil, cad.Errorf(cad.EINVALID, "settings.callExpiryMinutes must be 1 to 1440")
			}
			st.CallExpiryMinutes = *sp.CallExpiryMinutes
		}
		if sp.CardTemplates != nil {
			if err := checkCardTemplates(*sp.CardTemplates); err != nil {
				return nil, err
			}
			st.CardTemplates = *sp.CardTemplates
		}
	}
	out, err := s.db.UpdateCommunity(ctx, c.ID, name, st)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, a, c.ID, "community.updated", c.ID,
		map[string]any{"name": c.Name, "settings": c.Settings}, map[string]any{"name": out.Name, "settings": out.Settings})
	return out, nil
}

func checkCADSettings(m map[string]any) error {
	if len(m) > 100 {
		return cad.Errorf(cad.EINVALID, "settings.cadSettings holds at most 100 keys")
	}
	for k, v := range m {
		if !settingKeyRE.MatchString(k) {
			return cad.Errorf(cad.EINVALID, "settings.cadSettings keys are 1 to 64 of A-Z a-z 0-9 _ . -")
		}
		switch x := v.(type) {
		case nil, bool, float64:
		case string:
			if len(x) > 1024 {
				return cad.Errorf(cad.EINVALID, "settings.cadSettings.%s is longer than 1024 bytes", k)
			}
		default:
			return cad.Errorf(cad.EINVALID, "settings.cadSettings.%s must be a string, number, boolean or null", k)
		}
	}
	return nil
}

var (
	colorRE    = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
	designIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
)

func checkColor(field, v string) error {
	if v != "" && !colorRE.MatchString(v) {
		return cad.Errorf(cad.EINVALID, "%s must be a colour like #1a2b3c", field)
	}
	return nil
}

func checkText(field, v string, max int) error {
	if utf8.RuneCountInString(v) > max {
		return cad.Errorf(cad.EINVALID, "%s is longer than %d characters", field, max)
	}
	return nil
}

func checkPlateDesigns(list []cad.PlateDesign) error {
	if len(list) > 50 {
		return cad.Errorf(cad.EINVALID, "settings.plateDesigns holds at most 50 designs")
	}
	seen := map[string]bool{}
	for i, d := range list {
		f := fmt.Sprintf("settings.plateDesigns[%d]", i)
		if !designIDRE.MatchString(d.ID) {
			return cad.Errorf(cad.EINVALID, "%s.id must be 1 to 32 of A-Z a-z 0-9 _ -", f)
		}
		if seen[d.ID] {
			return cad.Errorf(cad.EINVALID, "%s.id %q is used twice", f, d.ID)
		}
		seen[d.ID] = true
		if n := utf8.RuneCountInString(d.Name); n < 1 || n > 64 {
			return cad.Errorf(cad.EINVALID, "%s.name must be 1 to 64 characters", f)
		}
		for _, err := range []error{checkColor(f+".background", d.Background), checkColor(f+".textColor", d.TextColor),
			checkText(f+".header", d.Header, 32), checkText(f+".footer", d.Footer, 32), checkURL(f+".imageUrl", d.ImageURL)} {
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func checkURL(field, v string) error {
	if v == "" {
		return nil
	}
	if len(v) > 512 || !(strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://")) {
		return cad.Errorf(cad.EINVALID, "%s must be an http(s) URL of at most 512 bytes", field)
	}
	return nil
}

func checkCardTemplates(m map[string]cad.CardTemplate) error {
	for k, t := range m {
		if k != "default" && !slices.Contains(cad.LicenseTypes, k) {
			return cad.Errorf(cad.EINVALID, "settings.cardTemplates keys are license types (%s) or default", strings.Join(cad.LicenseTypes, ", "))
		}
		f := "settings.cardTemplates." + k
		for _, err := range []error{checkText(f+".title", t.Title, 40), checkText(f+".subtitle", t.Subtitle, 40),
			checkColor(f+".background", t.Background), checkColor(f+".accent", t.Accent), checkColor(f+".textColor", t.TextColor)} {
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func checkStatusCodes(list []cad.StatusCode) error {
	if len(list) > 50 {
		return cad.Errorf(cad.EINVALID, "settings.statusCodes holds at most 50 codes")
	}
	seen := map[string]bool{}
	for i, sc := range list {
		if n := utf8.RuneCountInString(sc.Code); n < 1 || n > 16 {
			return cad.Errorf(cad.EINVALID, "settings.statusCodes[%d].code must be 1 to 16 characters", i)
		}
		if n := utf8.RuneCountInString(sc.Label); n < 1 || n > 64 {
			return cad.Errorf(cad.EINVALID, "settings.statusCodes[%d].label must be 1 to 64 characters", i)
		}
		if len(sc.Color) > 16 {
			return cad.Errorf(cad.EINVALID, "settings.statusCodes[%d].color must be at most 16 characters", i)
		}
		if seen[sc.Code] {
			return cad.Errorf(cad.EINVALID, "settings.statusCodes has %q twice", sc.Code)
		}
		seen[sc.Code] = true
	}
	return nil
}

// Delete marks a community deleted (Super Admin). Its data stays; Restore
// brings it back within cad.RestoreWindow.
func (s *Service) Delete(ctx context.Context, a cad.Actor, sc *cad.Scope) error {
	if !a.SuperAdmin {
		return cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Super Admin")
	}
	now := s.now()
	if _, err := s.db.MarkCommunityDeleted(ctx, sc.Community.ID, &now); err != nil {
		return err
	}
	s.audit(ctx, a, sc.Community.ID, "community.deleted", sc.Community.ID, nil, map[string]any{"deletedAt": now})
	return nil
}

// Restore brings back a deleted community within the restore window.
func (s *Service) Restore(ctx context.Context, a cad.Actor, idOrGuild string) (*cad.Community, error) {
	if !a.SuperAdmin {
		return nil, cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Super Admin")
	}
	c, err := s.db.Community(ctx, idOrGuild, true)
	if err != nil {
		return nil, err
	}
	if c.DeletedAt == nil {
		return nil, cad.Errorf(cad.ECONFLICT, "The community is not deleted")
	}
	if s.now().Sub(*c.DeletedAt) > cad.RestoreWindow {
		return nil, cad.Errorf(cad.ECONFLICT, "The community was deleted more than 30 days ago and can no longer be restored")
	}
	out, err := s.db.MarkCommunityDeleted(ctx, c.ID, nil)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, a, c.ID, "community.restored", c.ID, map[string]any{"deletedAt": c.DeletedAt}, nil)
	return out, nil
}

// PublicStatus is what anyone may see of a community that allows it.
type PublicStatus struct {
	Name          string
	UnitsOnDuty   int
	ActiveCalls   int
	ServersOnline int
}

// Public returns a community's public status, or not_found when the
// community does not allow it (the same answer as no community).
func (s *Service) Public(ctx context.Context, idOrGuild string) (*PublicStatus, error) {
	c, err := s.Resolve(ctx, idOrGuild)
	if err != nil {
		return nil, err
	}
	if !c.Settings.AllowPublicStatus {
		return nil, errNoCommunity
	}
	// Units, calls and servers arrive with the dispatch and game-server
	// features; until then there are none.
	return &PublicStatus{Name: c.Name}, nil
}

// SetLimits sets a community's own limits for its game servers' keys and
// its media quota (Super Admin): a zero field goes back to the
// deployment's default.
func (s *Service) SetLimits(ctx context.Context, a cad.Actor, sc *cad.Scope, l cad.CommunityLimits) (*cad.Community, error) {
	if !a.SuperAdmin {
		return nil, cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Super Admin")
	}
	for name, v := range map[string]int{"fivemPerMinute": l.FiveMPerMinute, "fivemHighImpactPerMinute": l.FiveMHighImpactPerMinute} {
		if v < 0 || v > cad.MaxCommunityLimit {
			return nil, cad.Errorf(cad.EINVALID, "%s must be 1 to %d, or null for the deployment's default", name, cad.MaxCommunityLimit)
		}
	}
	if q := l.MediaQuotaBytes; q != 0 && (q < cad.MinMediaQuota || q > cad.MaxMediaQuota) {
		return nil, cad.Errorf(cad.EINVALID, "mediaQuotaBytes must be %d to %d, or null for the deployment's default", int64(cad.MinMediaQuota), int64(cad.MaxMediaQuota))
	}
	before := sc.Community.Limits
	out, err := s.db.SetCommunityLimits(ctx, sc.Community.ID, l)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, a, sc.Community.ID, "community.limits_changed", sc.Community.ID, before, l)
	return out, nil
}
