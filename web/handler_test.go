package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/precinct-cad/precinct/web"
)

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

func do(t *testing.T, a *web.App, method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	return w
}

// Every answer of the app carries its CSP and the server's security headers.
func checkSecurityHeaders(t *testing.T, what string, w *httptest.ResponseRecorder) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy":    web.CSP,
		"X-Content-Type-Options":     "nosniff",
		"X-Frame-Options":            "DENY",
		"Referrer-Policy":            "no-referrer",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
}

// The policy the lead decided, word for word: no inline script or style, no
// eval, nothing from other origins, no framing.
func TestCSP(t *testing.T) {
	for _, d := range []string{"default-src 'self'", "script-src 'self';", "style-src 'self';", "img-src 'self' data: blob:",
		"connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(web.CSP, d) {
			t.Errorf("CSP lacks %q", d)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "http:", "https:", "*"} {
		if strings.Contains(web.CSP, bad) {
			t.Errorf("CSP allows %q", bad)
		}
	}
}

func TestPages(t *testing.T) {
	a := web.Default()
	html := map[string]string{"Accept": browserAccept}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/", 200},
		{"/login", 200},
		{"/register", 200},
		{"/account", 200},
		{"/invite/Zx8_code-1", 200},
		{"/c/6b174bcf351ebe3ba4ad4e78", 200},
		{"/c/970763400000000000/civilians", 200},
		{"/c/6b174bcf351ebe3ba4ad4e78/admin", 200},
		// What part 2 adds under a community (dispatch board, MDT, map).
		{"/c/6b174bcf351ebe3ba4ad4e78/dispatch", 200},
		// Anything else is the app's not-found page, with its status.
		{"/nope", 404},
		{"/login/", 404},
		{"/invite/", 404},
		{"/invite/a/b", 404},
		{"/c/", 404},
		{"/c", 404},
		{"/index.html", 404},
	} {
		w := do(t, a, "GET", tc.path, html)
		if w.Code != tc.status {
			t.Errorf("GET %s: %d, want %d", tc.path, w.Code, tc.status)
		}
		checkSecurityHeaders(t, "GET "+tc.path, w)
		if got := w.Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q: index.html is never cached", tc.path, got)
		}
		if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", tc.path, ct)
		}
		if !strings.Contains(w.Body.String(), `<div id="app">`) {
			t.Errorf("GET %s: not the app's index.html", tc.path)
		}
	}
}

// Serves is what the HTTP server asks before it answers: only GET and HEAD,
// only HTML navigations (or assets), never the server's own paths.
func TestServes(t *testing.T) {
	a := web.Default()
	for _, tc := range []struct {
		method, path, accept string
		want                 bool
	}{
		{"GET", "/login", browserAccept, true},
		{"HEAD", "/login", browserAccept, true},
		{"GET", "/anything", browserAccept, true},
		{"GET", "/assets/index-x.js", "*/*", true},
		{"GET", "/assets/index-x.css", "text/css,*/*;q=0.1", true},
		{"GET", "/assets/x.js", "", true},
		{"POST", "/login", browserAccept, false},
		{"DELETE", "/assets/x.js", "*/*", false},
		{"GET", "/login", "application/json", false},
		{"GET", "/login", "*/*", false},
		{"GET", "/login", "", false},
		{"GET", "/login", "application/json, text/html", false},
		{"GET", "/api/nope", browserAccept, false},
		{"GET", "/api", browserAccept, false},
		{"GET", "/socket.io/", browserAccept, false},
		{"GET", "/metrics", browserAccept, false},
		{"GET", "/healthz", browserAccept, false},
		{"GET", "/readyz", browserAccept, false},
		{"GET", "/api-docs", browserAccept, false},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.accept != "" {
			r.Header.Set("Accept", tc.accept)
		}
		if got := a.Serves(r); got != tc.want {
			t.Errorf("%s %s (Accept %q): Serves = %v, want %v", tc.method, tc.path, tc.accept, got, tc.want)
		}
	}
}

func TestWantsHTML(t *testing.T) {
	for accept, want := range map[string]bool{
		browserAccept:                       true,
		"TEXT/HTML":                         true,
		"application/json":                  false,
		"*/*":                               false,
		"":                                  false,
		"text/html, application/json;q=0.9": false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		if got := web.WantsHTML(r); got != want {
			t.Errorf("Accept %q: %v, want %v", accept, got, want)
		}
	}
}

var assetRE = regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`)

// The built index.html: one module script from /assets/, its stylesheet,
// nothing inline that the CSP would refuse.
func TestIndexHasNothingInline(t *testing.T) {
	body := do(t, web.Default(), "GET", "/login", map[string]string{"Accept": browserAccept}).Body.String()
	if n := strings.Count(body, "<script"); n != 1 || !strings.Contains(body, `<script type="module" crossorigin src="/assets/`) {
		t.Errorf("index.html has %d scripts, want the one module from /assets/:\n%s", n, body)
	}
	for _, bad := range []string{"<style", " style=", " onload=", " onclick=", " onerror=", "javascript:", "http://", "https://"} {
		if strings.Contains(body, bad) {
			t.Errorf("index.html holds %q, which the CSP refuses or which loads from elsewhere", bad)
		}
	}
	if len(assetRE.FindAllStringSubmatch(body, -1)) < 2 {
		t.Errorf("index.html names no script and stylesheet under /assets/:\n%s", body)
	}
}

