package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/auth"
)

// userMessage is the text a user may see for err: validation errors as they
// are, anything else as a generic sentence (the detail goes to the log).
func userMessage(err error) string {
	if auth.IsUserError(err) {
		return err.Error()
	}
	return "an internal error occurred; see the console log"
}

// isUserError tells a validation error (shown on the form) from a failure.
func isUserError(err error) bool { return auth.IsUserError(err) }

var errNotFound = echo.NewHTTPError(http.StatusNotFound)

func idParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

func notFoundIf(err error, target error) error {
	if errors.Is(err, target) {
		return errNotFound
	}
	return err
}
