package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
)

type apiUser struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      auth.Role `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toAPIUser(u auth.User) apiUser {
	return apiUser{ID: u.ID, Name: u.Name, Role: u.Role, Disabled: u.Disabled, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func (s *Server) apiWhoami(c echo.Context) error {
	id := identityOf(c)
	return c.JSON(http.StatusOK, map[string]string{"name": id.Name, "role": string(id.Role), "source": id.Source})
}

func (s *Server) apiUsersList(c echo.Context) error {
	users, err := s.auth.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]apiUser, 0, len(users))
	for _, u := range users {
		out = append(out, toAPIUser(u))
	}
	return c.JSON(http.StatusOK, map[string]any{"users": out})
}

func (s *Server) apiUserCreate(c echo.Context) error {
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
		Role     string `json:"role"`
	}
	if err := bindJSON(c, &in, `{"name":"alice","password":"…","role":"auditor"}`); err != nil {
		return err
	}
	user, err := s.createUser(c, in.Name, in.Password, in.Role)
	s.recordResult(c, event{Action: audit.ActionUserCreated, TargetType: "user", TargetID: in.Name, Params: map[string]any{"role": in.Role}}, err)
	if msg, ok := userMessage(err); ok {
		return echo.NewHTTPError(http.StatusBadRequest, msg)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIUser(user))
}

func (s *Server) apiAuditList(c echo.Context) error {
	f, _, before, err := auditQuery(c)
	if err != nil {
		return err
	}
	limit := 100
	if l := c.QueryParam("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > 1000 {
			return echo.NewHTTPError(http.StatusBadRequest, "limit must be a whole number from 1 to 1000")
		}
	}
	entries, next, err := s.audit.List(c.Request().Context(), f, before, limit)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": entries, "next_before": next})
}
