package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// CSP is the Content-Security-Policy of every answer of the app: scripts,
// styles, fonts and API calls from Precinct itself only, no inline script or
// style, images also from data: and blob: URLs (a mugshot being chosen), no
// plugins, no <base>, forms only to Precinct, and no framing.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
	"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// App serves the built dashboard from memory.
type App struct {
	index  *file
	assets map[string]*file // by URL path, "/assets/index-Bx1.js"
}

type file struct {
	body  []byte
	gz    []byte // nil when compressing does not pay
	etag  string
	ctype string
}

var (
	defaultOnce sync.Once
	defaultApp  *App
	defaultErr  error
)

// Default is the app embedded in the binary, read once.
func Default() *App {
	defaultOnce.Do(func() {
		sub, err := fs.Sub(dist, "dist")
		if err == nil {
			defaultApp, defaultErr = New(sub)
		} else {
			defaultErr = err
		}
	})
	if defaultErr != nil {
		// The build is embedded at compile time; a broken one is a bug of
		// the build, caught by this package's tests.
		panic(fmt.Sprintf("web: the embedded dashboard is unusable: %v", defaultErr))
	}
	return defaultApp
}

// New reads a built app: index.html at the root and the files under assets/.
func New(fsys fs.FS) (*App, error) {
	idx, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		return nil, fmt.Errorf("index.html: %w", err)
	}
	a := &App{index: newFile("index.html", idx), assets: map[string]*file{}}
	err = fs.WalkDir(fsys, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		a.assets["/"+p] = newFile(p, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	return a, nil
}

func newFile(name string, b []byte) *file {
	sum := sha256.Sum256(b)
	f := &file{body: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: contentType(name)}
	if compressible(name) && len(b) > 512 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		if buf.Len() < len(b)*9/10 {
			f.gz = buf.Bytes()
		}
	}
	return f
}

// contentType names the few kinds of file Vite emits, without depending on
// the machine's MIME table.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".webp":
		return "image/webp"
	case ".woff2":
		return "font/woff2"
	case ".json", ".map":
		return "application/json"
	}
	return "application/octet-stream"
}

func compressible(name string) bool {
	switch path.Ext(name) {
	case ".html", ".js", ".mjs", ".css", ".svg", ".json", ".map":
		return true
	}
	return false
}

// WantsHTML reports whether a request is a browser asking for a page: its
// Accept names text/html and not application/json. A browser's navigation
// sends "text/html,application/xhtml+xml,…"; API clients send
// application/json, */* or nothing, and keep getting JSON.
func WantsHTML(r *http.Request) bool {
	accept := strings.ToLower(strings.Join(r.Header.Values("Accept"), ","))
	return strings.Contains(accept, "text/html") && !strings.Contains(accept, "application/json")
}

// reserved are the server's own paths: the app never answers for them,
// whatever the client accepts, so their 404s stay the API's JSON.
func reserved(p string) bool {
	for _, prefix := range []string{"/api/", "/socket.io/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	switch p {
	case "/api", "/socket.io", "/metrics", "/healthz", "/readyz", "/api-docs":
		return true
	}
	return false
}

// AppPath reports whether p is one of the app's pages, which a reload or a
// shared link must reach: /login, /register, /account, /invite/{code},
// and /c/{communityId} with anything under it. The same list as the app's
// router (src/lib/router.svelte.ts).
func AppPath(p string) bool {
	switch p {
	case "/", "/login", "/register", "/account":
		return true
	}
	if code, ok := strings.CutPrefix(p, "/invite/"); ok {
		return code != "" && !strings.Contains(code, "/")
	}
	if rest, ok := strings.CutPrefix(p, "/c/"); ok {
		id, _, _ := strings.Cut(rest, "/")
		return id != ""
	}
	return false
}

// Serves reports whether the app answers r: a GET or HEAD for one of its
// assets, or a page asked for as HTML (WantsHTML) at any path but the
// server's own (/api/…, /socket.io/, /metrics, the probes).
func (a *App) Serves(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	if strings.HasPrefix(p, "/assets/") {
		return true
	}
	return WantsHTML(r) && !reserved(p)
}

// ServeHTTP answers an asset, or index.html: 200 at the app's paths, 404 at
// any other, so that the app shows its not-found page with the right
// status. Call it for requests Serves accepts.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		h.Set("Cache-Control", "no-store")
		http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/assets/") {
		f, ok := a.assets[r.URL.Path]
		if !ok {
			// An asset of another build (a tab open across an upgrade):
			// not cached, so the next build's can take its place.
			h.Set("Cache-Control", "no-store")
			http.Error(w, "Not found", http.StatusNotFound)
			return
		}
		h.Set("Cache-Control", cacheImmutable)
		serve(w, r, f, http.StatusOK)
		return
	}
	status := http.StatusOK
	if !AppPath(r.URL.Path) {
		status = http.StatusNotFound
	}
	h.Set("Cache-Control", cacheRevalidate)
	serve(w, r, a.index, status)
}

// serve writes f, gzip-compressed when the client takes it, answering 304
// to a matching If-None-Match.
func serve(w http.ResponseWriter, r *http.Request, f *file, status int) {
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	body := f.body
	etag := f.etag
	if f.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body = f.gz
			etag = strings.TrimSuffix(etag, `"`) + `-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	if status == http.StatusOK && etagMatches(r.Header.Get("If-None-Match"), etag) {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
				continue
			}
			q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
			if !ok {
				return true
			}
			if v, err := strconv.ParseFloat(q, 64); err == nil && v > 0 {
				return true
			}
		}
	}
	return false
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
