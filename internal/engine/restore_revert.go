package engine

// Undoing a restore (cancel, failure): what it created goes, what was
// there stays.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// revert removes what the restore created: the new database, or the
// objects a table restore created; and the roles it created.
func (r *restoreRun) revert(ctx context.Context) error {
	var errs []error
	switch {
	case r.whole && r.cp.CreatedDatabase:
		admin, err := r.connectAdmin(ctx)
		if err != nil {
			errs = append(errs, err)
			break
		}
		defer admin.Close(ctx)
		if err := dropDatabase(ctx, admin, r.target); err != nil {
			errs = append(errs, err)
		} else {
			r.cp.CreatedDatabase = false
		}
	case !r.whole && r.cp.Phase != phaseCreate:
		if err := r.dropCreated(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if len(r.cp.CreatedRoles) > 0 {
		if err := r.dropRoles(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return userErrorf(errors.Join(errs...), "could not remove everything the restore created in database %s: %v", r.target, errors.Join(errs...))
	}
	return nil
}

// dropCreated drops, newest first, what a table restore's pre-data created.
func (r *restoreRun) dropCreated(ctx context.Context) error {
	if r.cp.Phase == phaseSchema {
		if applied, err := r.preDataApplied(ctx); err != nil || !applied {
			return err // the transaction did not commit: nothing to drop
		}
	}
	c, err := r.connect(ctx, r.target)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	// Views before the tables they read, tables before their sequences
	// (an identity sequence goes with its table), then what tables use,
	// extensions and last schemas. Within a rank, newest first.
	rank := map[string]int{
		"MATERIALIZED VIEW": 0, "VIEW": 0, "TABLE": 1, "FOREIGN TABLE": 1, "SEQUENCE": 2,
		"FUNCTION": 3, "PROCEDURE": 3, "AGGREGATE": 3, "DOMAIN": 3, "TYPE": 3, "COLLATION": 3,
		"EXTENSION": 4, "SCHEMA": 5,
	}
	created := slices.Clone(r.plan.Created)
	slices.Reverse(created)
	slices.SortStableFunc(created, func(a, b createdObject) int { return rank[a.Kind] - rank[b.Kind] })
	var errs []error
	for _, o := range created {
		sql := dropSQL(o)
		if sql == "" {
			continue
		}
		if _, err := c.Exec(ctx, sql); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", sql, err))
		}
	}
	if err := dropProgress(ctx, c, r.p.JobID); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// dropSQL drops a created object. Relations go with CASCADE (their
// indexes, constraints, triggers and the views on them are the restore's
// too); other objects without, so that nothing made meanwhile by someone
// else goes with them.
func dropSQL(o createdObject) string {
	name := pgx.Identifier{o.Schema, o.Name}.Sanitize()
	switch o.Kind {
	case "TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE", "FOREIGN TABLE":
		return "DROP " + o.Kind + " IF EXISTS " + name + " CASCADE"
	case "TYPE", "DOMAIN", "COLLATION":
		return "DROP " + o.Kind + " IF EXISTS " + name
	case "FUNCTION", "PROCEDURE", "AGGREGATE":
		i := strings.IndexByte(o.Name, '(')
		if i < 0 {
			return ""
		}
		return "DROP " + o.Kind + " IF EXISTS " + pgx.Identifier{o.Schema, o.Name[:i]}.Sanitize() + o.Name[i:]
	case "SCHEMA", "EXTENSION":
		return "DROP " + o.Kind + " IF EXISTS " + pgx.Identifier{o.Name}.Sanitize()
	}
	return ""
}

// dropRoles drops the roles the restore created; one that owns or was
// granted something elsewhere meanwhile stays.
func (r *restoreRun) dropRoles(ctx context.Context) error {
	admin, err := r.connectAdmin(ctx)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	var kept []string
	for _, role := range r.cp.CreatedRoles {
		if _, err := admin.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{role}.Sanitize()); err != nil {
			r.e.log.Warn("restore: could not drop a role the restore created", "job", r.p.JobID, "role", role, "err", err)
			kept = append(kept, role)
		}
	}
	r.cp.CreatedRoles = kept
	return nil
}

// dropDatabase drops a database, ending its sessions first.
func dropDatabase(ctx context.Context, admin *pgx.Conn, name string) error {
	var version int
	if err := admin.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return targetError(err)
	}
	db := pgx.Identifier{name}.Sanitize()
	sql := "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)"
	if version < 130000 {
		if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name); err != nil {
			return targetError(err)
		}
		sql = "DROP DATABASE IF EXISTS " + db
	}
	_, err := admin.Exec(ctx, sql)
	return targetError(err)
}
