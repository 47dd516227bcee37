package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/operations"
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
	v := templates.HomeView{Users: len(users), Recent: recent, Chain: s.chain.Status(), Now: time.Now()}
	if v.Clusters, err = s.clusterStatuses(c); err != nil {
		return err
	}
	if v.Jobs, _, err = s.jobs.List(ctx, jobs.Filter{}, 0, 5); err != nil {
		return err
	}
	for _, k := range keys {
		if k.RevokedAt == nil {
			v.APIKeys++
		}
	}
	return render(c, http.StatusOK, templates.HomePage(s.pageFor(c, "Home", "home"), v))
}

// clusterStatuses finds each cluster's newest successful and failed backups
// and its running jobs.
func (s *Server) clusterStatuses(c echo.Context) ([]templates.ClusterStatus, error) {
	ctx := c.Request().Context()
	names, err := s.clusterNames(c)
	if err != nil {
		return nil, err
	}
	newest := func(f jobs.Filter) (*jobs.Job, error) {
		list, _, err := s.jobs.List(ctx, f, 0, 1)
		if err != nil || len(list) == 0 {
			return nil, err
		}
		return &list[0], nil
	}
	out := make([]templates.ClusterStatus, 0, len(names))
	for _, name := range names {
		st := templates.ClusterStatus{Name: name}
		if st.LastBackup, err = newest(jobs.Filter{Cluster: name, Type: operations.TypeBackup, Status: jobs.StatusSucceeded}); err != nil {
			return nil, err
		}
		failed, err := newest(jobs.Filter{Cluster: name, Type: operations.TypeBackup, Status: jobs.StatusFailed})
		if err != nil {
			return nil, err
		}
		if failed != nil && (st.LastBackup == nil || failed.ID > st.LastBackup.ID) {
			st.LastFailed = failed
		}
		recent, _, err := s.jobs.List(ctx, jobs.Filter{Cluster: name}, 0, 100)
		if err != nil {
			return nil, err
		}
		for _, j := range recent {
			switch j.Status {
			case jobs.StatusRunning, jobs.StatusPauseRequested, jobs.StatusCancelRequested, jobs.StatusReverting:
				st.Running++
			}
		}
		out = append(out, st)
	}
	return out, nil
}
