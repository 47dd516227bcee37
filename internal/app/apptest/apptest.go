package apptest

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/stratabackup/strata/internal/app"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

// Env is the application layer on a state store of its own, with the
// stores below it for tests to set up and inspect.
type Env struct {
	*app.App
	Stores        statestore.Stores // the state store's, by noun, and its handle
	Registry      *registry.Registry
	JobStore      *jobs.Store
	ScheduleStore *schedule.Store
	Audit         *audit.Log
	Log           *slog.Logger
}

// New builds the application layer in a temporary folder; set changes
// its options before the doors are built.
func New(t testing.TB, set ...func(*app.Options)) *Env {
	t.Helper()
	return Open(t, t.TempDir(), set...)
}

// Open builds the application layer on the state store in dir, as one
// console: several may share one dir.
func Open(t testing.TB, dir string, set ...func(*app.Options)) *Env {
	t.Helper()
	st := statestore.OpenStores(t, dir)
	box, err := secrets.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	key, err := audit.LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &Env{Stores: st, Registry: registry.New(st.Registry, box), JobStore: jobs.NewStore(st.Jobs), ScheduleStore: schedule.NewStore(st.Schedules, box),
		Audit: audit.New(st.Audit, key), Log: logger}
	o := app.Options{Registry: e.Registry, Jobs: e.JobStore, Schedules: e.ScheduleStore, Audit: e.Audit, Engines: cluster.Engines{cluster.KindPostgres: engine.New(logger)}, Log: logger}
	for _, f := range set {
		f(&o)
	}
	e.App = app.New(o)
	return e
}

// AddCollection registers a collection with retention ret and opens it
// for writing layers.
func (e *Env) AddCollection(t testing.TB, name, uri string, creds storage.Credentials, ret registry.Retention) *collection.Collection {
	t.Helper()
	ctx := context.Background()
	rc, err := e.Collections.Add(ctx, name, uri, creds, "root")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Registry.SetCollectionRetention(ctx, rc.ID, ret); err != nil {
		t.Fatal(err)
	}
	c, err := e.Registry.OpenCollection(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
