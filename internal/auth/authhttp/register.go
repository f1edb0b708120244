package authhttp

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// maxInviteCodeLen bounds an invite code before anything looks at it.
const maxInviteCodeLen = 128

// register is POST /api/auth/register: a sign-up without Discord, with an
// invite code or under open registration; it signs in as login does.
func (h *handlers) register(c *echo.Context) error {
	// The answer signs this browser in: a page of another site must not
	// sign a visitor into an account of its making.
	if err := h.s.CheckCrossOrigin(c.Request()); err != nil {
		return err
	}
	var in struct {
		Username          string `json:"username"`
		Password          string `json:"password"`
		SecurityQuestions []struct {
			Question string `json:"question"`
			Answer   string `json:"answer"`
		} `json:"securityQuestions"`
		InviteCode string `json:"inviteCode"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(in.Username) == "" || in.Password == "":
		return cad.Errorf(cad.EINVALID, "username and password are required")
	case len(in.SecurityQuestions) != 2:
		return cad.Errorf(cad.EINVALID, "securityQuestions must hold two questions with their answers")
	case len(in.InviteCode) > maxInviteCodeLen:
		return cad.Errorf(cad.EINVALID, "inviteCode is not an invite code")
	}
	q := in.SecurityQuestions
	issued, err := h.auth.Register(c.Request().Context(), c.Response(), c.Request(), auth.NewUser{
		Username: in.Username, Password: in.Password,
		SecurityQuestion1: q[0].Question, SecurityAnswer1: q[0].Answer, SecurityQuestion2: q[1].Question, SecurityAnswer2: q[1].Answer,
	}, strings.TrimSpace(in.InviteCode), httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": issued.Token, "user": httpx.User(issued.User)})
}

// options is GET /api/auth/options: what the sign-in and sign-up pages
// offer.
func (h *handlers) options(c *echo.Context) error {
	o := h.auth.Options()
	return c.JSON(http.StatusOK, map[string]bool{"discord": o.Discord, "openRegistration": o.OpenRegistration})
}
