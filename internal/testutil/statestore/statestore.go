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

// Stores are the store of each noun over one state store.
type Stores struct {
	DB         *sql.DB
	Jobs       *sqlite.Jobs
	Schedules  *sqlite.Schedules
	Registry   *sqlite.Registry
	Auth       *sqlite.Auth
	Audit      *sqlite.Audit
	Deliveries *sqlite.Deliveries
}

// OpenStores opens the state store of dir, as Open does, and returns its
// stores.
func OpenStores(t testing.TB, dir string) Stores {
	t.Helper()
	return New(Open(t, dir))
}

// New returns the stores over db.
func New(db *sql.DB) Stores {
	return Stores{DB: db, Jobs: sqlite.NewJobs(db), Schedules: sqlite.NewSchedules(db), Registry: sqlite.NewRegistry(db),
		Auth: sqlite.NewAuth(db), Audit: sqlite.NewAudit(db), Deliveries: sqlite.NewDeliveries(db)}
}
