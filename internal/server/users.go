package server

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/web/templates"
)

func (s *Server) usersList(c echo.Context) error {
	return s.renderUsers(c, http.StatusOK, templates.UserForm{})
}

func (s *Server) renderUsers(c echo.Context, status int, form templates.UserForm) error {
	users, err := s.auth.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, status, templates.UsersPage(s.pageFor(c, "Users", "users"), users, form, auth.MinPasswordLength))
}

func (s *Server) userCreate(c echo.Context) error {
	name, roleText := c.FormValue("username"), c.FormValue("role")
	ev := event{Action: audit.ActionUserCreated, TargetType: "user", TargetID: name, Params: map[string]any{"role": roleText}}
	user, err := s.createUser(c, name, c.Request().PostFormValue("password"), roleText)
	s.recordResult(c, ev, err)
	if msg, ok := userMessage(err); ok {
		return s.renderUsers(c, http.StatusBadRequest, templates.UserForm{Name: name, Role: roleText, Error: msg})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/users", "ok", "User "+user.Name+" added as "+string(user.Role)+".")
}

func (s *Server) createUser(c echo.Context, name, password, roleText string) (auth.User, error) {
	role, err := auth.ParseRole(roleText)
	if err != nil {
		return auth.User{}, err
	}
	return s.auth.CreateUser(c.Request().Context(), name, password, role)
}

func (s *Server) userShow(c echo.Context) error {
	u, err := s.userFromPath(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.UserPage(s.pageFor(c, u.Name, "users"), u, "", auth.MinPasswordLength))
}

func (s *Server) userFromPath(c echo.Context) (auth.User, error) {
	id, err := idParam(c)
	if err != nil {
		return auth.User{}, err
	}
	u, err := s.auth.GetUser(c.Request().Context(), id)
	return u, notFoundIf(err, auth.ErrUserNotFound)
}

// userChange applies one admin change to the user named in the path, audits
// it, and shows the outcome on the user's page.
func (s *Server) userChange(c echo.Context, action string, params map[string]any, change func(auth.User) error, done string) error {
	u, err := s.userFromPath(c)
	if err != nil {
		return err
	}
	err = change(u)
	s.recordResult(c, event{Action: action, TargetType: "user", TargetID: u.Name, Params: params}, err)
	if msg, ok := userMessage(err); ok {
		return render(c, http.StatusBadRequest, templates.UserPage(s.pageFor(c, u.Name, "users"), u, msg, auth.MinPasswordLength))
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/users/%d", u.ID), "ok", done)
}

func (s *Server) userSetRole(c echo.Context) error {
	roleText := c.FormValue("role")
	return s.userChange(c, audit.ActionUserRoleChanged, map[string]any{"role": roleText}, func(u auth.User) error {
		role, err := auth.ParseRole(roleText)
		if err != nil {
			return err
		}
		return s.auth.SetRole(c.Request().Context(), u.ID, role)
	}, "Role changed to "+roleText+". The user's sessions have ended.")
}

func (s *Server) userDisable(c echo.Context) error {
	return s.userChange(c, audit.ActionUserDisabled, nil, func(u auth.User) error {
		return s.auth.SetDisabled(c.Request().Context(), u.ID, true)
	}, "User disabled and logged out.")
}

func (s *Server) userEnable(c echo.Context) error {
	return s.userChange(c, audit.ActionUserEnabled, nil, func(u auth.User) error {
		return s.auth.SetDisabled(c.Request().Context(), u.ID, false)
	}, "User enabled.")
}

func (s *Server) userResetPassword(c echo.Context) error {
	password := c.Request().PostFormValue("password")
	return s.userChange(c, audit.ActionUserPasswordReset, nil, func(u auth.User) error {
		return s.auth.SetPassword(c.Request().Context(), u.ID, password)
	}, "Password reset. The user's sessions have ended.")
}
