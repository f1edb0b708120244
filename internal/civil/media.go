package civil

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"time"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Stored images. Every image is decoded whole once, when it arrives, under
// a pixel budget checked from its header first and with a bounded number
// of decodes at once; what is stored is a re-encoded copy, bounded in
// pixels (a mugshot at most MugshotSide a side, an ALPR photo ALPRSide).
// Everything after (the ID card, the janitor) reads that copy, which is
// small whatever was uploaded.

// Bounds of image work.
const (
	// MaxImagePixels bounds an image as uploaded (16 megapixels, 4096 x
	// 4096): checked from its header, before it is decoded.
	MaxImagePixels = 16 << 20
	// maxDecodeBytes bounds the memory one decode may take: 16 MP at 8
	// bits a channel; 16-bit images get half the pixels.
	maxDecodeBytes = 64 << 20
	// MugshotSide and ALPRSide bound a stored image's sides.
	MugshotSide = 1024
	ALPRSide    = 1280
	// maxStoredSide is the largest side a stored image may have; the ID
	// card refuses to decode anything larger (an image stored before
	// images were normalised).
	maxStoredSide = ALPRSide
	// imageDecodes is how many uploads are decoded at once; the others
	// wait their turn within their request's deadline.
	imageDecodes = 2
	// jpegQuality is the quality of stored JPEGs.
	jpegQuality = 85
)

// Image is a normalised image ready to store.
type Image struct {
	contentType   string
	data          []byte
	width, height int
}

// Size is the stored size of the image.
func (img *Image) Size() int64 { return int64(len(img.data)) }

var (
	errBadImage = cad.Errorf(cad.EINVALID, "mugshotUrl must be an http(s) URL or a data:image/png, jpeg or webp;base64 URI")
	errBusy     = &cad.BusyError{Err: cad.Errorf(cad.EUNAVAILABLE, "The server is busy with other images; try again in a moment"), RetryAfter: time.Second}
)

// DecodeDataURI reads a data:image/…;base64 URI: the bytes it holds, not
// yet checked.
func DecodeDataURI(raw string) ([]byte, error) {
	head, payload, ok := strings.Cut(raw, ",")
	if !ok || !strings.HasPrefix(head, "data:image/") || !strings.HasSuffix(head, ";base64") {
		return nil, errBadImage
	}
	if base64.StdEncoding.DecodedLen(len(payload)) > cad.MaxMediaBytes+3 {
		return nil, errTooBig
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimRight(payload, "\r\n"))
	if err != nil {
		// Some encoders leave the padding off.
		if data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "=\r\n")); err != nil {
			return nil, cad.Errorf(cad.EINVALID, "The image's base64 is malformed")
		}
	}
	return data, nil
}

var errTooBig = cad.Errorf(cad.ETOOLARGE, "The image is over %d MB", cad.MaxMediaBytes>>20)

// format is one image format Precinct takes.
type format struct {
	name         string
	decodeConfig func(io.Reader) (image.Config, error)
	decode       func(io.Reader) (image.Image, error)
}

var (
	formatPNG  = format{"PNG", png.DecodeConfig, png.Decode}
	formatJPEG = format{"JPEG", jpeg.DecodeConfig, jpeg.Decode}
	formatWebP = format{"WebP", webp.DecodeConfig, webp.Decode}
)

// sniff names the format of data by its magic bytes, whatever anyone
// claims it is.
func sniff(data []byte) (format, bool) {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return formatPNG, true
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return formatJPEG, true
	case len(data) > 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return formatWebP, true
	}
	return format{}, false
}

// bytesPerPixel is what one pixel of a decoded image of the color model
// takes in memory (the most its decoder may use).
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4 // RGBA, NRGBA, CMYK, YCbCr (at most 3), NYCbCrA
}

