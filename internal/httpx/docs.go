package httpx

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"
	"gopkg.in/yaml.v3"

	"github.com/precinct-cad/precinct/docs"
)

// openAPIDoc is the part of the OpenAPI document the reference page shows.
type openAPIDoc struct {
	Info struct {
		Title       string `yaml:"title"`
		Summary     string `yaml:"summary"`
		Description string `yaml:"description"`
	} `yaml:"info"`
	Paths map[string]map[string]struct {
		Summary     string         `yaml:"summary"`
		Description string         `yaml:"description"`
		Tags        []string       `yaml:"tags"`
		Security    []any          `yaml:"security"`
		Responses   map[string]any `yaml:"responses"`
	} `yaml:"paths"`
}

// ParseOpenAPI reads the route table of an OpenAPI document: method and path
// (in OpenAPI's {param} form) of every operation.
func ParseOpenAPI(b []byte) ([][2]string, error) {
	var d openAPIDoc
	if err := yaml.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	var out [][2]string
	for path, ops := range d.Paths {
		for method := range ops {
			out = append(out, [2]string{strings.ToUpper(method), path})
		}
	}
	return out, nil
}

// OpenAPIRateLimits reads each operation's x-rate-limit group, by
// "METHOD path" (OpenAPI path form), for the test that holds the document
// to the router.
func OpenAPIRateLimits(b []byte) (map[string]string, error) {
	var d struct {
		Paths map[string]map[string]struct {
			RateLimit string `yaml:"x-rate-limit"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for path, ops := range d.Paths {
		for method, op := range ops {
			out[strings.ToUpper(method)+" "+path] = op.RateLimit
		}
	}
	return out, nil
}

// docsPage renders docs/openapi.yaml with the vendored Redoc: one script
// from Precinct itself (Redoc 3 is an ES module), no inline script, no
// CDN. Redoc injects its styles
// at run time, hence style-src 'unsafe-inline' on this page only.
const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Precinct API</title></head><body>
<noscript><h1>Precinct API</h1><p>This page needs JavaScript. The document itself: <a href="/api/openapi.yaml">/api/openapi.yaml</a> (OpenAPI 3.1).</p></noscript>
<redoc spec-url="/api/openapi.yaml"></redoc>
<script type="module" src="/api/docs/redoc.standalone.js"></script>
</body></html>`

const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

func (s *Server) docsRoutes() error {
	if _, err := ParseOpenAPI(docs.OpenAPI); err != nil {
		return fmt.Errorf("docs/openapi.yaml: %w", err)
	}
	s.Add(http.MethodGet, "/api/openapi.yaml", Public, func(c *echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", docs.OpenAPI)
	})
	page := func(c *echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", docsCSP)
		h.Set("Cache-Control", "no-cache")
		return c.HTMLBlob(http.StatusOK, []byte(docsPage))
	}
	s.Add(http.MethodGet, "/api/docs", Public, page)
	s.Add(http.MethodGet, "/api-docs", Public, page)
	sum := sha256.Sum256(docs.Redoc)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	s.Add(http.MethodGet, "/api/docs/redoc.standalone.js", Public, func(c *echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("ETag", etag)
		if c.Request().Header.Get("If-None-Match") == etag {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", docs.Redoc)
	})
	return nil
}
