package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stratabackup/strata/internal/usererror"
)

// Job types.
const (
	TypeBackup   = "backup"
	TypeRestore  = "restore"
	TypeValidate = "validate"
)

// Job is one backup, restore or validation run.
type Job struct {
	ID          int64  `json:"id"`
	Type        string `json:"type"`
	Cluster     string `json:"cluster"`
	ScheduleID  int64  `json:"schedule_id,omitempty"` // the schedule that started it; 0 for none
	Description string `json:"description"`
	CreatedBy   string `json:"created_by"`
	Status      Status `json:"status"`
	Phase       string `json:"phase"` // what the handler is doing, e.g. "copying data"
	Error       string `json:"error"` // written for the user

	FractionCompleted float64 `json:"fraction_completed"`
	BytesDone         int64   `json:"bytes_done"`
	BytesTotal        int64   `json:"bytes_total"`
	RowsDone          int64   `json:"rows_done"`
	RowsTotal         int64   `json:"rows_total"`

	Payload    json.RawMessage `json:"payload,omitempty"`    // the handler's parameters
	Checkpoint json.RawMessage `json:"checkpoint,omitempty"` // the handler's resume state
	Result     json.RawMessage `json:"result,omitempty"`     // the handler's output

	// Attempt counts how many times a worker has claimed the job: a first
	// run, each resume after a pause, each adoption after a worker died.
	Attempt int `json:"attempt"`

	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	UpdatedAt  time.Time  `json:"updated_at"`

	LeaseOwner     string     `json:"lease_owner,omitempty"`
	LeaseExpiresAt *time.Time `json:"lease_expires_at,omitempty"`

	// Unreadable says what in the stored row cannot be read ("" when all
	// can); such a job fails when claimed, without running.
	Unreadable string `json:"-"`

	// The current claim's start and the fraction completed then (for ETA).
	RunStartedAt     *time.Time `json:"-"`
	RunStartFraction float64    `json:"-"`
}

// ETA estimates the time left from the progress made since the job was
// last claimed, so time spent paused or before a crash does not count. It
// reports false while the job is not running or has made no progress yet.
func (j Job) ETA(now time.Time) (time.Duration, bool) {
	if j.Status != StatusRunning && j.Status != StatusPauseRequested || j.RunStartedAt == nil {
		return 0, false
	}
	progress := j.FractionCompleted - j.RunStartFraction
	elapsed := now.Sub(*j.RunStartedAt)
	if progress <= 0 || j.FractionCompleted >= 1 || elapsed <= 0 {
		return 0, false
	}
	left := (1 - j.FractionCompleted) / progress * float64(elapsed)
	return time.Duration(left).Round(time.Second), true
}

// NewJob describes a job to create.
type NewJob struct {
	Type       string
	Cluster    string
	ScheduleID int64 // the schedule that starts it, 0 for none
	// ScheduleRun is the start of the schedule's run the job belongs to.
	ScheduleRun time.Time
	Description string
	CreatedBy   string
	Payload     any // marshaled to JSON; nil for none
}

// Filter selects jobs in List; zero fields match everything.
type Filter struct {
	Status     Status
	Type       string
	Cluster    string
	ScheduleID int64
	// ScheduleRun selects the jobs of one run of schedule ScheduleID.
	ScheduleRun time.Time
}

// ErrNotFound is returned for a job id that does not exist. It and the
// store's other errors that can be shown as is (a refused pause, resume or
// cancel) are [*usererror.Error]s. A handler returns one (or wraps one) to
// fail its job with that message; every other handler error fails the job
// with a generic message and is logged.
var ErrNotFound = usererror.New("job not found")

// ErrLeaseLost is returned by [Control] methods (and is the cause of the
// handler's canceled context) when another worker has taken the job over,
// because this one failed to renew its lease in time. The handler must stop
// without touching the job's output; the new worker carries on. It matches
// context.Canceled, like every reason to stop without cleaning up.
var ErrLeaseLost = fmt.Errorf("jobs: lease lost to another worker: %w", context.Canceled)

// internalErrorMessage is shown for a failure that is not a user error;
// the detail goes to the log.
const internalErrorMessage = "internal error; the console log has the details"

// userMessage is the message a failed job shows for err.
func userMessage(err error) string {
	if msg, ok := usererror.Message(err); ok {
		return msg
	}
	return internalErrorMessage
}
