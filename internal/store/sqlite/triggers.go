package sqlite

import (
	"fmt"
	"io/fs"
	"strings"
)

// TriggerSQL returns the statement that creates trigger name in the newest
// migration that creates it, as SQLite keeps it in sqlite_schema (without
// the final semicolon): to find a trigger that was dropped or changed, and
// to create it again exactly.
func TriggerSQL(name string) (string, error) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return "", err
	}
	var found string
	for _, f := range files { // in name order, so in version order
		data, err := migrations.ReadFile(f)
		if err != nil {
			return "", err
		}
		up, _, _ := strings.Cut(string(data), "-- +goose Down")
		// goose needs a trigger's body, which holds semicolons, marked as
		// one statement.
		for _, block := range strings.Split(up, "-- +goose StatementBegin")[1:] {
			stmt, _, _ := strings.Cut(block, "-- +goose StatementEnd")
			stmt = strings.TrimSuffix(strings.TrimSpace(stmt), ";")
			if fields := strings.Fields(stmt); len(fields) > 2 && fields[0] == "CREATE" && fields[1] == "TRIGGER" && fields[2] == name {
				found = stmt
			}
		}
	}
	if found == "" {
		return "", fmt.Errorf("store: no migration creates trigger %s", name)
	}
	return found, nil
}
