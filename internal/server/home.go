package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/web/templates"
)

func (s *Server) home(c echo.Context) error {
	ctx := c.Request().Context()
	users, err := s.auth.ListUsers(ctx)
	if err != nil {
		return err
	}
	keys, err := s.auth.ListAPIKeys(ctx)
	if err != nil {
		return err
	}
	recent, _, err := s.audit.List(ctx, audit.Filter{}, 0, 10)
	if err != nil {
		return err
	}
	v := templates.HomeView{Users: len(users), Recent: recent, Chain: s.chain.Status()}
	for _, k := range keys {
		if k.RevokedAt == nil {
			v.APIKeys++
		}
	}
	return render(c, http.StatusOK, templates.HomePage(s.pageFor(c, "Home", "home"), v))
}
