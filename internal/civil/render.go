package civil

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"sync"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/precinct-cad/precinct/internal/cad"
)

// The ID card and fingerprint images the game shows. Both are drawn here,
// from the record, its stored (normalised) mugshot and the community's
// template, with the Go fonts: no outside service, nothing fetched.

type faces struct {
	title, label, value font.Face
}

// The parsed Go fonts are shared (an sfnt.Font is safe for concurrent
// use); a Face is not (it holds a rasterizer and a buffer), so every
// drawing makes its own, which costs microseconds.
var (
	fontsOnce         sync.Once
	boldFont, regFont *opentype.Font
	fontsErr          error
)

func loadFaces() (faces, error) {
	fontsOnce.Do(func() {
		if boldFont, fontsErr = opentype.Parse(gobold.TTF); fontsErr == nil {
			regFont, fontsErr = opentype.Parse(goregular.TTF)
		}
	})
	if fontsErr != nil {
		return faces{}, fontsErr
	}
	var err error
	mk := func(f *opentype.Font, size float64) font.Face {
		face, ferr := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if ferr != nil && err == nil {
			err = ferr
		}
		return face
	}
	fs := faces{title: mk(boldFont, 30), label: mk(regFont, 13), value: mk(boldFont, 18)}
	return fs, err
}

func parseColor(hexColor string, def color.RGBA) color.RGBA {
	if len(hexColor) != 7 || hexColor[0] != '#' {
		return def
	}
	b, err := hex.DecodeString(hexColor[1:])
	if err != nil {
		return def
	}
	return color.RGBA{b[0], b[1], b[2], 255}
}

// cardTemplate is the community's template for a license type, over the
// "default" one, over Precinct's.
func cardTemplate(com *cad.Community, typ string) cad.CardTemplate {
	t := cad.CardTemplate{Title: "SAN ANDREAS", Subtitle: strings.ToUpper(typ) + " LICENSE", Background: "#eef3f8", Accent: "#1f4e79", TextColor: "#111111"}
	for _, k := range []string{"default", typ} {
		if o, ok := com.Settings.CardTemplates[k]; ok {
			if o.Title != "" {
				t.Title = o.Title
			}
			if o.Subtitle != "" {
				t.Subtitle = o.Subtitle
			}
			if o.Background != "" {
				t.Background = o.Background
			}
			if o.Accent != "" {
				t.Accent = o.Accent
			}
			if o.TextColor != "" {
				t.TextColor = o.TextColor
			}
		}
	}
	return t
}