// CheckHeader reads an image's header and applies the bounds that need no
// decoding: a known format, at most cad.MaxMediaBytes, at most
// MaxImagePixels, and no more than maxDecodeBytes once decoded.
func CheckHeader(data []byte) (format, image.Config, error) {
	if len(data) > cad.MaxMediaBytes {
		return format{}, image.Config{}, errTooBig
	}
	f, ok := sniff(data)
	if !ok {
		return f, image.Config{}, cad.Errorf(cad.EINVALID, "The image must be a PNG, JPEG or WebP file")
	}
	cfg, err := f.decodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width < 1 || cfg.Height < 1 {
		return f, cfg, cad.Errorf(cad.EINVALID, "The image is not a readable %s file: its header is %s", f.name, reason(err, "empty"))
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if px > MaxImagePixels {
		return f, cfg, cad.Errorf(cad.EINVALID, "The image is %d x %d pixels (%.1f megapixels); at most %d megapixels are taken",
			cfg.Width, cfg.Height, float64(px)/(1<<20), MaxImagePixels>>20)
	}
	if px*int64(bytesPerPixel(cfg.ColorModel)) > maxDecodeBytes {
		return f, cfg, cad.Errorf(cad.EINVALID, "The image is %d x %d pixels at 16 bits a channel; at most %d megapixels at that depth (or save it at 8 bits)",
			cfg.Width, cfg.Height, maxDecodeBytes/8>>20)
	}
	return f, cfg, nil
}

// reason is a decoder's complaint for a caller: truncation named as such,
// anything else in the decoder's own words, without its package prefix.
func reason(err error, none string) string {
	switch {
	case err == nil:
		return none
	case truncated(err):
		return "truncated"
	}
	msg := err.Error()
	for _, p := range []string{"png: ", "jpeg: ", "webp: ", "invalid format: ", "unsupported feature: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	if len(msg) > 80 {
		msg = msg[:80]
	}
	return "broken (" + msg + ")"
}

// truncated reports whether a decoder ran out of data: an unexpected end,
// or the PNG decoder's "not enough pixel data" (its compressed data ended
// early).
func truncated(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "not enough pixel data")
}

// normalize decodes data whole (once, under the bounds of CheckHeader and
// the decode slots) and re-encodes it at most side pixels a side: a JPEG,
// or a PNG when it has transparency. A truncated or undecodable image is
// refused with a 400 that says so.
func (s *Service) normalize(ctx context.Context, data []byte, side int) (*Image, error) {
	f, cfg, err := CheckHeader(data)
	if err != nil {
		s.obs.MediaRefused("image")
		return nil, err
	}
	select {
	case s.decodes <- struct{}{}:
	case <-ctx.Done():
		return nil, errBusy
	}
	defer func() { <-s.decodes }()
	src, err := f.decode(bytes.NewReader(data))
	if err != nil {
		s.obs.MediaRefused("image")
		if truncated(err) {
			return nil, cad.Errorf(cad.EINVALID, "The %s image is truncated: its data ends before its %d x %d pixels do", f.name, cfg.Width, cfg.Height)
		}
		return nil, cad.Errorf(cad.EINVALID, "The %s image cannot be decoded: it is %s", f.name, reason(err, ""))
	}
	if b := src.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, cad.Errorf(cad.EINVALID, "The %s image's pixels do not match its header", f.name)
	}
	return encode(fit(src, side))
}

// fit scales src down to at most side pixels a side (never up), into an
// RGBA image. Large reductions go by halves (each a 2 x 2 average), so no
// step holds more than the source and a quarter of it, and the filter
// needs no buffer of its own.
func fit(src image.Image, side int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	tw, th := w, h
	if w > side || h > side {
		if w >= h {
			tw, th = side, max(1, int(int64(h)*int64(side)/int64(w)))
		} else {
			tw, th = max(1, int(int64(w)*int64(side)/int64(h))), side
		}
	}
	cur := src
	for cw, ch := w/2, h/2; cw >= tw && ch >= th; cw, ch = cw/2, ch/2 {
		half := image.NewRGBA(image.Rect(0, 0, cw, ch))
		draw.ApproxBiLinear.Scale(half, half.Bounds(), cur, cur.Bounds(), draw.Src, nil)
		cur = half
	}
	if rgba, ok := cur.(*image.RGBA); ok && rgba.Bounds().Dx() == tw && rgba.Bounds().Dy() == th {
		return rgba
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	if cb := cur.Bounds(); cb.Dx() == tw && cb.Dy() == th {
		draw.Draw(dst, dst.Bounds(), cur, cb.Min, draw.Src)
	} else {
		draw.ApproxBiLinear.Scale(dst, dst.Bounds(), cur, cb, draw.Src, nil)
	}
	return dst
}

// encode stores img as a JPEG, or a PNG when it is not opaque.
func encode(img *image.RGBA) (*Image, error) {
	var buf bytes.Buffer
	out := &Image{width: img.Bounds().Dx(), height: img.Bounds().Dy()}
	if img.Opaque() {
		out.contentType = "image/jpeg"
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
			return nil, cad.Wrap(cad.EINTERNAL, err, "The image could not be stored")
		}
	} else {
		out.contentType = "image/png"
		if err := png.Encode(&buf, img); err != nil {
			return nil, cad.Wrap(cad.EINTERNAL, err, "The image could not be stored")
		}
	}
	out.data = buf.Bytes()
	return out, nil
}

