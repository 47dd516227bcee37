package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/usererror"
)

// userMessage returns err's message when it was written for users
// (validation errors, refusals); any other error is a failure whose detail
// belongs in the log only.
func userMessage(err error) (string, bool) { return usererror.Message(err) }

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
