package server

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.health(ctx); err != nil {
		s.log.Warn("readiness: state store unreachable", "error", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "state store unreachable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
