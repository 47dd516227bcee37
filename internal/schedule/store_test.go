package schedule_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/testutil/statestore"
	"github.com/stratabackup/strata/internal/usererror"
)

func openStore(t *testing.T) (*schedule.Store, *sql.DB) {
	t.Helper()
	db := statestore.Open(t, t.TempDir())
	box, err := secrets.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return schedule.NewStore(sqlite.NewSchedules(db), box), db
}

func sample() schedule.Schedule {
	return schedule.Schedule{Label: "nightly shop", Cluster: "prod", Database: "shop", Collection: "local", Tables: []string{"public.orders"},
		Recurrence: "*/15 * * * *", FullRecurrence: "@daily", RevisionHistory: true,
		OnFailure: schedule.OnFailureRetry, OnPreviousRunning: schedule.OnRunningWait, Owner: "root"}
}

func TestStoreCreateGetListDelete(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	now := time.Date(2026, 11, 23, 10, 7, 0, 0, time.UTC)
	s, err := st.Create(ctx, sample(), time.Time{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !s.State.NextRun.Equal(time.Date(2026, 11, 23, 10, 15, 0, 0, time.UTC)) {
		t.Errorf("first run %v", s.State.NextRun)
	}
	got, err := st.Get(ctx, s.ID)
	if err != nil || got.Label != "nightly shop" || got.Tables[0] != "public.orders" || !got.RevisionHistory || got.State.NextRun != s.State.NextRun || !got.State.NextFull.IsZero() {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	// first_run: the recurrence's first run at or after it.
	s2 := sample()
	s2.Label = "later"
	s2, err = st.Create(ctx, s2, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), now)
	if err != nil || !s2.State.NextRun.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("first_run: %+v %v", s2.State, err)
	}
	if due, err := st.DueAt(ctx, now.Add(10*time.Minute)); err != nil || len(due) != 1 || due[0].ID != s.ID {
		t.Fatalf("due: %+v %v", due, err)
	}
	if list, err := st.List(ctx); err != nil || len(list) != 2 || list[0].Label != "later" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := st.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, s.ID); err != schedule.ErrNotFound {
		t.Errorf("after delete: %v", err)
	}
}

// TestFirstRunYearsBeforeFebruary29: from 2097 the next February 29 is in
// 2104, further than cron looks; the schedule's next run was the zero
// time, so it was due at once (found by FuzzFirstRun).
func TestFirstRunYearsBeforeFebruary29(t *testing.T) {
	st, _ := openStore(t)
	s := sample()
	s.Recurrence, s.FullRecurrence = "0 0 29 2 *", ""
	s, err := st.Create(context.Background(), s, time.Date(2097, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 10, 7, 0, 0, time.UTC))
	if err != nil || !s.State.NextRun.Equal(time.Date(2104, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("next run %s, %v; want 2104-02-29", s.State.NextRun, err)
	}
}

func TestStoreRefusesBadSchedulesAndSavesNothing(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	now := time.Now()
	for want, edit := range map[string]func(*schedule.Schedule){
		"give the schedule a label":    func(s *schedule.Schedule) { s.Label = "  " },
		"needs a cluster":              func(s *schedule.Schedule) { s.Cluster = "" },
		"it needs five":                func(s *schedule.Schedule) { s.Recurrence = "every day" },
		"full backup cadence":          func(s *schedule.Schedule) { s.FullRecurrence = "99 * * * *" },
		"not one of retry, reschedule": func(s *schedule.Schedule) { s.OnFailure = "ignore" },
		"not one of start, skip, wait": func(s *schedule.Schedule) { s.OnPreviousRunning = "queue" },
		"at most 36500 days":           func(s *schedule.Schedule) { s.KeepDays = 159009088813961 },
		"at most the newest 100000":    func(s *schedule.Schedule) { s.KeepCount = 1 << 40 },
		"cannot be negative":           func(s *schedule.Schedule) { s.KeepDays = -1 },
		"label is at most 200":         func(s *schedule.Schedule) { s.Label = strings.Repeat("l", 100_000) },
		"without control characters":   func(s *schedule.Schedule) { s.Label = "a\x00b" },
	} {
		s := sample()
		edit(&s)
		_, err := st.Create(ctx, s, time.Time{}, now)
		if msg, ok := usererror.Message(err); !ok || !strings.Contains(msg, want) {
			t.Errorf("want a user error saying %q, got %v", want, err)
		}
	}
	for _, firstRun := range []time.Time{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), now.AddDate(101, 0, 0)} {
		_, err := st.Create(ctx, sample(), firstRun, now)
		if msg, ok := usererror.Message(err); !ok || !strings.Contains(msg, "first_run must be within 100 years") {
			t.Errorf("first run %s: want a user error, got %v", firstRun, err)
		}
	}
	if list, _ := st.List(ctx); len(list) != 0 {
		t.Errorf("bad schedules were saved: %+v", list)
	}
	if _, err := st.Create(ctx, sample(), time.Time{}, now); err != nil {
		t.Fatal(err)
	}
	dup := sample()
	dup.Label = "NIGHTLY shop"
	if _, err := st.Create(ctx, dup, time.Time{}, now); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("duplicate label: %v", err)
	}
}

