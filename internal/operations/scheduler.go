package operations

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
)

// Scheduler starts the backups schedules ask for. Several consoles on one
// state store may each run one: every run is claimed with a compare-and-set
// on the schedule's state before its job is created, so it starts once.
type Scheduler struct {
	s     *Service
	store *schedule.Store
}

// NewScheduler runs the schedules of store with the service's jobs.
func NewScheduler(s *Service, store *schedule.Store) *Scheduler {
	return &Scheduler{s: s, store: store}
}

// Tick does what is due at now: it feeds finished runs back into their
// schedules (failure policies, first full backup), then starts due runs.
func (sc *Scheduler) Tick(ctx context.Context, now time.Time) error {
	list, err := sc.store.List(ctx)
	if err != nil {
		return err
	}
	for _, sch := range list {
		if sch.State.Running {
			sc.settle(ctx, sch, now)
		}
	}
	due, err := sc.store.DueAt(ctx, now)
	if err != nil {
		return err
	}
	for _, sch := range due {
		sc.start(ctx, sch, now)
	}
	return nil
}

// settle applies the end of a schedule's newest run, if it has ended.
func (sc *Scheduler) settle(ctx context.Context, sch schedule.Schedule, now time.Time) {
	spec, err := sch.Spec()
	if err != nil {
		return
	}
	last, _, err := sc.s.jobs.List(ctx, jobs.Filter{ScheduleID: sch.ID}, 0, 1)
	if err != nil || len(last) == 0 {
		return
	}
	j := last[0]
	if j.FinishedAt == nil {
		return
	}
	next := schedule.Finished(spec, sch.State, wasFull(j), j.Status == jobs.StatusSucceeded, now)
	if _, err := sc.store.Advance(ctx, sch.ID, sch.State, next, now); err != nil {
		sc.s.log.Warn("scheduler: cannot record a finished run", "schedule", sch.Label, "job", j.ID, "error", err)
	}
}

// wasFull reports whether a scheduled backup job took a full backup: its
// result says so (an incremental on a broken chain becomes one), else its
// request.
func wasFull(j jobs.Job) bool {
	var res BackupResult
	if json.Unmarshal(j.Result, &res) == nil && res.Type != "" {
		return res.Type == "full"
	}
	var req BackupRequest
	return json.Unmarshal(j.Payload, &req) != nil || !req.Incremental
}

// start claims a due run and creates its job.
func (sc *Scheduler) start(ctx context.Context, sch schedule.Schedule, now time.Time) {
	spec, err := sch.Spec()
	if err != nil {
		sc.s.log.Error("scheduler: schedule cannot run", "schedule", sch.Label, "error", err)
		return
	}
	run := schedule.Due(spec, sch.State, now)
	if run.State == sch.State {
		return
	}
	claimed, err := sc.store.Advance(ctx, sch.ID, sch.State, run.State, now)
	if err != nil || !claimed || !run.Start {
		return // another scheduler took it, or the run was skipped
	}
	_, err = sc.s.StartBackup(ctx, BackupRequest{
		Cluster: sch.Cluster, Database: sch.Database, Tables: sch.Tables, Collection: sch.Collection,
		Incremental: !run.Full, RevisionHistory: sch.RevisionHistory, ScheduleID: sch.ID,
	}, "schedule "+sch.Label)
	if err == nil {
		return
	}
	sc.s.log.Warn("scheduler: could not start a scheduled backup", "schedule", sch.Label, "error", err)
	failed := schedule.Finished(spec, run.State, run.Full, false, now)
	if _, aerr := sc.store.Advance(ctx, sch.ID, run.State, failed, now); aerr != nil {
		sc.s.log.Warn("scheduler: cannot record a failed start", "schedule", sch.Label, "error", errors.Join(err, aerr))
	}
}

// Run ticks every interval until ctx ends.
func (sc *Scheduler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := sc.Tick(ctx, time.Now()); err != nil && ctx.Err() == nil {
			sc.s.log.Warn("scheduler tick", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
