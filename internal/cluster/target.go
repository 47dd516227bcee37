package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/usererror"
)

// MaxTables is the most tables one backup, restore or schedule may name.
const MaxTables = 10000

// maxTableName is the longest table name taken: a schema and a table name
// of at most 63 bytes each, both quoted with every character doubled.
const maxTableName = 2*(2*63+2) + 1

// CheckTarget says what is wrong with the database and tables a request
// names, before anything is saved or run.
func CheckTarget(database string, tables []string) error {
	if err := CheckDatabaseName("database", database); err != nil {
		return err
	}
	if len(tables) > MaxTables {
		return usererror.Errorf("%d tables are named: at most %d can be, or leave tables out for the whole database", len(tables), MaxTables)
	}
	for _, t := range tables {
		switch {
		case len(t) > maxTableName:
			return usererror.Errorf("table name %.40q… is %d bytes long: PostgreSQL names are at most 63 bytes", t, len(t))
		case strings.ContainsRune(t, 0) || !utf8.ValidString(t):
			return usererror.New("a table name contains a NUL character or invalid UTF-8")
		}
	}
	return nil
}

// CheckDatabaseName says what is wrong with name, the request's field, as
// a database to create or restore into: PostgreSQL cuts a name longer than
// 63 bytes (the restore would then write to another database than the one
// checked) and refuses a NUL.
func CheckDatabaseName(field, name string) error {
	switch {
	case len(name) > 63:
		return usererror.Errorf("%s is %d bytes long: PostgreSQL database names are at most 63 bytes", field, len(name))
	case strings.ContainsRune(name, 0):
		return usererror.Errorf("%s cannot contain a NUL character", field)
	case !utf8.ValidString(name):
		return usererror.Errorf("%s is not valid UTF-8", field)
	}
	return nil
}

// CleanTables trims a list of "schema.table" names and drops empty ones.
func CleanTables(in []string) []string {
	var out []string
	for _, t := range in {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Unreachable gives a cluster that did not answer in time a message for
// users; the engine's and drivers' own errors already have one.
func Unreachable(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := usererror.Message(err); ok {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return usererror.Wrap(err, "the cluster did not answer in time")
	}
	return fmt.Errorf("on the cluster: %w", err)
}
