package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/usererror"
)

// storageWriteError marks an error returned by the storage side of a
// stream (as opposed to the database side).
type storageWriteError struct{ err error }

func (e *storageWriteError) Error() string { return e.err.Error() }
func (e *storageWriteError) Unwrap() error { return e.err }

// storageError is the user error for a failed write to the collection.
func storageError(err error) error {
	if userError(err) != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return userErrorf(err, "writing the backup to storage failed: %s", storageMessage(err))
}

// sourceError turns an error from the source database into a message saying
// what to fix. doing is what the backup was doing ("copy table x"); table,
// when set, names the table concerned.
func sourceError(err error, doing, table string) error {
	if err == nil || userError(err) != nil {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var sw *storageWriteError
	if errors.As(err, &sw) {
		return storageError(sw.err)
	}
	what := "the backup"
	if table != "" {
		what = "table " + table
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "55P03": // lock_not_available
			return userErrorf(err, "could not %s: %s is locked by another session (an ALTER TABLE, VACUUM FULL or similar), and the backup waited a minute: start the backup again once it finishes", doing, what)
		case pgErr.Code == "42P01": // undefined_table
			return userErrorf(err, "could not %s: %s was dropped while the backup ran: start the backup again", doing, what)
		case pgErr.Code == "42501" && strings.Contains(pgErr.Message, "row-level security"):
			// row_security is off (see textFormats): a role a policy
			// applies to would otherwise copy only the rows it may see.
			return userErrorf(err, "could not %s: %s. The backup user must see every row, as pg_dump's must: give it BYPASSRLS (ALTER ROLE ... BYPASSRLS) or back up as a superuser", doing, pgErr.Message)
		case pgErr.Code == "42501": // insufficient_privilege
			return userErrorf(err, "could not %s: %s. Grant the backup user read access (for example the pg_read_all_data role)", doing, pgErr.Message)
		case pgErr.Code[:2] == "57" || pgErr.Code[:2] == "08": // operator intervention, connection exception
			return connLostError(err, what)
		}
		return fmt.Errorf("%s: %w", doing, err)
	}
	// Anything else that is not PostgreSQL's answer is the connection failing.
	return connLostError(err, what)
}

func connLostError(err error, what string) error {
	return userErrorf(err, "lost the connection to the source database while backing up %s (%v): check that the server is running and reachable (it may have restarted, or an administrator ended the session), then start the backup again", what, err)
}

// withCleanup adds to err what the cleanup after it could not do.
func withCleanup(err, cleanupErr error) error {
	if cleanupErr == nil {
		return err
	}
	if ue := userError(err); ue != nil {
		return &usererror.Error{Msg: ue.Msg + "; also, " + cleanupErr.Error(), Cause: errors.Join(ue.Cause, cleanupErr)}
	}
	if ue := userError(cleanupErr); ue != nil {
		return &usererror.Error{Msg: ue.Msg, Cause: errors.Join(err, cleanupErr)}
	}
	return errors.Join(err, cleanupErr)
}