// TestAdvanceStartsEachRunOnce: eight schedulers race to take the same due
// run; exactly one moves the schedule.
func TestAdvanceStartsEachRunOnce(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s, err := st.Create(ctx, sample(), now, now)
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := s.Spec()
	run := schedule.Due(spec, s.State, now)
	if !run.Start {
		t.Fatalf("not due: %+v", run)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Go(func() {
			ok, err := st.Advance(ctx, s.ID, s.State, run.State, now)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d schedulers started the run, want 1", won)
	}
	got, _ := st.Get(ctx, s.ID)
	if !got.State.Running || !got.State.NextRun.Equal(run.State.NextRun) || !got.State.NextFull.Equal(run.State.NextFull) {
		t.Errorf("state after the run started: %+v, want %+v", got.State, run.State)
	}
}

func TestUpdateChecksAndKeepsSecrets(t *testing.T) {
	ctx := context.Background()
	st, db := openStore(t)
	now := time.Date(2026, 11, 23, 10, 7, 0, 0, time.UTC)
	in := sample()
	in.Webhook = "https://hooks.example.com/T0/secret-token"
	in.KeepDays, in.AlertAfter = 7, 2*time.Hour
	s, err := st.Create(ctx, in, time.Time{}, now)
	if err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := db.QueryRow(`SELECT webhook_url FROM schedules WHERE id = ?`, s.ID).Scan(&raw); err != nil || strings.Contains(raw, "secret-token") {
		t.Fatalf("webhook stored in clear: %q %v", raw, err)
	}
	got, err := st.Get(ctx, s.ID)
	if err != nil || got.Webhook != in.Webhook || got.WebhookHost() != "https://hooks.example.com" || got.KeepDays != 7 || got.AlertAfter != 2*time.Hour {
		t.Fatalf("Get = %+v %v", got, err)
	}

	// A bad edit says what to fix and stores nothing.
	_, err = st.Update(ctx, s.ID, func(s *schedule.Schedule) error { s.Recurrence = "61 * * * *"; s.KeepDays = 30; return nil }, now)
	if _, ok := usererror.Message(err); !ok {
		t.Fatalf("bad cron: %v", err)
	}
	if got, _ := st.Get(ctx, s.ID); got.Recurrence != in.Recurrence || got.KeepDays != 7 {
		t.Fatalf("a refused edit was stored: %+v", got)
	}

	// A new recurrence runs from now; a new full cadence makes the next run full.
	later := now.Add(time.Hour)
	if _, err := st.Advance(ctx, s.ID, s.State, schedule.State{NextRun: s.State.NextRun, NextFull: later.Add(24 * time.Hour), HasFull: true}, now); err != nil {
		t.Fatal(err)
	}
	up, err := st.Update(ctx, s.ID, func(s *schedule.Schedule) error {
		s.Recurrence, s.FullRecurrence, s.Webhook = "@hourly", "@weekly", ""
		return nil
	}, later.Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !up.State.NextRun.Equal(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)) || !up.State.NextFull.IsZero() || !up.State.HasFull {
		t.Fatalf("state after edit: %+v", up.State)
	}
	if got, _ := st.Get(ctx, s.ID); got.Webhook != "" || got.FullRecurrence != "@weekly" {
		t.Fatalf("stored edit: %+v", got)
	}

	for _, bad := range []func(*schedule.Schedule){
		func(s *schedule.Schedule) { s.Webhook = "ftp://example.com" },
		func(s *schedule.Schedule) { s.KeepCount = -1 },
		func(s *schedule.Schedule) { s.AlertAfter = time.Second },
		func(s *schedule.Schedule) { s.Database = "" },
	} {
		if _, err := st.Update(ctx, s.ID, func(s *schedule.Schedule) error { bad(s); return nil }, now); err == nil {
			t.Error("a bad edit was accepted")
		}
	}
}

func TestOneManagedSchedulePerCluster(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	now := time.Now()
	m := schedule.Schedule{Label: "managed: prod", Cluster: "prod", Collection: "managed-prod", Recurrence: "@hourly",
		FullRecurrence: "@daily", OnFailure: schedule.OnFailureReschedule, OnPreviousRunning: schedule.OnRunningWait, KeepDays: 30, Managed: true, Owner: "strata"}
	if _, err := st.Create(ctx, m, time.Time{}, now); err != nil {
		t.Fatal(err)
	}
	m.Label = "managed again"
	if _, err := st.Create(ctx, m, time.Time{}, now); err == nil || !strings.Contains(err.Error(), "managed schedule already") {
		t.Fatalf("second managed schedule: %v", err)
	}
	if got, err := st.Managed(ctx, "prod"); err != nil || got.Database != "" || !got.Managed {
		t.Fatalf("Managed = %+v %v", got, err)
	}
}

// TestDamagedRowsAreListedAsUnreadable (issue 11): a row damaged in any
// column is listed, marked unreadable, paused and without its webhook, and
// the rows around it read as they are; it cannot be updated, only deleted.
func TestDamagedRowsAreListedAsUnreadable(t *testing.T) {
	st, db := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	damage := map[string]string{
		"next_run":    `next_run = '10000-01-01T00:00:00.000000000Z'`,
		"tables":      `tables = '{'`,
		"webhook_url": `webhook_url = 'v1:not-sealed'`,
		"recurrence":  `recurrence = 'every so often'`,
		"alert_after": `alert_after_seconds = 9223372036854775807`,
	}
	ids := map[string]int64{}
	for what := range damage {
		s := sample()
		s.Label, s.Webhook = what, "https://hooks.example.com/t"
		created, err := st.Create(ctx, s, time.Time{}, now)
		if err != nil {
			t.Fatal(err)
		}
		ids[what] = created.ID
	}
	good := sample()
	good.Label = "good"
	if _, err := st.Create(ctx, good, time.Time{}, now); err != nil {
		t.Fatal(err)
	}
	for what, set := range damage {
		if _, err := db.Exec(`UPDATE schedules SET `+set+` WHERE id = ?`, ids[what]); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	list, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(damage)+1 {
		t.Fatalf("listed %d schedules, want %d", len(list), len(damage)+1)
	}
	for _, s := range list {
		if s.Label == "good" {
			if s.Unreadable != "" || s.State.Paused {
				t.Errorf("the good schedule: %+v", s)
			}
			continue
		}
		if s.Unreadable == "" || !s.State.Paused || s.Webhook != "" {
			t.Errorf("schedule %d: unreadable %q, paused %v, webhook %q", s.ID, s.Unreadable, s.State.Paused, s.Webhook)
		}
	}
	if _, err := st.Update(ctx, ids["tables"], func(*schedule.Schedule) error { return nil }, now); err == nil || !strings.Contains(err.Error(), "delete it and create it again") {
		t.Errorf("update of an unreadable schedule: %v", err)
	}
	if err := st.Delete(ctx, ids["next_run"]); err != nil {
		t.Errorf("delete of an unreadable schedule: %v", err)
	}
	if due, err := st.DueAt(ctx, now.Add(time.Hour)); err != nil || len(due) != len(damage) {
		t.Errorf("due: %d schedules, %v, want %d", len(due), err, len(damage))
	}
}
