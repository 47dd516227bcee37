package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// moment is the source's contents right after a workload step committed.
type moment struct {
	step     string
	at       time.Time
	contents map[string][]string // table → sorted COPY lines of the columns it had then
	columns  map[string][]string
}

// snapshotContents reads every public table of db: its current columns and
// its rows as sorted COPY lines.
func snapshotContents(t *testing.T, c *pgx.Conn, columns map[string][]string) (map[string][]string, map[string][]string) {
	t.Helper()
	ctx := context.Background()
	if columns == nil {
		columns = map[string][]string{}
		rows, err := c.Query(ctx, `SELECT c.relname, array_agg(a.attname ORDER BY a.attnum)::text[] FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
			WHERE n.nspname = 'public' AND c.relkind = 'r' GROUP BY c.relname`)
		if err != nil {
			t.Fatal(err)
		}
		var name string
		var cols []string
		if _, err := pgx.ForEachRow(rows, []any{&name, &cols}, func() error { columns[name] = cols; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string][]string{}
	for name, cols := range columns {
		var buf bytes.Buffer
		q := "COPY (SELECT " + quotedColumns(cols) + " FROM " + pgx.Identifier{name}.Sanitize() + ") TO STDOUT"
		if _, err := c.PgConn().CopyTo(ctx, &buf, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out[name] = sortedLines(buf.Bytes())
	}
	return out, columns
}

func incrementalBackup(t *testing.T, s *pgtest.Server, c *collection.Collection, db, job string, revision bool) *collection.Manifest {
	t.Helper()
	m, err := New(nil).Backup(context.Background(), BackupParams{
		JobID: job, DSN: s.DSN(db), Database: db, Cluster: "test", CreatedBy: "tester",
		Incremental: true, RevisionHistory: revision, ChunkBytes: 64 << 10,
	}, c, &restoreTracker{})
	if err != nil {
		t.Fatalf("incremental %s: %v", job, err)
	}
	if m.Kind != collection.KindIncremental {
		t.Fatalf("incremental %s: got a %s backup (%s)", job, m.Kind, m.FullReason)
	}
	return m
}

// TestIncrementalPointInTime runs a workload of inserts, updates (some of
// TOASTed rows leaving the TOASTed column unchanged), deletes, a TRUNCATE,
// a column added, a large transaction and sequence use, while a full backup
// and incrementals with and without revision history are taken; it records
// the source at many moments and restores to each of them.
func TestIncrementalPointInTime(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "wl")
	s.Exec(t, "wl", `
CREATE SEQUENCE ticket;
CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, balance numeric(12,2), doc text, ticket bigint);
ALTER TABLE accounts ALTER COLUMN doc SET STORAGE EXTERNAL;
CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account int, qty int, tags text[]);
CREATE TABLE "Odd ""Name""" (k text PRIMARY KEY, "v a l" jsonb);
INSERT INTO accounts SELECT g, 'acct ' || g, g * 1.5, repeat(md5(g::text), 300), NULL FROM generate_series(1, 300) g;
INSERT INTO items (account, qty, tags) SELECT g % 300 + 1, g, ARRAY['a', g::text] FROM generate_series(1, 2000) g;
INSERT INTO "Odd ""Name""" VALUES ('k1', '{"a": 1}'), ('tab	key', '{"b": [1, 2]}');`)
	c := newTestCollection(t)
	ctx := context.Background()
	full, err := New(nil).Backup(ctx, BackupParams{JobID: "wl-full", DSN: s.DSN("wl"), Database: "wl", Cluster: "test", ChunkBytes: 64 << 10}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if full.Publication == "" || full.Slot == "" {
		t.Fatalf("full backup without slot %q or publication %q", full.Slot, full.Publication)
	}

	conn := s.Connect(t, "wl")
	var moments []moment
	var columns map[string][]string
	step := func(name, sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var at time.Time
		if err := conn.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&at); err != nil {
			t.Fatal(err)
		}
		contents, cols := snapshotContents(t, conn, nil)
		columns = cols
		moments = append(moments, moment{step: name, at: at, contents: contents, columns: cols})
		time.Sleep(20 * time.Millisecond) // distinct commit times
	}

	step("insert", `INSERT INTO accounts SELECT g, 'new ' || g, 0, repeat('z', 5000), nextval('ticket') FROM generate_series(301, 320) g`)
	step("update", `UPDATE accounts SET balance = balance + 1 WHERE id % 7 = 0`)
	step("toast unchanged", `UPDATE accounts SET name = name || '!' WHERE id <= 50`)
	step("delete", `DELETE FROM items WHERE qty % 10 = 0`)
	step("key change", `UPDATE accounts SET id = id + 1000 WHERE id BETWEEN 100 AND 105`)
	rev1 := incrementalBackup(t, s, c, "wl", "wl-inc1", true)

	step("same row many times", `UPDATE items SET qty = qty + 1 WHERE id = 5; UPDATE items SET qty = qty + 1 WHERE id = 5; DELETE FROM items WHERE id = 6; INSERT INTO items (account, qty) VALUES (1, -1)`)
	step("truncate", `TRUNCATE "Odd ""Name"""; UPDATE accounts SET balance = balance + 2 WHERE id = 2`)
	step("after truncate", `INSERT INTO "Odd ""Name""" VALUES ('k2', '{"c": "\\u00fc"}'), ('new
line', 'null'); UPDATE accounts SET balance = balance + 3 WHERE id = 3`)
	step("add column", `ALTER TABLE accounts ADD COLUMN note text DEFAULT 'none'`)
	step("use column", `UPDATE accounts SET note = 'vip ' || id, ticket = nextval('ticket') WHERE id % 3 = 0`)
	step("large transaction", `UPDATE items SET qty = qty * 2, tags = tags || 'big'::text`)
	rev2 := incrementalBackup(t, s, c, "wl", "wl-inc2", true)

	step("after rev2", `DELETE FROM accounts WHERE id % 11 = 0; UPDATE accounts SET doc = 'short now' WHERE id = 1`)
	step("more", `INSERT INTO items (account, qty) SELECT 1, g FROM generate_series(1, 100) g`)
	latest := incrementalBackup(t, s, c, "wl", "wl-inc3", false)
	if latest.Changes == 0 || rev1.Changes == 0 || rev2.Changes == 0 {
		t.Fatalf("changes captured: %d, %d, %d", rev1.Changes, rev2.Changes, latest.Changes)
	}

	restore := func(name string, asOf time.Time, backup string) error {
		_, err := New(nil).Restore(ctx, RestoreParams{JobID: "r-" + name, TargetDSN: s.DSN, Backup: backup, Database: "wl", NewDBName: name, AsOf: asOf}, c, &restoreTracker{})
		return err
	}
	for i, m := range moments {
		name := fmt.Sprintf("pit_%d", i)
		err := restore(name, m.at, "")
		switch {
		case m.at.After(rev2.EndTime):
			// Inside the layer without revision history: refused, saying which times work.
			wantUserError(t, err, "without revision history", utc(latest.EndTime))
			continue
		case m.step == "after truncate" || m.step == "add column":
			// Between the last change without the new column and the first
			// with it: whether it existed then cannot be known.
			wantUserError(t, err, "column note of table public.accounts was added between")
			continue
		}
		if err != nil {
			t.Fatalf("restore to %s (%s): %v", m.step, utc(m.at), err)
		}
		got, gotCols := snapshotContents(t, s.Connect(t, name), nil)
		for table, cols := range m.columns {
			if fmt.Sprint(gotCols[table]) != fmt.Sprint(cols) {
				t.Errorf("as of %q: table %s has columns %v, want %v (the schema then)", m.step, table, gotCols[table], cols)
			}
		}
		for table, want := range m.contents {
			if !slicesEqual(got[table], want) {
				t.Errorf("as of %q (%s): table %s has %d rows, want %d\n%s", m.step, utc(m.at), table, len(got[table]), len(want), firstDiff(got[table], want))
			}
		}
	}

	// Each layer's end, and the latest, equal the source then and now.
	if err := restore("latest", time.Time{}, "LATEST"); err != nil {
		t.Fatal(err)
	}
	now, _ := snapshotContents(t, conn, columns)
	got, _ := snapshotContents(t, s.Connect(t, "latest"), columns)
	for table, want := range now {
		if !slicesEqual(got[table], want) {
			t.Errorf("latest: table %s differs\n%s", table, firstDiff(got[table], want))
		}
	}
	if got, want := sequenceValues(t, s.DSN("latest")), sequenceValues(t, s.DSN("wl")); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sequences %v, want %v", got, want)
	}

	// Before the full backup: refused, naming the times that work.
	err = restore("too_early", full.EndTime.Add(-time.Hour), "")
	wantUserError(t, err, "no backup covers", utc(full.EndTime))
}

func slicesEqual(a, b []string) bool {
	return len(a) == len(b) && strings.Join(a, "\n") == strings.Join(b, "\n")
}

func firstDiff(got, want []string) string {
	g := map[string]bool{}
	for _, l := range got {
		g[l] = true
	}
	w := map[string]bool{}
	for _, l := range want {
		w[l] = true
	}
	var out []string
	for _, l := range want {
		if !g[l] && len(out) < 3 {
			out = append(out, "missing: "+trim(l))
		}
	}
	for _, l := range got {
		if !w[l] && len(out) < 6 {
			out = append(out, "extra:   "+trim(l))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func trim(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// TestIncrementalNoKeyAndBrokenChain: a table without a replica identity
// keeps taking UPDATE and DELETE, is copied whole in every layer and
// restores exactly at layer ends; a point in time inside a layer is refused
// for it. A dropped slot makes the next incremental a full backup that says
// why, and a chain with a layer missing is refused on restore.
func TestIncrementalNoKeyAndBrokenChain(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "nk")
	s.Exec(t, "nk", `
CREATE TABLE keyed (id int PRIMARY KEY, v text);
CREATE TABLE log_no_pk (at int, msg text);
INSERT INTO keyed SELECT g, 'v' || g FROM generate_series(1, 100) g;
INSERT INTO log_no_pk SELECT g, 'm' || g FROM generate_series(1, 100) g;`)
	c := newTestCollection(t)
	ctx := context.Background()
	full, err := New(nil).Backup(ctx, BackupParams{JobID: "nk-full", DSN: s.DSN("nk"), Database: "nk", Cluster: "test"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	// Production writes to the table without a key keep working.
	s.Exec(t, "nk", `UPDATE log_no_pk SET msg = msg || '!' WHERE at < 10; DELETE FROM log_no_pk WHERE at > 90; UPDATE keyed SET v = 'x' WHERE id = 1`)
	conn := s.Connect(t, "nk")
	var mid time.Time
	conn.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&mid)
	time.Sleep(20 * time.Millisecond)
	s.Exec(t, "nk", `INSERT INTO log_no_pk VALUES (1000, 'late')`)
	inc := incrementalBackup(t, s, c, "nk", "nk-inc1", true)
	for _, tb := range inc.Tables {
		switch tb.Name {
		case "log_no_pk":
			if !tb.Whole || tb.Rows != 91 || len(tb.Changes) != 0 {
				t.Errorf("log_no_pk: whole %v, %d rows, %d change files; want a whole copy of 91 rows", tb.Whole, tb.Rows, len(tb.Changes))
			}
		case "keyed":
			if tb.Whole || len(tb.Changes) == 0 {
				t.Errorf("keyed: whole %v, %d change files; want changes", tb.Whole, len(tb.Changes))
			}
		}
	}
	_, err = New(nil).Restore(ctx, RestoreParams{JobID: "nk-end", TargetDSN: s.DSN, Backup: "LATEST", Database: "nk", NewDBName: "nk_end"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	compareTableContents(t, tableContents(t, s.DSN("nk_end")), tableContents(t, s.DSN("nk")))
	_, err = New(nil).Restore(ctx, RestoreParams{JobID: "nk-mid", TargetDSN: s.DSN, Database: "nk", NewDBName: "nk_mid", AsOf: mid}, c, &restoreTracker{})
	wantUserError(t, err, "log_no_pk", "copied whole", utc(inc.EndTime))

	// The slot is dropped: the next incremental is a full backup, and says why.
	s.Exec(t, "nk", "SELECT pg_drop_replication_slot('"+full.Slot+"')")
	next, err := New(nil).Backup(ctx, BackupParams{JobID: "nk-inc2", DSN: s.DSN("nk"), Database: "nk", Cluster: "test", Incremental: true}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if next.Kind != collection.KindFull || !strings.Contains(next.FullReason, full.Slot) || !strings.Contains(next.FullReason, "no longer exists") {
		t.Errorf("after the slot was dropped: %s backup, reason %q", next.Kind, next.FullReason)
	}

	// A chain whose middle layer is gone is refused, naming what works.
	inc2 := incrementalBackup(t, s, c, "nk", "nk-inc3", false)
	s.Exec(t, "nk", `UPDATE keyed SET v = 'y' WHERE id = 2`)
	inc3 := incrementalBackup(t, s, c, "nk", "nk-inc4", false)
	// Someone removed inc2's index entry (as a careless cleanup would).
	entries, _ := filepath.Glob(filepath.Join(c.Store().Location().Path, "index", "*", "*_incremental_"+inc2.ID+".json"))
	if len(entries) != 1 {
		t.Fatalf("index entries of %s: %v", inc2.Path, entries)
	}
	if err := os.Remove(entries[0]); err != nil {
		t.Fatal(err)
	}
	_, err = New(nil).Restore(ctx, RestoreParams{JobID: "nk-broken", TargetDSN: s.DSN, Backup: inc3.Path, Database: "nk", NewDBName: "nk_broken"}, c, &restoreTracker{})
	wantUserError(t, err, "chain", "is broken", inc3.Path, utc(next.EndTime))
}

// TestIncrementalIdleDatabaseOnBusyServer: an incremental of a database
// nobody writes to, while another database writes a lot, ends (it does not
// wait for a change of its own) and moves its slot to the layer's end, so
// the server can recycle the other database's WAL.
func TestIncrementalIdleDatabaseOnBusyServer(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "idle")
	s.CreateDatabase(t, "busy")
	s.Exec(t, "idle", `CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)`)
	s.Exec(t, "busy", `CREATE TABLE t (id int PRIMARY KEY, pad text)`)
	c := newTestCollection(t)
	ctx := context.Background()
	full, err := New(nil).Backup(ctx, BackupParams{JobID: "idle-full", DSN: s.DSN("idle"), Database: "idle", Cluster: "test"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	s.Exec(t, "busy", `INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 100000) g`)
	var walBefore string
	s.Connect(t, "postgres").QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&walBefore)

	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	m, err := New(nil).Backup(tctx, BackupParams{JobID: "idle-inc", DSN: s.DSN("idle"), Database: "idle", Cluster: "test", Incremental: true}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != collection.KindIncremental || m.Changes != 0 {
		t.Fatalf("got a %s layer with %d changes", m.Kind, m.Changes)
	}
	var confirmed string
	var past bool
	err = s.Connect(t, "postgres").QueryRow(ctx, `SELECT confirmed_flush_lsn::text, confirmed_flush_lsn >= $2::pg_lsn
		FROM pg_replication_slots WHERE slot_name = $1`, full.Slot, walBefore).Scan(&confirmed, &past)
	if err != nil {
		t.Fatal(err)
	}
	if confirmed != m.EndLSN || !past {
		t.Errorf("slot confirmed at %s; want the layer's end %s, past the busy database's WAL at %s", confirmed, m.EndLSN, walBefore)
	}
}

// TestIncrementalPausedWhileCapturingStartsOver: a pause while the layer
// reads the slot removes the partial layer without confirming the slot;
// the resume takes the layer again, with every change.
func TestIncrementalPausedWhileCapturingStartsOver(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "pz")
	s.Exec(t, "pz", `CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'a' FROM generate_series(1, 50) g`)
	c := newTestCollection(t)
	ctx := context.Background()
	if _, err := New(nil).Backup(ctx, BackupParams{JobID: "pz-full", DSN: s.DSN("pz"), Database: "pz", Cluster: "test"}, c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	s.Exec(t, "pz", `UPDATE t SET v = 'b' WHERE id <= 10; DELETE FROM t WHERE id > 40`)
	e := New(nil)
	p := BackupParams{JobID: "pz-inc", DSN: s.DSN("pz"), Database: "pz", Cluster: "test", Incremental: true}
	tr := &fakeTracker{pauseAt: 1} // as the capture begins
	if _, err := e.Backup(ctx, p, c, tr); !errors.Is(err, cluster.ErrPauseRequested) {
		t.Fatalf("want a pause, got %v", err)
	}
	if inc, _ := c.Incomplete(ctx); len(inc) != 0 {
		t.Errorf("partial layers left after the pause: %v", inc)
	}
	p.Resume = tr.lastCheckpoint(t)
	m, err := e.Backup(ctx, p, c, &fakeTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != collection.KindIncremental || m.Changes != 20 {
		t.Fatalf("resumed layer: %s with %d changes, want an incremental with 20", m.Kind, m.Changes)
	}
	if _, err := New(nil).Restore(ctx, RestoreParams{JobID: "pz-r", TargetDSN: s.DSN, Backup: "LATEST", Database: "pz", NewDBName: "pz_r"}, c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareTableContents(t, tableContents(t, s.DSN("pz_r")), tableContents(t, s.DSN("pz")))
}

// TestPointInTimeRefusesADroppedTable: a whole-database restore to a moment
// inside the layer during which a table was dropped is refused (the table
// may still have existed then); the layer's end and earlier ends restore.
func TestPointInTimeRefusesADroppedTable(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "dr")
	s.Exec(t, "dr", `CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY); INSERT INTO a VALUES (1); INSERT INTO b VALUES (1)`)
	c := newTestCollection(t)
	ctx := context.Background()
	if _, err := New(nil).Backup(ctx, BackupParams{JobID: "dr-full", DSN: s.DSN("dr"), Database: "dr", Cluster: "test"}, c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	inc1 := incrementalBackup(t, s, c, "dr", "dr-inc1", true)
	s.Exec(t, "dr", `INSERT INTO b VALUES (2)`)
	var moment time.Time
	s.Connect(t, "dr").QueryRow(ctx, "SELECT clock_timestamp()").Scan(&moment)
	time.Sleep(20 * time.Millisecond)
	s.Exec(t, "dr", `DROP TABLE b; INSERT INTO a VALUES (2)`)
	inc2 := incrementalBackup(t, s, c, "dr", "dr-inc2", true)

	restore := func(name string, asOf time.Time) error {
		_, err := New(nil).Restore(ctx, RestoreParams{JobID: name, TargetDSN: s.DSN, Database: "dr", NewDBName: name, AsOf: asOf}, c, &restoreTracker{})
		return err
	}
	wantUserError(t, restore("dr_mid", moment), "table public.b was dropped between", utc(inc1.EndTime))
	if err := restore("dr_end", inc2.EndTime); err != nil {
		t.Fatal(err)
	}
	compareTableContents(t, tableContents(t, s.DSN("dr_end")), tableContents(t, s.DSN("dr")))
	if err := restore("dr_before", inc1.EndTime); err != nil {
		t.Fatal(err)
	}
	if got := tableContents(t, s.DSN("dr_before")); len(got["public.b"]) != 1 || len(got["public.a"]) != 1 {
		t.Errorf("as of the first layer's end: %v", got)
	}
}

// TestTableRestoreAsOf restores one table of a chain, as of a moment inside
// a revision-history layer, into an existing database.
func TestTableRestoreAsOf(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "tr")
	s.Exec(t, "tr", `CREATE TABLE a (id int PRIMARY KEY, v text); CREATE TABLE b (id int PRIMARY KEY);
INSERT INTO a SELECT g, 'v' || g FROM generate_series(1, 100) g; INSERT INTO b VALUES (1)`)
	c := newTestCollection(t)
	ctx := context.Background()
	if _, err := New(nil).Backup(ctx, BackupParams{JobID: "tr-full", DSN: s.DSN("tr"), Database: "tr", Cluster: "test"}, c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	s.Exec(t, "tr", `UPDATE a SET v = 'changed' WHERE id <= 10; DELETE FROM a WHERE id > 90`)
	var moment time.Time
	s.Connect(t, "tr").QueryRow(ctx, "SELECT clock_timestamp()").Scan(&moment)
	want := tableContents(t, s.DSN("tr"))["public.a"]
	time.Sleep(20 * time.Millisecond)
	s.Exec(t, "tr", `DELETE FROM a; INSERT INTO b VALUES (2)`)
	incrementalBackup(t, s, c, "tr", "tr-inc", true)

	s.CreateDatabase(t, "into")
	_, err := New(nil).Restore(ctx, RestoreParams{JobID: "tr-r", TargetDSN: s.DSN, Database: "tr", IntoDB: "into", Tables: []string{"public.a"}, AsOf: moment}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	got := tableContents(t, s.DSN("into"))
	if len(got) != 1 || fmt.Sprint(got["public.a"]) != fmt.Sprint(want) {
		t.Errorf("restored tables %d; public.a has %d rows, want %d", len(got), len(got["public.a"]), len(want))
	}
}
