package templates

import (
	"time"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/app/collections"
	"github.com/stratabackup/strata/internal/app/status"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/jobs"
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
	status.Cluster
	WindowError string // why its windows could not all be read, for users
	// State is the cluster's standing in a word, StateClass its badge's
	// class; Attention marks a failing or overdue cluster.
	State, StateClass string
	Attention         bool
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
func (c ClusterStatus) namesCollection(w collections.DatabaseWindow) bool {
	return len(c.Windows) > 1 && w.Collection != ""
}

// clusterRowClass marks the clusters that need attention.
func clusterRowClass(c ClusterStatus) string {
	if c.Attention {
		return "attention"
	}
	return "ok"
}
