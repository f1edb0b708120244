package safehttp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/safehttp"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// A server on loopback, as every test has; the tests that need to reach it
// turn the allowances on, and the others prove they are needed.
func local(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func hello(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write([]byte("hello"))
}

// Without the allowances, loopback (by address and by name) and a private
// address are refused before any connection, plain http is refused, and so
// are URLs with user info or another scheme (item 8 of issue 16).
func TestRefusedByDefault(t *testing.T) {
	srv := local(t, hello)
	strict := safehttp.New(safehttp.Options{AllowHTTP: true}) // only the address rule in play
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL, "http://localhost" + port + "/", "http://[::1]" + port + "/", "http://10.0.0.1/x.png",
		"http://169.254.169.254/latest/meta-data/", "http://0.0.0.0" + port + "/", "http://[::ffff:127.0.0.1]" + port + "/"} {
		start := time.Now()
		_, err := strict.Get(ctxT(t), u, "")
		if !errors.Is(err, safehttp.ErrDestination) {
			t.Errorf("%s: %v, want the destination refused", u, err)
		}
		// Refused at dial time, not after a connect timeout.
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v to refuse", u, d)
		}
	}
	httpsOnly := safehttp.New(safehttp.Options{AllowPrivate: true})
	for _, u := range []string{srv.URL, "ftp://example.com/x", "https://user:pw@example.com/x", "//example.com/x", "https:///x", "javascript:alert(1)"} {
		if _, err := httpsOnly.Get(ctxT(t), u, ""); !errors.Is(err, safehttp.ErrURL) {
			t.Errorf("%s: %v, want the URL refused", u, err)
		}
	}
	if got := safehttp.Reason(errors.Join(safehttp.ErrDestination)); !strings.Contains(got, "address") {
		t.Errorf("reason %q", got)
	}
}

func TestAddressRules(t *testing.T) {
	strict := safehttp.New(safehttp.Options{})
	open := safehttp.New(safehttp.Options{AllowPrivate: true})
	for _, tc := range []struct {
		addr         string
		strict, open bool
	}{
		{"93.184.216.34", true, true},
		{"2606:2800:220:1:248:1893:25c8:1946", true, true},
		{"127.0.0.1", false, true},
		{"10.0.0.1", false, true},
		{"172.16.5.4", false, true},
		{"192.168.1.1", false, true},
		{"169.254.169.254", false, true},
		{"100.64.0.1", false, true},
		{"::1", false, true},
		{"fe80::1", false, true},
		{"fd00::1", false, true},
		{"::ffff:10.0.0.1", false, true},
		{"64:ff9b::a00:1", false, true},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
		{"ff02::1", false, false},
		{"255.255.255.255", false, false},
	} {
		a := netip.MustParseAddr(tc.addr)
		if got := strict.Allowed(a); got != tc.strict {
			t.Errorf("strict %s: %v", tc.addr, got)
		}
		if got := open.Allowed(a); got != tc.open {
			t.Errorf("with private allowed %s: %v", tc.addr, got)
		}
	}
}

// With the allowances a local server is reached; the body is capped, a
// non-2xx answer and a slow server are errors, and redirects are followed
// only as far as allowed, each one checked like the first request.
func TestFetchRules(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", hello)
	mux.HandleFunc("/big", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(make([]byte, 2048)) })
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i < 4; i++ {
			_, _ = w.Write(make([]byte, 600))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/hop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/out", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://0.0.0.0"+r.Host[strings.LastIndex(r.Host, ":"):]+"/ok", http.StatusFound)
	})
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
	})
	srv := local(t, mux.ServeHTTP)
	c := safehttp.New(safehttp.Options{AllowHTTP: true, AllowPrivate: true, MaxBytes: 1024, Timeout: 500 * time.Millisecond, MaxRedirects: 1})
	res, err := c.Get(ctxT(t), srv.URL+"/ok", "image/*")
	if err != nil || string(res.Body) != "hello" || res.ContentType != "image/png" {
		t.Fatalf("%+v %v", res, err)
	}
	for path, want := range map[string]error{"/big": safehttp.ErrTooLarge, "/chunked": safehttp.ErrTooLarge, "/missing": safehttp.ErrStatus} {
		if _, err := c.Get(ctxT(t), srv.URL+path, ""); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", path, err, want)
		}
	}
	start := time.Now()
	if _, err := c.Get(ctxT(t), srv.URL+"/slow", ""); err == nil || safehttp.Reason(err) != "it took too long" {
		t.Errorf("slow: %v (%q)", err, safehttp.Reason(err))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the timeout took %v", d)
	}
	if res, err := c.Get(ctxT(t), srv.URL+"/hop", ""); err != nil || string(res.Body) != "hello" || !strings.HasSuffix(res.URL, "/ok") {
		t.Errorf("one redirect: %+v %v", res, err)
	}
	none := safehttp.New(safehttp.Options{AllowHTTP: true, AllowPrivate: true})
	if _, err := none.Get(ctxT(t), srv.URL+"/hop", ""); !errors.Is(err, safehttp.ErrRedirect) {
		t.Errorf("no redirects allowed: %v", err)
	}
	// A redirect from an allowed server is checked as the first request
	// was: to the unspecified address (which reaches this host), refused.
	if _, err := c.Get(ctxT(t), srv.URL+"/out", ""); !errors.Is(err, safehttp.ErrDestination) {
		t.Errorf("redirect to a private address: %v", err)
	}
	// A redirect's URL is checked too.
	if _, err := c.Get(ctxT(t), srv.URL+"/ftp", ""); !errors.Is(err, safehttp.ErrURL) {
		t.Errorf("a redirect to ftp: %v", err)
	}
}
