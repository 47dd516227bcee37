package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/app/clusters"
	"github.com/stratabackup/strata/internal/app/collections"
	"github.com/stratabackup/strata/internal/app/expiry"
	"github.com/stratabackup/strata/internal/app/restores"
	"github.com/stratabackup/strata/internal/app/scheduler"
	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/app/status"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
)

// Options are what the doors are built on.
type Options struct {
	Registry  *registry.Registry
	Jobs      *jobs.Store
	Schedules *schedule.Store
	Audit     *audit.Log
	Auth      *auth.Service
	Alerts    *alerts.Notifier
	Engines   cluster.Engines
	Log       *slog.Logger

	// ChunkBytes is the target size of a backup data file; 0 means the engine's default.
	ChunkBytes int64
	// Managed configures the clusters' managed backups.
	Managed schedules.ManagedOptions
	// KeepAfterRemoval is how long the managed backups of a removed
	// cluster are kept before they all expire (0: never).
	KeepAfterRemoval time.Duration
}

// App is the application layer: one door per noun. Handlers call these
// and nothing below them.
type App struct {
	Backups     *backups.Service
	Restores    *restores.Service
	Collections *collections.Service
	Clusters    *clusters.Service
	Schedules   *schedules.Service
	Scheduler   *scheduler.Scheduler
	Expiry      *expiry.Service
	Jobs        *Jobs
	Status      *status.Reader
}

// New builds every door on o.
func New(o Options) *App {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	a := &App{
		Backups:     backups.New(o.Registry, o.Jobs, o.Engines, o.Log),
		Restores:    restores.New(o.Registry, o.Jobs, o.Engines),
		Collections: collections.New(o.Registry, o.Jobs, o.Engines, o.Log),
		Schedules:   schedules.New(o.Schedules, o.Registry, o.Jobs, o.Audit, o.Log),
		Jobs:        &Jobs{store: o.Jobs},
	}
	a.Backups.ChunkBytes = o.ChunkBytes
	a.Schedules.Managed = o.Managed
	a.Clusters = clusters.New(o.Registry, o.Jobs, o.Engines, a.Schedules, o.Log)
	a.Scheduler = scheduler.New(o.Schedules, o.Jobs, a.Backups, a.Clusters, o.Log)
	a.Expiry = expiry.New(o.Registry, o.Jobs, a.Collections, o.Schedules, o.Audit, o.Log)
	a.Expiry.KeepAfterRemoval = o.KeepAfterRemoval
	a.Status = &status.Reader{Registry: o.Registry, Jobs: o.Jobs, Schedules: o.Schedules, Alerts: o.Alerts,
		Collections: a.Collections, Auth: o.Auth, Audit: o.Audit}
	return a
}

// Register adds the backup and restore handlers to a job runner.
func (a *App) Register(r *jobs.Runner) {
	a.Backups.Register(r)
	a.Restores.Register(r)
}

// Jobs is the door to jobs: list them, read one, pause, resume, cancel.
type Jobs struct{ store *jobs.Store }

// List returns up to limit jobs matching f, newest first, before the job
// id before (0: from the newest), and the id to continue from (0: none).
func (j *Jobs) List(ctx context.Context, f jobs.Filter, before int64, limit int) ([]jobs.Job, int64, error) {
	return j.store.List(ctx, f, before, limit)
}

// Get returns job id, or jobs.ErrNotFound.
func (j *Jobs) Get(ctx context.Context, id int64) (jobs.Job, error) { return j.store.Get(ctx, id) }

// Pause asks job id to pause.
func (j *Jobs) Pause(ctx context.Context, id int64) (jobs.Job, error) { return j.store.Pause(ctx, id) }

// Resume queues paused job id again.
func (j *Jobs) Resume(ctx context.Context, id int64) (jobs.Job, error) {
	return j.store.Resume(ctx, id)
}

// Cancel asks job id to cancel.
func (j *Jobs) Cancel(ctx context.Context, id int64) (jobs.Job, error) {
	return j.store.Cancel(ctx, id)
}
