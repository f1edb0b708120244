package civil

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/cad"
)

// fit scales down to the bound, keeps the aspect, never scales up.
func TestFit(t *testing.T) {
	for _, tc := range []struct{ w, h, side, tw, th int }{
		{4096, 4096, 1024, 1024, 1024},
		{4096, 3000, 1024, 1024, 750},
		{3000, 4000, 1024, 768, 1024},
		{1920, 1080, ALPRSide, 1280, 720},
		{8000, 10, 1024, 1024, 1},
		{300, 200, 1024, 300, 200},
		{1, 1, 1024, 1, 1},
	} {
		src := image.NewGray(image.Rect(0, 0, tc.w, tc.h))
		for i := range src.Pix {
			src.Pix[i] = 200
		}
		got := fit(src, tc.side)
		if b := got.Bounds(); b.Dx() != tc.tw || b.Dy() != tc.th {
			t.Errorf("%dx%d in %d: %dx%d, want %dx%d", tc.w, tc.h, tc.side, b.Dx(), b.Dy(), tc.tw, tc.th)
		}
		if c := got.RGBAAt(tc.tw/2, tc.th/2); c.R < 195 || c.R > 205 || c.A != 255 {
			t.Errorf("%dx%d: the middle pixel is %v", tc.w, tc.h, c)
		}
	}
}

// The card cache holds at most its count and bytes, least recently used
// out first, and a new version of a key replaces the old.
func TestCardCacheBounds(t *testing.T) {
	c := newCardCache(3, 100)
	c.put("a", "1", strings.Repeat("a", 30))
	c.put("b", "1", strings.Repeat("b", 30))
	c.put("c", "1", strings.Repeat("c", 30))
	if _, ok := c.get("a", "1"); !ok {
		t.Fatal("a is gone")
	}
	c.put("d", "1", strings.Repeat("d", 30)) // over the count: b, least recently used, goes
	if _, ok := c.get("b", "1"); ok {
		t.Fatal("b is kept past the count")
	}
	if _, ok := c.get("a", "2"); ok {
		t.Fatal("another version was answered")
	}
	c.put("a", "2", strings.Repeat("A", 60)) // 60+30+30 > 100: c goes
	if uri, ok := c.get("a", "2"); !ok || uri[0] != 'A' {
		t.Fatal("the new version is not kept")
	}
	if _, ok := c.get("a", "1"); ok {
		t.Fatal("the old version is still answered")
	}
	if c.order.Len() != 2 || c.bytes != 90 {
		t.Fatalf("%d cards, %d bytes", c.order.Len(), c.bytes)
	}
	c.put("huge", "1", strings.Repeat("h", 101))
	if _, ok := c.get("huge", "1"); ok || c.bytes > 100 {
		t.Fatal("a card over the whole budget was kept")
	}
}

func seedImages(f *testing.F) {
	var buf bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, 5, 4))
	img.Set(1, 1, color.NRGBA{200, 0, 0, 128})
	_ = png.Encode(&buf, img)
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()/2])
	buf.Reset()
	_ = jpeg.Encode(&buf, img, nil)
	f.Add(buf.Bytes())
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00 \x00\x00\x00 \x00\x08\x06\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xc0})
}

// Whatever the bytes, an image is refused or normalised within the
// bounds, never a panic (R73).
func FuzzNormalizeImage(f *testing.F) {
	seedImages(f)
	s := &Service{obs: nopObserver{}, decodes: make(chan struct{}, 1)}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, cfg, err := CheckHeader(data)
		if err != nil {
			return
		}
		if int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
			t.Fatalf("%dx%d passed the header check", cfg.Width, cfg.Height)
		}
		img, err := s.normalize(context.Background(), data, MugshotSide)
		if err != nil {
			return
		}
		if img.width > MugshotSide || img.height > MugshotSide || len(img.data) == 0 {
			t.Fatalf("stored %dx%d, %d bytes", img.width, img.height, len(img.data))
		}
	})
}

// Cards are drawn several at once (renders run four at a time): each
// drawing has its own font faces, since a face's rasterizer is not safe to
// share. Under -race, a shared face fails this test; without it, a shared
// one panicked in the real binary ("slice bounds out of range" in
// x/image/vector) when 20 cards were asked for at once.
func TestCardsDrawnConcurrently(t *testing.T) {
	s := &Service{}
	ch := &cad.Character{ID: "c1", CommunityID: "k1", FirstName: "Ada", LastName: "Lovelace", SSN: "123-45-6789"}
	tpl := cad.CardTemplate{Title: "SAN ANDREAS", Subtitle: "DRIVER LICENSE"}
	fields := [][2]string{{"NAME", "ADA LOVELACE"}, {"DATE OF BIRTH", "1815-12-10"}}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := s.drawCard(context.Background(), "k1", ch, "driver", tpl, fields)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
