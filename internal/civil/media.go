package civil

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"net/url"
	"strings"

	"golang.org/x/image/webp"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Image is a checked image ready to store.
type Image struct {
	contentType string
	data        []byte
}

// MaxImageSide bounds an image's width and height: a 5 MB file can claim
// a size that would take gigabytes to decode.
const MaxImageSide = 8192

var errBadImage = cad.Errorf(cad.EINVALID, "mugshotUrl must be an http(s) URL or a data:image/png, jpeg or webp;base64 URI")

// parseMugshot reads a mugshot field: nil leaves it, "" or an http(s) URL
// is kept as a URL (nil image), a data URI is decoded and checked.
func (s *Service) parseMugshot(v *string) (*Image, error) {
	if v == nil {
		return nil, nil
	}
	raw := strings.TrimSpace(*v)
	if raw == "" {
		return nil, nil
	}
	if !strings.HasPrefix(raw, "data:") {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(raw) > 2048 {
			return nil, errBadImage
		}
		return nil, nil
	}
	img, err := DecodeDataURI(raw)
	if err != nil {
		return nil, err
	}
	return img, nil
}

// DecodeDataURI decodes a data:image/…;base64 URI and checks that the bytes
// are a PNG, JPEG or WebP image of sane size, whatever the URI claims.
func DecodeDataURI(raw string) (*Image, error) {
	head, payload, ok := strings.Cut(raw, ",")
	if !ok || !strings.HasPrefix(head, "data:image/") || !strings.HasSuffix(head, ";base64") {
		return nil, errBadImage
	}
	if base64.StdEncoding.DecodedLen(len(payload)) > cad.MaxMediaBytes+3 {
		return nil, cad.Errorf(cad.ETOOLARGE, "The image is over %d MB", cad.MaxMediaBytes>>20)
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimRight(payload, "\r\n"))
	if err != nil {
		// Some encoders leave the padding off.
		if data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "=\r\n")); err != nil {
			return nil, cad.Errorf(cad.EINVALID, "The image's base64 is malformed")
		}
	}
	return CheckImage(data)
}

// CheckImage sniffs data: PNG, JPEG or WebP by their magic bytes and a
// header that decodes, of at most MaxMediaBytes and MaxImageSide.
func CheckImage(data []byte) (*Image, error) {
	if len(data) > cad.MaxMediaBytes {
		return nil, cad.Errorf(cad.ETOOLARGE, "The image is over %d MB", cad.MaxMediaBytes>>20)
	}
	var ct string
	var decode func([]byte) (image.Config, error)
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		ct, decode = "image/png", func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		ct, decode = "image/jpeg", func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
	case len(data) > 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		ct, decode = "image/webp", func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
	default:
		return nil, cad.Errorf(cad.EINVALID, "The image must be a PNG, JPEG or WebP file")
	}
	cfg, err := decode(data)
	if err != nil || cfg.Width < 1 || cfg.Height < 1 {
		return nil, cad.Errorf(cad.EINVALID, "The image is not a readable %s file", strings.TrimPrefix(ct, "image/"))
	}
	if cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return nil, cad.Errorf(cad.EINVALID, "The image is larger than %d pixels on a side", MaxImageSide)
	}
	return &Image{contentType: ct, data: data}, nil
}

// newMediaID is 128 random bits: the secret of an image's URL.
func newMediaID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// putImage stores an image of a record and returns its id.
func (s *Service) putImage(ctx context.Context, communityID, ownerID string, img *Image) (string, error) {
	m := &cad.Media{ID: newMediaID(), CommunityID: communityID, OwnerID: ownerID, ContentType: img.contentType,
		Data: img.data, CreatedAt: s.now()}
	if err := s.db.PutMedia(ctx, m, cad.MediaQuota{}); err != nil {
		return "", err
	}
	return m.ID, nil
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

// StoreImage checks data (as CheckImage) and stores it as an image of a
// record of the community (an ALPR photo), returning its id.
func (s *Service) StoreImage(ctx context.Context, communityID, ownerID string, data []byte) (string, error) {
	img, err := CheckImage(data)
	if err != nil {
		return "", err
	}
	return s.putImage(ctx, communityID, ownerID, img)
}

// ImageURL is the public URL of a stored image.
func (s *Service) ImageURL(communityID, id string) string { return s.mediaURL(communityID, id) }
