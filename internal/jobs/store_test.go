package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/usererror"
)

func TestCreateAndGet(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 123, time.UTC)
	_, db := newTestStore(t)
	s := jobs.NewStore(sqlite.NewJobs(db), jobs.WithClock(func() time.Time { return now }))

	j, err := s.Create(ctx, jobs.NewJob{Type: jobs.TypeBackup, Cluster: "prod", Description: "full backup of prod",
		CreatedBy: "alice", Payload: map[string]string{"collection": "file:///backups"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != jobs.StatusPending || got.Type != jobs.TypeBackup || got.Cluster != "prod" || got.CreatedBy != "alice" ||
		got.Description != "full backup of prod" || got.Attempt != 0 || !got.CreatedAt.Equal(now) ||
		got.StartedAt != nil || got.FinishedAt != nil || got.LeaseExpiresAt != nil || got.Checkpoint != nil {
		t.Fatalf("created job = %+v", got)
	}
	if string(got.Payload) != `{"collection":"file:///backups"}` {
		t.Fatalf("payload = %s", got.Payload)
	}
	if _, err := s.Get(ctx, j.ID+1); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
	if _, err := s.Create(ctx, jobs.NewJob{}); err == nil {
		t.Fatal("Create without a type succeeded")
	}
}

func TestTransitions(t *testing.T) {
	ctx := context.Background()
	s, db := newTestStore(t)
	type action struct {
		name string
		do   func(context.Context, int64) (jobs.Job, error)
	}
	pause, resume, cancel := action{"pause", s.Pause}, action{"resume", s.Resume}, action{"cancel", s.Cancel}
	tests := []struct {
		from    jobs.Status
		attempt int
		act     action
		want    jobs.Status
		wantErr string
	}{
		{jobs.StatusPending, 0, pause, jobs.StatusPaused, ""},
		{jobs.StatusRunning, 1, pause, jobs.StatusPauseRequested, ""},
		{jobs.StatusPauseRequested, 1, pause, "", "job %d is already pausing"},
		{jobs.StatusPaused, 1, pause, "", "job %d is already paused"},
		{jobs.StatusCancelRequested, 1, pause, "", "job %d is being canceled; only pending or running jobs can be paused"},
		{jobs.StatusReverting, 1, pause, "", "job %d is being canceled; only pending or running jobs can be paused"},
		{jobs.StatusSucceeded, 1, pause, "", "job %d has succeeded; only pending or running jobs can be paused"},
		{jobs.StatusFailed, 1, pause, "", "job %d has failed; only pending or running jobs can be paused"},
		{jobs.StatusCanceled, 1, pause, "", "job %d has been canceled; only pending or running jobs can be paused"},

		{jobs.StatusPaused, 1, resume, jobs.StatusPending, ""},
		{jobs.StatusPauseRequested, 1, resume, jobs.StatusRunning, ""},
		{jobs.StatusPending, 0, resume, "", "job %d is pending; only paused jobs can be resumed"},
		{jobs.StatusRunning, 1, resume, "", "job %d is running; only paused jobs can be resumed"},
		{jobs.StatusCancelRequested, 1, resume, "", "job %d is being canceled; only paused jobs can be resumed"},
		{jobs.StatusSucceeded, 1, resume, "", "job %d has succeeded; only paused jobs can be resumed"},

		{jobs.StatusPending, 0, cancel, jobs.StatusCanceled, ""}, // never started: nothing to clean up
		{jobs.StatusPending, 2, cancel, jobs.StatusCancelRequested, ""},
		{jobs.StatusRunning, 1, cancel, jobs.StatusCancelRequested, ""},
		{jobs.StatusPauseRequested, 1, cancel, jobs.StatusCancelRequested, ""},
		{jobs.StatusPaused, 1, cancel, jobs.StatusCancelRequested, ""},
		{jobs.StatusCancelRequested, 1, cancel, "", "job %d is already being canceled"},
		{jobs.StatusReverting, 1, cancel, "", "job %d is already being canceled"},
		{jobs.StatusSucceeded, 1, cancel, "", "job %d has succeeded; only pending, running or paused jobs can be canceled"},
		{jobs.StatusFailed, 1, cancel, "", "job %d has failed; only pending, running or paused jobs can be canceled"},
		{jobs.StatusCanceled, 1, cancel, "", "job %d has been canceled; only pending, running or paused jobs can be canceled"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s attempt %d", tt.act.name, tt.from, tt.attempt), func(t *testing.T) {
			j := create(t, s, jobs.TypeBackup)
			setState(t, db, j.ID, "status = ?, attempt = ?", tt.from, tt.attempt)
			got, err := tt.act.do(ctx, j.ID)
			if tt.wantErr != "" {
				want := fmt.Sprintf(tt.wantErr, j.ID)
				if msg, ok := usererror.Message(err); !ok || msg != want || err.Error() != want {
					t.Fatalf("error = %v, want a user error %q", err, want)
				}
				if after, _ := s.Get(ctx, j.ID); after.Status != tt.from {
					t.Fatalf("status after refused %s = %s", tt.act.name, after.Status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want {
				t.Fatalf("status = %s, want %s", got.Status, tt.want)
			}
			if (got.FinishedAt != nil) != tt.want.Terminal() {
				t.Fatalf("finished_at = %v for %s", got.FinishedAt, got.Status)
			}
		})
	}
	for _, act := range []action{pause, resume, cancel} {
		if _, err := act.do(ctx, 999999); !errors.Is(err, jobs.ErrNotFound) || !errors.As(err, new(*usererror.Error)) {
			t.Errorf("%s(missing) = %v, want ErrNotFound", act.name, err)
		}
	}
}

func TestResumeKeepsCheckpoint(t *testing.T) {
	ctx := context.Background()
	s, db := newTestStore(t)
	j := create(t, s, jobs.TypeBackup)
	setState(t, db, j.ID, `status = 'paused', attempt = 1, checkpoint = '{"next":3}'`)
	got, err := s.Resume(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != jobs.StatusPending || string(got.Checkpoint) != `{"next":3}` {
		t.Fatalf("resumed job: status %s, checkpoint %s", got.Status, got.Checkpoint)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	ctx := context.Background()
	s, db := newTestStore(t)
	var want []int64 // backups of cluster a, newest first
	for i := range 12 {
		typ, cluster := jobs.TypeBackup, "a"
		if i%3 == 1 {
			typ = jobs.TypeRestore
		}
		if i%4 == 3 {
			cluster = "b"
		}
		j, err := s.Create(ctx, jobs.NewJob{Type: typ, Cluster: cluster, CreatedBy: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			setState(t, db, j.ID, "status = 'failed'")
		}
		if typ == jobs.TypeBackup && cluster == "a" {
			want = append([]int64{j.ID}, want...)
		}
	}

	var got []int64
	before := int64(0)
	pages := 0
	for {
		page, next, err := s.List(ctx, jobs.Filter{Type: jobs.TypeBackup, Cluster: "a"}, before, 2)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, j := range page {
			got = append(got, j.ID)
		}
		if next == 0 {
			break
		}
		before = next
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("paged ids = %v, want %v", got, want)
	}
	if wantPages := (len(want) + 1) / 2; pages != wantPages {
		t.Fatalf("%d pages, want %d", pages, wantPages)
	}

	failed, next, err := s.List(ctx, jobs.Filter{Status: jobs.StatusFailed}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 3 || next != 0 { // jobs 0, 5 and 10
		t.Fatalf("failed jobs = %d (next %d), want 3", len(failed), next)
	}
	for _, j := range failed {
		if j.Status != jobs.StatusFailed {
			t.Fatalf("status filter returned a %s job", j.Status)
		}
	}
	all, _, err := s.List(ctx, jobs.Filter{}, 0, 100)
	if err != nil || len(all) != 12 || all[0].ID < all[11].ID {
		t.Fatalf("unfiltered list: %d jobs, %v", len(all), err)
	}
	none, next, err := s.List(ctx, jobs.Filter{Cluster: "nope"}, 0, 10)
	if err != nil || len(none) != 0 || next != 0 {
		t.Fatalf("list of unknown cluster = %v, %d, %v", none, next, err)
	}
}

func TestETA(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := start.Add(10 * time.Minute)
	running := jobs.Job{Status: jobs.StatusRunning, RunStartedAt: &start}
	tests := []struct {
		name   string
		job    jobs.Job
		want   time.Duration
		wantOK bool
	}{
		{"a quarter in 10m", with(running, 0, 0.25), 30 * time.Minute, true},
		{"resumed at half, 3/4 now", with(running, 0.5, 0.75), 10 * time.Minute, true},
		{"no progress yet", with(running, 0.5, 0.5), 0, false},
		{"done", with(running, 0, 1), 0, false},
		{"never claimed", jobs.Job{Status: jobs.StatusRunning, FractionCompleted: 0.5}, 0, false},
		{"paused", func() jobs.Job { j := with(running, 0, 0.5); j.Status = jobs.StatusPaused; return j }(), 0, false},
	}
	for _, tt := range tests {
		got, ok := tt.job.ETA(now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: ETA = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func with(j jobs.Job, startFraction, fraction float64) jobs.Job {
	j.RunStartFraction, j.FractionCompleted = startFraction, fraction
	return j
}

func TestJobJSON(t *testing.T) {
	s, _ := newTestStore(t)
	j := create(t, s, jobs.TypeRestore)
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if m["status"] != "pending" || m["type"] != "restore" || m["created_by"] != "alice" {
		t.Fatalf("json = %s", b)
	}
}

// TestJobsOfASchedule: a job keeps the schedule that started it, and the
// schedule's run history lists exactly its jobs.
func TestJobsOfASchedule(t *testing.T) {
	ctx := context.Background()
	s, db := newTestStore(t)
	now := sqlite.Time(time.Now())
	res, err := db.ExecContext(ctx, `INSERT INTO schedules (label, cluster, database, collection, recurrence, on_failure,
		on_previous_running, next_run, owner, created_at, updated_at) VALUES ('nightly', 'a', 'shop', 'local', '@daily', 'retry', 'wait', ?, 'root', ?, ?)`, now, now, now)
	if err != nil {
		t.Fatal(err)
	}
	schedule, _ := res.LastInsertId()
	scheduled, err := s.Create(ctx, jobs.NewJob{Type: jobs.TypeBackup, Cluster: "a", ScheduleID: schedule, CreatedBy: "schedule nightly"})
	if err != nil {
		t.Fatal(err)
	}
	manual, err := s.Create(ctx, jobs.NewJob{Type: jobs.TypeBackup, Cluster: "a", CreatedBy: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, scheduled.ID); got.ScheduleID != schedule {
		t.Errorf("schedule id %d, want %d", got.ScheduleID, schedule)
	}
	if got, _ := s.Get(ctx, manual.ID); got.ScheduleID != 0 {
		t.Errorf("a manual job has schedule id %d", got.ScheduleID)
	}
	list, _, err := s.List(ctx, jobs.Filter{ScheduleID: schedule}, 0, 10)
	if err != nil || len(list) != 1 || list[0].ID != scheduled.ID {
		t.Errorf("jobs of the schedule: %+v, %v", list, err)
	}
	if _, err := s.Create(ctx, jobs.NewJob{Type: jobs.TypeBackup, ScheduleID: schedule + 100, CreatedBy: "x"}); err == nil {
		t.Error("a job of a schedule that does not exist was created")
	}
}
