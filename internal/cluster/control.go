package cluster

import (
	"context"
	"errors"
)

// Tracker is how a driver reports progress and checkpoints to what runs
// it (a job) and learns that the user asked to pause or cancel.
type Tracker interface {
	// Progress reports the phase and the amounts done so far; totals may be estimates.
	Progress(phase string, bytesDone, bytesTotal, rowsDone, rowsTotal int64)
	// Checkpoint durably records the resume state (JSON-encodable).
	Checkpoint(v any) error
	// Boundary is called between chunks. It returns ErrPauseRequested or
	// ErrCancelRequested when the user asked for either, and the driver
	// then stops: keeping what it needs to resume (pause), or removing its
	// partial work (cancel).
	Boundary(ctx context.Context) error
	// Reverting is called when the driver, told to cancel, begins removing
	// its partial work.
	Reverting()
}

// Returned by Tracker.Boundary, and then by a driver's Backup and Restore
// (wrapped or not): the user asked to pause or cancel.
var (
	ErrPauseRequested  = errors.New("cluster: pause requested")
	ErrCancelRequested = errors.New("cluster: cancel requested")
)
