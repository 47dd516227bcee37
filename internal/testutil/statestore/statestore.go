package statestore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stratabackup/strata/internal/store/sqlite"
)

// Open opens the state store of the data dir dir (creating and migrating
// it if needed) and closes it when the test ends. Pass t.TempDir() for a
// fresh store; several handles on one dir act like several console
// processes sharing it.
func Open(t testing.TB, dir string) *sql.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
