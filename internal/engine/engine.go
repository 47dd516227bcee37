// Package engine is Strata's PostgreSQL backup and restore engine: consistent full backups by snapshot and parallel COPY, and restores.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// Tracker is how the engine reports to the job running it. The jobs
// package's Control satisfies it.
type Tracker interface {
	// Progress reports the phase and the amounts done so far; totals may be estimates.
	Progress(phase string, bytesDone, bytesTotal, rowsDone, rowsTotal int64)
	// Checkpoint durably records the resume state (JSON-encodable).
	Checkpoint(v any) error
	// Boundary is called between chunks. It returns jobs.ErrPauseRequested or
	// jobs.ErrCancelRequested when the user asked for either, and the engine
	// then stops: keeping what it needs to resume (pause), or removing its
	// partial work (cancel).
	Boundary(ctx context.Context) error
}

// Engine runs backups and restores. One Engine serves the whole console: it
// keeps the snapshots of paused backups alive between a pause and a resume.
type Engine struct {
	log *slog.Logger

	mu   sync.Mutex
	held map[string]*heldBackup // by job id: paused backups whose snapshot is kept open
}

// New returns an engine.
func New(log *slog.Logger) *Engine {
	if log == nil {
		log = slog.Default()
	}
	return &Engine{log: log, held: make(map[string]*heldBackup)}
}

// UserError is an error whose message is written for users (what went wrong
// and what to do); other errors are internal and shown generically.
type UserError struct {
	Msg string
	Err error // the underlying cause, for the log
}

func (e *UserError) Error() string { return e.Msg }
func (e *UserError) Unwrap() error { return e.Err }

func userErrorf(cause error, format string, args ...any) error {
	return &UserError{Msg: fmt.Sprintf(format, args...), Err: cause}
}

// IsUserError reports whether err carries a message written for users.
func IsUserError(err error) bool {
	var ue *UserError
	return errors.As(err, &ue)
}
