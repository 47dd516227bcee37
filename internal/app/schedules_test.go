package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/app/apptest"
	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/usererror"
)

// scheduling is a console with the default collection "local" and a
// registered cluster "prod" that nothing listens for (creating schedules
// never connects).
func scheduling(t *testing.T) *apptest.Env {
	t.Helper()
	dir := t.TempDir()
	sc := console(t, dir)
	ctx := context.Background()
	if _, err := sc.Registry.EnsureDefaultCollection(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Registry.AddCluster(ctx, "prod", "postgres", "postgres://u@127.0.0.1:1/postgres", "root"); err != nil {
		t.Fatal(err)
	}
	return sc
}

func wantUserError(t *testing.T, err error, want string) {
	t.Helper()
	if msg, ok := usererror.Message(err); !ok || !strings.Contains(msg, want) {
		t.Fatalf("want a message saying %q, got %v", want, err)
	}
}

// TestCreateScheduleDefaultsAndRefusals: the full cadence defaults as
// CockroachDB's, the policies default to reschedule and wait, the owner is
// the actor, and a request that names what does not exist, or asks for
// incrementals of chosen tables, saves nothing.
func TestCreateScheduleDefaultsAndRefusals(t *testing.T) {
	ctx := context.Background()
	sc := scheduling(t)
	now := time.Date(2026, 11, 23, 10, 7, 0, 0, time.UTC)
	for i, tc := range []struct{ recurrence, full, tables, want string }{
		{"*/15 * * * *", "", "", "@daily"},
		{"@hourly", "default", "", "@daily"},
		{"0 */4 * * *", "", "", "@weekly"},
		{"30 2 * * *", "", "", "@weekly"},
		{"0 3 * * 0", "", "", ""},
		{"*/15 * * * *", "always", "", ""},
		{"*/15 * * * *", "0 1 * * 6", "", "0 1 * * 6"},
		{"*/15 * * * *", "", "public.orders", ""},
	} {
		req := schedules.Request{Label: "s" + string(rune('a'+i)), Cluster: "prod", Database: "shop", Collection: "local",
			Recurrence: tc.recurrence, FullBackup: tc.full, Tables: strings.Fields(tc.tables), IgnoreExistingBackups: true}
		sch, err := sc.Schedules.Create(ctx, req, "alice", now)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if sch.FullRecurrence != tc.want || sch.Owner != "alice" || sch.OnFailure != schedule.OnFailureReschedule || sch.OnPreviousRunning != schedule.OnRunningWait {
			t.Errorf("%+v: stored %+v", tc, sch)
		}
	}

	before, _ := sc.ScheduleStore.List(ctx)
	ok := schedules.Request{Label: "bad", Cluster: "prod", Database: "shop", Collection: "local", Recurrence: "@hourly"}
	for want, edit := range map[string]func(*schedules.Request){
		`no cluster named "nope"`:             func(r *schedules.Request) { r.Cluster = "nope" },
		`no collection named "nope"`:          func(r *schedules.Request) { r.Collection = "nope" },
		"it needs five":                       func(r *schedules.Request) { r.Recurrence = "every hour" },
		"full backup cadence":                 func(r *schedules.Request) { r.FullBackup = "99 * * * *" },
		"takes a full backup every run":       func(r *schedules.Request) { r.Tables, r.FullBackup = []string{"public.orders"}, "@weekly" },
		"not one of retry, reschedule":        func(r *schedules.Request) { r.OnFailure = "ignore" },
		"give the schedule a label":           func(r *schedules.Request) { r.Label = " " },
		"http:// or https:// URL":             func(r *schedules.Request) { r.Webhook = "hooks.example.com" },
		"tables belong to one database":       func(r *schedules.Request) { r.Database, r.Tables = "", []string{"public.orders"} },
		"a schedule labelled \"SA\" exists":   func(r *schedules.Request) { r.Label = "SA" },
		"retention cannot be negative":        func(r *schedules.Request) { r.KeepDays = -1 },
		"overdue alert threshold is at least": func(r *schedules.Request) { r.AlertAfter = time.Second },
	} {
		req := ok
		edit(&req)
		_, err := sc.Schedules.Create(ctx, req, "alice", now)
		wantUserError(t, err, want)
	}
	if after, _ := sc.ScheduleStore.List(ctx); len(after) != len(before) {
		t.Fatalf("refused requests saved %d schedule(s)", len(after)-len(before))
	}
}

// TestCreateScheduleRefusesCollectionWithBackups: as CockroachDB, a
// collection already holding backups of the database is refused unless
// ignore_existing_backups is set; another database's backups do not count,
// but a schedule of every database needs an empty collection.
func TestCreateScheduleRefusesCollectionWithBackups(t *testing.T) {
	ctx := context.Background()
	sc := scheduling(t)
	coll, err := sc.Registry.OpenCollection(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	l, err := coll.BeginLayer(ctx, collection.KindFull, end, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(ctx, &collection.Manifest{Cluster: "prod", Database: "shop"}); err != nil {
		t.Fatal(err)
	}
	now := end.Add(time.Hour)
	req := schedules.Request{Label: "shop", Cluster: "prod", Database: "shop", Collection: "local", Recurrence: "@hourly"}
	_, err = sc.Schedules.Create(ctx, req, "alice", now)
	wantUserError(t, err, "collection local already holds backups of database shop: choose an empty collection, or set ignore_existing_backups")

	every := req
	every.Label, every.Database = "all", ""
	_, err = sc.Schedules.Create(ctx, every, "alice", now)
	wantUserError(t, err, "already holds backups")

	other := req
	other.Label, other.Database = "crm", "crm"
	if _, err := sc.Schedules.Create(ctx, other, "alice", now); err != nil {
		t.Fatalf("another database's backups refused the schedule: %v", err)
	}
	req.IgnoreExistingBackups = true
	sch, err := sc.Schedules.Create(ctx, req, "alice", now)
	if err != nil {
		t.Fatal(err)
	}
	// An edit moving the crm schedule onto shop is checked the same way.
	crm, _ := sc.ScheduleStore.List(ctx)
	_, err = sc.Schedules.Update(ctx, crm[0].ID, func(r *schedules.Request) error { r.Database = "shop"; return nil }, now)
	wantUserError(t, err, "already holds backups")
	// An edit that keeps the target is not.
	if _, err := sc.Schedules.Update(ctx, sch.ID, func(r *schedules.Request) error {
		r.IgnoreExistingBackups, r.Recurrence, r.FullBackup = false, "30 2 * * *", schedules.FullBackupDefault
		return nil
	}, now); err != nil {
		t.Fatal(err)
	}
	if got, _ := sc.ScheduleStore.Get(ctx, sch.ID); got.FullRecurrence != "@weekly" || got.Recurrence != "30 2 * * *" {
		t.Fatalf("edit stored %+v", got)
	}
}

// TestScheduleLifecycle: pause, resume, duplicate (paused, numbered,
// never managed), drop, and the managed schedule's refusals.
func TestScheduleLifecycle(t *testing.T) {
	ctx := context.Background()
	sc := scheduling(t)
	now := time.Date(2026, 11, 23, 10, 7, 0, 0, time.UTC)
	sch, err := sc.Schedules.Create(ctx, schedules.Request{Label: "shop", Cluster: "prod", Database: "shop", Collection: "local",
		Recurrence: "*/15 * * * *", Webhook: "https://hooks.example.com/T/secret"}, "alice", now)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := sc.Schedules.SetPaused(ctx, sch.ID, true, now); err != nil || !p.State.Paused {
		t.Fatalf("pause: %+v %v", p.State, err)
	}
	later := now.Add(time.Hour)
	if r, err := sc.Schedules.SetPaused(ctx, sch.ID, false, later); err != nil || r.State.Paused || !r.State.NextRun.Equal(later.Add(8*time.Minute)) {
		t.Fatalf("resume: %+v %v", r.State, err)
	}

	c1, err := sc.Schedules.Duplicate(ctx, sch.ID, "bob", now)
	if err != nil || c1.Label != "shop (copy)" || !c1.State.Paused || c1.Owner != "bob" || c1.Webhook != sch.Webhook || c1.Managed {
		t.Fatalf("duplicate: %+v %v", c1, err)
	}
	if c2, err := sc.Schedules.Duplicate(ctx, sch.ID, "bob", now); err != nil || c2.Label != "shop (copy 2)" {
		t.Fatalf("second duplicate: %+v %v", c2, err)
	}
	if d, err := sc.Schedules.Delete(ctx, c1.ID); err != nil || d.Label != "shop (copy)" {
		t.Fatalf("drop: %+v %v", d, err)
	}
	if _, err := sc.ScheduleStore.Get(ctx, c1.ID); err != schedule.ErrNotFound {
		t.Fatalf("dropped schedule still there: %v", err)
	}

	m, err := sc.ScheduleStore.Create(ctx, schedule.Schedule{Label: "managed: prod", Cluster: "prod", Collection: "local", Recurrence: "@hourly",
		FullRecurrence: "@daily", OnFailure: schedule.OnFailureReschedule, OnPreviousRunning: schedule.OnRunningWait, Managed: true, Owner: "strata"}, now, now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.Schedules.Delete(ctx, m.ID)
	wantUserError(t, err, "managed from the page of cluster prod, so it cannot be dropped here: pause it instead")
	_, err = sc.Schedules.Update(ctx, m.ID, func(r *schedules.Request) error { r.Recurrence = "@daily"; return nil }, now)
	wantUserError(t, err, "cannot be edited here")
	if p, err := sc.Schedules.SetPaused(ctx, m.ID, true, now); err != nil || !p.State.Paused {
		t.Fatalf("pausing a managed schedule: %v", err)
	}
	if c, err := sc.Schedules.Duplicate(ctx, m.ID, "bob", now); err != nil || c.Managed || !c.State.Paused {
		t.Fatalf("duplicate of a managed schedule: %+v %v", c, err)
	}
	_, err = sc.Schedules.Update(ctx, sch.ID, func(r *schedules.Request) error { r.FirstRun = later; return nil }, now)
	wantUserError(t, err, "first_run applies when a schedule is created")
	_, err = sc.Schedules.Update(ctx, sch.ID, func(r *schedules.Request) error { r.Cluster = "other"; return nil }, now)
	wantUserError(t, err, "cluster cannot change")
}

// TestScheduleOverview: status, next runs, running jobs and the last
// result come from the schedule's state and its jobs.
func TestScheduleOverview(t *testing.T) {
	ctx := context.Background()
	sc := scheduling(t)
	now := time.Date(2026, 11, 23, 10, 7, 0, 0, time.UTC)
	sch, err := sc.Schedules.Create(ctx, schedules.Request{Label: "shop", Cluster: "prod", Database: "shop", Collection: "local",
		Recurrence: "*/15 * * * *"}, "alice", now)
	if err != nil {
		t.Fatal(err)
	}
	o, err := sc.Schedules.Overview(ctx, sch, now, 3)
	if err != nil || o.Status != schedules.Active || o.Words != "every 15 minutes" || o.FullWords != "daily at 00:00 UTC" || len(o.NextRuns) != 3 ||
		!o.NextRuns[0].Equal(now.Add(8*time.Minute)) || !o.NextRuns[2].Equal(now.Add(38*time.Minute)) || o.LastJob != nil {
		t.Fatalf("overview: %+v %v", o, err)
	}
	if err := sc.Scheduler.RunNow(ctx, sch.ID, now); err != nil {
		t.Fatal(err)
	}
	sch, _ = sc.ScheduleStore.Get(ctx, sch.ID)
	if o, _ = sc.Schedules.Overview(ctx, sch, now, 3); o.Status != schedules.Running || o.JobsRunning != 1 {
		t.Fatalf("after run now: %+v", o)
	}
	list, _, _ := sc.JobStore.List(ctx, jobs.Filter{ScheduleID: sch.ID}, 0, 10)
	if len(list) != 1 || backups.Kind(list[0]) != "full" {
		t.Fatalf("run now jobs: %+v", list)
	}
	if _, err := sc.JobStore.Cancel(ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if o, _ = sc.Schedules.Overview(ctx, sch, now, 3); o.JobsRunning != 0 || o.LastJob == nil || o.LastJob.ID != list[0].ID || o.Failing {
		t.Fatalf("after the job ended: %+v", o)
	}
	p, _ := sc.Schedules.SetPaused(ctx, sch.ID, true, now)
	if o, _ = sc.Schedules.Overview(ctx, p, now, 3); o.Status != schedules.Paused {
		t.Fatalf("paused: %+v", o)
	}
}
