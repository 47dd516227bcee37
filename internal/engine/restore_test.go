package engine

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
	"github.com/stratabackup/strata/internal/usererror"
)

// restoreTracker records a restore's reports; onBoundary, when set, answers
// each Boundary call (n counts the calls from 1; cp is the last checkpoint).
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
	msg, ok := usererror.Message(err)
	if !ok {
		t.Fatalf("want a user error, got %T: %v", err, err)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not say %q", msg, w)
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
		userErr(t, err, "APP.orders (did you mean app.Orders or app.orders?)", "app.nope")
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

// TestRestoreIntoPartlyMatchingDatabase restores app.orders into a database
// that has its own app schema, app.mood type and a table app.customers
// without a primary key: the schema and type are reused (and kept by a
// failure), and pg_restore fails with PostgreSQL's message: first on the
// view app.customer_orders, then on the foreign key to app.customers; the
// restore then removes app.orders.
func TestRestoreIntoPartlyMatchingDatabase(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 0)
	ctx := context.Background()
	s.CreateDatabase(t, "mine")
	s.Exec(t, "mine", `CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('x'); CREATE TABLE app.customers (id bigint, name text);
INSERT INTO app.customers VALUES (1, 'one')`)
	before, contents := relations(t, s, "mine"), tableContents(t, s.DSN("mine"))
	// The view app.customer_orders reads app.orders and app.customers,
	// which the target has, but without the column the view needs.
	_, err := New(nil).Restore(ctx, tableRestore(s, m, "pm1", "mine", "app.orders"), c, &restoreTracker{})
	userErr(t, err, "creating the tables and types", "column c.full_name does not exist", "CREATE VIEW app.customer_orders")
	if after := relations(t, s, "mine"); !slices.Equal(before, after) {
		t.Errorf("relations after the failed restore: %v, before %v", after, before)
	}
	compareTableContents(t, tableContents(t, s.DSN("mine")), contents)

	s.Exec(t, "mine", "ALTER TABLE app.customers ADD full_name text")
	before, contents = relations(t, s, "mine"), tableContents(t, s.DSN("mine"))
	_, err = New(nil).Restore(ctx, tableRestore(s, m, "pm2", "mine", "app.orders"), c, &restoreTracker{})
	userErr(t, err, "building indexes and constraints", `no unique constraint matching given keys for referenced table "customers"`,
		"ALTER TABLE ONLY app.orders", "removed")
	if after := relations(t, s, "mine"); !slices.Equal(before, after) {
		t.Errorf("relations after the failed restore: %v, before %v", after, before)
	}
	compareTableContents(t, tableContents(t, s.DSN("mine")), contents)
	var moods int
	s.Connect(t, "mine").QueryRow(ctx, "SELECT count(*) FROM pg_enum WHERE enumtypid = 'app.mood'::regtype").Scan(&moods)
	if moods != 1 {
		t.Errorf("the target's own app.mood has %d values, want its 1", moods)
	}
}
