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
		h, err := c.APIHealthWithResponse(context.Background())
		if err != nil || h.JSON200.Status != "ok" || h.JSON200.Version != "test" {
			t.Errorf("%s: %+v %v", base, h, err)
		}
	}
}

func TestErrorsAreDecoded(t *testing.T) {
	c := client.New(server(t).URL)
	// A method the route does not have: the generated request, sent as
	// POST through the client.
	req, err := client.NewHealthzRequest(c.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	req.Method = http.MethodPost
	_, err = c.Do(context.Background(), req)
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
	// A generated method gets the same: no credential, 401.
	if _, err := c.MeWithResponse(context.Background(), nil); !client.IsCode(err, "unauthorized") {
		t.Fatalf("me without a credential: %v", err)
	}
}

// A non-JSON error (a proxy's HTML page, say) still becomes an *Error.
func TestNonJSONError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	defer srv.Close()
	_, err := client.New(srv.URL).ReadyzWithResponse(context.Background())
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 502 || e.Message != "Bad Gateway" || e.RetryAfter != 7*time.Second {
		t.Fatalf("%#v", err)
	}
}

func TestCredentialsAreSent(t *testing.T) {
	var got []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Clone())
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	c := client.New(srv.URL, client.WithToken("tok"), client.WithAPIKey("fvm_k"), client.WithCommunity("100000000000000001"))
	ctx := context.Background()
	if _, err := c.HealthzWithResponse(ctx); err != nil {
		t.Fatal(err)
	}
	// A community named by the call wins over the client's.
	other := client.XCommunityID("200000000000000002")
	if _, err := c.ListUnitsWithResponse(ctx, &client.ListUnitsParams{XCommunityID: &other}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d requests", len(got))
	}
	if h := got[0]; h.Get("Authorization") != "Bearer tok" || h.Get("X-Api-Key") != "fvm_k" || h.Get("X-Community-Id") != "100000000000000001" || h.Get("Accept") != "application/json" {
		t.Fatalf("headers %v", h)
	}
	if h := got[1]; h.Get("X-Community-Id") != "200000000000000002" {
		t.Fatalf("the call's community: %v", h)
	}
}

// DiscordSignIn refuses a client that would lose the flow's cookie.
func TestDiscordSignInNeedsACookieJar(t *testing.T) {
	if _, err := client.New("http://127.0.0.1:1").DiscordSignIn(context.Background(), ""); err == nil {
		t.Fatal("no error without a cookie jar")
	}
}
