package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/store/storetest"
	"github.com/precinct-cad/precinct/pkg/client"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(apitest.New(t).Server.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func TestBaseURLForms(t *testing.T) {
	srv := server(t)
	for _, base := range []string{srv.URL, srv.URL + "/", srv.URL + "/api", srv.URL + "/api/"} {
		c := client.New(base)
		if c.BaseURL() != srv.URL {
			t.Errorf("New(%q).BaseURL() = %q", base, c.BaseURL())
		}
		h, err := c.Health(context.Background())
		if err != nil || h.Status != "ok" || h.Version != "test" {
			t.Errorf("%s: %+v %v", base, h, err)
		}
	}
}

func TestErrorsAreDecoded(t *testing.T) {
	c := client.New(server(t).URL)
	err := c.Do(context.Background(), http.MethodPost, "/healthz", map[string]string{"a": "b"}, nil)
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if e.Status != 405 || e.Code != "method_not_allowed" || e.Message != "Method not allowed" || len(e.RequestID) != 32 {
		t.Fatalf("%+v", e)
	}
	if !client.IsCode(err, "method_not_allowed") || client.IsCode(err, "not_found") {
		t.Fatal("IsCode")
	}
}

// A non-JSON error (a proxy's HTML page, say) still becomes an *Error.
func TestNonJSONError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	defer srv.Close()
	err := client.New(srv.URL).Ready(context.Background())
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 502 || e.Message != "Bad Gateway" || e.RetryAfter != 7*time.Second {
		t.Fatalf("%#v", err)
	}
}

func TestCredentialsAreSent(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := client.New(srv.URL, client.WithToken("tok"), client.WithAPIKey("fvm_k"))
	if err := c.Do(context.Background(), "GET", "/x", nil, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "Bearer tok" || got.Get("X-Api-Key") != "fvm_k" {
		t.Fatalf("headers %v", got)
	}
}
