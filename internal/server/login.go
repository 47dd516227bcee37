package server

import (
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/web/templates"
)

func (s *Server) loginForm(c echo.Context) error {
	if identityOf(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	needs, err := s.auth.NeedsSetup(c.Request().Context())
	if err != nil {
		return err
	}
	if needs {
		return c.Redirect(http.StatusSeeOther, "/setup")
	}
	return render(c, http.StatusOK, templates.LoginPage(s.pageFor(c, "Log in", ""), "", ""))
}

func (s *Server) login(c echo.Context) error {
	name, password := c.Request().PostFormValue("username"), c.Request().PostFormValue("password")
	device := s.devices.Known(c.Request(), name)
	user, err := s.auth.AuthenticateDevice(c.Request().Context(), device, name, password, c.RealIP())
	var params map[string]any
	if device != "" {
		params = map[string]any{"known_device": true}
	}
	if err != nil {
		msg, status := loginFailureMessage(err)
		if status == http.StatusInternalServerError {
			return err
		}
		s.record(c, event{Action: audit.ActionLoginFailed, Actor: name, TargetType: "user", TargetID: name, Params: params}, audit.OutcomeDenied, msg)
		return render(c, status, templates.LoginPage(s.pageFor(c, "Log in", ""), name, msg))
	}
	if err := s.startSession(c, user); err != nil {
		return err
	}
	s.record(c, event{Action: audit.ActionLogin, TargetType: "user", TargetID: user.Name, Params: params}, audit.OutcomeOK, "")
	return c.Redirect(http.StatusSeeOther, localPath(c.QueryParam("next")))
}

func loginFailureMessage(err error) (string, int) {
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		minutes := int(math.Ceil(throttled.RetryAfter.Minutes()))
		return fmt.Sprintf("Too many failed attempts. Try again in %d minute(s).", max(minutes, 1)), http.StatusTooManyRequests
	case errors.Is(err, auth.ErrInvalidCredentials):
		return "Wrong user name or password.", http.StatusUnauthorized
	case errors.Is(err, auth.ErrUserDisabled):
		return "This account is disabled. Ask an admin to enable it.", http.StatusForbidden
	}
	return "", http.StatusInternalServerError
}

// startSession logs user in on this browser with a fresh session token,
// and gives the browser a new device cookie for the user.
func (s *Server) startSession(c echo.Context, user auth.User) error {
	if err := s.sessions.Start(c.Response(), c.Request(), user, c.RealIP(), c.Request().UserAgent()); err != nil {
		return err
	}
	if err := s.devices.Remember(c.Response(), user.Name); err != nil {
		return err
	}
	c.Set(identityKey, &identity{Name: user.Name, Role: user.Role, UserID: user.ID, Source: audit.SourceUI})
	return nil
}

func (s *Server) logout(c echo.Context) error {
	s.record(c, event{Action: audit.ActionLogout, TargetType: "user", TargetID: identityOf(c).Name}, audit.OutcomeOK, "")
	if err := s.sessions.End(c.Response(), c.Request()); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/login", "info", "You are logged out.")
}

func (s *Server) setupForm(c echo.Context) error {
	needs, err := s.auth.NeedsSetup(c.Request().Context())
	if err != nil {
		return err
	}
	if !needs {
		return errNotFound
	}
	return render(c, http.StatusOK, templates.SetupPage(s.pageFor(c, "Set up", ""), "", "", auth.MinPasswordLength))
}

func (s *Server) setup(c echo.Context) error {
	name, password := c.Request().PostFormValue("username"), c.Request().PostFormValue("password")
	if password != c.Request().PostFormValue("password_confirm") {
		return render(c, http.StatusBadRequest, templates.SetupPage(s.pageFor(c, "Set up", ""), name, "The two passwords differ; type the same password twice.", auth.MinPasswordLength))
	}
	user, err := s.auth.CreateFirstAdmin(c.Request().Context(), name, password)
	if errors.Is(err, auth.ErrSetupDone) {
		return errNotFound
	}
	if msg, ok := userMessage(err); ok {
		return render(c, http.StatusBadRequest, templates.SetupPage(s.pageFor(c, "Set up", ""), name, msg, auth.MinPasswordLength))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, user); err != nil {
		return err
	}
	s.record(c, event{Action: audit.ActionSetupCompleted, TargetType: "user", TargetID: user.Name, Params: map[string]any{"role": string(user.Role)}}, audit.OutcomeOK, "")
	return s.redirectWithFlash(c, "/", "ok", "Welcome, "+user.Name+". You are the first admin.")
}
