package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/stratabackup/strata/internal/cluster"
)

// create makes the roles the schema names that the target lacks and, for a
// whole-database restore, the new database.
func (r *restoreRun) create(ctx context.Context, t cluster.Tracker) error {
	t.Progress("schema", 0, r.totalBytes, 0, r.totalRows)
	admin, err := r.connectAdmin(ctx)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	created, err := r.createRoles(ctx, admin)
	if len(created) > 0 {
		r.cp.CreatedRoles = append(r.cp.CreatedRoles, created...)
		if cerr := r.checkpoint(t); err == nil {
			err = cerr
		}
	}
	if err != nil || !r.whole {
		return err
	}

	db := pgx.Identifier{r.target}.Sanitize()
	if r.cp.CreatedDatabase {
		// An earlier run of this job made it and stopped before its schema
		// was complete: start again from an empty database.
		if err := dropDatabase(ctx, admin, r.target); err != nil {
			return err
		}
		r.cp.CreatedDatabase = false
	}
	sql := "CREATE DATABASE " + db + " TEMPLATE template0"
	if r.m.Encoding != "" {
		sql += " ENCODING " + quoteLiteral(r.m.Encoding)
	}
	if r.m.Collate != "" {
		sql += " LC_COLLATE " + quoteLiteral(r.m.Collate)
	}
	if r.m.Ctype != "" {
		sql += " LC_CTYPE " + quoteLiteral(r.m.Ctype)
	}
	if _, err := admin.Exec(ctx, sql); err != nil {
		if ue := userError(targetError(err)); ue != nil {
			return userErrorf(ue.Cause, "cannot create database %s: %s", r.target, strings.TrimPrefix(ue.Msg, "the target cluster refused the restore: "))
		}
		return err
	}
	r.cp.CreatedDatabase = true
	if err := r.checkpoint(t); err != nil {
		return err
	}
	// The source database's owner, when the target has that role.
	for _, e := range r.entries {
		if e.Desc != "DATABASE" || e.Owner == "" {
			continue
		}
		var exists bool
		if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)", e.Owner).Scan(&exists); err != nil {
			return targetError(err)
		}
		if exists {
			if _, err := admin.Exec(ctx, "ALTER DATABASE "+db+" OWNER TO "+pgx.Identifier{e.Owner}.Sanitize()); err != nil {
				return targetError(err)
			}
		}
	}
	// Mark the database as this job's, for a resume after a crash that
	// came before the checkpoint.
	c, err := r.connect(ctx, r.target)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if err := ensureProgressTable(ctx, c); err != nil {
		return targetError(err)
	}
	if _, err := c.Exec(ctx, "CREATE TABLE "+progressSchema+".job (job text NOT NULL)"); err != nil {
		return targetError(err)
	}
	_, err = c.Exec(ctx, "INSERT INTO "+progressSchema+".job VALUES ($1)", r.p.JobID)
	return targetError(err)
}

// createRoles creates the roles the backup's schema names (owners,
// grantees) that the target cluster lacks, as NOLOGIN roles without a
// password, so that ownership and grants restore. It returns their names.
func (r *restoreRun) createRoles(ctx context.Context, admin *pgx.Conn) ([]string, error) {
	var created []string
	for _, role := range r.m.Schema.Roles {
		var exists bool
		if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)", role.Name).Scan(&exists); err != nil {
			return created, targetError(err)
		}
		if exists {
			continue
		}
		if _, err := admin.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role.Name}.Sanitize()+" NOLOGIN"); err != nil {
			if isDuplicate(err) { // another restore made it meanwhile
				continue
			}
			return created, targetError(err)
		}
		created = append(created, role.Name)
	}
	return created, nil
}

// schema runs pre-data: the tables, types, functions... A table restore
// runs it in one transaction, so that it creates all or nothing; a
// whole-database restore does not (one transaction's locks on thousands of
// tables can exhaust the lock table), and a resume starts it again in a
// new database.
func (r *restoreRun) schema(ctx context.Context, t cluster.Tracker) error {
	t.Progress("schema", 0, r.totalBytes, 0, r.totalRows)
	applied := false
	if !r.whole {
		var err error
		if applied, err = r.preDataApplied(ctx); err != nil {
			return err
		}
	}
	if !applied {
		err := pgRestoreRun{
			dsn: r.p.TargetDSN(r.target), archive: r.archive, list: r.list, section: "pre-data", single: !r.whole,
		}.run(ctx)
		if err != nil {
			return err
		}
	}
	if len(r.plan.Placeholders) > 0 {
		return r.dropPlaceholders(ctx)
	}
	return nil
}

// preDataApplied reports whether a table restore's pre-data transaction
// committed in an earlier run: its first table then exists.
func (r *restoreRun) preDataApplied(ctx context.Context) (bool, error) {
	var first *createdObject
	for i, o := range r.plan.Created {
		if o.Kind == "TABLE" || o.Kind == "VIEW" || o.Kind == "MATERIALIZED VIEW" || o.Kind == "SEQUENCE" {
			first = &r.plan.Created[i]
			break
		}
	}
	if first == nil {
		return false, nil
	}
	c, err := r.connect(ctx, r.target)
	if err != nil {
		return false, err
	}
	defer c.Close(ctx)
	var exists bool
	err = c.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", pgx.Identifier{first.Schema, first.Name}.Sanitize()).Scan(&exists)
	return exists, targetError(err)
}

