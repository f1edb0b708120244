package apitest

import (
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"math/rand/v2"
)

// Images for the tests of image bounds (issue 16): a picture a mugshot
// capture could be, and a PNG that is a header and nothing else.

// Portrait draws a w x h opaque picture of a head on a background, with
// some texture: what a mugshot looks like to a decoder, and compressible
// enough that 16 megapixels fit the 5 MB upload limit as a PNG.
func Portrait(w, h int, seed uint64) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 7))
	cx, cy, rx, ry := float64(w)/2, float64(h)*0.45, float64(w)*0.28, float64(h)*0.36
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
			c := color.NRGBA{uint8(40 + 60*y/h), uint8(70 + 40*x/w), uint8(110 + 50*y/h), 255}
			if dx*dx+dy*dy < 1 {
				c = color.NRGBA{uint8(200 - 30*y/h), uint8(160 - 20*y/h), 130, 255}
			}
			if (x/8+y/8)%17 == 0 {
				c.R, c.G = c.R/2+uint8(r.IntN(16)), c.G/2
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// PNGHeader is a PNG of nothing but a header claiming w x h pixels (of
// depth bits, color type ct) and an empty image data chunk: a few dozen
// bytes that claim gigabytes.
func PNGHeader(w, h uint32, depth, ct byte) []byte {
	chunk := func(typ string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		out = append(out, typ...)
		out = append(out, data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, ct, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, chunk("IEND", nil)...)
}
