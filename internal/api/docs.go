package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"sort"
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

// The page has one inline style and no script, so its policy allows exactly
// that style by hash.
const docsStyle = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{margin-bottom:.2rem}code,.path{font-family:ui-monospace,monospace}.op{border:1px solid #d0d7de;border-radius:6px;margin:.6rem 0;padding:.5rem .8rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700}.GET{color:#0969da}.POST{color:#1a7f37}.PUT,.PATCH{color:#9a6700}.DELETE{color:#cf222e}
.d{white-space:pre-wrap;color:#57606a;margin:.3rem 0 0}.st{color:#57606a;font-size:.9em}`

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}}</title><style>{{.Style}}</style></head><body>
<h1>{{.Title}}</h1><p>{{.Summary}}</p><p class="d">{{.Description}}</p>
<p>Machine-readable: <a href="/api/openapi.yaml">/api/openapi.yaml</a> (OpenAPI 3.1)</p>
{{range .Ops}}<div class="op"><span class="m {{.Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span> {{.Summary}}
<div class="st">{{if .Public}}no credential{{else}}credential required{{end}} · answers {{.Statuses}}</div>
{{if .Description}}<p class="d">{{.Description}}</p>{{end}}</div>
{{end}}</body></html>`))

type docsOp struct {
	Method, Path, Summary, Description, Statuses string
	Public                                       bool
}

// renderDocs builds the reference page once, at start-up.
func renderDocs(spec []byte) ([]byte, string, error) {
	var d openAPIDoc
	if err := yaml.Unmarshal(spec, &d); err != nil {
		return nil, "", fmt.Errorf("docs/openapi.yaml: %w", err)
	}
	var ops []docsOp
	for path, methods := range d.Paths {
		for method, op := range methods {
			var codes []string
			for code := range op.Responses {
				codes = append(codes, code)
			}
			sort.Strings(codes)
			ops = append(ops, docsOp{
				Method: strings.ToUpper(method), Path: path, Summary: op.Summary,
				Description: strings.TrimSpace(op.Description), Statuses: strings.Join(codes, ", "),
				Public: op.Security != nil && len(op.Security) == 0,
			})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	var buf bytes.Buffer
	err := docsPage.Execute(&buf, map[string]any{
		"Title": d.Info.Title, "Summary": d.Info.Summary, "Description": strings.TrimSpace(d.Info.Description),
		"Style": template.CSS(docsStyle), "Ops": ops,
	})
	sum := sha256.Sum256([]byte(docsStyle))
	csp := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; frame-ancestors 'none'"
	return buf.Bytes(), csp, err
}

func (s *Server) docsRoutes() error {
	page, csp, err := renderDocs(docs.OpenAPI)
	if err != nil {
		return err
	}
	s.add(http.MethodGet, "/api/openapi.yaml", Public, func(c *echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", docs.OpenAPI)
	})
	s.add(http.MethodGet, "/api/docs", Public, func(c *echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Cache-Control", "no-cache")
		return c.HTMLBlob(http.StatusOK, page)
	})
	return nil
}
