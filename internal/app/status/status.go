package status

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/app/collections"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
)

// Home is what the home page shows.
type Home struct {
	Clusters  []Cluster       // those that need attention first
	Attention []alerts.Status // failing and overdue schedules
	Jobs      []jobs.Job      // the newest few
	Users     int
	APIKeys   int // not revoked
	Recent    []audit.Entry
}

// Cluster is how one cluster's backups stand.
type Cluster struct {
	Name       string
	LastBackup *jobs.Job // newest succeeded backup job
	LastFailed *jobs.Job // newest failed backup job, when newer than the last success
	Running    int
	Schedules  []alerts.Status
	NextRun    time.Time // the soonest next run of its active schedules; zero: none
	Windows    []collections.DatabaseWindow
	// WindowErr says why collection WindowCollection, which the windows
	// come from, could not be read.
	WindowErr        error
	WindowCollection string
}

// Standing is a cluster's state in a word.
type Standing int

const (
	Failing Standing = iota
	Overdue
	NoBackupYet
	NoActiveSchedule
	OK
)

// Standing says how the cluster stands: failing or overdue first.
func (c Cluster) Standing() Standing {
	failing, overdue, active := c.LastFailed != nil, false, false
	for _, s := range c.Schedules {
		failing = failing || s.Failing
		overdue = overdue || s.Overdue
		active = active || !s.Schedule.State.Paused
	}
	switch {
	case failing:
		return Failing
	case overdue:
		return Overdue
	case c.LastBackup == nil:
		return NoBackupYet
	case !active:
		return NoActiveSchedule
	}
	return OK
}

// NeedsAttention is true for a failing or overdue cluster.
func (c Cluster) NeedsAttention() bool { return c.Standing() <= Overdue }

// Reader reads the home page's model.
type Reader struct {
	Registry    *registry.Registry
	Jobs        *jobs.Store
	Schedules   *schedule.Store
	Alerts      *alerts.Notifier
	Collections *collections.Service
	Auth        *auth.Service
	Audit       *audit.Log
}

// windowTimeout keeps slow storage from holding up the home page.
const windowTimeout = 3 * time.Second

// Home reads the home page's model at now.
func (r *Reader) Home(ctx context.Context, now time.Time) (Home, error) {
	var h Home
	users, err := r.Auth.ListUsers(ctx)
	if err != nil {
		return h, err
	}
	h.Users = len(users)
	keys, err := r.Auth.ListAPIKeys(ctx)
	if err != nil {
		return h, err
	}
	for _, k := range keys {
		if k.RevokedAt == nil {
			h.APIKeys++
		}
	}
	if h.Recent, _, err = r.Audit.List(ctx, audit.Filter{}, 0, 10); err != nil {
		return h, err
	}
	var statuses []alerts.Status
	if h.Clusters, statuses, err = r.clusters(ctx, now); err != nil {
		return h, err
	}
	for _, st := range statuses {
		if st.NeedsAttention() {
			h.Attention = append(h.Attention, st)
		}
	}
	h.Jobs, _, err = r.Jobs.List(ctx, jobs.Filter{}, 0, 5)
	return h, err
}

// clusters finds each cluster's newest successful and failed backups, its
// running jobs, its schedules' next run and standing, and the
// point-in-time window its backups give, those needing attention first.
func (r *Reader) clusters(ctx context.Context, now time.Time) ([]Cluster, []alerts.Status, error) {
	registered, err := r.Registry.Clusters(ctx)
	if err != nil {
		return nil, nil, err
	}
	all, err := r.Schedules.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	statuses, err := r.Alerts.Statuses(ctx, all, now)
	if err != nil {
		return nil, nil, err
	}
	newest := func(f jobs.Filter) (*jobs.Job, error) {
		list, _, err := r.Jobs.List(ctx, f, 0, 1)
		if err != nil || len(list) == 0 {
			return nil, err
		}
		return &list[0], nil
	}
	out := make([]Cluster, 0, len(registered))
	read := map[string][]string{} // the collections each cluster's window comes from
	var toRead []string
	for _, rc := range registered {
		c := Cluster{Name: rc.Name}
		if c.LastBackup, err = newest(jobs.Filter{Cluster: c.Name, Type: jobs.TypeBackup, Status: jobs.StatusSucceeded}); err != nil {
			return nil, nil, err
		}
		failed, err := newest(jobs.Filter{Cluster: c.Name, Type: jobs.TypeBackup, Status: jobs.StatusFailed})
		if err != nil {
			return nil, nil, err
		}
		if failed != nil && (c.LastBackup == nil || failed.ID > c.LastBackup.ID) {
			c.LastFailed = failed
		}
		recent, _, err := r.Jobs.List(ctx, jobs.Filter{Cluster: c.Name}, 0, 100)
		if err != nil {
			return nil, nil, err
		}
		// The window comes from the collections its schedules write to and
		// those its recent backups went to.
		var collections []string
		for _, j := range recent {
			switch j.Status {
			case jobs.StatusRunning, jobs.StatusPauseRequested, jobs.StatusCancelRequested, jobs.StatusReverting:
				c.Running++
			case jobs.StatusSucceeded:
				var res backups.Result
				if j.Type == jobs.TypeBackup && json.Unmarshal(j.Result, &res) == nil && res.Collection != "" &&
					!slices.Contains(collections, res.Collection) {
					collections = append(collections, res.Collection)
				}
			}
		}
		for _, sch := range statuses {
			if sch.Schedule.Cluster != c.Name {
				continue
			}
			c.Schedules = append(c.Schedules, sch)
			if !slices.Contains(collections, sch.Schedule.Collection) {
				collections = append(collections, sch.Schedule.Collection)
			}
			if next := sch.Schedule.State.NextRun; !sch.Schedule.State.Paused && (c.NextRun.IsZero() || next.Before(c.NextRun)) {
				c.NextRun = next
			}
		}
		read[c.Name] = collections
		for _, coll := range collections {
			if !slices.Contains(toRead, coll) {
				toRead = append(toRead, coll)
			}
		}
		out = append(out, c)
	}
	// Each collection is read once, however many clusters it serves.
	wctx, cancel := context.WithTimeout(ctx, windowTimeout)
	windows, failed := r.Collections.RestoreWindows(wctx, toRead)
	cancel()
	for i := range out {
		out[i].Windows = windows[out[i].Name]
		for _, coll := range read[out[i].Name] {
			if err := failed[coll]; err != nil && out[i].WindowErr == nil {
				out[i].WindowErr, out[i].WindowCollection = err, coll
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Cluster) int { return cmp.Compare(rank(a), rank(b)) })
	return out, statuses, nil
}

// rank orders clusters on the home page: failing, overdue, the rest.
func rank(c Cluster) int { return int(min(c.Standing(), NoBackupYet)) }