func drawText(dst draw.Image, face font.Face, c color.Color, x, y int, s string) {
	d := &font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// Bounds of drawing ID cards.
const (
	// cardRenders is how many cards are drawn at once; the others wait
	// their turn within their request's deadline.
	cardRenders = 4
	// The drawn cards kept, by character and license type: at most this
	// many, and this many bytes.
	cardCacheEntries = 512
	cardCacheBytes   = 32 << 20
)

// RenderCard draws a character's ID card for a license type as a PNG data
// URI, from the community's template and the stored mugshot. A card drawn
// before from the same record, mugshot and template is answered from the
// cache; drawing runs in one of a few slots.
func (s *Service) RenderCard(ctx context.Context, c cad.Caller, ref, licenseType string) (string, error) {
	typ := LicenseType(licenseType)
	if typ == "" {
		return "", cad.Errorf(cad.EINVALID, "licenseType must be one of %s", strings.Join(cad.LicenseTypes, ", "))
	}
	ch, err := s.Resolve(ctx, c, ref)
	if err != nil {
		return "", err
	}
	t := cardTemplate(c.Scope.Community, typ)
	status := "NONE"
	if l := ch.License(typ); l != nil {
		status = l.Status
	}
	fields := [][2]string{
		{"NAME", strings.ToUpper(ch.FullName())},
		{"DATE OF BIRTH", ch.DateOfBirth},
		{"ID / SSN", ch.SSN},
		{"ADDRESS", ch.Address},
		{"SEX / HEIGHT / EYES", strings.ToUpper(strings.Join(nonEmpty(ch.Gender, ch.Height, ch.EyeColor), " / "))},
		{"STATUS", status},
	}
	key := c.CommunityID() + "/" + ch.ID + "/" + typ
	version := cardVersion(t, fields, ch.MugshotID, cardNumber(ch, typ))
	uri, ok := s.cards.get(key, version)
	if ok {
		s.obs.CardRender("cached")
	} else {
		select {
		case s.renders <- struct{}{}:
		case <-ctx.Done():
			s.obs.CardRender("busy")
			return "", errBusy
		}
		uri, err = s.drawCard(ctx, c.CommunityID(), ch, typ, t, fields)
		<-s.renders
		if err != nil {
			return "", err
		}
		s.cards.put(key, version, uri)
		s.obs.CardRender("drawn")
	}
	s.record(ctx, c, "license.card", ch.ID, nil, map[string]any{"type": typ})
	return uri, nil
}

// cardVersion is a digest of everything a card is drawn from: two cards
// of one character and type with the same version are the same picture.
func cardVersion(t cad.CardTemplate, fields [][2]string, mugshotID, number string) string {
	h := sha256.New()
	for _, v := range []string{t.Title, t.Subtitle, t.Background, t.Accent, t.TextColor, mugshotID, number} {
		fmt.Fprintf(h, "%d:%s|", len(v), v)
	}
	for _, kv := range fields {
		fmt.Fprintf(h, "%d:%s|", len(kv[1]), kv[1])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// mugshotOf decodes a character's stored mugshot for a card, or nil. Only
// an image within the stored bounds is decoded: one stored before images
// were normalised, larger than that, is left off the card (its header is
// read, nothing more).
func (s *Service) mugshotOf(ctx context.Context, communityID, id string) image.Image {
	if id == "" {
		return nil
	}
	m, err := s.db.Media(ctx, communityID, id)
	if err != nil {
		return nil
	}
	f, ok := sniff(m.Data)
	if !ok {
		return nil
	}
	cfg, err := f.decodeConfig(bytes.NewReader(m.Data))
	if err != nil || cfg.Width > maxStoredSide || cfg.Height > maxStoredSide || cfg.Width < 1 || cfg.Height < 1 {
		s.log.WarnContext(ctx, "a stored mugshot over the stored bounds was left off an ID card", "communityId", communityID, "mediaId", id,
			"width", cfg.Width, "height", cfg.Height)
		return nil
	}
	img, err := f.decode(bytes.NewReader(m.Data))
	if err != nil {
		return nil
	}
	return img
}

// drawCard draws a card.
func (s *Service) drawCard(ctx context.Context, communityID string, ch *cad.Character, typ string, t cad.CardTemplate, fields [][2]string) (string, error) {
	mug := s.mugshotOf(ctx, communityID, ch.MugshotID)
	f, err := loadFaces()
	if err != nil {
		return "", cad.Wrap(cad.EINTERNAL, err, "The card could not be drawn")
	}
	bg, accent, fg := parseColor(t.Background, color.RGBA{238, 243, 248, 255}), parseColor(t.Accent, color.RGBA{31, 78, 121, 255}), parseColor(t.TextColor, color.RGBA{17, 17, 17, 255})
	const w, h = 640, 400
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 0, w, 70), image.NewUniform(accent), image.Point{}, draw.Src)
	drawText(img, f.title, color.White, 24, 45, t.Title)
	drawText(img, f.label, color.White, 24, 63, t.Subtitle)
	photo := image.Rect(24, 90, 184, 290)
	draw.Draw(img, photo, image.NewUniform(color.RGBA{200, 208, 216, 255}), image.Point{}, draw.Src)
	if mug != nil {
		// Halve first (2 x 2 averages, no buffers) so that the filter's
		// own buffer stays small.
		small := fit(mug, 2*max(photo.Dx(), photo.Dy()))
		draw.CatmullRom.Scale(img, photo, small, small.Bounds(), draw.Over, nil)
	} else {
		drawText(img, f.label, fg, 66, 195, "NO PHOTO")
	}
	y := 100
	for _, kv := range fields {
		drawText(img, f.label, accent, 210, y, kv[0])
		drawText(img, f.value, fg, 210, y+20, clip(kv[1], 36))
		y += 48
	}
	drawText(img, f.label, accent, 24, 320, "CARD NO.")
	drawText(img, f.value, fg, 24, 340, cardNumber(ch, typ))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", cad.Wrap(cad.EINTERNAL, err, "The card could not be drawn")
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// cardCache keeps drawn cards by key (community, character, type) with
// the version they were drawn at; the least recently used go first when
// it is over its count or its bytes.
type cardCache struct {
	mu             sync.Mutex
	maxN, maxBytes int
	bytes          int
	order          *list.List // of *cardEntry, most recent first
	byKey          map[string]*list.Element
}

type cardEntry struct{ key, version, uri string }

func newCardCache(n, bytes int) *cardCache {
	return &cardCache{maxN: n, maxBytes: bytes, order: list.New(), byKey: map[string]*list.Element{}}
}

// get is the card of key drawn at version, if kept.
func (c *cardCache) get(key, version string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok || el.Value.(*cardEntry).version != version {
		return "", false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cardEntry).uri, true
}

// put keeps the card of key at version, in place of any other version.
func (c *cardCache) put(key, version, uri string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.bytes -= len(el.Value.(*cardEntry).uri)
		c.order.Remove(el)
		delete(c.byKey, key)
	}
	if len(uri) > c.maxBytes {
		return
	}
	c.byKey[key] = c.order.PushFront(&cardEntry{key, version, uri})
	c.bytes += len(uri)
	for c.order.Len() > c.maxN || c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*cardEntry)
		c.bytes -= len(e.uri)
		c.order.Remove(last)
		delete(c.byKey, e.key)
	}
}

