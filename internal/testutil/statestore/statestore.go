package statestore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stratabackup/strata/internal/store"
)

// Open opens the state store of the data dir dir (creating and migrating
// it if needed) and closes it when the test ends. Pass t.TempDir() for a
// fresh store; several handles on one dir act like several console
// processes sharing it.
func Open(t testing.TB, dir string) *sql.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
