package templates

import (
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/operations"
	"github.com/stratabackup/strata/internal/schedule"
)

func alertStatus(paused, failing, overdue bool) alerts.Status {
	return alerts.Status{Schedule: schedule.Schedule{State: schedule.State{Paused: paused}}, Failing: failing, Overdue: overdue}
}

func TestClusterStatus(t *testing.T) {
	done := at(8, 0, 0, 0)
	backup := &jobs.Job{ID: 1, Status: jobs.StatusSucceeded, FinishedAt: &done}
	failed := &jobs.Job{ID: 2, Status: jobs.StatusFailed}
	active, paused := alertStatus(false, false, false), alertStatus(true, false, false)

	for _, tc := range []struct {
		name         string
		c            ClusterStatus
		state, class string
		rank         int
		row          string
	}{
		{"nothing yet", ClusterStatus{}, "no backup yet", "status-paused", 2, "ok"},
		{"a backup, no schedule", ClusterStatus{LastBackup: backup}, "no active schedule", "status-paused", 2, "ok"},
		{"a backup, schedules paused", ClusterStatus{LastBackup: backup, Schedules: []alerts.Status{paused, paused}}, "no active schedule", "status-paused", 2, "ok"},
		{"ok", ClusterStatus{LastBackup: backup, Schedules: []alerts.Status{paused, active}}, "ok", "status-succeeded", 2, "ok"},
		{"schedules but no backup", ClusterStatus{Schedules: []alerts.Status{active}}, "no backup yet", "status-paused", 2, "ok"},
		{"last backup failed", ClusterStatus{LastBackup: backup, LastFailed: failed, Schedules: []alerts.Status{active}}, "failing", "status-failed", 0, "attention"},
		{"a schedule failing", ClusterStatus{LastBackup: backup, Schedules: []alerts.Status{active, alertStatus(false, true, false)}}, "failing", "status-failed", 0, "attention"},
		{"a schedule overdue", ClusterStatus{LastBackup: backup, Schedules: []alerts.Status{alertStatus(false, false, true)}}, "overdue", "status-failed", 1, "attention"},
		{"a paused schedule overdue", ClusterStatus{Schedules: []alerts.Status{alertStatus(true, false, true)}}, "overdue", "status-failed", 1, "attention"},
		{"failing comes before overdue", ClusterStatus{Schedules: []alerts.Status{alertStatus(false, false, true), alertStatus(false, true, false)}}, "failing", "status-failed", 0, "attention"},
	} {
		state, class := tc.c.State()
		if state != tc.state || class != tc.class {
			t.Errorf("%s: State = %q, %q; want %q, %q", tc.name, state, class, tc.state, tc.class)
		}
		if got := tc.c.Rank(); got != tc.rank {
			t.Errorf("%s: Rank = %d, want %d", tc.name, got, tc.rank)
		}
		if got := clusterRowClass(tc.c); got != tc.row {
			t.Errorf("%s: clusterRowClass = %q, want %q", tc.name, got, tc.row)
		}
	}
}

func TestClusterLastBackup(t *testing.T) {
	done := at(8, 0, 0, 0)
	for _, tc := range []struct {
		name string
		c    ClusterStatus
		at   time.Time
		ok   bool
	}{
		{"none", ClusterStatus{}, time.Time{}, false},
		{"not finished", ClusterStatus{LastBackup: &jobs.Job{ID: 1}}, time.Time{}, false},
		{"finished", ClusterStatus{LastBackup: &jobs.Job{ID: 1, FinishedAt: &done}}, done, true},
	} {
		got, ok := tc.c.lastBackupAt()
		if !got.Equal(tc.at) || ok != tc.ok {
			t.Errorf("%s: lastBackupAt = %v, %v; want %v, %v", tc.name, got, ok, tc.at, tc.ok)
		}
	}
}

func TestClusterNamesCollection(t *testing.T) {
	shop := operations.DatabaseWindow{Collection: "c1", Database: "shop"}
	unknown := operations.DatabaseWindow{Database: "crm"}
	one := ClusterStatus{Windows: []operations.DatabaseWindow{shop}}
	two := ClusterStatus{Windows: []operations.DatabaseWindow{shop, unknown}}
	if one.namesCollection(shop) {
		t.Error("a cluster with one window names its collection")
	}
	if !two.namesCollection(shop) {
		t.Error("a cluster with several windows does not name their collections")
	}
	if two.namesCollection(unknown) {
		t.Error("a window of no known collection is named")
	}
}