func nonEmpty(vs ...string) []string {
	out := []string{}
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// cardNumber is a stable number for a character's card of a type.
func cardNumber(ch *cad.Character, typ string) string {
	sum := sha256.Sum256([]byte(ch.CommunityID + "/" + ch.ID + "/" + typ))
	return strings.ToUpper(typ[:1]) + fmt.Sprintf("%08d", uint32(sum[0])<<24|uint32(sum[1])<<16|uint32(sum[2])<<8|uint32(sum[3]))[:8]
}

// Fingerprint patterns.
var patterns = []string{"loop", "whorl", "arch"}

// Fingerprint is a character's stable fingerprint: an id, a pattern and an
// image drawn from them.
type Fingerprint struct {
	ID      string
	Pattern string
	Image   string // PNG data URI
}

// FingerprintOf returns a character's fingerprint: the same character
// always has the same one.
func (s *Service) FingerprintOf(ctx context.Context, c cad.Caller, ref string) (*cad.Character, *Fingerprint, error) {
	ch, err := s.Resolve(ctx, c, ref)
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256([]byte("fingerprint/" + ch.CommunityID + "/" + ch.ID))
	fp := &Fingerprint{ID: "FP-" + strings.ToUpper(hex.EncodeToString(sum[:5])), Pattern: patterns[int(sum[5])%len(patterns)]}
	img, err := drawFingerprint(fp.Pattern, sum[6:])
	if err != nil {
		return nil, nil, err
	}
	fp.Image = img
	s.record(ctx, c, "lookup.fingerprint", ch.ID, nil, map[string]any{"fingerprintId": fp.ID})
	return ch, fp, nil
}

// drawFingerprint draws ridges of a pattern, varied by seed.
func drawFingerprint(pattern string, seed []byte) (string, error) {
	const w, h = 200, 240
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.Gray{Y: 250}), image.Point{}, draw.Src)
	cx, cy := float64(w)/2+float64(int(seed[0])%21-10), float64(h)/2+float64(int(seed[1])%21-10)
	freq := 0.55 + float64(seed[2]%20)/100
	twist := float64(seed[3]%40) / 400
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := (float64(x)-cx)/float64(w)*2.2, (float64(y)-cy)/float64(h)*2.2
			// Only the oval of a fingertip is inked.
			if dx*dx/0.9+dy*dy/1.1 > 1 {
				continue
			}
			var v float64
			switch pattern {
			case "whorl":
				v = math.Hypot(dx, dy*0.9)*40*freq + math.Atan2(dy, dx)*twist*10
			case "arch":
				v = (dy+0.35*math.Exp(-dx*dx*3))*40*freq + dx*twist*20
			default: // loop
				v = math.Hypot(dx+0.25, dy*0.8)*40*freq + (dy+0.5)*math.Exp(-math.Pow(dx-0.2, 2)*4)*12*freq
			}
			if math.Sin(v*math.Pi) > 0.2 {
				img.SetGray(x, y, color.Gray{Y: 40})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", cad.Wrap(cad.EINTERNAL, err, "The fingerprint could not be drawn")
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}
