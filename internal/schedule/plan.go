package schedule

import (
	"time"

	"github.com/stratabackup/strata/internal/usererror"
)

// Policies, as CockroachDB's schedule options.
const (
	OnFailureRetry      = "retry"      // run again soon
	OnFailureReschedule = "reschedule" // wait for the next run as planned
	OnFailurePause      = "pause"      // pause the schedule until someone resumes it

	OnRunningStart = "start" // start the new run alongside the old one
	OnRunningSkip  = "skip"  // skip this run
	OnRunningWait  = "wait"  // start it once the old one has finished
)

// RetryDelay is how soon a failed run is tried again with OnFailureRetry.
const RetryDelay = time.Minute

// Spec is what a schedule asks for.
type Spec struct {
	Recurrence Recurrence // when it runs
	// Full is the cadence of full backups between incrementals; without it
	// (Full.Expr == "") every run is a full backup.
	Full              Recurrence
	OnFailure         string
	OnPreviousRunning string
}

// CheckPolicies says what to fix in a schedule's options.
func (s Spec) CheckPolicies() error {
	switch s.OnFailure {
	case OnFailureRetry, OnFailureReschedule, OnFailurePause:
	default:
		return usererror.Errorf("on_execution_failure %q is not one of retry, reschedule, pause", s.OnFailure)
	}
	switch s.OnPreviousRunning {
	case OnRunningStart, OnRunningSkip, OnRunningWait:
	default:
		return usererror.Errorf("on_previous_running %q is not one of start, skip, wait", s.OnPreviousRunning)
	}
	return nil
}

// State is where a schedule stands.
type State struct {
	Paused   bool
	NextRun  time.Time // the next run is due at or after this
	NextFull time.Time // the next full backup is due at or after this; zero: the next run is one
	HasFull  bool      // a full backup of the schedule has succeeded (incrementals need one)
	Running  bool      // a run of the schedule has not finished
	// LastRunAt is when the newest run started (zero: never); its jobs are
	// the schedule's jobs created since.
	LastRunAt time.Time
}

// Run is what the scheduler does at a moment: maybe start a backup, and
// the schedule's new state.
type Run struct {
	Start bool
	Full  bool   // the backup to start is a full one
	Why   string // why nothing starts, or why a full backup rather than an incremental
	State State
}

// Due decides what a schedule does at now. A run missed while the console
// was down runs once, not once per missed slot: the next run is computed
// from now. Incrementals wait for the schedule's first full backup.
func Due(spec Spec, st State, now time.Time) Run {
	now = now.UTC()
	switch {
	case st.Paused:
		return Run{Why: "paused", State: st}
	case now.Before(st.NextRun):
		return Run{Why: "not due", State: st}
	}
	full := spec.Full.Expr == "" || !st.HasFull || !now.Before(st.NextFull)
	if st.Running {
		switch {
		case !st.HasFull:
			return Run{Why: "waiting for the first full backup to finish", State: st}
		case spec.OnPreviousRunning == OnRunningSkip:
			st.NextRun = spec.Recurrence.Next(now)
			return Run{Why: "skipped: the previous run has not finished", State: st}
		case spec.OnPreviousRunning == OnRunningWait:
			return Run{Why: "waiting for the previous run to finish", State: st}
		}
	}
	r := Run{Start: true, Full: full}
	st.NextRun = spec.Recurrence.Next(now)
	switch {
	case spec.Full.Expr == "":
		r.Why = "every run of this schedule is a full backup"
	case !st.HasFull:
		r.Why = "the schedule has no full backup yet"
		st.NextFull = spec.Full.Next(now)
	case full:
		r.Why = "a full backup is due (" + spec.Full.Words + ")"
		st.NextFull = spec.Full.Next(now)
	}
	st.Running = true
	st.LastRunAt = now
	r.State = st
	return r
}

// Finished updates the state when a run ends: a full backup that succeeded
// lets incrementals follow; a failure is handled by the schedule's policy.
func Finished(spec Spec, st State, full, succeeded bool, now time.Time) State {
	st.Running = false
	if succeeded {
		if full {
			st.HasFull = true
		}
		return st
	}
	if full {
		st.NextFull = time.Time{} // the next run tries the full backup again
	}
	switch spec.OnFailure {
	case OnFailureRetry:
		st.NextRun = now.UTC().Add(RetryDelay)
	case OnFailurePause:
		st.Paused = true
	}
	return st
}
