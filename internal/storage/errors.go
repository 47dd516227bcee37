package storage

import (
	"context"
	"errors"
	"io/fs"
	"syscall"

	"gocloud.dev/gcerrors"

	"github.com/stratabackup/strata/internal/usererror"
)

var (
	// ErrNotFound means the object does not exist.
	ErrNotFound = errors.New("object not found")
	// ErrExists means the object already exists; objects are written once.
	ErrExists = errors.New("object already exists (objects are never overwritten)")
)

// Error is a failed storage operation. Hint, when set, tells a user what is
// wrong and what to do, in words that need no knowledge of the code: the
// error then wraps a [*usererror.Error] with the hint as its message (and Err
// as its cause), which [usererror.Message] finds.
type Error struct {
	Op   string // "open", "create", "write", "read", "stat", "list", "delete", ...
	Key  string // object key relative to the location, if any
	Err  error
	Hint string
}

func (e *Error) Error() string {
	s := "storage: " + e.Op
	if e.Key != "" {
		s += " " + e.Key
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error {
	if e.Hint != "" {
		return &usererror.Error{Msg: e.Hint, Cause: e.Err}
	}
	return e.Err
}

// wrap turns a gocloud or OS error into an *Error with ErrNotFound or
// ErrExists as its cause where that applies, and a hint from hint.
func wrap(op, key string, err error, hint func(error) string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return &Error{Op: op, Key: key, Err: err}
	case errors.Is(err, ErrExists) || errors.Is(err, fs.ErrExist) && op == "create":
		return &Error{Op: op, Key: key, Err: ErrExists}
	case op == "create" && gcerrors.Code(err) == gcerrors.FailedPrecondition:
		return &Error{Op: op, Key: key, Err: ErrExists}
	}
	h := ""
	if hint != nil {
		h = hint(err)
	}
	if h == "" && (errors.Is(err, ErrNotFound) || gcerrors.Code(err) == gcerrors.NotFound || errors.Is(err, fs.ErrNotExist)) {
		return &Error{Op: op, Key: key, Err: ErrNotFound}
	}
	return &Error{Op: op, Key: key, Err: err, Hint: h}
}

// Errno values that mean the same thing to a user on any file system.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

func isPermission(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}
