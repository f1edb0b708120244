package httpx_test

import (
	"strings"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
)

// /metrics serves what an operator needs, to loopback (metrics_allow's
// default) and to the metrics token, and to nobody else.
func TestMetrics(t *testing.T) {
	const token = "a-metrics-token-of-more-than-32-characters"
	cfg := apitest.DefaultConfig(t, func(c *config.Config) {
		c.JWTSecret = []byte(apitest.TestJWTSecret)
		c.MetricsToken = token
		c.Limits.API = cad.Rate{Limit: 3, Window: time.Minute}
	})
	env := apitest.NewWith(t, cfg, apitest.NewStoreObserved(t))
	apitest.MakeUser(t, env, "watched")
	li := apitest.LoginAs(t, env, "watched", apitest.GoodPassword, "192.0.2.1")
	for i := 0; i < 4; i++ { // the fourth is refused by the api limit
		env.Do("GET", "/api/auth/me", nil, apitest.Bearer(li.Token), "")
	}
	env.Do("POST", "/api/auth/login", map[string]string{"username": "watched", "password": "not the password"}, nil, "192.0.2.2:1")

	res := env.Do("GET", "/metrics", nil, nil, "127.0.0.1:40000")
	if res.Code != 200 {
		t.Fatalf("from loopback: %d %s", res.Code, res.Body)
	}
	body := res.Body.String()
	for _, want := range []string{
		`precinct_http_requests_total{method="GET",route="/api/auth/me",status="200"} 3`,
		`precinct_http_requests_total{method="GET",route="/api/auth/me",status="429"} 1`,
		`precinct_http_request_duration_seconds_bucket{method="GET",route="/api/auth/me",le="0.005"}`,
		`precinct_rate_limited_total{group="api"} 1`,
		`precinct_sign_ins_total{result="success"} 1`,
		`precinct_sign_ins_total{result="failure"} 1`,
		`precinct_password_hash_wait_seconds_count`,
		`precinct_db_operation_duration_seconds_count{engine="sqlite",op="get"}`,
		`precinct_db_operation_duration_seconds_count{engine="sqlite",op="insert"}`,
		`precinct_identity_cache_lookups_total{kind="session",result="hit"}`,
		`precinct_build_info{version="test"} 1`,
		"go_goroutines", "process_resident_memory_bytes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, li.Token) || strings.Contains(body, "/api/community/") {
		t.Error("/metrics holds a secret or a raw path")
	}
	apitest.Run(t, env, []apitest.Scenario{
		{Name: "another address", Method: "GET", Path: "/metrics", RemoteAddr: "198.51.100.1:1", ExpectedStatus: 403, ErrorCode: cad.EFORBIDDEN},
		{Name: "a forwarded loopback from an untrusted peer", Method: "GET", Path: "/metrics", RemoteAddr: "198.51.100.1:1",
			Headers: map[string]string{"X-Forwarded-For": "127.0.0.1"}, ExpectedStatus: 403},
		{Name: "the token", Method: "GET", Path: "/metrics", RemoteAddr: "198.51.100.1:1", Headers: apitest.Bearer(token), ExpectedStatus: 200,
			ExpectedContent: []string{"precinct_http_requests_total"}},
		{Name: "a wrong token", Method: "GET", Path: "/metrics", RemoteAddr: "198.51.100.1:1", Headers: apitest.Bearer(token + "x"), ExpectedStatus: 403},
		{Name: "a user's JWT is no metrics token", Method: "GET", Path: "/metrics", RemoteAddr: "198.51.100.1:1", Headers: apitest.Bearer(li.Token), ExpectedStatus: 403},
	})
}
