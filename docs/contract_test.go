package docs_test

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/precinct-cad/precinct/docs"
)

func load(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return doc
}

// Every operation answers its success with a typed body: a 2xx with a
// schema for each of its media types, and in JSON no object left without
// properties (a free-form object says additionalProperties: true) and no
// array without items. The generated clients (pkg/client, the dashboard's
// types) are only as typed as this. HEAD answers have no body; an
// operation may succeed without a 2xx only by switching protocols (101)
// or redirecting (3xx).
func TestEveryOperationHasATypedSuccess(t *testing.T) {
	doc := load(t)
	ops := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops++
			name := method + " " + path
			if method == http.MethodHead {
				continue
			}
			var success []string
			other := false
			for status := range op.Responses.Map() {
				switch {
				case strings.HasPrefix(status, "2"):
					success = append(success, status)
				case status == "101" || strings.HasPrefix(status, "3"):
					other = true
				}
			}
			if len(success) == 0 {
				if !other {
					t.Errorf("%s has no 2xx answer", name)
				}
				continue
			}
			sort.Strings(success)
			for _, status := range success {
				res := op.Responses.Value(status).Value
				if len(res.Content) == 0 {
					t.Errorf("%s %s has no body: give it a content and schema", name, status)
				}
				for ct, mt := range res.Content {
					if mt.Schema == nil {
						t.Errorf("%s %s %s has no schema", name, status, ct)
						continue
					}
					if strings.Contains(ct, "json") {
						for _, loose := range untyped(mt.Schema, "", nil) {
							t.Errorf("%s %s: %s is not typed", name, status, loose)
						}
					}
				}
			}
		}
	}
	if ops < 170 {
		t.Fatalf("only %d operations: did the document load?", ops)
	}
}

// untyped lists where s leaves an object or an array undescribed.
func untyped(ref *openapi3.SchemaRef, at string, seen []string) []string {
	if ref == nil || ref.Value == nil {
		return []string{at + " (no schema)"}
	}
	if ref.Ref != "" {
		if slices.Contains(seen, ref.Ref) {
			return nil
		}
		seen = append(seen, ref.Ref)
	}
	s := ref.Value
	var out []string
	for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range group {
			out = append(out, untyped(sub, at, seen)...)
		}
	}
	types := nonNull(s.Type)
	if len(types) != 1 {
		// No type (nor null alone, nor a composition) is any value;
		// several types are a deliberate loose value (audit before/after).
		null := s.Type != nil && len(*s.Type) > 0
		if len(types) == 0 && !null && len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0 && s.Const == nil && len(s.Enum) == 0 {
			out = append(out, orRoot(at)+" (no type)")
		}
		return out
	}
	switch types[0] {
	case openapi3.TypeObject:
		ap := s.AdditionalProperties
		free := ap.Has != nil && *ap.Has
		if len(s.Properties) == 0 && ap.Schema == nil && !free && len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0 {
			out = append(out, orRoot(at)+" (an object without properties)")
		}
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, untyped(s.Properties[n], at+"."+n, seen)...)
		}
		if ap.Schema != nil {
			out = append(out, untyped(ap.Schema, at+"{}", seen)...)
		}
	case openapi3.TypeArray:
		if s.Items == nil {
			out = append(out, orRoot(at)+" (an array without items)")
		} else {
			out = append(out, untyped(s.Items, at+"[]", seen)...)
		}
	}
	return out
}

func nonNull(t *openapi3.Types) []string {
	if t == nil {
		return nil
	}
	var out []string
	for _, s := range *t {
		if s != openapi3.TypeNull {
			out = append(out, s)
		}
	}
	return out
}

func orRoot(at string) string {
	if at == "" {
		return "the body"
	}
	return strings.TrimPrefix(at, ".")
}

// The document says where it is served from, for Redoc's "API endpoint"
// and for generated clients: the site root of the server that serves it,
// or any deployment's public_url.
func TestServersDeclared(t *testing.T) {
	doc := load(t)
	if len(doc.Servers) == 0 || doc.Servers[0].URL != "/" {
		t.Fatalf("servers = %v: the first must be / (paths start at the site root)", doc.Servers)
	}
	for _, s := range doc.Servers {
		if u, err := s.BasePath(); err != nil || u != "/" && u != "" {
			t.Errorf("server %s has base path %q (%v): the paths already start with /api", s.URL, u, err)
		}
	}
}

// oapi-codegen reads OpenAPI 3.1, type lists with "null" included, but
// has no Go type for a value of several other types ("a number or a
// string", as the FiveM resources send): such a schema says x-go-type:
// any, and x-go-type-skip-optional-pointer: true (an absent any is nil
// already, not a *any). Extensions change nothing for validators, Redoc or
// TypeScript. Without them `make generate` fails with "unhandled Schema
// type".
func TestLooseTypesSayGoAny(t *testing.T) {
	var root any
	if err := yaml.Unmarshal(docs.OpenAPI, &root); err != nil {
		t.Fatal(err)
	}
	found := 0
	var walk func(n any, at string)
	walk = func(n any, at string) {
		switch n := n.(type) {
		case map[string]any:
			if list, ok := n["type"].([]any); ok {
				others := 0
				for _, x := range list {
					if x != "null" {
						others++
					}
				}
				if others > 1 {
					found++
					if n["x-go-type"] != "any" || n["x-go-type-skip-optional-pointer"] != true {
						t.Errorf("%s: type %v needs x-go-type: any and x-go-type-skip-optional-pointer: true", at, list)
					}
				}
			}
			for k, v := range n {
				walk(v, at+"/"+k)
			}
		case []any:
			for i, v := range n {
				walk(v, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(root, "#")
	if found == 0 {
		t.Fatal("no loose type found: the walk is broken")
	}
}

// Every rate-limited operation (x-rate-limit other than none) can be
// refused with 429 and says so; the probes and the site root, never
// limited, never answer 4xx at all (which is why redocly.yaml turns
// operation-4xx-response off).
func TestLimitedOperationsDocument429(t *testing.T) {
	doc := load(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			group, _ := op.Extensions["x-rate-limit"].(string)
			if group == "" {
				t.Errorf("%s %s has no x-rate-limit", method, path)
				continue
			}
			has429 := op.Responses.Value("429") != nil
			if group != "none" && !has429 {
				t.Errorf("%s %s is limited (%s) and does not document 429", method, path, group)
			}
			if res := op.Responses.Value("429"); res != nil && res.Ref != "#/components/responses/RateLimited" {
				t.Errorf("%s %s: its 429 is not #/components/responses/RateLimited", method, path)
			}
		}
	}
}
