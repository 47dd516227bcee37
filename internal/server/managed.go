package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/web/templates"
)

func (s *Server) managedView(ctx context.Context, clusterName string) (templates.ManagedView, error) {
	v := templates.ManagedView{Cluster: clusterName, Off: !s.app.Clusters.ManagedEnabled()}
	m, err := s.app.Clusters.Managed(ctx, clusterName)
	switch {
	case errors.Is(err, schedule.ErrNotFound):
	case err != nil:
		return v, err
	default:
		v.Schedule = &m
	}
	return v, nil
}

// managedUpdate changes a cluster's managed backups: frequency, retention, on or off.
func (s *Server) managedUpdate(c echo.Context) error {
	cl, err := s.clusterFromPath(c)
	if err != nil {
		return err
	}
	keepDays, _ := strconv.Atoi(c.FormValue("keep_days"))
	set := schedules.ManagedSettings{Frequency: c.FormValue("frequency"), KeepDays: keepDays, Paused: c.FormValue("enabled") == ""}
	_, err = s.app.Clusters.SetManaged(c.Request().Context(), cl.Name, set, time.Now())
	s.recordResult(c, event{Action: audit.ActionManagedBackupsChanged, TargetType: "cluster", TargetID: cl.Name,
		Params: map[string]any{"frequency": set.Frequency, "keep_days": set.KeepDays, "paused": set.Paused}}, err)
	if err != nil {
		msg, ok := userMessage(err)
		if !ok {
			return err
		}
		return s.renderCluster(c, http.StatusBadRequest, cl, msg)
	}
	return s.redirectWithFlash(c, "/clusters/"+url.PathEscape(cl.Name)+"#managed-backups", "ok", "Managed backups of "+cl.Name+" saved.")
}
