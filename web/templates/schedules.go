package templates

import (
	"time"

	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/retention"
	"github.com/stratabackup/strata/internal/schedule"
)

// ScheduleView is a schedule with where it stands.
type ScheduleView struct {
	Schedule schedule.Schedule
	Overview schedules.Overview
}

// SchedulesView is the schedule list.
type SchedulesView struct {
	Schedules   []ScheduleView
	HasClusters bool // for the empty list: whether a schedule can be created yet
}

// ScheduleHistory is a page of a schedule's jobs, newest first.
type ScheduleHistory struct {
	Runs  []ScheduleRun
	Next  int64 // cursor of the next (older) page; 0: none
	Paged bool  // this is not the newest page
	Now   time.Time
}

// ScheduleRun is one job of a schedule.
type ScheduleRun struct {
	Job  jobs.Job
	Kind string // full or incremental
}

// ScheduleForm is the create and edit form, echoed back after an error
// (never the webhook: only whether the stored one exists, and its host).
type ScheduleForm struct {
	ID      int64 // 0 for a new schedule
	Managed bool

	Clusters, Collections []string
	Databases             []string // of the chosen cluster, when it answered

	Label, Cluster, Database, Tables, Collection string
	When                                         ScheduleWhen
	RevisionHistory                              bool
	OnFailure, OnPreviousRunning                 string
	IgnoreExistingBackups                        bool
	KeepDays, KeepCount, AlertAfter              string
	WebhookHost                                  string // of the stored webhook; "" when none
	RemoveWebhook                                bool
	WebhookRetype                                bool // a webhook was typed but the form came back: it is not shown again

	Preview SchedulePreview
	Error   string
}

// ScheduleWhen is the form's recurrence, full backup cadence and first run.
type ScheduleWhen struct {
	Kind                         string // a preset's name, "daily", "weekly" or "cron"
	DailyAt, WeeklyDay, WeeklyAt string
	Cron                         string
	FullKind                     string // "default", "always" or "cron"
	FullCron                     string
	FirstRun                     string // datetime-local, UTC
}

// SchedulePreview describes the form's recurrence as it is being chosen.
type SchedulePreview struct {
	Words       string
	Next        []time.Time
	Error       string
	FullDefault string // the default full backup cadence for the recurrence, in words
	FullWords   string // the typed full backup cadence, in words
	FullError   string
}

// fullKindIs tells whether the form's full backup cadence is kind: the
// default one when none was chosen.
func (w ScheduleWhen) fullKindIs(kind string) bool {
	return w.FullKind == kind || w.FullKind == "" && kind == "default"
}

// formAction is where the form posts: a new schedule, or the one edited.
func formAction(f ScheduleForm) string {
	if f.ID == 0 {
		return "/schedules"
	}
	return schedulePath(f.ID, "")
}

// scheduleRunsURL is a schedule's page with its runs before cursor before
// (0: the newest runs).
func scheduleRunsURL(id, before int64) string { return pageURL(schedulePath(id, ""), nil, before) }

// scheduleStatusClass is the badge class of a schedule's status.
func scheduleStatusClass(status string) string {
	switch status {
	case schedules.Active:
		return "status-succeeded"
	case schedules.Running:
		return "status-running"
	case schedules.Unreadable:
		return "status-failed"
	}
	return "status-paused"
}

// keepWords is a schedule's retention in words.
func keepWords(s schedule.Schedule) string {
	return retention.PolicyOf(s.KeepDays, s.KeepCount, s.Database, "").String()
}

// The choices of the form's selects: value, then label.
var (
	onFailureChoices = [][2]string{
		{schedule.OnFailureReschedule, "reschedule: wait for the next run as planned"},
		{schedule.OnFailureRetry, "retry: run again a minute later"},
		{schedule.OnFailurePause, "pause: pause the schedule until someone resumes it"},
	}
	onRunningChoices = [][2]string{
		{schedule.OnRunningWait, "wait: start once the previous run has finished"},
		{schedule.OnRunningSkip, "skip: skip this run"},
		{schedule.OnRunningStart, "start: start alongside the previous run"},
	}
	// weekdayChoices are the days of a weekly recurrence, numbered as cron
	// numbers them (Sunday is 0).
	weekdayChoices = func() [][2]string {
		var out [][2]string
		for d := time.Sunday; d <= time.Saturday; d++ {
			out = append(out, [2]string{itoa(int64(d)), d.String()})
		}
		return out
	}()
)
