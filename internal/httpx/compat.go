package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

// The compatibility rules of the FiveM routes (docs/fivem-compat.md), in
// one place, before routing, so that no handler repeats them:
//
//   - "/api/api/…" and "//api/…" are served as "/api/…": resources append
//     "/api/…" to a base URL that already ends in "/api" (or "/").
//   - x-payload (standard base64 of the JSON body) is the body when the
//     body is empty: Cloudflare strips POST bodies of some game servers.
//     It is never required, and a body that is present wins.
//   - the in-game browser (origins https://cfx-nui-<resource> and nui://)
//     may call the FiveM routes cross-origin, without credentials.
//
// The rest is in the handlers' request types (loose.go): loose types and
// absent optionals; and in the scope: the community from the key.
func (s *Server) compat(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		r := c.Request()
		if p := canonicalPath(r.URL.Path); p != r.URL.Path {
			r.URL.Path, r.URL.RawPath = p, ""
		}
		if origin := r.Header.Get("Origin"); origin != "" && gameOrigin(origin) && gamePath(r.URL.Path) {
			h := c.Response().Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "X-Request-ID, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
				h.Set("Access-Control-Allow-Headers", "x-api-key, content-type, accept, x-payload, x-community-id")
				h.Set("Access-Control-Max-Age", "600")
				return c.NoContent(http.StatusNoContent)
			}
		}
		return next(c)
	}
}

// canonicalPath folds the doubled prefixes the FiveM resources send.
func canonicalPath(p string) string {
	if strings.HasPrefix(p, "//") {
		p = "/" + strings.TrimLeft(p, "/")
	}
	for strings.HasPrefix(p, "/api/api/") || p == "/api/api" {
		p = strings.TrimPrefix(p, "/api")
	}
	return p
}

var gameOriginRE = regexp.MustCompile(`^(https?://cfx-nui-[A-Za-z0-9_.-]{1,64}|nui://[A-Za-z0-9_.-]{1,64})$`)

// gameOrigin reports whether an Origin is FiveM's in-game browser.
func gameOrigin(o string) bool { return gameOriginRE.MatchString(o) }

// gamePaths are the path prefixes of the routes the in-game browser calls:
// the FiveM routes and the public images.
var gamePaths = []string{"/api/civilian/fivem-", "/api/fivem/", "/api/banking/fivem/", "/api/media/", "/api/alpr-upload/",
	"/api/dispatch/location-update", "/api/ers/"}

func gamePath(p string) bool {
	for _, g := range gamePaths {
		if strings.HasPrefix(p, g) {
			return true
		}
	}
	return false
}

// maxPayloadHeader bounds x-payload (the header limit bounds it anyway).
const maxPayloadHeader = 48 << 10

// payloadBody replaces an empty body by the x-payload header's JSON.
func payloadBody(r *http.Request) error {
	raw := strings.TrimSpace(r.Header.Get("X-Payload"))
	if raw == "" || r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		return nil
	}
	if r.ContentLength > 0 || len(r.TransferEncoding) > 0 {
		return nil // the body is there: it wins
	}
	body, err := DecodePayload(raw)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

// DecodePayload decodes an x-payload header: standard base64 (padded or
// not, or the URL alphabet) of one JSON object.
func DecodePayload(raw string) ([]byte, error) {
	bad := cad.Errorf(cad.EINVALID, "x-payload must be the base64 of a JSON object")
	if len(raw) > maxPayloadHeader {
		return nil, bad
	}
	var body []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if body, err = enc.DecodeString(raw); err == nil {
			break
		}
	}
	if err != nil {
		return nil, bad
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' || !json.Valid(body) {
		return nil, bad
	}
	return body, nil
}
