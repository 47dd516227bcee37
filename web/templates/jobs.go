package templates

import (
	"encoding/json"
	"net/url"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
)

// JobsView is the jobs list and the filters that chose it.
type JobsView struct {
	Jobs     []jobs.Job
	Query    url.Values
	Next     int64
	Clusters []string
	Now      time.Time
}

// jobStatuses and jobTypes are what the jobs list filters on.
var (
	jobStatuses = statusNames(jobs.Statuses)
	jobTypes    = []string{jobs.TypeBackup, jobs.TypeRestore}
)

func statusNames(statuses []jobs.Status) []string {
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = string(s)
	}
	return out
}

// jobsPageURL is the jobs list of the filters of q before cursor before
// (0: the newest jobs).
func jobsPageURL(q url.Values, before int64) string { return pageURL("/jobs", q, before) }

// statusClass is the badge class of a job status.
func statusClass(s jobs.Status) string {
	switch s {
	case jobs.StatusSucceeded:
		return "status-succeeded"
	case jobs.StatusFailed:
		return "status-failed"
	case jobs.StatusRunning:
		return "status-running"
	case jobs.StatusCanceled:
		return "status-canceled"
	}
	return "status-paused"
}

// jobDuration is how long a job ran, or has been running at now.
func jobDuration(j jobs.Job, now time.Time) string {
	if j.StartedAt == nil {
		return "—"
	}
	end := now
	if j.FinishedAt != nil {
		end = *j.FinishedAt
	}
	return elapsed(*j.StartedAt, end)
}

// eta is how long a running job has left, when that can be told.
func eta(j jobs.Job, now time.Time) string {
	if j.Status != jobs.StatusRunning {
		return ""
	}
	if d, ok := j.ETA(now); ok {
		return "about " + duration(d) + " left"
	}
	return ""
}

// livePhase is what an unfinished job is doing; "" once it has finished.
func livePhase(j jobs.Job) string {
	if j.Status.Terminal() {
		return ""
	}
	return j.Phase
}

// pausable, resumable and cancelable tell which actions a job's page
// offers; the server decides what is allowed.
func pausable(j jobs.Job) bool {
	return j.Status == jobs.StatusRunning || j.Status == jobs.StatusPending
}

func resumable(j jobs.Job) bool { return j.Status == jobs.StatusPaused }

func cancelable(j jobs.Job) bool {
	return pausable(j) || j.Status == jobs.StatusPaused || j.Status == jobs.StatusPauseRequested
}

// jobNote is what a finished job's result asks the reader to notice: a
// "note" it wrote, or why a backup asked as an incremental was taken as a
// full backup ("full_reason").
func jobNote(j jobs.Job) string {
	var r struct {
		Note       string `json:"note"`
		FullReason string `json:"full_reason"`
	}
	if len(j.Result) == 0 || json.Unmarshal(j.Result, &r) != nil {
		return ""
	}
	if r.FullReason != "" {
		return "Taken as a full backup instead of an incremental: " + r.FullReason
	}
	return r.Note
}

// jobWarnings are what a finished job's result says it could not do as
// asked: a backup's or a restore's "warnings".
func jobWarnings(j jobs.Job) []string {
	var r struct {
		Warnings []string `json:"warnings"`
	}
	if len(j.Result) == 0 || json.Unmarshal(j.Result, &r) != nil {
		return nil
	}
	return r.Warnings
}
