package engine

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// applyDatabaseProperties gives a database restored whole the source
// database's comment, settings (ALTER DATABASE ... SET) and grants. The
// archive has them, but pg_restore applies them only with --create, which
// would create the database under its old name; so their SQL is run here
// with the new name. They come last: a setting such as
// default_transaction_read_only must not apply to the restore itself.
func (r *restoreRun) applyDatabaseProperties(ctx context.Context) error {
	source := ""
	for _, e := range r.entries {
		if e.Desc == "DATABASE" {
			source = e.Tag
		}
	}
	if source == "" {
		return nil
	}
	var stmts []string
	for _, e := range r.entries {
		switch {
		case e.Desc == "DATABASE PROPERTIES",
			(e.Desc == "COMMENT" || e.Desc == "ACL" || e.Desc == "SECURITY LABEL") && e.Tag == "DATABASE "+source:
			stmts = append(stmts, renameDatabase(e.Defn, source, r.target))
		}
	}
	if len(stmts) == 0 {
		return nil
	}
	admin, err := r.connectAdmin(ctx)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, strings.Join(stmts, "\n"))
	return targetError(err)
}

// renameDatabase rewrites pg_dump's statements about database from (ALTER
// DATABASE x SET ..., COMMENT ON DATABASE x IS ..., GRANT ... ON DATABASE x
// TO ...) to name database to: on each line, the first "DATABASE <from> ".
func renameDatabase(sql, from, to string) string {
	forms := []string{`"` + strings.ReplaceAll(from, `"`, `""`) + `"`, from}
	lines := strings.Split(sql, "\n")
	for i, line := range lines {
		for _, f := range forms {
			old := "DATABASE " + f + " "
			if j := strings.Index(line, old); j >= 0 {
				lines[i] = line[:j] + "DATABASE " + pgx.Identifier{to}.Sanitize() + " " + line[j+len(old):]
				break
			}
		}
	}
	return strings.Join(lines, "\n")
}