// dropPlaceholders removes the sequences a table restore created only
// because CREATE TABLE names them in column defaults (skip_missing_sequences),
// after dropping those defaults.
func (r *restoreRun) dropPlaceholders(ctx context.Context) error {
	c, err := r.connect(ctx, r.target)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	tx, err := c.Begin(ctx)
	if err != nil {
		return targetError(err)
	}
	defer tx.Rollback(ctx)
	var skipped []string
	for _, seq := range r.plan.Placeholders {
		name := pgx.Identifier{seq.Schema, seq.Name}.Sanitize()
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", name).Scan(&exists); err != nil {
			return targetError(err)
		}
		if !exists { // dropped by an earlier run
			continue
		}
		rows, err := tx.Query(ctx, `
SELECT n.nspname, c.relname, a.attname
FROM pg_attrdef d
JOIN pg_depend dep ON dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid AND dep.refclassid = 'pg_class'::regclass
JOIN pg_class c ON c.oid = d.adrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
WHERE dep.refobjid = $1::regclass
ORDER BY 1, 2, 3`, name)
		if err != nil {
			return targetError(err)
		}
		var cols [][3]string
		var col [3]string
		if _, err := pgx.ForEachRow(rows, []any{&col[0], &col[1], &col[2]}, func() error { cols = append(cols, col); return nil }); err != nil {
			return targetError(err)
		}
		for _, col := range cols {
			sql := "ALTER TABLE " + pgx.Identifier{col[0], col[1]}.Sanitize() + " ALTER COLUMN " + pgx.Identifier{col[2]}.Sanitize() + " DROP DEFAULT"
			if _, err := tx.Exec(ctx, sql); err != nil {
				return targetError(err)
			}
			skipped = append(skipped, fmt.Sprintf("%s.%s.%s (nextval of %s)", col[0], col[1], col[2], seq))
		}
		if _, err := tx.Exec(ctx, "DROP SEQUENCE "+name); err != nil {
			return targetError(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return targetError(err)
	}
	r.cp.SkippedDefaults = append(r.cp.SkippedDefaults, skipped...)
	return nil
}

// postData runs post-data: indexes, constraints, triggers, in parallel. A
// resumed run tolerates what an interrupted one already built.
//
// The progress table goes first: the data is loaded, and post-data creates
// the database's event triggers, which would fire on dropping it (and one
// that refuses drops would fail the restore).
func (r *restoreRun) postData(ctx context.Context, t cluster.Tracker) error {
	t.Progress("indexes", r.totalBytes, r.totalBytes, r.totalRows, r.totalRows)
	c, err := r.connect(ctx, r.target)
	if err != nil {
		return err
	}
	err = dropProgress(ctx, c, r.p.JobID)
	c.Close(ctx)
	if err != nil {
		return targetError(err)
	}
	return pgRestoreRun{
		dsn: r.p.TargetDSN(r.target), archive: r.archive, list: r.list, section: "post-data", jobs: r.p.Parallel,
		tolerateExisting: r.resumed,
	}.run(ctx)
}

// finish sets the sequences and fills the materialized views (a schema-only
// dump has no REFRESH for them).
func (r *restoreRun) finish(ctx context.Context, t cluster.Tracker) error {
	t.Progress("sequences", r.totalBytes, r.totalBytes, r.totalRows, r.totalRows)
	c, err := r.connect(ctx, r.target)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	values := map[qname][2]any{}
	for _, s := range r.m.Sequences {
		values[qname{s.Schema, s.Name}] = [2]any{s.LastValue, s.IsCalled}
	}
	for _, s := range r.plan.Sequences {
		v, ok := values[s]
		if !ok {
			continue
		}
		if _, err := c.Exec(ctx, "SELECT setval($1::regclass, $2, $3)", pgx.Identifier{s.Schema, s.Name}.Sanitize(), v[0], v[1]); err != nil {
			return targetError(err)
		}
	}
	for _, mv := range r.plan.MatViews {
		if slices.Contains(r.m.Schema.Unpopulated, mv.String()) {
			continue // the source had not filled it either
		}
		if _, err := c.Exec(ctx, "REFRESH MATERIALIZED VIEW "+pgx.Identifier{mv.Schema, mv.Name}.Sanitize()); err != nil {
			return targetError(err)
		}
	}
	if r.whole {
		return r.applyDatabaseProperties(ctx)
	}
	return nil
}

// dropProgress removes the job's progress rows, and the schema when no
// other restore into the same database uses it.
func dropProgress(ctx context.Context, c *pgx.Conn, job string) error {
	var exists bool
	if err := c.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", progressSchema+".progress").Scan(&exists); err != nil || !exists {
		return err
	}
	if _, err := c.Exec(ctx, "DELETE FROM "+progressSchema+".progress WHERE job = $1", job); err != nil {
		return err
	}
	var others bool
	if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT FROM "+progressSchema+".progress)").Scan(&others); err != nil || others {
		return err
	}
	_, err := c.Exec(ctx, "DROP SCHEMA "+progressSchema+" CASCADE")
	return err
}

func isDuplicate(err error) bool {
	var pgErr interface{ SQLState() string }
	return errors.As(err, &pgErr) && pgErr.SQLState() == "42710"
}
