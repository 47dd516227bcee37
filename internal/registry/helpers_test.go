package registry_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

type env struct {
	ctx context.Context
	dir string // the data dir: state store and key file
	db  *sql.DB
	reg *registry.Registry
	now time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{ctx: context.Background(), dir: t.TempDir(), now: time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)}
	db := statestore.Open(t, e.dir)
	box, err := secrets.LoadOrCreate(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
	e.reg = registry.New(sqlite.NewRegistry(db), box)
	registry.SetClock(e.reg, func() time.Time { return e.now })
	return e
}
