package alerts

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
)

// Status is how a schedule stands, for the home page and the schedules
// list.
type Status struct {
	Schedule    schedule.Schedule
	LastSuccess time.Time // when its newest successful job finished; zero: none yet
	Failing     bool      // a job of its newest run failed
	Overdue     bool      // see IsOverdue
}

// NeedsAttention reports whether the schedule is unreadable, failing or
// overdue.
func (s Status) NeedsAttention() bool { return s.Schedule.Unreadable != "" || s.Failing || s.Overdue }

func (s Status) rank() int {
	switch {
	case s.Schedule.Unreadable != "", s.Failing:
		return 0
	case s.Overdue:
		return 1
	}
	return 2
}

// Statuses returns the status of each schedule of list at now: failing
// ones first, then overdue ones, then the others, each group in list's
// order.
func (n *Notifier) Statuses(ctx context.Context, list []schedule.Schedule, now time.Time) ([]Status, error) {
	runs := make([]jobs.ScheduleRun, len(list))
	for i, s := range list {
		runs[i] = jobs.ScheduleRun{ScheduleID: s.ID, Run: s.State.LastRunAt}
	}
	activity, err := n.jobs.ScheduleActivity(ctx, runs)
	if err != nil {
		return nil, err
	}
	out := make([]Status, 0, len(list))
	for _, s := range list {
		a := activity[s.ID]
		out = append(out, Status{Schedule: s, LastSuccess: a.LastSuccess.UTC(), Failing: a.RunFailed, Overdue: IsOverdue(s, a.LastSuccess, now)})
	}
	slices.SortStableFunc(out, func(a, b Status) int { return cmp.Compare(a.rank(), b.rank()) })
	return out, nil
}

// LastSuccess returns when the newest successful job of schedule id
// finished; zero when none has.
func (n *Notifier) LastSuccess(ctx context.Context, id int64) (time.Time, error) {
	list, _, err := n.jobs.List(ctx, jobs.Filter{ScheduleID: id, Status: jobs.StatusSucceeded}, 0, 1)
	if err != nil || len(list) == 0 {
		return time.Time{}, err
	}
	if j := list[0]; j.FinishedAt != nil {
		return j.FinishedAt.UTC(), nil
	}
	return list[0].UpdatedAt.UTC(), nil
}

// IsOverdue reports whether schedule s, whose newest successful job
// finished at lastSuccess (zero: none), is overdue at now: it has an
// AlertAfter threshold, is not paused, and no backup succeeded for longer
// than that since the last success or, without one, since the schedule
// was created.
func IsOverdue(s schedule.Schedule, lastSuccess, now time.Time) bool {
	return s.AlertAfter > 0 && !s.State.Paused && now.Sub(gapStart(s, lastSuccess)) > s.AlertAfter
}

// gapStart is when schedule s's current stretch without a successful
// backup began.
func gapStart(s schedule.Schedule, lastSuccess time.Time) time.Time {
	if lastSuccess.IsZero() {
		return s.CreatedAt
	}
	return lastSuccess
}
