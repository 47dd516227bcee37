package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/app/clusters"
	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/usererror"
)

// Scheduler starts the backups schedules ask for. Several consoles on one
// state store may each run one: every run is claimed with a compare-and-set
// on the schedule's state before its job is created, so it starts once.
type Scheduler struct {
	store     *schedule.Store
	jobs      *jobs.Store
	backups   *backups.Service
	clusters  *clusters.Service
	log       *slog.Logger
	observers []RunObserver
}

// RunObserver is told when a schedule's run has ended, by the one console
// that recorded the end: run is its jobs, newest first; succeeded is
// whether they all succeeded; now is the scheduler's tick.
type RunObserver func(ctx context.Context, sch schedule.Schedule, run []jobs.Job, succeeded bool, now time.Time)

// OnRunFinished adds an observer of finished runs (alerts). Add observers
// before the scheduler runs.
func (sc *Scheduler) OnRunFinished(f RunObserver) { sc.observers = append(sc.observers, f) }

// New runs the schedules of store as backups, whose jobs are in js; a
// schedule of every database of a cluster asks clusters which there are.
func New(store *schedule.Store, js *jobs.Store, b *backups.Service, c *clusters.Service, log *slog.Logger) *Scheduler {
	return &Scheduler{store: store, jobs: js, backups: b, clusters: c, log: log}
}

// Tick does what is due at now: it feeds finished runs back into their
// schedules (failure policies, first full backup), then starts due runs.
func (sc *Scheduler) Tick(ctx context.Context, now time.Time) error {
	list, err := sc.store.List(ctx)
	if err != nil {
		return err
	}
	for _, sch := range list {
		switch {
		case sch.Unreadable != "":
			sc.log.Error("scheduler: schedule skipped", "schedule_id", sch.ID, "error", sch.Unreadable)
		case sch.State.Running:
			sc.settle(ctx, sch, now)
		}
	}
	due, err := sc.store.DueAt(ctx, now)
	if err != nil {
		return err
	}
	for _, sch := range due {
		if sch.Unreadable == "" {
			sc.start(ctx, sch, now)
		}
	}
	return nil
}

// settle applies the end of a schedule's newest run once every job of it
// has ended: it succeeded if they all did, and was a full backup if they
// all were.
func (sc *Scheduler) settle(ctx context.Context, sch schedule.Schedule, now time.Time) {
	spec, err := sch.Spec()
	if err != nil {
		return
	}
	run, err := sc.runJobs(ctx, sch)
	if err != nil || len(run) == 0 {
		return
	}
	full, succeeded := true, true
	for _, j := range run {
		if j.FinishedAt == nil {
			return
		}
		full = full && backups.WasFull(j)
		succeeded = succeeded && j.Status == jobs.StatusSucceeded
	}
	next := schedule.Finished(spec, sch.State, full, succeeded, now)
	moved, err := sc.store.Advance(ctx, sch.ID, sch.State, next, now)
	if err != nil {
		sc.log.Warn("scheduler: cannot record a finished run", "schedule", sch.Label, "error", err)
	}
	if !moved {
		return // not recorded, or another console recorded it
	}
	for _, f := range sc.observers {
		f(ctx, sch, run, succeeded, now)
	}
}

// runJobs returns the jobs of the schedule's newest run, newest first.
func (sc *Scheduler) runJobs(ctx context.Context, sch schedule.Schedule) ([]jobs.Job, error) {
	if sch.State.LastRunAt.IsZero() {
		return nil, nil
	}
	run, _, err := sc.jobs.List(ctx, jobs.Filter{ScheduleID: sch.ID, ScheduleRun: sch.State.LastRunAt}, 0, jobs.MaxLimit)
	return run, err
}

// start claims a due run and creates its jobs: one, or one per database
// of the cluster when the schedule names none.
func (sc *Scheduler) start(ctx context.Context, sch schedule.Schedule, now time.Time) {
	spec, err := sch.Spec()
	if err != nil {
		sc.log.Error("scheduler: schedule cannot run", "schedule", sch.Label, "error", err)
		return
	}
	run := schedule.Due(spec, sch.State, now)
	if run.State == sch.State {
		return
	}
	if _, err := sc.launch(ctx, sch, spec, run, now); err != nil {
		sc.log.Warn("scheduler: could not start a scheduled run", "schedule", sch.Label, "error", err)
	}
}

