package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/app/apptest"
	"github.com/stratabackup/strata/internal/app/expiry"
	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/testutil/layers"
	"github.com/stratabackup/strata/internal/testutil/minio"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// TestManagedBackups runs a cluster's managed backups against a real
// PostgreSQL: every database is backed up, a new frequency starts a full
// backup, a new retention is recorded only in backups taken after it, and a
// removed cluster's managed backups are kept for the configured period,
// then expired.
func TestManagedBackups(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t)
	pg.CreateDatabase(t, "shop")
	pg.Exec(t, "shop", `CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 500) g`)

	dir := t.TempDir()
	sc := console(t, dir)
	runner := jobs.NewRunner(sc.JobStore, "test", 2, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.WithPollInterval(20*time.Millisecond))
	sc.Register(runner)
	runner.Start(ctx)
	t.Cleanup(func() { runner.Stop(context.Background()) })
	root := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "managed"))}).String()
	sc.Schedules.Managed = schedules.ManagedOptions{Enabled: true, Root: root}
	if _, err := sc.Registry.AddCluster(ctx, "prod", "postgres", pg.DSN("postgres"), "root"); err != nil {
		t.Fatal(err)
	}

	now := time.Now().UTC()
	m, err := sc.Schedules.EnsureManaged(ctx, "prod", audit.Entry{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if m.Database != "" || m.Recurrence != "@hourly" || m.FullRecurrence != "@daily" || m.KeepDays != 30 || m.Collection != "managed-prod" || !m.Managed {
		t.Fatalf("managed schedule: %+v", m)
	}
	if again, err := sc.Schedules.EnsureManaged(ctx, "prod", audit.Entry{}, now); err != nil || again.ID != m.ID {
		t.Fatalf("EnsureManaged twice: %+v %v", again, err)
	}
	// Setting up is audited once, as the console when no one asked.
	setUp, _, err := sc.Audit.List(ctx, audit.Filter{Action: audit.ActionManagedBackupsSetUp}, 0, 10)
	if err != nil || len(setUp) != 1 || setUp[0].Actor != "strata" || setUp[0].TargetID != "prod" || setUp[0].Params["collection"] != "managed-prod" {
		t.Fatalf("audit of the set-up: %+v, %v", setUp, err)
	}

	runOnce := func(at time.Time) []jobs.Job {
		t.Helper()
		if err := sc.Scheduler.RunNow(ctx, m.ID, at); err != nil {
			t.Fatal(err)
		}
		sch, _ := sc.ScheduleStore.Get(ctx, m.ID)
		run := runJobs(t, sc, sch)
		for _, j := range run {
			if got := waitJob(t, sc, j.ID); got.Status != jobs.StatusSucceeded {
				t.Fatalf("job %d (%s): %s %s", j.ID, j.Description, got.Status, got.Error)
			}
		}
		if err := sc.Scheduler.Tick(ctx, at); err != nil {
			t.Fatal(err)
		}
		return run
	}
	first := runOnce(now)
	if len(first) != 2 { // postgres and shop
		t.Fatalf("first run started %d jobs, want one per database (2)", len(first))
	}
	if sch, _ := sc.ScheduleStore.Get(ctx, m.ID); !sch.State.HasFull || sch.State.Running {
		t.Fatalf("after the first run: %+v", sch.State)
	}

	// A new frequency: the next run is a full backup again; a new retention
	// is recorded by the backups taken from now on.
	if _, err := sc.Schedules.SetManaged(ctx, "prod", schedules.ManagedSettings{Frequency: "15m", KeepDays: 7}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Schedules.SetManaged(ctx, "prod", schedules.ManagedSettings{Frequency: "2h", KeepDays: 7}, now); err == nil {
		t.Fatal("a frequency that is not offered was accepted")
	}
	if _, err := sc.Schedules.SetManaged(ctx, "prod", schedules.ManagedSettings{Frequency: "1h", KeepDays: 8}, now); err == nil {
		t.Fatal("a retention that is not offered was accepted")
	}
	sch, _ := sc.ScheduleStore.Get(ctx, m.ID)
	if sch.Recurrence != "*/15 * * * *" || sch.KeepDays != 7 || !sch.State.NextFull.IsZero() {
		t.Fatalf("after the change: %+v", sch)
	}
	runOnce(now.Add(time.Minute))

	coll, err := sc.Registry.OpenCollection(ctx, "managed-prod")
	if err != nil {
		t.Fatal(err)
	}
	sums, err := coll.Backups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keep := map[int]int{}
	for _, s := range sums {
		if s.Kind != "full" {
			t.Errorf("%s is %s, want every backup full (first run, then a new frequency)", s.Path, s.Kind)
		}
		keep[s.KeepDays]++
	}
	if keep[30] != 2 || keep[7] != 2 {
		t.Fatalf("retention recorded per backup: %v, want two taken with 30 days and two with 7", keep)
	}
	windows, failed := sc.Collections.RestoreWindows(ctx, []string{"managed-prod", "nonexistent"})
	ws := windows["prod"]
	if len(failed) != 1 || failed["nonexistent"] == nil || len(ws) != 2 || ws[0].Database != "postgres" || ws[1].Database != "shop" || !ws[1].To.Equal(sums[0].EndTime) && !ws[0].To.Equal(sums[0].EndTime) {
		t.Fatalf("restore windows: %+v, failed %v", ws, failed)
	}

	// Removing the cluster stops its managed backups and keeps them for a day.
	removedAt := now.Add(2 * time.Minute)
	if _, err := sc.Clusters.Remove(ctx, "prod", removedAt); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.ScheduleStore.Get(ctx, m.ID); !errors.Is(err, schedule.ErrNotFound) {
		t.Fatalf("managed schedule after removal: %v", err)
	}
	exp := removedClusterExpiry(sc)
	if cl, until, err := exp.ManagedExpiry(ctx, "managed-prod"); err != nil || cl != "prod" || !until.Equal(removedAt.Add(24*time.Hour).Truncate(time.Nanosecond)) {
		t.Fatalf("ManagedExpiry = %s %v %v", cl, until, err)
	}
	if err := exp.ExpireAll(ctx, removedAt.Add(23*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, sc, "managed-prod"); len(got) != 4 {
		t.Fatalf("%d backups left before the period is over, want 4", len(got))
	}
	if err := exp.ExpireAll(ctx, removedAt.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Registry.CollectionByName(ctx, "managed-prod"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("the expired collection is still registered: %v", err)
	}
	if got := auditActions(t, sc); got["BACKUP_EXPIRED"] != 4 || got["COLLECTION_REMOVED"] != 1 {
		t.Fatalf("audited %v, want 4 BACKUP_EXPIRED and a COLLECTION_REMOVED", got)
	}
	left, _ := os.ReadDir(filepath.Join(dir, "managed", "prod"))
	for _, e := range left {
		if e.Name() != "COLLECTION.json" && e.Name() != "index" && e.Name() != "metadata" {
			t.Errorf("left in the expired collection: %s", e.Name())
		}
	}
}

func waitJob(t *testing.T, sc *apptest.Env, id int64) jobs.Job {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		j, err := sc.JobStore.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.FinishedAt != nil {
			return j
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("job %d did not finish", id)
	return jobs.Job{}
}

// TestRemovedClusterExpiryRespectsLocks: on an object-locked bucket, the
// managed backups of a removed cluster are not touched while locked, and
// their collection stays registered; once the lock lapses they go.
func TestRemovedClusterExpiryRespectsLocks(t *testing.T) {
	ctx := context.Background()
	srv := minio.Start(t)
	srv.CreateLockedBucket(t, "worm", 1)
	sc := console(t, t.TempDir())
	exp := removedClusterExpiry(sc)
	creds := storage.Credentials{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey}
	sc.Schedules.Managed = schedules.ManagedOptions{Enabled: true, Root: srv.URI("worm", "managed"), Credentials: creds}
	if _, err := sc.Registry.AddCluster(ctx, "pg", "postgres", "postgres://u@127.0.0.1:1/postgres", "root"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, err := sc.Schedules.EnsureManaged(ctx, "pg", audit.Entry{}, now); err != nil {
		t.Fatal(err)
	}
	coll, err := sc.Registry.OpenCollection(ctx, "managed-pg")
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	full := layers.Commit(t, coll, "shop", now.Add(-time.Minute), "", time.Time{})
	if _, err := sc.Clusters.Remove(ctx, "pg", now); err != nil {
		t.Fatal(err)
	}

	removed, err := sc.Registry.RemovedManagedCollections(ctx)
	if err != nil || len(removed) != 1 {
		t.Fatalf("removed managed collections: %+v %v", removed, err)
	}
	x, err := exp.ExpireRemovedCluster(ctx, removed[0], now.Add(2*time.Hour)) // kept a day; locked a day
	if err != nil || len(x.Removed) != 0 || len(x.Plan.Keep) != 1 || !strings.HasPrefix(x.Plan.Keep[0].Reason, "locked until") || x.Forgotten {
		t.Fatalf("expiry under a lock: %+v %v", x, err)
	}
	layers.Intact(t, coll, full)
	if _, err := sc.Registry.CollectionByName(ctx, "managed-pg"); err != nil {
		t.Fatalf("a collection with locked backups was forgotten: %v", err)
	}

	x, err = exp.ExpireRemovedCluster(ctx, removed[0], now.Add(25*time.Hour))
	if err != nil || len(x.Removed) != 1 || x.Removed[0].Chain != full || !x.Forgotten {
		t.Fatalf("expiry after the lock: %+v %v", x, err)
	}
	if _, err := sc.Registry.CollectionByName(ctx, "managed-pg"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("the emptied collection is still registered: %v", err)
	}
}

// removedClusterExpiry is the console's expiry, keeping a removed
// cluster's managed backups for a day.
func removedClusterExpiry(sc *apptest.Env) *expiry.Service {
	sc.Expiry.KeepAfterRemoval = 24 * time.Hour
	return sc.Expiry
}

// runJobs returns the jobs of the schedule's newest run.
func runJobs(t *testing.T, sc *apptest.Env, sch schedule.Schedule) []jobs.Job {
	t.Helper()
	run, _, err := sc.JobStore.List(context.Background(), jobs.Filter{ScheduleID: sch.ID, ScheduleRun: sch.State.LastRunAt}, 0, jobs.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func listed(t *testing.T, sc *apptest.Env, name string) []collection.Summary {
	t.Helper()
	coll, err := sc.Registry.OpenCollection(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	sums, err := coll.Backups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// auditActions counts the audit log's entries by action.
func auditActions(t *testing.T, sc *apptest.Env) map[string]int {
	t.Helper()
	list, _, err := sc.Audit.List(context.Background(), audit.Filter{}, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range list {
		n[e.Action]++
	}
	return n
}
