package apitest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/precinct-cad/precinct/docs"
)

// Every answer an API test receives is checked against docs/openapi.yaml:
// a documented status must carry a body of its documented schema, so the
// document cannot drift from what the server sends.

var contract struct {
	once   sync.Once
	router routers.Router
	err    error
}

func openAPIRouter() (routers.Router, error) {
	contract.once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(docs.OpenAPI)
		if err != nil {
			contract.err = err
			return
		}
		doc.Servers = nil // match paths on any host
		// Bodies that are not JSON are checked for their content type
		// only.
		for _, ct := range []string{"text/html", "text/javascript", "application/yaml", "text/plain", "image/png", "image/jpeg", "image/webp"} {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
		}
		contract.router, contract.err = legacy.NewRouter(doc)
	})
	return contract.router, contract.err
}

// checkContract validates res, the answer to req, against the document.
// Answers of routes the document does not have (a 404 for an unknown
// path) and statuses it does not list are not checked here: the route
// tests cover those.
func checkContract(t testing.TB, req *http.Request, res *httptest.ResponseRecorder) {
	t.Helper()
	router, err := openAPIRouter()
	if err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.Code,
		Header:                 res.Header(),
		Options:                &openapi3filter.Options{MultiError: true},
	}
	in.SetBodyBytes(res.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		msg := err.Error()
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		t.Errorf("%s %s answered %d, which docs/openapi.yaml does not describe: %s\nbody: %.600s",
			req.Method, req.URL.Path, res.Code, strings.TrimSpace(msg), res.Body.String())
	}
}
