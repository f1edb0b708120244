package httpx_test

import (
	"strings"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// The community context is required where it cannot be inferred: the scope
// reads header, path, query and JSON body, and otherwise answers 400.
func TestCommunityContextSources(t *testing.T) {
	tn := apitest.NewTenants(t)
	// A scoped test route without the community in its path.
	tn.Env.Server.Add("POST", "/test/scoped", httpx.Member, func(c *echo.Context) error {
		return c.JSON(200, map[string]string{"community": httpx.ScopeOf(c).Community.ID})
	})
	for name, tc := range map[string]struct {
		path string
		h    map[string]string
		body any
		want int
	}{
		"none":               {"/test/scoped", tn.As("memberA"), map[string]string{}, 400},
		"header":             {"/test/scoped", apitest.Merge(tn.As("memberA"), map[string]string{"X-Community-ID": tn.A.ID}), map[string]string{}, 200},
		"query":              {"/test/scoped?communityId=" + tn.A.ID, tn.As("memberA"), map[string]string{}, 200},
		"body":               {"/test/scoped", tn.As("memberA"), map[string]string{"communityId": tn.A.GuildID, "x": "y"}, 200},
		"guildId query":      {"/test/scoped?guildId=" + tn.A.GuildID, tn.As("memberA"), map[string]string{}, 200},
		"body, not a member": {"/test/scoped", tn.As("memberB"), map[string]string{"communityId": tn.A.ID}, 404},
		"body, not a string": {"/test/scoped", tn.As("memberA"), map[string]any{"communityId": 5}, 400},
	} {
		t.Run(name, func(t *testing.T) {
			res := tn.Env.Do("POST", tc.path, tc.body, tc.h, "")
			if res.Code != tc.want {
				t.Fatalf("%d %s", res.Code, res.Body)
			}
			if tc.want == 200 && !strings.Contains(res.Body.String(), tn.A.ID) {
				t.Fatalf("scope: %s", res.Body)
			}
			if name == "none" && !strings.Contains(res.Body.String(), "Community context is required") {
				t.Fatalf("message: %s", res.Body)
			}
		})
	}
}
