package usererror

import (
	"errors"
	"fmt"
)

// Error is an error whose message says, for a user, what went wrong and what to do.
// Cause, when set, is the underlying error, for the log and for errors.Is/As.
type Error struct {
	Msg   string
	Cause error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Cause }

// New returns an error with message msg, for sentinels:
// var ErrX = usererror.New("…"); errors.Is matches the value itself.
func New(msg string) *Error { return &Error{Msg: msg} }

// Errorf returns an error whose message is formatted as by fmt.Sprintf.
// It has no cause: use [Wrap] to keep one (a %w verb is not unwrapped).
func Errorf(format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with a message for users, formatted as by
// fmt.Sprintf, and cause as its Cause.
func Wrap(cause error, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), Cause: cause}
}

// Message returns the message of the first [*Error] in err's chain (as
// errors.As finds it), and whether there is one.
func Message(err error) (string, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg, true
	}
	return "", false
}
