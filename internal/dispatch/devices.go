package dispatch

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// The game's devices: live positions, ALPR cameras and ERS call-outs.

// LocationInput is one position a game server posts.
type LocationInput struct {
	UnitID      string
	UnitName    string
	Coords      cad.Coords
	Heading     float64
	Status      string
	Job         string
	Postal      string
	HasPosition bool
}

// UpdatePosition puts a unit on the live map ("offline" takes it off). No
// database write: positions live in memory.
func (s *Service) UpdatePosition(c cad.Caller, in LocationInput) error {
	id := strings.TrimSpace(in.UnitID)
	if id == "" || len(id) > 128 {
		return cad.Errorf(cad.EINVALID, "unitId is required (a Discord id or a game identifier)")
	}
	if strings.EqualFold(in.Status, "offline") {
		s.positions.Remove(c.CommunityID(), id)
		s.publish("unit.position", c.CommunityID(), id, map[string]any{"unitId": id, "status": "offline"})
		return nil
	}
	if !in.HasPosition {
		return cad.Errorf(cad.EINVALID, "x, y and z are required")
	}
	pos := cad.Position{UnitID: id, UnitName: clip(in.UnitName, 64), Coords: in.Coords, Heading: in.Heading,
		Status: clip(in.Status, 32), Job: clip(in.Job, 32), Postal: clip(in.Postal, 16), UpdatedAt: s.now().UTC()}
	if !s.positions.Set(c.CommunityID(), pos) {
		return cad.Errorf(cad.ERATELIMITED, "This community's live map holds %d units already", MaxUnitsPerCommunity)
	}
	s.publish("unit.position", c.CommunityID(), id, pos)
	return nil
}

func clip(v string, n int) string {
	v = strings.TrimSpace(v)
	if len(v) > n {
		return v[:n]
	}
	return v
}

// LivePositions is the community's live map (responders and game
// servers).
func (s *Service) LivePositions(c cad.Caller) ([]cad.Position, error) {
	if !c.IsResponder() {
		return nil, errNeedUnit
	}
	return s.positions.Snapshot(c.CommunityID(), s.now()), nil
}

// SyncCameras replaces the community's camera list with the game
// server's.
func (s *Service) SyncCameras(ctx context.Context, c cad.Caller, list []*cad.Camera) (int, error) {
	if len(list) > 500 {
		return 0, cad.Errorf(cad.EINVALID, "At most 500 cameras")
	}
	seen := map[string]bool{}
	for i, cam := range list {
		cam.CamID = strings.TrimSpace(cam.CamID)
		if cam.CamID == "" || len(cam.CamID) > 64 || seen[cam.CamID] {
			return 0, cad.Errorf(cad.EINVALID, "cameras[%d].id must be a unique id of at most 64 characters", i)
		}
		seen[cam.CamID] = true
		cam.Name, cam.Label, cam.Postal, cam.PlacedBy = clip(cam.Name, 64), clip(cam.Label, 64), clip(cam.Postal, 16), clip(cam.PlacedBy, 64)
	}
	if err := s.db.SyncCameras(ctx, c.CommunityID(), list); err != nil {
		return 0, err
	}
	return len(list), nil
}

// Cameras lists the community's cameras (responders).
func (s *Service) Cameras(ctx context.Context, c cad.Caller) ([]*cad.Camera, error) {
	if !c.IsResponder() {
		return nil, errNeedUnit
	}
	return s.db.Cameras(ctx, c.CommunityID())
}

// UploadTokenTTL is how long an ALPR photo upload token is good for.
const UploadTokenTTL = 10 * time.Minute

// HitTokens are the one-time upload tokens of a hit's photos.
type HitTokens struct {
	Screenshot, Plate string
}

