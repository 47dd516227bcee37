package engine

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// restoreTracker records a restore's reports; onBoundary, when set, answers
// each Boundary call (n counts them from 1, phase is the last checkpoint's).
type restoreTracker struct {
	mu          sync.Mutex
	events      map[string]int
	checkpoints []json.RawMessage
	boundaries  int
	reverting   bool
	onBoundary  func(n int, cp restoreCheckpoint) error
}

func (f *restoreTracker) Progress(phase string, bytesDone, bytesTotal, rowsDone, rowsTotal int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.add("progress " + phase)
}

func (f *restoreTracker) add(ev string) {
	if f.events == nil {
		f.events = map[string]int{}
	}
	f.events[ev]++
}

func (f *restoreTracker) count(ev string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.events[ev]
}

func (f *restoreTracker) Checkpoint(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.add("checkpoint")
	f.checkpoints = append(f.checkpoints, b)
	return nil
}

func (f *restoreTracker) Boundary(ctx context.Context) error {
	f.mu.Lock()
	f.boundaries++
	n, hook := f.boundaries, f.onBoundary
	var cp restoreCheckpoint
	if len(f.checkpoints) > 0 {
		json.Unmarshal(f.checkpoints[len(f.checkpoints)-1], &cp)
	}
	f.mu.Unlock()
	if hook != nil {
		if err := hook(n, cp); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (f *restoreTracker) Reverting() {
	f.mu.Lock()
	f.reverting = true
	f.mu.Unlock()
}

func (f *restoreTracker) last() json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.checkpoints) == 0 {
		return nil
	}
	return f.checkpoints[len(f.checkpoints)-1]
}

// restoreParams restores backup m as database newDB on s.
func restoreParams(s *pgtest.Server, m *collection.Manifest, job, newDB string) RestoreParams {
	return RestoreParams{JobID: job, TargetDSN: s.DSN, Backup: m.Path, Database: m.Database, NewDBName: newDB}
}

// tableRestore restores tables of backup m into database into on s.
func tableRestore(s *pgtest.Server, m *collection.Manifest, job, into string, tables ...string) RestoreParams {
	return RestoreParams{JobID: job, TargetDSN: s.DSN, Backup: m.Path, Database: m.Database, IntoDB: into, Tables: tables}
}

// userErr checks err is a user error saying all of want.
func userErr(t *testing.T, err error, want ...string) {
	t.Helper()
	var ue *UserError
	if !errors.As(err, &ue) {
		t.Fatalf("want a user error, got %T: %v", err, err)
	}
	for _, w := range want {
		if !strings.Contains(ue.Msg, w) {
			t.Errorf("error %q does not say %q", ue.Msg, w)
		}
	}
}

// tableRestoreExtra adds to the fixture a table whose column default calls
// a sequence it does not own, for skip_missing_sequences.
const tableRestoreExtra = `
CREATE TABLE app.invoices (no bigint NOT NULL DEFAULT nextval('app.invoice_numbers'), customer_id bigint, amount numeric);
INSERT INTO app.invoices (customer_id, amount) SELECT g, g * 1.5 FROM generate_series(1, 20) AS g;`

