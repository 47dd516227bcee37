package engine

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// sessionTimeoutsOff turns off, for the backup's sessions, timeouts a
// server may set by default: the snapshot's transactions stay idle for the
// whole backup (and a pause), and one COPY of a large chunk may run for
// minutes.
var sessionTimeoutsOff = map[string]string{
	"statement_timeout":                   "0",
	"idle_in_transaction_session_timeout": "0",
	"idle_session_timeout":                "0",
}

// textFormats pins, for every session (backup and restore alike), the
// settings that change the text form of values, as pg_dump does: a backup
// copies tables with types of their own as COPY text, and a database's or
// role's own DateStyle, IntervalStyle or extra_float_digits would otherwise
// write dates, intervals and floats that the restoring session (with the
// target's defaults) reads back as other values, or rounds. Row security is
// off, as in pg_dump and pg_restore: a role subject to a policy fails to
// copy the table instead of silently copying only the rows the policy lets
// it see.
var textFormats = map[string]string{
	"DateStyle":          "ISO",
	"IntervalStyle":      "postgres",
	"extra_float_digits": "3",
	"row_security":       "off",
}

// sourcePath is the search_path of the sessions that read a backup's
// source, as pg_dump's: with only pg_catalog on it, the text of reg*
// values (regclass, regtype...) and the type names format_type records
// name every object with its schema, whatever search_path the database or
// role sets, so a restore finds them. (Restore sessions keep the target's:
// older manifests recorded type names relative to it.)
var sourcePath = map[string]string{"search_path": "pg_catalog"}

// connectSource opens a connection that reads the backup's source.
func connectSource(ctx context.Context, dsn, appName string) (*pgx.Conn, error) {
	return connect(ctx, dsn, appName, sourcePath)
}

// connect opens an ordinary connection, with settings of its own (extra).
func connect(ctx context.Context, dsn, appName string, extra ...map[string]string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, userErrorf(err, "the cluster's connection string is not valid: %v", redactConnErr(err))
	}
	cfg.RuntimeParams["application_name"] = appName
	for _, m := range append([]map[string]string{sessionTimeoutsOff, textFormats}, extra...) {
		for k, v := range m {
			cfg.RuntimeParams[k] = v
		}
	}
	// Fail rather than queue forever behind a lock: see lockTables.
	cfg.RuntimeParams["lock_timeout"] = "60s"
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(err, cfg.Database, cfg.User, cfg.Host, cfg.Port)
	}
	return c, nil
}

// connectError turns a failed connection into a message saying what to fix.
func connectError(err error, database, user, host string, port uint16) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01", "28000":
			return userErrorf(err, "PostgreSQL refused user %q: %s. Check the user name and password in the cluster's settings (and pg_hba.conf on the server)", user, pgErr.Message)
		case "3D000":
			return userErrorf(err, "database %q does not exist on the cluster: check the database name", database)
		case "53300":
			return userErrorf(err, "the cluster has no free connections (max_connections reached): try again later or raise max_connections")
		case "57P03":
			return userErrorf(err, "the cluster is starting up or shutting down: try again in a moment")
		}
		return userErrorf(err, "cannot connect to the cluster: %s", pgErr.Message)
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, net.ErrClosed) {
		return userErrorf(err, "cannot reach the cluster at %s:%d: check the address and port, and that PostgreSQL is running and accepts connections from the console", host, port)
	}
	return userErrorf(err, "cannot connect to the cluster at %s:%d: %s", host, port, redactConnErr(err))
}

// redactConnErr is the error text for users; pgconn's messages name the
// host, user and database but never the password.
func redactConnErr(err error) string { return fmt.Sprint(err) }
