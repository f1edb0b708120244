package app_test

import (
	"net/http"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/web"
)

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// The dashboard lives beside the API: a browser asking for a page gets the
// app with its CSP, and every JSON client keeps today's answers.
func TestDashboardIsServedBesideTheAPI(t *testing.T) {
	env := apitest.New(t)
	html := map[string]string{"Accept": browserAccept}
	app := map[string]string{"Content-Security-Policy": web.CSP, "X-Frame-Options": "DENY", "Cache-Control": "no-cache",
		"Content-Type": "text/html; charset=utf-8"}
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "a browser at the root gets the app", Method: http.MethodGet, Path: "/", Headers: html,
			ExpectedStatus: 200, ExpectedHeaders: app, ExpectedContent: []string{`<div id="app">`}},
		{Name: "a JSON client at the root gets today's JSON", Method: http.MethodGet, Path: "/", Headers: map[string]string{"Accept": "application/json"},
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"name": "Precinct", "status": "online"}},
		{Name: "a probe without Accept gets the JSON", Method: http.MethodGet, Path: "/",
			ExpectedStatus: 200, ExpectedJSON: map[string]any{"status": "online"}},
		{Name: "HEAD / still answers", Method: http.MethodHead, Path: "/", ExpectedStatus: 200},
		{Name: "a deep link survives a reload", Method: http.MethodGet, Path: "/c/6b174bcf351ebe3ba4ad4e78/civilians", Headers: html,
			ExpectedStatus: 200, ExpectedHeaders: app, ExpectedContent: []string{`<div id="app">`}},
		{Name: "the sign-in page", Method: http.MethodGet, Path: "/login", Headers: html, ExpectedStatus: 200, ExpectedHeaders: app},
		{Name: "an unknown page is the app's not-found page, with 404", Method: http.MethodGet, Path: "/no/such/page", Headers: html,
			ExpectedStatus: 404, ExpectedHeaders: app, ExpectedContent: []string{`<div id="app">`}},
		{Name: "an unknown path asked for as JSON keeps the standard 404", Method: http.MethodGet, Path: "/no/such/page",
			Headers: map[string]string{"Accept": "application/json"}, ExpectedStatus: 404, ErrorCode: "not_found"},
		{Name: "an unknown API path stays JSON even for a browser", Method: http.MethodGet, Path: "/api/no-such-route", Headers: html,
			ExpectedStatus: 404, ErrorCode: "not_found"},
		{Name: "a write to a page path is no page", Method: http.MethodPost, Path: "/login", Headers: html, Body: "{}",
			ExpectedStatus: 404, ErrorCode: "not_found"},
		{Name: "a wrong method on an API route is still 405", Method: http.MethodPost, Path: "/healthz", Headers: html,
			ExpectedStatus: 405, ErrorCode: "method_not_allowed"},
		{Name: "an asset of another build", Method: http.MethodGet, Path: "/assets/index-0ld.js", ExpectedStatus: 404,
			ExpectedHeaders: map[string]string{"Content-Security-Policy": web.CSP, "Cache-Control": "no-store"}},
	})
}
