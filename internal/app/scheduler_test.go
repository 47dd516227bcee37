package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/app/apptest"
	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/store/sqlite"
)

// console is one console process on a shared state store file: its own
// database handle and application layer.
func console(t *testing.T, dir string) *apptest.Env {
	t.Helper()
	return apptest.Open(t, dir)
}

// TestSchedulerStartsRunsOnce drives two consoles' schedulers on one store
// with a controlled clock: the first run is a full backup, incrementals wait
// for it to succeed, and each run starts exactly once.
func TestSchedulerStartsRunsOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := console(t, dir), console(t, dir)
	if _, err := a.Registry.EnsureDefaultCollection(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Registry.AddCluster(ctx, "prod", "postgres", "postgres://u@127.0.0.1:1/postgres", "root"); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	sch, err := a.ScheduleStore.Create(ctx, schedule.Schedule{Label: "shop", Cluster: "prod", Database: "shop", Collection: "local",
		Recurrence: "*/15 * * * *", FullRecurrence: "@daily", RevisionHistory: true,
		OnFailure: schedule.OnFailureReschedule, OnPreviousRunning: schedule.OnRunningWait, Owner: "root"}, start, start)
	if err != nil {
		t.Fatal(err)
	}
	tickBoth := func(now time.Time) {
		var wg sync.WaitGroup
		for _, sc := range []*apptest.Env{a, b} {
			wg.Go(func() {
				if err := sc.Scheduler.Tick(ctx, now); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	runs := func() []jobs.Job {
		list, _, err := a.JobStore.List(ctx, jobs.Filter{ScheduleID: sch.ID}, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	finish := func(j jobs.Job, status jobs.Status, kind string) {
		if _, err := a.Stores.DB.ExecContext(ctx, `UPDATE jobs SET status = ?, finished_at = ?, result = ? WHERE id = ?`,
			status, sqlite.Time(start), `{"type":"`+kind+`"}`, j.ID); err != nil {
			t.Fatal(err)
		}
	}
	request := func(j jobs.Job) backups.Request {
		var r backups.Request
		json.Unmarshal(j.Payload, &r)
		return r
	}

	tickBoth(start)
	list := runs()
	if len(list) != 1 || request(list[0]).Incremental || request(list[0]).ScheduleID != sch.ID || list[0].CreatedBy != "schedule shop" {
		t.Fatalf("first run: %+v", list)
	}
	tickBoth(start.Add(15 * time.Minute)) // the full backup still runs: the incremental waits
	if n := len(runs()); n != 1 {
		t.Fatalf("%d runs while the first full backup runs, want 1", n)
	}
	finish(list[0], jobs.StatusSucceeded, "full")
	tickBoth(start.Add(16 * time.Minute))
	list = runs()
	if len(list) != 2 || !request(list[0]).Incremental || !request(list[0]).RevisionHistory {
		t.Fatalf("after the full backup: %+v", list)
	}
	finish(list[0], jobs.StatusSucceeded, "incremental")
	// The console was down for hours: the missed runs run once.
	tickBoth(start.Add(5 * time.Hour))
	if n := len(runs()); n != 3 {
		t.Fatalf("%d runs after the downtime, want 3", n)
	}
	got, _ := a.ScheduleStore.Get(ctx, sch.ID)
	if !got.State.HasFull || !got.State.Running || !got.State.NextRun.Equal(start.Add(5*time.Hour+15*time.Minute)) {
		t.Errorf("state: %+v", got.State)
	}
}

// TestRunThatCannotStartFails: a run whose backup is refused before it
// starts (its cluster was removed) is a failed job in the schedule's
// history, and the failure policy applies when the run is settled.
func TestRunThatCannotStartFails(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sc := console(t, dir)
	if _, err := sc.Registry.EnsureDefaultCollection(ctx, dir); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	sch, err := sc.ScheduleStore.Create(ctx, schedule.Schedule{Label: "orphan", Cluster: "gone", Database: "shop", Collection: "local",
		Recurrence: "@hourly", OnFailure: schedule.OnFailurePause, OnPreviousRunning: schedule.OnRunningWait, Owner: "root"}, start, start)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Scheduler.Tick(ctx, start); err != nil {
		t.Fatal(err)
	}
	list, _, err := sc.JobStore.List(ctx, jobs.Filter{ScheduleID: sch.ID}, 0, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("jobs of the run: %+v %v", list, err)
	}
	if j := list[0]; j.Status != jobs.StatusFailed || !strings.Contains(j.Error, `no cluster named "gone"`) || j.FinishedAt == nil {
		t.Fatalf("the run that could not start: %+v", j)
	}
	if err := sc.Scheduler.Tick(ctx, start.Add(15*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := sc.ScheduleStore.Get(ctx, sch.ID); !got.State.Paused || got.State.Running {
		t.Fatalf("after the failed run, with on_execution_failure=pause: %+v", got.State)
	}
}
