package operations

import (
	"context"
	"errors"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/storage"
)

// UserMessage returns err's message when it was written for users.
func UserMessage(err error) (string, bool) {
	var ue UserError
	switch {
	case errors.As(err, &ue), engine.IsUserError(err), cluster.IsUserError(err), jobs.IsUserError(err), auth.IsUserError(err):
		return err.Error(), true
	}
	if msg := storage.UserMessage(err); msg != "" {
		return msg, true
	}
	return "", false
}

// asJobError makes a handler's error fail its job with a message for users;
// pause, cancel and shutdown pass through for the runner to act on.
func asJobError(err error) error {
	if errors.Is(err, jobs.ErrPauseRequested) || errors.Is(err, jobs.ErrCancelRequested) || errors.Is(err, context.Canceled) {
		return err
	}
	if msg, ok := UserMessage(err); ok {
		return &jobError{msg: jobs.UserError(msg), cause: err}
	}
	return err
}

// jobError shows msg on the job and keeps the cause for the log.
type jobError struct {
	msg   jobs.UserError
	cause error
}

func (e *jobError) Error() string   { return string(e.msg) }
func (e *jobError) Unwrap() []error { return []error{e.msg, e.cause} }
