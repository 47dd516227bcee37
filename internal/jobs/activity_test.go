package jobs_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/store/sqlite"
)

// TestScheduleActivity fills random jobs over schedules and runs, in every
// status, and checks ScheduleActivity's few aggregate queries against what
// listing every job of each schedule says: its unfinished jobs, its newest
// finished job, whether a job of its newest run failed, and when its newest
// success finished. A schedule with no jobs, and one that has not run, are
// asked about too.
func TestScheduleActivity(t *testing.T) {
	ctx := context.Background()
	s, db := newTestStore(t)
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	runOf := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Hour) }
	const schedules, runs = 6, 5
	box, err := secrets.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64 // the schedules jobs point to must exist
	for i := range schedules {
		sch, err := schedule.NewStore(sqlite.NewSchedules(db), box).Create(ctx, schedule.Schedule{Label: fmt.Sprint("s", i), Cluster: "c",
			Collection: "local", Recurrence: "@hourly", OnFailure: schedule.OnFailureReschedule, OnPreviousRunning: schedule.OnRunningWait, Owner: "t"}, t0, t0)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sch.ID)
	}
	for range 400 {
		id, run := ids[rng.IntN(len(ids)-1)], runOf(rng.IntN(runs)) // the last schedule has no jobs
		j, err := s.Create(ctx, jobs.NewJob{Type: "backup", Cluster: "c", ScheduleID: id, ScheduleRun: run, CreatedBy: "t", Description: "d"})
		if err != nil {
			t.Fatal(err)
		}
		st := jobs.Statuses[rng.IntN(len(jobs.Statuses))]
		if st.Terminal() {
			setState(t, db, j.ID, `status = ?, finished_at = ?`, st, sqlite.Time(run.Add(time.Duration(j.ID)*time.Second)))
		} else {
			setState(t, db, j.ID, `status = ?`, st)
		}
	}
	var asked []jobs.ScheduleRun
	for i, id := range ids {
		asked = append(asked, jobs.ScheduleRun{ScheduleID: id, Run: runOf(i % runs)})
	}
	checkActivity(t, s, asked)
	checkActivity(t, s, []jobs.ScheduleRun{{ScheduleID: ids[0]}}) // it has not run yet
}

func checkActivity(t *testing.T, s *jobs.Store, asked []jobs.ScheduleRun) {
	t.Helper()
	ctx := context.Background()
	got, err := s.ScheduleActivity(ctx, asked)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range asked {
		var want jobs.ScheduleActivity
		all, _, err := s.List(ctx, jobs.Filter{ScheduleID: r.ScheduleID}, 0, jobs.MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		for i, j := range all {
			switch {
			case !j.Status.Terminal():
				want.Unfinished++
			case want.LastFinished == nil:
				want.LastFinished = &all[i]
			}
			if j.Status == jobs.StatusSucceeded && want.LastSuccess.IsZero() {
				want.LastSuccess = *j.FinishedAt
			}
		}
		if !r.Run.IsZero() {
			failed, _, err := s.List(ctx, jobs.Filter{ScheduleID: r.ScheduleID, ScheduleRun: r.Run, Status: jobs.StatusFailed}, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			want.RunFailed = len(failed) > 0
		}
		g := got[r.ScheduleID]
		if g.Unfinished != want.Unfinished || g.RunFailed != want.RunFailed || !g.LastSuccess.Equal(want.LastSuccess) ||
			(g.LastFinished == nil) != (want.LastFinished == nil) || g.LastFinished != nil && g.LastFinished.ID != want.LastFinished.ID {
			t.Errorf("schedule %d run %s: got %+v, want %+v", r.ScheduleID, r.Run, g, want)
		}
	}
}