// newMediaID is 128 random bits: the secret of an image's URL.
func newMediaID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// QuotaOf is the media quota in force for a community: its own, where a
// Super Admin set one, else the deployment's; the ALPR share is the
// deployment's, within it.
func (s *Service) QuotaOf(com *cad.Community) cad.MediaQuota {
	q := cad.MediaQuota{Bytes: s.media.Quota, ALPRBytes: s.media.ALPRQuota}
	if com != nil && com.Limits.MediaQuotaBytes > 0 {
		q.Bytes = com.Limits.MediaQuotaBytes
	}
	q.ALPRBytes = min(q.ALPRBytes, q.Bytes)
	return q
}

// roomFor refuses an image of size bytes that would take the community
// past its quota, by the usage read now (one record by id), counting
// freed bytes (the image it replaces) as free. The store checks again,
// exactly, when the image is stored; this spares the decoding when the
// community is full already, and lets a game server's record be saved
// without an image that would not fit.
func (s *Service) roomFor(ctx context.Context, com *cad.Community, kind string, size, freed int64) error {
	u, err := s.db.MediaUsage(ctx, com.ID)
	if err != nil {
		return err
	}
	q := s.QuotaOf(com)
	if u.Bytes-freed+size > q.Bytes {
		s.obs.MediaRefused("quota")
		return cad.MediaFullError(false, u.Bytes, q.Bytes)
	}
	if kind == cad.MediaALPR && u.ALPRBytes+size > q.ALPRBytes {
		s.obs.MediaRefused("alpr_quota")
		return cad.MediaFullError(true, u.ALPRBytes, q.ALPRBytes)
	}
	return nil
}

// prepare checks, decodes and normalises an image for a community, after
// seeing that the community has room for it; freed is the size of the
// image it will replace.
func (s *Service) prepare(ctx context.Context, com *cad.Community, kind string, data []byte, freed int64) (*Image, error) {
	if err := s.roomFor(ctx, com, kind, 1, freed); err != nil {
		return nil, err
	}
	side := MugshotSide
	if kind == cad.MediaALPR {
		side = ALPRSide
	}
	img, err := s.normalize(ctx, data, side)
	if err != nil {
		return nil, err
	}
	return img, s.roomFor(ctx, com, kind, img.Size(), freed)
}

// sizeOf is the counted size of a stored image, or 0.
func (s *Service) sizeOf(ctx context.Context, communityID, id string) int64 {
	if id == "" {
		return 0
	}
	m, err := s.db.Media(ctx, communityID, id)
	if err != nil || !m.Counted() {
		return 0
	}
	return m.Size
}

// putImage stores a normalised image of a record under id (counted in the
// community's usage, within its quota).
func (s *Service) putImage(ctx context.Context, com *cad.Community, id, ownerID, kind string, img *Image) error {
	m := &cad.Media{ID: id, CommunityID: com.ID, OwnerID: ownerID, Kind: kind, Version: cad.MediaVersion,
		ContentType: img.contentType, Data: img.data, Width: img.width, Height: img.height, CreatedAt: s.now()}
	err := s.db.PutMedia(ctx, m, s.QuotaOf(com))
	if cad.ErrorCode(err) == cad.ETOOLARGE {
		s.obs.MediaRefused("quota")
	}
	return err
}

