package templates

import (
	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/schedule"
)

// ManagedView is the cluster page's "Managed backups" section.
type ManagedView struct {
	Cluster  string
	Off      bool               // managed backups are turned off on this console
	Schedule *schedule.Schedule // nil when there is none
	Error    string             // a refused change, shown on the form
}

// frequencyLabel names how often the managed backups run. Schedule must be set.
func (v ManagedView) frequencyLabel() string {
	return schedules.ManagedFrequencyOf(v.Schedule.Recurrence).Label
}

// fullCadence says how often the managed backups are full backups.
// Schedule must be set.
func (v ManagedView) fullCadence() string { return schedule.CadenceWords(v.Schedule.FullRecurrence) }
