package templates

import (
	"time"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/operations"
)

// HomeView is the home page's summary.
type HomeView struct {
	Clusters  []ClusterStatus
	Attention []alerts.Status // failing and overdue schedules, failing first
	Jobs      []jobs.Job
	Users     int
	APIKeys   int
	Recent    []audit.Entry
	Chain     ChainStatus
	Now       time.Time
}

// ClusterStatus is one cluster's line on the home page.
type ClusterStatus struct {
	Name        string
	LastBackup  *jobs.Job // newest succeeded backup job
	LastFailed  *jobs.Job // newest failed backup job, when newer than the last success
	Running     int
	Schedules   []alerts.Status
	NextRun     time.Time // the soonest next run of its active schedules; zero: none
	Windows     []operations.DatabaseWindow
	WindowError string
}

// State is the cluster's standing in a word, and its badge class.
func (c ClusterStatus) State() (string, string) {
	failing, overdue, active := c.LastFailed != nil, false, false
	for _, s := range c.Schedules {
		failing = failing || s.Failing
		overdue = overdue || s.Overdue
		active = active || !s.Schedule.State.Paused
	}
	switch {
	case failing:
		return "failing", "status-failed"
	case overdue:
		return "overdue", "status-failed"
	case c.LastBackup == nil:
		return "no backup yet", "status-paused"
	case !active:
		return "no active schedule", "status-paused"
	}
	return "ok", "status-succeeded"
}

// Rank orders clusters on the home page: failing, overdue, the rest.
func (c ClusterStatus) Rank() int {
	switch st, _ := c.State(); st {
	case "failing":
		return 0
	case "overdue":
		return 1
	}
	return 2
}

// lastBackupAt is when the cluster's newest successful backup finished;
// false when there is none.
func (c ClusterStatus) lastBackupAt() (time.Time, bool) {
	if c.LastBackup == nil || c.LastBackup.FinishedAt == nil {
		return time.Time{}, false
	}
	return *c.LastBackup.FinishedAt, true
}

// namesCollection tells whether the cluster's line names the collection
// of window w: when the cluster has several windows and w's is known.
func (c ClusterStatus) namesCollection(w operations.DatabaseWindow) bool {
	return len(c.Windows) > 1 && w.Collection != ""
}

// clusterRowClass marks the clusters that need attention.
func clusterRowClass(c ClusterStatus) string {
	if c.Rank() < 2 {
		return "attention"
	}
	return "ok"
}