// RecordHit stores an ALPR hit, links it to the call with its incident
// number, and issues one-time tokens for its photos.
func (s *Service) RecordHit(ctx context.Context, c cad.Caller, h *cad.ALPRHit, photos bool) (*cad.ALPRHit, *HitTokens, error) {
	h.Plate = cad.NormalizePlate(h.Plate)
	if h.Plate == "" || len(h.Plate) > 10 {
		return nil, nil, cad.Errorf(cad.EINVALID, "plate must hold 1 to 10 letters and digits")
	}
	if h.CamID = clip(h.CamID, 64); h.CamID == "" {
		return nil, nil, cad.Errorf(cad.EINVALID, "camId is required")
	}
	if len(h.Flags) > 20 {
		h.Flags = h.Flags[:20]
	}
	h.CommunityID, h.Time = c.CommunityID(), s.now()
	h.CameraName, h.Location, h.Kind, h.AlertLevel = clip(h.CameraName, 64), clip(h.Location, 200), clip(h.Kind, 32), clip(h.AlertLevel, 16)
	if h.IncidentNumber != "" {
		if call, err := s.db.CallByIncident(ctx, c.CommunityID(), h.IncidentNumber); err == nil {
			h.CallID = call.ID
		}
	}
	if photos && !s.alprRoom(ctx, c.Scope.Community) {
		// The community's share for ALPR photos is full: no upload links
		// for photos it could not store.
		photos = false
	}
	var tokens *HitTokens
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.db.AddHit(ctx, h); err != nil {
			return err
		}
		if !photos {
			return nil
		}
		tokens = &HitTokens{}
		for _, t := range []struct {
			kind string
			dst  *string
		}{{"screenshot", &tokens.Screenshot}, {"plate", &tokens.Plate}} {
			tok, digest := newUploadToken()
			if err := s.db.PutUploadToken(ctx, &cad.UploadToken{ID: digest, CommunityID: c.CommunityID(), HitID: h.ID, Kind: t.kind,
				ExpiresAt: s.now().Add(UploadTokenTTL)}); err != nil {
				return err
			}
			*t.dst = tok
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	s.publish("alpr.hit", c.CommunityID(), h.ID, h)
	return h, tokens, nil
}

// alprRoom reports whether a community's ALPR photos are under their
// share of its media quota (a read of one record).
func (s *Service) alprRoom(ctx context.Context, com *cad.Community) bool {
	u, q, err := s.civil.MediaUsage(ctx, com)
	return err != nil || (u.Bytes < q.Bytes && u.ALPRBytes < q.ALPRBytes)
}

// newUploadToken is 256 random bits and the digest that is stored.
func newUploadToken() (token, digest string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = hex.EncodeToString(b[:])
	return token, TokenDigest(token)
}

// TokenDigest is what is stored of an upload token.
func TokenDigest(token string) string {
	sum := sha256.Sum256([]byte("alpr-upload/" + token))
	return hex.EncodeToString(sum[:])
}

var errBadToken = cad.Errorf(cad.ENOTFOUND, "This upload link is unknown, used or expired")

// UploadPhoto stores a photo for the hit a one-time token names: the
// token is the credential (no key), spent on the first upload that is
// stored.
func (s *Service) UploadPhoto(ctx context.Context, token string, data []byte) (*cad.ALPRHit, error) {
	if len(token) != 64 {
		return nil, errBadToken
	}
	// What costs nothing comes first: the image's header, then the token
	// (read, not spent), so that only a live token gets an image decoded.
	// A bad upload leaves the link usable for a good one.
	if err := s.civil.CheckImageHeader(data); err != nil {
		return nil, err
	}
	digest := TokenDigest(token)
	t, err := s.db.UploadToken(ctx, digest, s.now())
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return nil, errBadToken
	} else if err != nil {
		return nil, err
	}
	com, err := s.db.Community(ctx, t.CommunityID, false)
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return nil, errBadToken
	} else if err != nil {
		return nil, err
	}
	img, err := s.civil.PrepareALPRPhoto(ctx, com, data)
	if err != nil {
		return nil, err
	}
	var hit *cad.ALPRHit
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		t, err := s.db.SpendUploadToken(ctx, digest, s.now())
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			return errBadToken
		} else if err != nil {
			return err
		}
		id, err := s.civil.StoreALPRPhoto(ctx, com, t.HitID, img)
		if err != nil {
			return err
		}
		hit, err = s.db.UpdateHit(ctx, t.CommunityID, t.HitID, func(h *cad.ALPRHit) error {
			h.Photos = append(h.Photos, id)
			return nil
		})
		return err
	})
	return hit, err
}

