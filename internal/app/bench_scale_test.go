package app_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/seed"
)

// The scale benchmarks: the requests every signed-in screen and game server
// makes, on data made by the same code as `precinct seed`, at a small and a
// large size in one run, so that the ratio shows what size costs. The large
// size is 100 communities of 1,000 members: 100,000 users and 100,000
// memberships. Run with
//
//	go test -run '^$' -bench Scale -benchmem ./internal/app/
//
// The requests are made as the Community Admin of a community in the
// middle of the data.
func BenchmarkScale(b *testing.B) {
	for _, size := range []struct {
		name                 string
		communities, members int
	}{
		{"small-10x10", 10, 10},
		{"large-100x1000", 100, 1000},
	} {
		b.Run(size.name, func(b *testing.B) {
			sd := apitest.NewSeeded(b, seed.Options{Communities: size.communities, Members: size.members})
			env, target := sd.Env, sd.Target
			h := apitest.Quiet(b, env)
			token := sd.AdminToken(b)
			jwt := func(path string) *http.Request {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				return req
			}
			b.Run("auth-me", func(b *testing.B) { apitest.ServeLoop(b, h, jwt("/api/auth/me")) })
			b.Run("community", func(b *testing.B) { apitest.ServeLoop(b, h, jwt("/api/community/"+target.ID)) })
			// The first page as a dashboard asks for it (up to 50: 10 at
			// the small size, 50 at the large), and a page of the same
			// length at both sizes, which shows what size itself costs.
			b.Run("members-first-page", func(b *testing.B) { apitest.ServeLoop(b, h, jwt("/api/community/"+target.ID+"/members")) })
			b.Run("members-page-of-10", func(b *testing.B) { apitest.ServeLoop(b, h, jwt("/api/community/"+target.ID+"/members?limit=10")) })
			b.Run("key-scoped-departments", func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, "/api/civilian/fivem-departments", nil)
				req.Header.Set("x-api-key", target.APIKey)
				apitest.ServeLoop(b, h, req)
			})
			// The comparison of the acceptance: a JWT-authenticated
			// scoped request whose handler does one indexed read (the
			// community's departments), beside a bare Echo handler that
			// does the same read on the same store and answers it.
			b.Run("jwt-scoped-departments", func(b *testing.B) { apitest.ServeLoop(b, h, jwt("/api/community/"+target.ID+"/departments")) })
			b.Run("bare-echo-one-indexed-read", func(b *testing.B) {
				e := echo.New()
				e.GET("/departments/:id", func(c *echo.Context) error {
					list, err := env.DB.Departments(c.Request().Context(), c.Param("id"))
					if err != nil {
						return err
					}
					out := make([]map[string]any, len(list))
					for i, d := range list {
						out[i] = map[string]any{"_id": d.ID, "id": d.ID, "code": d.Code, "name": d.Name, "type": d.Type,
							"callSignTemplate": d.CallSignTemplate, "blipColor": d.BlipColor, "blipSprite": d.BlipSprite,
							"paycheck": d.Paycheck, "createdAt": d.CreatedAt}
					}
					return c.JSON(http.StatusOK, map[string]any{"departments": out})
				})
				apitest.ServeLoop(b, e, httptest.NewRequest(http.MethodGet, "/departments/"+target.ID, nil))
			})
		})
	}
}
