package engine

import (
	"log/slog"
	"sync"

	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

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

// userErrorf returns a [*usererror.Error] with the formatted message, which
// says what went wrong and what to do, and cause (for the log; nil for
// none). The engine's other errors are internal and shown generically.
func userErrorf(cause error, format string, args ...any) error {
	return usererror.Wrap(cause, format, args...)
}

// userError returns the user error the engine made that err is or wraps
// (the first, as errors.As finds it), or nil. The hint of a storage error
// does not count: the engine quotes it in a message of its own, which says
// what it was doing (see storageMessage).
func userError(err error) *usererror.Error {
	for err != nil {
		switch e := err.(type) {
		case *usererror.Error:
			return e
		case *storage.Error:
			err = e.Err // past its hint
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, err := range e.Unwrap() {
				if ue := userError(err); ue != nil {
					return ue
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

// storageMessage is what a user is told of a storage error: its hint when
// it has one, else its text.
func storageMessage(err error) string {
	if msg, ok := usererror.Message(err); ok {
		return msg
	}
	return err.Error()
}