// launch moves sch to run.State, unless another scheduler moved it first
// (claimed is false), and starts the run's jobs. A run whose jobs cannot
// even be recorded ends failed at once, under the failure policy.
func (sc *Scheduler) launch(ctx context.Context, sch schedule.Schedule, spec schedule.Spec, run schedule.Run, now time.Time) (claimed bool, err error) {
	claimed, err = sc.store.Advance(ctx, sch.ID, sch.State, run.State, now)
	if err != nil || !claimed || !run.Start {
		return claimed, err // another scheduler took it, or the run was skipped
	}
	if err = sc.startJobs(ctx, sch, run); err == nil {
		return true, nil
	}
	failed := schedule.Finished(spec, run.State, run.Full, false, now)
	failed.Paused = failed.Paused || run.State.Paused
	if _, aerr := sc.store.Advance(ctx, sch.ID, run.State, failed, now); aerr != nil {
		err = errors.Join(err, aerr)
	}
	return true, err
}

func (sc *Scheduler) startJobs(ctx context.Context, sch schedule.Schedule, run schedule.Run) error {
	req := backups.Request{
		Cluster: sch.Cluster, Database: sch.Database, Tables: sch.Tables, Collection: sch.Collection,
		Incremental: !run.Full, RevisionHistory: sch.RevisionHistory, ScheduleID: sch.ID, Run: run.State.LastRunAt,
		KeepDays: schedules.BackupKeepDays(sch),
	}
	databases := []string{sch.Database}
	if sch.Database == "" {
		var err error
		if databases, err = sc.clusters.BackupDatabases(ctx, sch.Cluster); err == nil && len(databases) == 0 {
			err = usererror.New("the cluster has no database Strata may connect to")
		}
		if err != nil {
			return sc.failedStart(ctx, sch, req, "every database of "+sch.Cluster, err)
		}
	}
	for _, db := range databases {
		req.Database = db
		if _, err := sc.backups.Start(ctx, req, "schedule "+sch.Label); err != nil {
			if err := sc.failedStart(ctx, sch, req, "database "+db, err); err != nil {
				return err
			}
		}
	}
	return nil
}

// failedStart records a scheduled backup that could not start as a failed
// job of the run: it shows in the schedule's history, and the run ends
// failed, with its failure policy and alerts, like any other failure.
func (sc *Scheduler) failedStart(ctx context.Context, sch schedule.Schedule, req backups.Request, what string, cause error) error {
	msg, ok := usererror.Message(cause)
	if !ok {
		sc.log.Error("scheduler: a scheduled backup could not start", "schedule", sch.Label, "what", what, "error", cause)
		msg = "the backup could not start; see the console log"
	}
	_, err := sc.jobs.CreateFailed(ctx, jobs.NewJob{
		Type: jobs.TypeBackup, Cluster: sch.Cluster, ScheduleID: sch.ID, ScheduleRun: req.Run, CreatedBy: "schedule " + sch.Label, Payload: req,
		Description: "Scheduled backup of " + what + " into " + sch.Collection,
	}, "not started: "+msg)
	return err
}

// RunNow starts a run of schedule id at once, as if it were due, under its
// overlap policy. A paused schedule stays paused; it runs once.
func (sc *Scheduler) RunNow(ctx context.Context, id int64, now time.Time) error {
	sch, err := sc.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if sch.Unreadable != "" {
		return sch.UnreadableError()
	}
	spec, err := sch.Spec()
	if err != nil {
		return err
	}
	due := sch.State
	due.Paused, due.NextRun = false, now
	run := schedule.Due(spec, due, now)
	if !run.Start {
		return usererror.Errorf("not started: %s", run.Why)
	}
	if sch.State.Paused {
		run.State.Paused, run.State.NextRun = true, sch.State.NextRun
	}
	claimed, err := sc.launch(ctx, sch, spec, run, now)
	if err == nil && !claimed {
		return usererror.New("the schedule changed meanwhile: look at it again and retry")
	}
	return err
}

// Run ticks every interval until ctx ends.
func (sc *Scheduler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := sc.Tick(ctx, time.Now()); err != nil && ctx.Err() == nil {
			sc.log.Warn("scheduler tick", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