// Every asset index.html names is served, with immutable caching, its type,
// the CSP, gzip when the client takes it, and 304 to its ETag.
func TestAssets(t *testing.T) {
	a := web.Default()
	body := do(t, a, "GET", "/", map[string]string{"Accept": browserAccept}).Body.String()
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	for _, m := range assetRE.FindAllStringSubmatch(body, -1) {
		p := m[1]
		w := do(t, a, "GET", p, nil)
		if w.Code != 200 {
			t.Errorf("GET %s: %d", p, w.Code)
			continue
		}
		checkSecurityHeaders(t, "GET "+p, w)
		if got := w.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q", p, got)
		}
		for ext, ct := range types {
			if strings.HasSuffix(p, ext) && w.Header().Get("Content-Type") != ct {
				t.Errorf("GET %s: Content-Type %q, want %q", p, w.Header().Get("Content-Type"), ct)
			}
		}
		plain := w.Body.Bytes()
		if w.Header().Get("Content-Encoding") != "" {
			t.Errorf("GET %s without Accept-Encoding: encoded %q", p, w.Header().Get("Content-Encoding"))
		}
		z := do(t, a, "GET", p, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
		if z.Header().Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(z.Body)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(zr)
			if !bytes.Equal(got, plain) {
				t.Errorf("GET %s: the gzip answer is not the file", p)
			}
			if z.Header().Get("Vary") != "Accept-Encoding" {
				t.Errorf("GET %s: Vary %q", p, z.Header().Get("Vary"))
			}
		} else if strings.HasSuffix(p, ".js") {
			t.Errorf("GET %s with Accept-Encoding gzip: not compressed", p)
		}
		if nm := do(t, a, "GET", p, map[string]string{"If-None-Match": w.Header().Get("ETag")}); nm.Code != 304 || nm.Body.Len() != 0 {
			t.Errorf("GET %s with its ETag: %d, %d bytes", p, nm.Code, nm.Body.Len())
		}
		if h := do(t, a, "HEAD", p, nil); h.Code != 200 || h.Body.Len() != 0 || h.Header().Get("Content-Length") != w.Header().Get("Content-Length") {
			t.Errorf("HEAD %s: %d, %d bytes, length %q", p, h.Code, h.Body.Len(), h.Header().Get("Content-Length"))
		}
	}
	// An asset of another build: 404, never cached.
	w := do(t, a, "GET", "/assets/index-OLDBUILD.js", nil)
	if w.Code != 404 || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("an unknown asset: %d, Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
	}
	checkSecurityHeaders(t, "an unknown asset", w)
}

// index.html revalidates by its ETag (no-cache means ask, not never keep).
func TestIndexRevalidates(t *testing.T) {
	a := web.Default()
	html := map[string]string{"Accept": browserAccept}
	w := do(t, a, "GET", "/login", html)
	etag := w.Header().Get("ETag")
	if etag == "" {
		t.Fatal("index.html has no ETag")
	}
	html["If-None-Match"] = etag
	if nm := do(t, a, "GET", "/account", html); nm.Code != 304 {
		t.Errorf("revalidation: %d", nm.Code)
	}
	// A not-found page keeps its 404 whatever the client holds.
	if nf := do(t, a, "GET", "/nope", html); nf.Code != 404 {
		t.Errorf("not found with an ETag: %d", nf.Code)
	}
}

func TestMethodsOtherThanGET(t *testing.T) {
	w := do(t, web.Default(), "POST", "/login", map[string]string{"Accept": browserAccept})
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /login: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
	checkSecurityHeaders(t, "POST /login", w)
}

// New refuses a build without index.html, and serves what a build holds.
func TestNew(t *testing.T) {
	if _, err := web.New(fstest.MapFS{"assets/a.js": {Data: []byte("x")}}); err == nil {
		t.Error("a build without index.html was accepted")
	}
	big := strings.Repeat("console.log('precinct');\n", 100)
	a, err := web.New(fstest.MapFS{
		"index.html":       {Data: []byte("<!doctype html><div id=app></div>")},
		"assets/app-1.js":  {Data: []byte(big)},
		"assets/tiny-2.js": {Data: []byte("1")},
		"assets/pic-3.png": {Data: []byte("\x89PNG")},
	})
	if err != nil {
		t.Fatal(err)
	}
	gz := map[string]string{"Accept-Encoding": "gzip"}
	if w := do(t, a, "GET", "/assets/app-1.js", gz); w.Header().Get("Content-Encoding") != "gzip" || w.Body.Len() >= len(big) {
		t.Errorf("a large script: encoding %q, %d bytes", w.Header().Get("Content-Encoding"), w.Body.Len())
	}
	if w := do(t, a, "GET", "/assets/app-1.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); w.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 was sent gzip")
	}
	if w := do(t, a, "GET", "/assets/tiny-2.js", gz); w.Header().Get("Content-Encoding") != "" || w.Body.String() != "1" {
		t.Errorf("a tiny script was compressed: %q", w.Header().Get("Content-Encoding"))
	}
	if w := do(t, a, "GET", "/assets/pic-3.png", gz); w.Header().Get("Content-Type") != "image/png" || w.Header().Get("Content-Encoding") != "" {
		t.Errorf("a PNG: %q %q", w.Header().Get("Content-Type"), w.Header().Get("Content-Encoding"))
	}
}
