package jobs

import (
	"errors"
	"slices"
)

// Status is a job's state, with CockroachDB's names.
type Status string

const (
	StatusPending         Status = "pending"
	StatusRunning         Status = "running"
	StatusPauseRequested  Status = "pause-requested"
	StatusPaused          Status = "paused"
	StatusCancelRequested Status = "cancel-requested"
	StatusReverting       Status = "reverting"
	StatusSucceeded       Status = "succeeded"
	StatusFailed          Status = "failed"
	StatusCanceled        Status = "canceled"
)

// Statuses are every status, in a job's life order.
var Statuses = []Status{StatusPending, StatusRunning, StatusPauseRequested, StatusPaused, StatusCancelRequested,
	StatusReverting, StatusSucceeded, StatusFailed, StatusCanceled}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Terminal reports whether a job in this status will never run again.
func (s Status) Terminal() bool {
	return s == StatusSucceeded || s == StatusFailed || s == StatusCanceled
}

// Returned by Control.Boundary (and so by a handler that stops there): the
// user asked to pause or cancel the job. A handler returns them (wrapped or
// not) after saving its checkpoint (pause) or removing its partial work (cancel).
var (
	ErrPauseRequested  = errors.New("jobs: pause requested")
	ErrCancelRequested = errors.New("jobs: cancel requested")
)

// Unfinished are the statuses of jobs that may still run; Finished, those
// of jobs that never will.
var (
	Unfinished = slices.DeleteFunc(slices.Clone(Statuses), Status.Terminal)
	Finished   = slices.DeleteFunc(slices.Clone(Statuses), func(s Status) bool { return !s.Terminal() })
)