// Media returns a stored image by community and id: the public image URL.
func (s *Service) Media(ctx context.Context, communityID, id string) (*cad.Media, error) {
	if len(id) != 32 {
		return nil, cad.Errorf(cad.ENOTFOUND, "Image not found")
	}
	if _, err := hex.DecodeString(id); err != nil {
		return nil, cad.Errorf(cad.ENOTFOUND, "Image not found")
	}
	return s.db.Media(ctx, communityID, id)
}

// PrepareALPRPhoto checks, decodes and normalises an ALPR photo for a
// community, within its quota and its share for ALPR photos. The photo is
// what StoreALPRPhoto stores: a media record without id, owner or time.
func (s *Service) PrepareALPRPhoto(ctx context.Context, com *cad.Community, data []byte) (*cad.Media, error) {
	img, err := s.prepare(ctx, com, cad.MediaALPR, data, 0)
	if err != nil {
		return nil, err
	}
	return &cad.Media{CommunityID: com.ID, Kind: cad.MediaALPR, Version: cad.MediaVersion, ContentType: img.contentType,
		Data: img.data, Width: img.width, Height: img.height}, nil
}

// StoreALPRPhoto stores a prepared photo of an ALPR hit, returning its id;
// in the caller's transaction, if any.
func (s *Service) StoreALPRPhoto(ctx context.Context, com *cad.Community, hitID string, photo *cad.Media) (string, error) {
	id := newMediaID()
	img := &Image{contentType: photo.ContentType, data: photo.Data, width: photo.Width, height: photo.Height}
	return id, s.putImage(ctx, com, id, hitID, cad.MediaALPR, img)
}

// CheckImageHeader refuses what is not a PNG, JPEG or WebP within the
// size and pixel bounds, from its header alone: what costs nothing, before
// an upload's credential is read.
func (s *Service) CheckImageHeader(data []byte) error {
	_, _, err := CheckHeader(data)
	return err
}

// ImageURL is the public URL of a stored image.
func (s *Service) ImageURL(communityID, id string) string { return s.mediaURL(communityID, id) }

// MediaUsage is what a community's images take, and its quota.
func (s *Service) MediaUsage(ctx context.Context, com *cad.Community) (*cad.MediaUsage, cad.MediaQuota, error) {
	u, err := s.db.MediaUsage(ctx, com.ID)
	return u, s.QuotaOf(com), err
}

// NormalizeStored decodes an image stored before images were normalised
// (under the same bounds as an upload) and returns its normalised copy
// under the same id, for the janitor to put in its place; kind says which
// bounds apply. An image that breaks the bounds or does not decode is an
// invalid error: the janitor deletes it.
func (s *Service) NormalizeStored(ctx context.Context, m *cad.Media, kind string) (*cad.Media, error) {
	side := MugshotSide
	if kind == cad.MediaALPR {
		side = ALPRSide
	}
	img, err := s.normalize(ctx, m.Data, side)
	if err != nil {
		return nil, err
	}
	return &cad.Media{ID: m.ID, CommunityID: m.CommunityID, OwnerID: m.OwnerID, Kind: kind, Version: cad.MediaVersion,
		ContentType: img.contentType, Data: img.data, Width: img.width, Height: img.height, CreatedAt: m.CreatedAt}, nil
}

// CommunityMedia is a community's usage with its quota in force.
type CommunityMedia struct {
	Usage *cad.MediaUsage
	Quota cad.MediaQuota
}

// AllMediaUsage is every community's usage and quota (the metrics).
func (s *Service) AllMediaUsage(ctx context.Context) ([]CommunityMedia, error) {
	list, err := s.db.AllMediaUsage(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]CommunityMedia, 0, len(list))
	for _, u := range list {
		com, err := s.db.Community(ctx, u.CommunityID, true)
		if err != nil {
			com = nil
		}
		out = append(out, CommunityMedia{Usage: u, Quota: s.QuotaOf(com)})
	}
	return out, nil
}