// relations lists a database's relations outside the system schemas, as
// "kind schema.name".
func relations(t *testing.T, s *pgtest.Server, db string) []string {
	t.Helper()
	rows, err := s.Connect(t, db).Query(context.Background(), `
SELECT c.relkind::text || ' ' || n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func constraints(t *testing.T, s *pgtest.Server, db, table string) []string {
	t.Helper()
	rows, err := s.Connect(t, db).Query(context.Background(),
		"SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY 1", table)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

// TestRestoreTables restores chosen tables into existing databases, with
// and without the skip_missing_* options.
func TestRestoreTables(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", tableRestoreExtra, 0)
	src := tableContents(t, s.DSN("fixture"))
	ctx := context.Background()
	e := New(nil)

	t.Run("foreign key to a table left behind", func(t *testing.T) {
		s.CreateDatabase(t, "t_fk")
		before := relations(t, s, "t_fk")
		_, err := e.Restore(ctx, tableRestore(s, m, "fk1", "t_fk", "app.orders"), c, &restoreTracker{})
		userErr(t, err, "orders_customer_id_fkey", "app.customers", "skip_missing_foreign_keys",
			"app.customer_orders", "skip_missing_views")
		if after := relations(t, s, "t_fk"); !slices.Equal(before, after) {
			t.Errorf("a refused restore changed the target: %v → %v", before, after)
		}

		p := tableRestore(s, m, "fk2", "t_fk", "app.orders")
		p.SkipMissingForeignKeys, p.SkipMissingViews = true, true
		res, err := e.Restore(ctx, p, c, &restoreTracker{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.SkippedForeignKeys, []string{"app.orders: orders_customer_id_fkey (references app.customers)"}) ||
			!slices.Equal(res.SkippedViews, []string{"app.customer_orders"}) || res.Tables != 1 || res.Rows != 6000 {
			t.Errorf("result %+v", res)
		}
		got := tableContents(t, s.DSN("t_fk"))
		compareTableContents(t, got, map[string][]string{"app.orders": src["app.orders"]})
		if cons := constraints(t, s, "t_fk", "app.orders"); !slices.Equal(cons, []string{"orders_amount_check", "orders_pkey"}) {
			t.Errorf("constraints of app.orders: %v", cons)
		}
		if got, want := sequenceValues(t, s.DSN("t_fk"))["app.orders_id_seq"], sequenceValues(t, s.DSN("fixture"))["app.orders_id_seq"]; got != want {
			t.Errorf("identity sequence: next value %d, want %d", got, want)
		}
		rels := relations(t, s, "t_fk")
		if !slices.Contains(rels, "i app.orders_customer") || slices.ContainsFunc(rels, func(r string) bool { return strings.Contains(r, progressSchema) }) {
			t.Errorf("relations after the restore: %v", rels)
		}
	})

	t.Run("default using a sequence left behind", func(t *testing.T) {
		s.CreateDatabase(t, "t_seq")
		_, err := e.Restore(ctx, tableRestore(s, m, "seq1", "t_seq", "app.invoices"), c, &restoreTracker{})
		userErr(t, err, "app.invoices", "app.invoice_numbers", "skip_missing_sequences")
		if rels := relations(t, s, "t_seq"); len(rels) != 0 {
			t.Errorf("a refused restore changed the target: %v", rels)
		}
		p := tableRestore(s, m, "seq2", "t_seq", "app.invoices")
		p.SkipMissingSequences = true
		res, err := e.Restore(ctx, p, c, &restoreTracker{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.SkippedDefaults, []string{"app.invoices.no (nextval of app.invoice_numbers)"}) {
			t.Errorf("skipped defaults %q", res.SkippedDefaults)
		}
		if rels := relations(t, s, "t_seq"); !slices.Equal(rels, []string{"r app.invoices"}) {
			t.Errorf("relations: %v (the placeholder sequence must be gone)", rels)
		}
		compareTableContents(t, tableContents(t, s.DSN("t_seq")), map[string][]string{"app.invoices": src["app.invoices"]})

		// Restoring the sequence with the table keeps the default.
		s.CreateDatabase(t, "t_seq2")
		if _, err := e.Restore(ctx, tableRestore(s, m, "seq3", "t_seq2", "app.invoices", "app.invoice_numbers"), c, &restoreTracker{}); err != nil {
			t.Fatal(err)
		}
		var next int64
		want := sequenceValues(t, s.DSN("fixture"))["app.invoice_numbers"]
		if err := s.Connect(t, "t_seq2").QueryRow(ctx, "INSERT INTO app.invoices (amount) VALUES (1) RETURNING no").Scan(&next); err != nil || next != want {
			t.Errorf("next invoice number %d, %v; want %d", next, err, want)
		}
	})

	t.Run("views", func(t *testing.T) {
		s.CreateDatabase(t, "t_view")
		// customer_orders reads orders too; mood_counts only customers.
		_, err := e.Restore(ctx, tableRestore(s, m, "v1", "t_view", "app.customers"), c, &restoreTracker{})
		userErr(t, err, "view app.customer_orders reads app.orders", "skip_missing_views")
		p := tableRestore(s, m, "v2", "t_view", "app.customers")
		p.SkipMissingViews = true
		res, err := e.Restore(ctx, p, c, &restoreTracker{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.SkippedViews, []string{"app.customer_orders"}) || len(res.SkippedForeignKeys) != 0 {
			t.Errorf("result %+v", res)
		}
		rels := relations(t, s, "t_view")
		if !slices.Contains(rels, "m app.mood_counts") || slices.Contains(rels, "v app.customer_orders") {
			t.Errorf("relations: %v", rels)
		}
		var n int
		if err := s.Connect(t, "t_view").QueryRow(ctx, "SELECT sum(n) FROM app.mood_counts").Scan(&n); err != nil || n != 3000 {
			t.Errorf("mood_counts holds %d customers, %v", n, err)
		}
		// The self-reference stays: its table is restored.
		if cons := constraints(t, s, "t_view", "app.customers"); !slices.Contains(cons, "customers_referred_by_fkey") {
			t.Errorf("constraints: %v", cons)
		}
	})

	t.Run("tables together keep their foreign keys and views", func(t *testing.T) {
		s.CreateDatabase(t, "t_both")
		s.Exec(t, "t_both", "CREATE TABLE public.keep_me (id int); INSERT INTO public.keep_me VALUES (1)")
		res, err := e.Restore(ctx, tableRestore(s, m, "both", "t_both", "app.orders", "app.customers"), c, &restoreTracker{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.SkippedForeignKeys)+len(res.SkippedViews)+len(res.SkippedDefaults) != 0 || res.Tables != 2 {
			t.Errorf("result %+v", res)
		}
		var n int
		if err := s.Connect(t, "t_both").QueryRow(ctx, "SELECT count(*) FROM app.customer_orders").Scan(&n); err != nil || n != 3000 {
			t.Errorf("view customer_orders: %d rows, %v", n, err)
		}
		if cons := constraints(t, s, "t_both", "app.orders"); !slices.Contains(cons, "orders_customer_id_fkey") {
			t.Errorf("constraints: %v", cons)
		}
		got := tableContents(t, s.DSN("t_both"))
		compareTableContents(t, got, map[string][]string{
			"app.orders": src["app.orders"], "app.customers": src["app.customers"], "public.keep_me": {"1"},
		})
	})

	t.Run("partitioned table and quoted names", func(t *testing.T) {
		s.CreateDatabase(t, "t_part")
		_, err := e.Restore(ctx, tableRestore(s, m, "p1", "t_part", "app.events_2023"), c, &restoreTracker{})
		userErr(t, err, "app.events_2023 is a partition of app.events")
		_, err = e.Restore(ctx, tableRestore(s, m, "p2", "t_part", "app.events", "Ünïcode Schema.Mixed Case Table", "APP.orders", "app.nope"), c, &restoreTracker{})
		userErr(t, err, "APP.orders (did you mean app.orders?)", "app.nope")
		if _, err := e.Restore(ctx, tableRestore(s, m, "p3", "t_part", "app.events", "Ünïcode Schema.Mixed Case Table", "app.Orders"), c, &restoreTracker{}); err != nil {
			t.Fatal(err)
		}
		compareTableContents(t, tableContents(t, s.DSN("t_part")), map[string][]string{
			"app.events_2023": src["app.events_2023"], "app.events_2024": src["app.events_2024"],
			"Ünïcode Schema.Mixed Case Table": src["Ünïcode Schema.Mixed Case Table"], "app.Orders": src["app.Orders"],
		})
	})
}

// TestRestoreRefusesToOverwrite checks that a restore onto existing objects
// stops before changing anything.
func TestRestoreRefusesToOverwrite(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 0)
	ctx := context.Background()
	e := New(nil)
	schema, contents := schemaDump(t, s, "fixture", ""), tableContents(t, s.DSN("fixture"))

	_, err := e.Restore(ctx, restoreParams(s, m, "o1", "fixture"), c, &restoreTracker{})
	userErr(t, err, "database fixture already exists: choose another new_db_name")
	p := restoreParams(s, m, "o2", "")
	_, err = e.Restore(ctx, p, c, &restoreTracker{})
	userErr(t, err, "database fixture already exists")

	_, err = e.Restore(ctx, tableRestore(s, m, "o3", "fixture", "app.orders", "app.customers"), c, &restoreTracker{})
	userErr(t, err, "table app.orders", "table app.customers", "already exist in database fixture: drop them or restore into another database")
	_, err = e.Restore(ctx, tableRestore(s, m, "o4", "fixture", "app.Orders"), c, &restoreTracker{})
	userErr(t, err, "table app.Orders already exists in database fixture: drop it or restore into another database")

	// An index name taken by another table counts too.
	s.CreateDatabase(t, "other")
	s.Exec(t, "other", "CREATE SCHEMA app; CREATE TABLE app.x (id int); CREATE INDEX orders_customer ON app.x (id)")
	_, err = e.Restore(ctx, tableRestore(s, m, "o5", "other", "app.orders", "app.customers"), c, &restoreTracker{})
	userErr(t, err, "index app.orders_customer already exists in database other")

	_, err = e.Restore(ctx, tableRestore(s, m, "o6", "nowhere", "app.orders"), c, &restoreTracker{})
	userErr(t, err, "database nowhere does not exist")

	if got := schemaDump(t, s, "fixture", ""); got != schema {
		t.Errorf("refused restores changed the schema:\n%s", lineDiff(schema, got))
	}
	compareTableContents(t, tableContents(t, s.DSN("fixture")), contents)
	if rels := relations(t, s, "other"); !slices.Equal(rels, []string{"i app.orders_customer", "r app.x"}) {
		t.Errorf("refused restore changed database other: %v", rels)
	}
}

// TestRestoreUnreachableTarget checks the message when the target cannot
// be reached.
func TestRestoreUnreachableTarget(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 0)
	p := restoreParams(s, m, "u1", "new")
	p.TargetDSN = func(db string) string {
		return "postgres://postgres@127.0.0.1:1/" + db + "?sslmode=disable&connect_timeout=5"
	}
	_, err := New(nil).Restore(context.Background(), p, c, &restoreTracker{})
	userErr(t, err, "cannot reach the cluster at 127.0.0.1:1")
}

// pauseWhen answers Boundary with a pause the first time cond holds.
func pauseWhen(cond func(cp restoreCheckpoint) bool) func(int, restoreCheckpoint) error {
	done := false
	return func(_ int, cp restoreCheckpoint) error {
		if !done && cond(cp) {
			done = true
			return jobs.ErrPauseRequested
		}
		return nil
	}
}

// TestRestorePauseResume pauses a restore after its schema, in the middle
// of its data and after its data, resuming each time from the checkpoint.
func TestRestorePauseResume(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 64<<10)
	ctx := context.Background()
	e := New(nil)
	stops := []func(restoreCheckpoint) bool{
		func(cp restoreCheckpoint) bool { return cp.Phase == phaseData },
		func(cp restoreCheckpoint) bool { return cp.Phase == phaseData && cp.FilesDone >= 5 },
		func(cp restoreCheckpoint) bool { return cp.Phase == phasePostData },
	}
	var resume json.RawMessage
	var progressRows int
	for i, stop := range stops {
		tr := &restoreTracker{onBoundary: pauseWhen(stop)}
		p := restoreParams(s, m, "pause", "paused")
		p.Resume = resume
		_, err := e.Restore(ctx, p, c, tr)
		if !errors.Is(err, jobs.ErrPauseRequested) {
			t.Fatalf("run %d: %v, want a pause", i+1, err)
		}
		resume = tr.last()
		if i == 1 {
			s.Connect(t, "paused").QueryRow(ctx, "SELECT count(*) FROM "+progressSchema+".progress").Scan(&progressRows)
			if progressRows < 5 {
				t.Errorf("%d files recorded as loaded after a pause at 5", progressRows)
			}
		}
	}
	p := restoreParams(s, m, "pause", "paused")
	p.Resume = resume
	if _, err := e.Restore(ctx, p, c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareDatabases(t, s, "fixture", s, "paused", m.Publication)
}

// TestRestoreCrashResume crashes a restore right after a data file's
// transaction committed, before its checkpoint: the resume must not load
// that file again.
func TestRestoreCrashResume(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 64<<10)
	ctx := context.Background()
	e := New(nil)

	var mu sync.Mutex
	calls := 0
	afterChunkCommit = func(string) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 4 {
			return errSimulatedCrash
		}
		return nil
	}
	defer func() { afterChunkCommit = nil }()
	tr := &restoreTracker{}
	_, err := e.Restore(ctx, restoreParams(s, m, "crash", "crashed"), c, tr)
	if !errors.Is(err, errSimulatedCrash) {
		t.Fatalf("restore: %v, want the simulated crash", err)
	}
	afterChunkCommit = nil
	var cp restoreCheckpoint
	json.Unmarshal(tr.last(), &cp)
	var loaded int
	s.Connect(t, "crashed").QueryRow(ctx, "SELECT count(*) FROM "+progressSchema+".progress").Scan(&loaded)
	if loaded <= cp.FilesDone {
		t.Errorf("the crash left %d files loaded and %d checkpointed: the test does not test the gap", loaded, cp.FilesDone)
	}

	p := restoreParams(s, m, "crash", "crashed")
	p.Resume = tr.last()
	if _, err := e.Restore(ctx, p, c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareDatabases(t, s, "fixture", s, "crashed", m.Publication)

	// A crash before the first checkpoint: the database carries the job's
	// mark, so the job (resumed without a checkpoint) starts it again.
	afterChunkCommit = func(string) error { return errSimulatedCrash }
	_, err = e.Restore(ctx, restoreParams(s, m, "crash2", "crashed2"), c, &restoreTracker{})
	if !errors.Is(err, errSimulatedCrash) {
		t.Fatalf("restore: %v, want the simulated crash", err)
	}
	afterChunkCommit = nil
	if _, err := e.Restore(ctx, restoreParams(s, m, "other-job", "crashed2"), c, &restoreTracker{}); err == nil {
		t.Error("another job restored over the crashed job's database")
	}
	if _, err := e.Restore(ctx, restoreParams(s, m, "crash2", "crashed2"), c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareDatabases(t, s, "fixture", s, "crashed2", m.Publication)
}

// TestRestoreLostConnection ends the restore's sessions in the middle of
// its data: it reconnects and finishes without loading a file twice.
func TestRestoreLostConnection(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 64<<10)
	ctx := context.Background()
	var once sync.Once
	afterChunkCommit = func(string) error {
		once.Do(func() {
			s.Exec(t, "postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'lost' AND application_name = 'strata restore'")
		})
		return nil
	}
	defer func() { afterChunkCommit = nil }()
	if _, err := New(nil).Restore(ctx, restoreParams(s, m, "lost", "lost"), c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareDatabases(t, s, "fixture", s, "lost", m.Publication)
}

func databaseNames(t *testing.T, s *pgtest.Server) []string {
	t.Helper()
	rows, err := s.Connect(t, "postgres").Query(context.Background(), "SELECT datname FROM pg_database ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

// TestRestoreCancel cancels restores in the middle of their data: what they
// created is removed, what was there stays.
func TestRestoreCancel(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 64<<10)
	ctx := context.Background()
	e := New(nil)
	cancelAt := func(files int) func(int, restoreCheckpoint) error {
		return func(_ int, cp restoreCheckpoint) error {
			if cp.Phase == phaseData && cp.FilesDone >= files {
				return jobs.ErrCancelRequested
			}
			return nil
		}
	}

	t.Run("new database", func(t *testing.T) {
		before := databaseNames(t, s)
		tr := &restoreTracker{onBoundary: cancelAt(3)}
		_, err := e.Restore(ctx, restoreParams(s, m, "c1", "canceled"), c, tr)
		if !errors.Is(err, jobs.ErrCancelRequested) || !tr.reverting {
			t.Fatalf("restore: %v (reverting %v), want a cancel", err, tr.reverting)
		}
		if after := databaseNames(t, s); !slices.Equal(before, after) {
			t.Errorf("databases after the cancel: %v, before: %v", after, before)
		}
	})

	t.Run("canceled while paused", func(t *testing.T) {
		before := databaseNames(t, s)
		tr := &restoreTracker{onBoundary: pauseWhen(func(cp restoreCheckpoint) bool { return cp.FilesDone >= 2 })}
		if _, err := e.Restore(ctx, restoreParams(s, m, "c2", "canceled2"), c, tr); !errors.Is(err, jobs.ErrPauseRequested) {
			t.Fatalf("restore: %v, want a pause", err)
		}
		p := restoreParams(s, m, "c2", "canceled2")
		p.Resume = tr.last()
		tr2 := &restoreTracker{onBoundary: func(int, restoreCheckpoint) error { return jobs.ErrCancelRequested }}
		if _, err := e.Restore(ctx, p, c, tr2); !errors.Is(err, jobs.ErrCancelRequested) {
			t.Fatalf("resume: %v, want a cancel", err)
		}
		if after := databaseNames(t, s); !slices.Equal(before, after) {
			t.Errorf("databases after the cancel: %v, before: %v", after, before)
		}
	})

	t.Run("into_db", func(t *testing.T) {
		s.CreateDatabase(t, "keep")
		s.Exec(t, "keep", "CREATE TABLE public.mine (id int PRIMARY KEY); INSERT INTO public.mine VALUES (1), (2)")
		before := relations(t, s, "keep")
		tr := &restoreTracker{onBoundary: cancelAt(2)}
		_, err := e.Restore(ctx, tableRestore(s, m, "c3", "keep", "app.orders", "app.customers", "app.kitchen_sink"), c, tr)
		if !errors.Is(err, jobs.ErrCancelRequested) {
			t.Fatalf("restore: %v, want a cancel", err)
		}
		if after := relations(t, s, "keep"); !slices.Equal(before, after) {
			t.Errorf("relations after the cancel: %v, before: %v", after, before)
		}
		var types, schemas int
		s.Connect(t, "keep").QueryRow(ctx, "SELECT (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'app'), (SELECT count(*) FROM pg_namespace WHERE nspname IN ('app', '"+progressSchema+"'))").Scan(&types, &schemas)
		if types != 0 || schemas != 0 {
			t.Errorf("after the cancel: %d types in schema app, %d of the schemas app and %s", types, schemas, progressSchema)
		}
		compareTableContents(t, tableContents(t, s.DSN("keep")), map[string][]string{"public.mine": {"1", "2"}})
	})
}

// TestRestoreCorruptFile flips a byte of a stored data file: the restore
// fails naming the file, and removes the database it created.
func TestRestoreCorruptFile(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 0)
	var f collection.FileInfo
	for _, tb := range m.Tables {
		if tb.QualifiedName() == "app.customers" {
			f = tb.Files[0]
		}
	}
	path := filepath.Join(c.Store().Location().Path, m.Path, f.Name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	os.Chmod(path, 0o600)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	before := databaseNames(t, s)
	_, err = New(nil).Restore(context.Background(), restoreParams(s, m, "bad", "corrupt"), c, &restoreTracker{})
	userErr(t, err, f.Name)
	if after := databaseNames(t, s); !slices.Equal(before, after) {
		t.Errorf("databases after the failed restore: %v, before: %v", after, before)
	}
	t.Log(err)
}
