package jobrun

import (
	"context"
	"errors"
	"fmt"

	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/jobs"
)

// Tracker is a job's Control as the engine's Tracker: the job's pause
// and cancel requests become the engine's.
type Tracker struct{ *jobs.Control }

// Boundary is the job's boundary, with its pause and cancel requests as the engine's errors.
func (t Tracker) Boundary(ctx context.Context) error {
	err := t.Control.Boundary(ctx)
	switch {
	case errors.Is(err, jobs.ErrPauseRequested):
		return engine.ErrPauseRequested
	case errors.Is(err, jobs.ErrCancelRequested):
		return engine.ErrCancelRequested
	}
	return err
}

// Outcome is err, from the engine, as a handler's outcome: an engine that
// stopped for a pause or cancel request leaves the job paused or canceled.
func Outcome(err error) error {
	switch {
	case errors.Is(err, engine.ErrPauseRequested):
		return fmt.Errorf("%w: %w", jobs.ErrPauseRequested, err)
	case errors.Is(err, engine.ErrCancelRequested):
		return fmt.Errorf("%w: %w", jobs.ErrCancelRequested, err)
	}
	return err
}
