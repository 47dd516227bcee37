package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// create makes the roles the schema names that the target lacks and, for a
// whole-database restore, the new database.
func (r *restoreRun) create(ctx context.Context, t Tracker) error {
	t.Progress("schema", 0, r.totalBytes, 0, r.totalRows)
	admin, err := r.connectAdmin(ctx)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	created, err := r.createRoles(ctx, admin)
	if len(created) > 0 {
		r.cp.CreatedRoles = append(r.cp.CreatedRoles, created...)
		if cerr := t.Checkpoint(r.cp); err == nil {
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
		var ue *UserError
		if err := targetError(err); errors.As(err, &ue) {
			return userErrorf(ue.Err, "cannot create database %s: %s", r.target, strings.TrimPrefix(ue.Msg, "the target cluster refused the restore: "))
		}
		return err
	}
	r.cp.CreatedDatabase = true
	if err := t.Checkpoint(r.cp); err != nil {
		return err
	}
	// The source database's owner, when the target has that role.
	for _, e := range r.entries {
		if e.Desc == "DATABASE" && e.Owner != "" {
			_, err := admin.Exec(ctx, `DO $$BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = `+quoteLiteral(e.Owner)+`) THEN
  EXECUTE 'ALTER DATABASE `+strings.ReplaceAll(db, "'", "''")+` OWNER TO `+strings.ReplaceAll(pgx.Identifier{e.Owner}.Sanitize(), "'", "''")+`'; END IF; END$$`)
			if err != nil {
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
	_, err = c.Exec(ctx, "CREATE TABLE "+progressSchema+".job (job text NOT NULL); INSERT INTO "+progressSchema+".job VALUES ("+quoteLiteral(r.p.JobID)+")")
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
func (r *restoreRun) schema(ctx context.Context, t Tracker) error {
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
func (r *restoreRun) postData(ctx context.Context, t Tracker) error {
	t.Progress("indexes", r.totalBytes, r.totalBytes, r.totalRows, r.totalRows)
	return pgRestoreRun{
		dsn: r.p.TargetDSN(r.target), archive: r.archive, list: r.list, section: "post-data", jobs: r.p.Parallel,
		tolerateExisting: r.resumed,
	}.run(ctx)
}

// finish sets the sequences, fills the materialized views (a schema-only
// dump has no REFRESH for them) and removes the progress table.
func (r *restoreRun) finish(ctx context.Context, t Tracker) error {
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
		if _, err := c.Exec(ctx, "REFRESH MATERIALIZED VIEW "+pgx.Identifier{mv.Schema, mv.Name}.Sanitize()); err != nil {
			return targetError(err)
		}
	}
	return targetError(dropProgress(ctx, c, r.p.JobID))
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
	var errs []error
	for _, o := range slices.Backward(r.plan.Created) {
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

func isDuplicate(err error) bool {
	var pgErr interface{ SQLState() string }
	return errors.As(err, &pgErr) && pgErr.SQLState() == "42710"
}