// Hits pages through the community's ALPR hits (responders).
func (s *Service) Hits(ctx context.Context, c cad.Caller, after string, limit int) ([]*cad.ALPRHit, string, error) {
	if !c.IsResponder() {
		return nil, "", errNeedUnit
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	return s.db.Hits(ctx, c.CommunityID(), after, limit)
}

// PhotoURL is where a hit's photo is served.
func (s *Service) PhotoURL(communityID, id string) string { return s.civil.ImageURL(communityID, id) }

// CameraChange is a dispatcher's change of a camera.
type CameraChange struct {
	Enabled    *bool
	SpeedLimit *int
	Name       *string
}

// QueueCameraCommand queues a change for a camera; the game takes it once.
func (s *Service) QueueCameraCommand(ctx context.Context, c cad.Caller, camID string, ch CameraChange) (*cad.CameraCommand, error) {
	if !c.IsDispatcher() {
		return nil, errNeedDispatch
	}
	cams, err := s.db.Cameras(ctx, c.CommunityID())
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(cams, func(x *cad.Camera) bool { return x.CamID == camID }) {
		return nil, cad.Errorf(cad.ENOTFOUND, "Camera not found")
	}
	changes := map[string]any{}
	if ch.Enabled != nil {
		changes["enabled"] = *ch.Enabled
	}
	if ch.SpeedLimit != nil {
		if *ch.SpeedLimit < 0 || *ch.SpeedLimit > 400 {
			return nil, cad.Errorf(cad.EINVALID, "speedLimit must be 0 to 400")
		}
		changes["speedLimit"] = *ch.SpeedLimit
	}
	if ch.Name != nil {
		n, err := clean(text{"name", 64}, *ch.Name)
		if err != nil {
			return nil, err
		}
		changes["name"] = n
	}
	if len(changes) == 0 {
		return nil, cad.Errorf(cad.EINVALID, "Give enabled, speedLimit or name")
	}
	cmd := &cad.CameraCommand{CommunityID: c.CommunityID(), CamID: camID, Changes: changes, CreatedBy: c.Actor.UserID, CreatedAt: s.now()}
	if err := s.db.AddCameraCommand(ctx, cmd); err != nil {
		return nil, err
	}
	s.record(ctx, c, "alpr.command", camID, nil, changes)
	return cmd, nil
}

// TakeCameraCommands hands the game its queued camera commands, each once.
func (s *Service) TakeCameraCommands(ctx context.Context, c cad.Caller) ([]*cad.CameraCommand, error) {
	return s.db.TakeCameraCommands(ctx, c.CommunityID(), 100)
}

// ERS call-outs.

// ERSCallout turns an ERS call-out into a call, once per call-out id.
func (s *Service) ERSCallout(ctx context.Context, c cad.Caller, ersID string, in CallInput) (*cad.Call, bool, error) {
	ersID = strings.TrimSpace(ersID)
	if ersID == "" || len(ersID) > 100 {
		return nil, false, cad.Errorf(cad.EINVALID, "ersCalloutId is required")
	}
	if call, err := s.db.CallByERS(ctx, c.CommunityID(), ersID); err == nil {
		return call, false, nil
	}
	src := "ers"
	in.Source, in.ERSCalloutID = &src, ersID
	if in.CallType == nil || strings.TrimSpace(*in.CallType) == "" {
		t := "ERS Callout"
		in.CallType = &t
	}
	call, err := s.createCall(ctx, c, in, cad.CallPending, nil)
	return call, err == nil, err
}

// ersCall finds the call of an ERS call-out.
func (s *Service) ersCall(ctx context.Context, c cad.Caller, ersID string) (*cad.Call, error) {
	call, err := s.db.CallByERS(ctx, c.CommunityID(), strings.TrimSpace(ersID))
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return nil, cad.Errorf(cad.ENOTFOUND, "No call for that ersCalloutId")
	}
	return call, err
}

