package jobrun

import (
	"context"
	"errors"
	"fmt"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/jobs"
)

// Tracker is a job's Control as a driver's Tracker: the job's pause
// and cancel requests become the driver's.
type Tracker struct{ *jobs.Control }

// Boundary is the job's boundary, with its pause and cancel requests as the driver's errors.
func (t Tracker) Boundary(ctx context.Context) error {
	err := t.Control.Boundary(ctx)
	switch {
	case errors.Is(err, jobs.ErrPauseRequested):
		return cluster.ErrPauseRequested
	case errors.Is(err, jobs.ErrCancelRequested):
		return cluster.ErrCancelRequested
	}
	return err
}

// Outcome is err, from a driver, as a handler's outcome: a driver that
// stopped for a pause or cancel request leaves the job paused or canceled.
func Outcome(err error) error {
	switch {
	case errors.Is(err, cluster.ErrPauseRequested):
		return fmt.Errorf("%w: %w", jobs.ErrPauseRequested, err)
	case errors.Is(err, cluster.ErrCancelRequested):
		return fmt.Errorf("%w: %w", jobs.ErrCancelRequested, err)
	}
	return err
}
