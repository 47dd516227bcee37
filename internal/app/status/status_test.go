package status

import (
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
)

func alertStatus(paused, failing, overdue bool) alerts.Status {
	return alerts.Status{Schedule: schedule.Schedule{State: schedule.State{Paused: paused}}, Failing: failing, Overdue: overdue}
}

func TestStanding(t *testing.T) {
	done := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	backup := &jobs.Job{ID: 1, Status: jobs.StatusSucceeded, FinishedAt: &done}
	failed := &jobs.Job{ID: 2, Status: jobs.StatusFailed}
	active, paused := alertStatus(false, false, false), alertStatus(true, false, false)
	for _, tc := range []struct {
		name string
		c    Cluster
		want Standing
		rank int
	}{
		{"nothing yet", Cluster{}, NoBackupYet, 2},
		{"a backup, no schedule", Cluster{LastBackup: backup}, NoActiveSchedule, 2},
		{"a backup, schedules paused", Cluster{LastBackup: backup, Schedules: []alerts.Status{paused, paused}}, NoActiveSchedule, 2},
		{"ok", Cluster{LastBackup: backup, Schedules: []alerts.Status{paused, active}}, OK, 2},
		{"schedules but no backup", Cluster{Schedules: []alerts.Status{active}}, NoBackupYet, 2},
		{"last backup failed", Cluster{LastBackup: backup, LastFailed: failed, Schedules: []alerts.Status{active}}, Failing, 0},
		{"a schedule failing", Cluster{LastBackup: backup, Schedules: []alerts.Status{active, alertStatus(false, true, false)}}, Failing, 0},
		{"a schedule overdue", Cluster{LastBackup: backup, Schedules: []alerts.Status{alertStatus(false, false, true)}}, Overdue, 1},
		{"a paused schedule overdue", Cluster{Schedules: []alerts.Status{alertStatus(true, false, true)}}, Overdue, 1},
		{"failing comes before overdue", Cluster{Schedules: []alerts.Status{alertStatus(false, false, true), alertStatus(false, true, false)}}, Failing, 0},
	} {
		if got := tc.c.Standing(); got != tc.want {
			t.Errorf("%s: Standing = %d, want %d", tc.name, got, tc.want)
		}
		if got := rank(tc.c); got != tc.rank {
			t.Errorf("%s: rank = %d, want %d", tc.name, got, tc.rank)
		}
		if got := tc.c.NeedsAttention(); got != (tc.rank < 2) {
			t.Errorf("%s: NeedsAttention = %v", tc.name, got)
		}
	}
}
