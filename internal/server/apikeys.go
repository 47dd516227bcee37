package server

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/web/templates"
)

func (s *Server) apiKeysList(c echo.Context) error {
	return s.renderAPIKeys(c, http.StatusOK, nil, templates.UserForm{})
}

func (s *Server) renderAPIKeys(c echo.Context, status int, created *templates.NewAPIKey, form templates.UserForm) error {
	keys, err := s.auth.ListAPIKeys(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, status, templates.APIKeysPage(s.pageFor(c, "API keys", "apikeys"), keys, created, form))
}

func (s *Server) apiKeyCreate(c echo.Context) error {
	name, roleText := c.FormValue("name"), c.FormValue("role")
	key, token, err := s.createAPIKey(c, name, roleText)
	if msg, ok := userMessage(err); ok {
		return s.renderAPIKeys(c, http.StatusBadRequest, nil, templates.UserForm{Name: name, Role: roleText, Error: msg})
	}
	if err != nil {
		return err
	}
	// The token is rendered into this response only; it is never stored or shown again.
	return s.renderAPIKeys(c, http.StatusOK, &templates.NewAPIKey{Name: key.Name, Token: token}, templates.UserForm{})
}

// createAPIKey creates and audits a key; the token never reaches the audit log.
func (s *Server) createAPIKey(c echo.Context, name, roleText string) (auth.APIKey, string, error) {
	ev := event{Action: audit.ActionAPIKeyCreated, TargetType: "apikey", TargetID: name, Params: map[string]any{"role": roleText}}
	role, err := auth.ParseRole(roleText)
	if err != nil {
		s.recordResult(c, ev, err)
		return auth.APIKey{}, "", err
	}
	key, token, err := s.auth.CreateAPIKey(c.Request().Context(), name, role, identityOf(c).Name)
	s.recordResult(c, ev, err)
	return key, token, err
}

func (s *Server) apiKeyRevoke(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	err = s.auth.RevokeAPIKey(c.Request().Context(), id)
	if err = notFoundIf(err, auth.ErrAPIKeyNotFound); err == errNotFound {
		return err
	}
	s.recordResult(c, event{Action: audit.ActionAPIKeyRevoked, TargetType: "apikey", TargetID: fmt.Sprint(id)}, err)
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/apikeys", "ok", "API key revoked.")
}
