package server

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/alerts"
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
	v := templates.HomeView{Users: len(users), Recent: recent, Chain: s.auditChain.Status(), Now: time.Now().UTC()}
	var statuses []alerts.Status
	if v.Clusters, statuses, err = s.clusterStatuses(c, v.Now); err != nil {
		return err
	}
	for _, st := range statuses {
		if st.NeedsAttention() {
			v.Attention = append(v.Attention, st)
		}
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

// homeWindowTimeout keeps slow storage from holding up the home page.
const homeWindowTimeout = 3 * time.Second

// clusterStatuses finds each cluster's newest successful and failed
// backups, its running jobs, its schedules' next run and standing, and the
// point-in-time window its backups give. Clusters that need attention come
// first.
func (s *Server) clusterStatuses(c echo.Context, now time.Time) ([]templates.ClusterStatus, []alerts.Status, error) {
	ctx := c.Request().Context()
	names, err := s.clusterNames(c)
	if err != nil {
		return nil, nil, err
	}
	all, err := s.schedules.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	statuses, err := s.alerts.Statuses(ctx, all, now)
	if err != nil {
		return nil, nil, err
	}
	newest := func(f jobs.Filter) (*jobs.Job, error) {
		list, _, err := s.jobs.List(ctx, f, 0, 1)
		if err != nil || len(list) == 0 {
			return nil, err
		}
		return &list[0], nil
	}
	out := make([]templates.ClusterStatus, 0, len(names))
	read := map[string][]string{} // the collections each cluster's window comes from
	var toRead []string
	for _, name := range names {
		st := templates.ClusterStatus{Name: name}
		if st.LastBackup, err = newest(jobs.Filter{Cluster: name, Type: jobs.TypeBackup, Status: jobs.StatusSucceeded}); err != nil {
			return nil, nil, err
		}
		failed, err := newest(jobs.Filter{Cluster: name, Type: jobs.TypeBackup, Status: jobs.StatusFailed})
		if err != nil {
			return nil, nil, err
		}
		if failed != nil && (st.LastBackup == nil || failed.ID > st.LastBackup.ID) {
			st.LastFailed = failed
		}
		recent, _, err := s.jobs.List(ctx, jobs.Filter{Cluster: name}, 0, 100)
		if err != nil {
			return nil, nil, err
		}
		// The window comes from the collections its schedules write to and
		// those its recent backups went to.
		var collections []string
		for _, j := range recent {
			switch j.Status {
			case jobs.StatusRunning, jobs.StatusPauseRequested, jobs.StatusCancelRequested, jobs.StatusReverting:
				st.Running++
			case jobs.StatusSucceeded:
				var res operations.BackupResult
				if j.Type == jobs.TypeBackup && json.Unmarshal(j.Result, &res) == nil && res.Collection != "" &&
					!slices.Contains(collections, res.Collection) {
					collections = append(collections, res.Collection)
				}
			}
		}
		for _, sch := range statuses {
			if sch.Schedule.Cluster != name {
				continue
			}
			st.Schedules = append(st.Schedules, sch)
			if !slices.Contains(collections, sch.Schedule.Collection) {
				collections = append(collections, sch.Schedule.Collection)
			}
			if next := sch.Schedule.State.NextRun; !sch.Schedule.State.Paused && (st.NextRun.IsZero() || next.Before(st.NextRun)) {
				st.NextRun = next
			}
		}
		read[name] = collections
		for _, coll := range collections {
			if !slices.Contains(toRead, coll) {
				toRead = append(toRead, coll)
			}
		}
		out = append(out, st)
	}
	// Each collection is read once, however many clusters it serves.
	wctx, cancel := context.WithTimeout(ctx, homeWindowTimeout)
	windows, failed := s.ops.RestoreWindows(wctx, toRead)
	cancel()
	for i := range out {
		out[i].Windows = windows[out[i].Name]
		for _, coll := range read[out[i].Name] {
			if err := failed[coll]; err != nil && out[i].WindowError == "" {
				out[i].WindowError = s.messageFor(err, "reading restore windows for the home page", "collection", coll)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b templates.ClusterStatus) int { return cmp.Compare(a.Rank(), b.Rank()) })
	return out, statuses, nil
}