// ERSAttach assigns the player's unit to an ERS call-out's call.
func (s *Service) ERSAttach(ctx context.Context, c cad.Caller, ersID, player string) (*cad.Call, error) {
	call, err := s.ersCall(ctx, c, ersID)
	if err != nil {
		return nil, err
	}
	m, _, err := s.Player(ctx, c, player)
	if err != nil {
		return nil, err
	}
	return s.Assign(ctx, c, call.ID, []string{m.UserID}, "")
}

// ERSStatus moves an ERS call-out's call (arrived: on scene; end: closed).
func (s *Service) ERSStatus(ctx context.Context, c cad.Caller, ersID, status string) (*cad.Call, error) {
	call, err := s.ersCall(ctx, c, ersID)
	if err != nil {
		return nil, err
	}
	if !call.Open {
		return call, nil
	}
	return s.SetStatus(ctx, c, call.ID, status)
}

// QueueERSCallout makes a call and hands it to the game's ERS as a
// call-out, until the game acknowledges it (dispatchers).
func (s *Service) QueueERSCallout(ctx context.Context, c cad.Caller, in CallInput, serviceType string, config map[string]any) (*cad.ERSCallout, error) {
	if !c.IsDispatcher() {
		return nil, errNeedDispatch
	}
	st := strings.ToLower(strings.TrimSpace(serviceType))
	if st == "" {
		st = "police"
	}
	if _, ok := serviceTypes[st]; !ok {
		return nil, cad.Errorf(cad.EINVALID, "serviceType must be police, fire or ambulance")
	}
	ersID := fmt.Sprintf("cad-%s", newHex(8))
	in.ERSCalloutID = ersID
	call, err := s.createCall(ctx, c, in, cad.CallPending, nil)
	if err != nil {
		return nil, err
	}
	co := &cad.ERSCallout{CommunityID: c.CommunityID(), ERSCalloutID: ersID, CallID: call.ID, CallType: call.CallType, Location: call.Location,
		Postal: call.Postal, Coordinates: call.Coordinates, Priority: call.Priority, Description: call.Description, ServiceType: st,
		Config: config, CreatedAt: s.now()}
	if err := s.db.AddERSCallout(ctx, co); err != nil {
		return nil, err
	}
	return co, nil
}

func newHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// PendingERSCallouts are the call-outs the game has not acknowledged.
func (s *Service) PendingERSCallouts(ctx context.Context, c cad.Caller) ([]*cad.ERSCallout, error) {
	return s.db.PendingERSCallouts(ctx, c.CommunityID(), 50)
}

// AckERSCallout acknowledges a call-out; an unknown or repeated one is no
// error.
func (s *Service) AckERSCallout(ctx context.Context, c cad.Caller, ersID string) (bool, error) {
	return s.db.AckERSCallout(ctx, c.CommunityID(), strings.TrimSpace(ersID))
}

// ERSVehicleBOLO raises the BOLO the ERS bridge asks for on a vehicle it
// sends: a vehicle BOLO on the plate, with the bridge's description.
func (s *Service) ERSVehicleBOLO(ctx context.Context, c cad.Caller, plate, description string) error {
	kind, reason := cad.BOLOVehicle, "ERS BOLO"
	_, err := s.CreateBOLO(ctx, c, BOLOInput{Kind: &kind, Reason: &reason, Description: &description, Plate: &plate})
	return err
}

// AttachToERSCall puts a character or vehicle on an ERS call-out's call,
// when there is one.
func (s *Service) AttachToERSCall(ctx context.Context, c cad.Caller, ersID, characterID, vehicleID string) {
	if ersID == "" {
		return
	}
	call, err := s.db.CallByERS(ctx, c.CommunityID(), ersID)
	if err != nil {
		return
	}
	var chars, vs []string
	if characterID != "" {
		chars = []string{characterID}
	}
	if vehicleID != "" {
		vs = []string{vehicleID}
	}
	if _, err := s.Attach(ctx, c, call.ID, chars, vs, false); err != nil {
		s.log.Debug("attaching an ERS record to its call", "error", err.Error())
	}
}
