package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A table without a replica identity stays out of a chain's publication
// (see publication.go), so every incremental copies it whole and a restore
// can stop only at a layer's end for it. REPLICA IDENTITY FULL gives it
// one: every UPDATE and DELETE then writes the whole old row to the WAL,
// and the next incremental adds the table to its chain's publication.

const identityAppName = "strata (replica identity)"

// identityLockSeconds bounds the wait for a table's lock: ALTER TABLE ...
// REPLICA IDENTITY needs an ACCESS EXCLUSIVE lock, and a user waits on the
// answer.
const identityLockSeconds = 5

// withoutIdentitySQL lists the tables whose UPDATE and DELETE cannot be
// published: ordinary tables and partitions, logged (an unlogged table is
// never published, whatever its identity), outside system schemas and
// extensions, whose replica identity is nothing, the primary key when there
// is none, or an index no longer marked. The condition is that of
// tableInfo.hasIdentity.
const withoutIdentitySQL = `
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND ` + userNamespace + ` AND ` + notExtensionMember + `
  AND NOT (c.relreplident = 'f'
           OR c.relreplident = 'd' AND EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
           OR c.relreplident = 'i' AND EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident))
ORDER BY n.nspname, c.relname`

// TablesWithoutIdentity names, as "schema.table", the tables of the
// database dsn connects to that have no replica identity: incrementals copy
// them whole.
func TablesWithoutIdentity(ctx context.Context, dsn string) ([]string, error) {
	c, err := connect(ctx, dsn, identityAppName)
	if err != nil {
		return nil, err
	}
	defer c.Close(context.WithoutCancel(ctx))
	tables, err := tablesWithoutIdentity(ctx, c)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.qualifiedName()
	}
	return names, nil
}

func tablesWithoutIdentity(ctx context.Context, c *pgx.Conn) ([]*tableInfo, error) {
	rows, err := c.Query(ctx, withoutIdentitySQL)
	if err != nil {
		return nil, fmt.Errorf("engine: list tables without a replica identity: %w", err)
	}
	tables, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tableInfo, error) {
		t := &tableInfo{}
		return t, row.Scan(&t.Schema, &t.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("engine: list tables without a replica identity: %w", err)
	}
	return tables, nil
}

// SetReplicaIdentityFull sets REPLICA IDENTITY FULL on the named tables
// ("schema.table") of the database dsn connects to, in one transaction.
// Each must be a table [TablesWithoutIdentity] lists; any other name is
// refused, naming it, and nothing is changed. Names are matched whole
// against the catalog, never split, since a schema name may contain a dot
// (two tables that print alike both get FULL).
func SetReplicaIdentityFull(ctx context.Context, dsn string, tables []string) error {
	if len(tables) == 0 {
		return userErrorf(nil, "choose at least one table to set REPLICA IDENTITY FULL on")
	}
	c, err := connect(ctx, dsn, identityAppName)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL lock_timeout = '%ds'", identityLockSeconds)); err != nil {
			return err
		}
		candidates, err := tablesWithoutIdentity(ctx, tx.Conn())
		if err != nil {
			return err
		}
		byName := make(map[string][]*tableInfo, len(candidates))
		for _, t := range candidates {
			byName[t.qualifiedName()] = append(byName[t.qualifiedName()], t)
		}
		var chosen []*tableInfo
		var unknown []string
		seen := map[string]bool{}
		for _, name := range tables {
			if seen[name] {
				continue
			}
			seen[name] = true
			if found := byName[name]; len(found) > 0 {
				chosen = append(chosen, found...)
			} else {
				unknown = append(unknown, name)
			}
		}
		if len(unknown) > 0 {
			return notWithoutIdentity(unknown)
		}
		for _, t := range chosen {
			if _, err := tx.Exec(ctx, "ALTER TABLE "+t.sanitized()+" REPLICA IDENTITY FULL"); err != nil {
				return alterIdentityError(err, t.qualifiedName())
			}
		}
		return nil
	})
}

func notWithoutIdentity(names []string) error {
	slices.Sort(names)
	if len(names) == 1 {
		return userErrorf(nil, "%s is not a table without a replica identity (it does not exist, or it has one now): nothing was changed", names[0])
	}
	return userErrorf(nil, "%s are not tables without a replica identity (they do not exist, or they have one now): nothing was changed", strings.Join(names, ", "))
}

// alterIdentityError says why ALTER TABLE failed on table, for users when
// they can act on it.
func alterIdentityError(err error, table string) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "42501": // insufficient_privilege
		return userErrorf(err, "cannot set REPLICA IDENTITY FULL on %s: %s. Only the table's owner (or a superuser) may; nothing was changed", table, pgErr.Message)
	case "55P03": // lock_not_available
		return userErrorf(err, "cannot set REPLICA IDENTITY FULL on %s: the table is in use (its lock was not granted within %d seconds); nothing was changed, try again", table, identityLockSeconds)
	}
	return userErrorf(err, "cannot set REPLICA IDENTITY FULL on %s: %s; nothing was changed", table, pgErr.Message)
}
