package engine

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testutil"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// clockNow is the server's clock after everything committed so far.
func clockNow(t *testing.T, s *pgtest.Server, db string) time.Time {
	t.Helper()
	var at time.Time
	if err := s.Connect(t, db).QueryRow(context.Background(), "SELECT clock_timestamp()").Scan(&at); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	return at
}

func wantWarning(t *testing.T, warnings []string, parts ...string) {
	t.Helper()
	for _, w := range warnings {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(w, p) }) {
			return
		}
	}
	t.Errorf("no warning says %q; warnings: %q", parts, warnings)
}

// TestTablesWithoutColumns backs up and restores tables that have rows but
// no column to copy: none at all, every column dropped, only a generated
// column; in text and binary COPY, in a full backup and an incremental.
func TestTablesWithoutColumns(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "zc")
	s.Exec(t, "zc", `
CREATE TABLE none (); INSERT INTO none DEFAULT VALUES; INSERT INTO none DEFAULT VALUES;
CREATE TABLE dropped (a int, b text); INSERT INTO dropped VALUES (1, 'x'); ALTER TABLE dropped DROP COLUMN a; ALTER TABLE dropped DROP COLUMN b; INSERT INTO dropped DEFAULT VALUES;
CREATE TABLE generated (g int GENERATED ALWAYS AS (7) STORED); INSERT INTO generated DEFAULT VALUES;
CREATE TABLE keyed (id int PRIMARY KEY); INSERT INTO keyed VALUES (1)`)
	c := newTestCollection(t)
	ctx := context.Background()
	full, err := New(nil).Backup(ctx, BackupParams{JobID: "zc-full", DSN: s.DSN("zc"), Database: "zc", Cluster: "test"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(nil).Restore(ctx, restoreParams(s, full, "zc-r1", "zc_full"), c, &restoreTracker{}); err != nil {
		t.Fatalf("restore of the full backup: %v", err)
	}
	compareTableContents(t, tableContents(t, s.DSN("zc_full")), tableContents(t, s.DSN("zc")))

	s.Exec(t, "zc", `INSERT INTO none DEFAULT VALUES; INSERT INTO dropped DEFAULT VALUES; INSERT INTO generated DEFAULT VALUES; INSERT INTO keyed VALUES (2)`)
	incrementalBackup(t, s, c, "zc", "zc-inc", true)
	if _, err := New(nil).Restore(ctx, RestoreParams{JobID: "zc-r2", TargetDSN: s.DSN, Backup: "LATEST", Database: "zc", NewDBName: "zc_inc"}, c, &restoreTracker{}); err != nil {
		t.Fatalf("restore of the incremental: %v", err)
	}
	got := tableContents(t, s.DSN("zc_inc"))
	compareTableContents(t, got, tableContents(t, s.DSN("zc")))
	if len(got["public.none"]) != 3 || len(got["public.generated"]) != 2 {
		t.Errorf("rows: none %d, generated %d; want 3 and 2", len(got["public.none"]), len(got["public.generated"]))
	}
}

// TestLargeObjects: large objects (OIDs, contents, owners, grants,
// comments) are in full backups and incrementals, counted, restored with a
// whole database, as of the layer before a moment inside a layer (saying
// so), and left out of a table restore (saying so).
func TestLargeObjects(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "lo")
	s.Exec(t, "lo", `
DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'strata_lo_owner') THEN CREATE ROLE strata_lo_owner NOLOGIN; END IF; END $$;
CREATE TABLE docs (id int PRIMARY KEY, body oid);
SELECT lo_from_bytea(4242, 'hello');
SELECT lo_from_bytea(4243, decode(repeat('00ff', 300000), 'hex'));
SELECT lo_create(4244);
COMMENT ON LARGE OBJECT 4242 IS 'a greeting';
ALTER LARGE OBJECT 4243 OWNER TO strata_lo_owner;
GRANT SELECT ON LARGE OBJECT 4242 TO strata_lo_owner;
INSERT INTO docs VALUES (1, 4242), (2, 4243)`)
	c := newTestCollection(t)
	ctx := context.Background()
	full, err := New(nil).Backup(ctx, BackupParams{JobID: "lo-full", DSN: s.DSN("lo"), Database: "lo", Cluster: "test"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if full.LargeObjects == nil || full.LargeObjects.Count != 3 {
		t.Fatalf("manifest large objects %+v, want 3", full.LargeObjects)
	}
	sums, err := c.Backups(ctx)
	if err != nil || len(sums) != 1 || sums[0].LargeObjects != 3 {
		t.Fatalf("summary %+v (%v), want 3 large objects", sums, err)
	}
	atFull := largeObjects(t, s.DSN("lo"))
	res, err := New(nil).Restore(ctx, restoreParams(s, full, "lo-r1", "lo_full"), c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if res.LargeObjects != 3 {
		t.Errorf("restore result says %d large objects, want 3", res.LargeObjects)
	}
	if got := largeObjects(t, s.DSN("lo_full")); !maps.Equal(got, atFull) {
		t.Errorf("large objects after restore:\n got %q\nwant %q", got, atFull)
	}

	s.Exec(t, "lo", `SELECT lo_from_bytea(5000, 'new'); SELECT lo_unlink(4244); INSERT INTO docs VALUES (3, 5000)`)
	moment := clockNow(t, s, "lo")
	s.Exec(t, "lo", `SELECT lo_put(4242, 0, 'HELLO'); COMMENT ON LARGE OBJECT 5000 IS 'later'; INSERT INTO docs VALUES (4, 4242)`)
	inc := incrementalBackup(t, s, c, "lo", "lo-inc", true)
	if inc.LargeObjects == nil || inc.LargeObjects.Count != 3 {
		t.Fatalf("incremental's large objects %+v, want 3", inc.LargeObjects)
	}
	if _, err := New(nil).Restore(ctx, RestoreParams{JobID: "lo-r2", TargetDSN: s.DSN, Backup: "LATEST", Database: "lo", NewDBName: "lo_latest"}, c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	if got, want := largeObjects(t, s.DSN("lo_latest")), largeObjects(t, s.DSN("lo")); !maps.Equal(got, want) {
		t.Errorf("large objects after restoring the incremental:\n got %q\nwant %q", got, want)
	}

	res, err = New(nil).Restore(ctx, RestoreParams{JobID: "lo-r3", TargetDSN: s.DSN, Database: "lo", NewDBName: "lo_moment", AsOf: moment}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if got := largeObjects(t, s.DSN("lo_moment")); !maps.Equal(got, atFull) {
		t.Errorf("large objects at a moment inside the incremental:\n got %q\nwant those of the full backup %q", got, atFull)
	}
	if rows := tableContents(t, s.DSN("lo_moment"))["public.docs"]; len(rows) != 3 {
		t.Errorf("docs at the moment: %q, want 3 rows", rows)
	}
	wantWarning(t, res.Warnings, "large objects are restored as they were at "+utc(full.EndTime))

	s.CreateDatabase(t, "lo_tables")
	res, err = New(nil).Restore(ctx, RestoreParams{JobID: "lo-r4", TargetDSN: s.DSN, Backup: "LATEST", Database: "lo", IntoDB: "lo_tables", Tables: []string{"public.docs"}}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if got := largeObjects(t, s.DSN("lo_tables")); len(got) != 0 {
		t.Errorf("a table restore restored large objects: %q", got)
	}
	wantWarning(t, res.Warnings, "3 large objects", "restore the whole database")

	// A backup of chosen tables says it holds none.
	part, err := New(nil).Backup(ctx, BackupParams{JobID: "lo-part", DSN: s.DSN("lo"), Database: "lo", Cluster: "test", Tables: []string{"public.docs"}}, newTestCollection(t), &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if part.LargeObjects != nil {
		t.Errorf("a backup of chosen tables stored large objects")
	}
	wantWarning(t, part.Warnings, "has 3 large objects", "does not hold them")
}

// TestUnloggedTablesAtAMoment: an unlogged table (with a primary key, which
// PostgreSQL still refuses in a publication) does not stop incrementals or
// point-in-time restore of the rest of its database: at a moment inside a
// layer it is restored as of the layer before, or empty when it is new,
// and the result says so. A table without a replica identity still refuses
// the moment, naming the table and the fix, unless the restore leaves it
// out.
func TestUnloggedTablesAtAMoment(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "ul")
	s.Exec(t, "ul", `
CREATE TABLE logged (id int PRIMARY KEY, v text); INSERT INTO logged VALUES (1, 'a');
CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY, v text); INSERT INTO scratch VALUES (1, 'a');
CREATE UNLOGGED TABLE loose (v text); INSERT INTO loose VALUES ('a')`)
	c := newTestCollection(t)
	ctx := context.Background()
	full, err := New(nil).Backup(ctx, BackupParams{JobID: "ul-full", DSN: s.DSN("ul"), Database: "ul", Cluster: "test"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if full.Publication == "" || len(full.Warnings) > 0 {
		t.Fatalf("publication %q, warnings %q: an unlogged table stopped incrementals", full.Publication, full.Warnings)
	}
	atFull := tableContents(t, s.DSN("ul"))
	s.Exec(t, "ul", `INSERT INTO logged VALUES (2, 'b'); INSERT INTO scratch VALUES (2, 'b'); CREATE UNLOGGED TABLE fresh (v text); INSERT INTO fresh VALUES ('x')`)
	moment := clockNow(t, s, "ul")
	atMoment := tableContents(t, s.DSN("ul"))
	s.Exec(t, "ul", `INSERT INTO logged VALUES (3, 'c'); UPDATE scratch SET v = 'changed'`)
	incrementalBackup(t, s, c, "ul", "ul-inc", true)

	res, err := New(nil).Restore(ctx, RestoreParams{JobID: "ul-r1", TargetDSN: s.DSN, Database: "ul", NewDBName: "ul_moment", AsOf: moment}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	got := tableContents(t, s.DSN("ul_moment"))
	if !slices.Equal(got["public.logged"], atMoment["public.logged"]) {
		t.Errorf("logged table at the moment: %q, want %q", got["public.logged"], atMoment["public.logged"])
	}
	if !slices.Equal(got["public.scratch"], atFull["public.scratch"]) || !slices.Equal(got["public.loose"], atFull["public.loose"]) {
		t.Errorf("unlogged tables at the moment: scratch %q, loose %q; want them as of the full backup", got["public.scratch"], got["public.loose"])
	}
	if rows, ok := got["public.fresh"]; !ok || len(rows) != 0 {
		t.Errorf("unlogged table created in the layer: %q (present %v), want it empty", rows, ok)
	}
	wantWarning(t, res.Warnings, "unlogged table public.scratch is restored as it was at "+utc(full.EndTime))
	wantWarning(t, res.Warnings, "unlogged table public.fresh is restored empty")

	// A logged table without a replica identity: the moment is refused
	// for it, naming it and the fix; restoring other tables works.
	s.Exec(t, "ul", `CREATE TABLE nokey (v text); INSERT INTO nokey VALUES ('a')`)
	incrementalBackup(t, s, c, "ul", "ul-inc2", true)
	s.Exec(t, "ul", `INSERT INTO nokey VALUES ('b'); INSERT INTO logged VALUES (4, 'd')`)
	moment2 := clockNow(t, s, "ul")
	want := tableContents(t, s.DSN("ul"))["public.logged"]
	s.Exec(t, "ul", `INSERT INTO logged VALUES (5, 'e')`)
	incrementalBackup(t, s, c, "ul", "ul-inc3", true)
	_, err = New(nil).Restore(ctx, RestoreParams{JobID: "ul-r2", TargetDSN: s.DSN, Database: "ul", NewDBName: "ul_refused", AsOf: moment2}, c, &restoreTracker{})
	wantUserError(t, err, "without a replica identity", "public.nokey", "REPLICA IDENTITY FULL")
	if slices.Contains(databaseNames(t, s), "ul_refused") {
		t.Error("a refused restore created its database")
	}
	s.CreateDatabase(t, "ul_tables")
	if _, err := New(nil).Restore(ctx, RestoreParams{JobID: "ul-r3", TargetDSN: s.DSN, Database: "ul", IntoDB: "ul_tables", Tables: []string{"public.logged"}, AsOf: moment2}, c, &restoreTracker{}); err != nil {
		t.Fatalf("restore of a covered table at the moment: %v", err)
	}
	if got := tableContents(t, s.DSN("ul_tables"))["public.logged"]; !slices.Equal(got, want) {
		t.Errorf("logged at the second moment: %q, want %q", got, want)
	}

	// The fix: REPLICA IDENTITY FULL. The next layer still copies the
	// table whole (and says why); the one after captures its changes.
	if err := SetReplicaIdentityFull(ctx, s.DSN("ul"), []string{"public.nokey"}); err != nil {
		t.Fatal(err)
	}
	s.Exec(t, "ul", `INSERT INTO nokey VALUES ('c')`)
	moment3 := clockNow(t, s, "ul")
	s.Exec(t, "ul", `INSERT INTO nokey VALUES ('d')`)
	incrementalBackup(t, s, c, "ul", "ul-inc4", true)
	_, err = New(nil).Restore(ctx, RestoreParams{JobID: "ul-r4", TargetDSN: s.DSN, Database: "ul", NewDBName: "ul_refused", AsOf: moment3}, c, &restoreTracker{})
	wantUserError(t, err, "given a replica identity shortly before", "public.nokey")
	s.Exec(t, "ul", `INSERT INTO nokey VALUES ('e')`)
	moment4 := clockNow(t, s, "ul")
	want = tableContents(t, s.DSN("ul"))["public.nokey"]
	s.Exec(t, "ul", `DELETE FROM nokey WHERE v = 'a'`)
	incrementalBackup(t, s, c, "ul", "ul-inc5", true)
	if _, err := New(nil).Restore(ctx, RestoreParams{JobID: "ul-r5", TargetDSN: s.DSN, Database: "ul", NewDBName: "ul_fixed", AsOf: moment4}, c, &restoreTracker{}); err != nil {
		t.Fatalf("a moment after the fix: %v", err)
	}
	if got := tableContents(t, s.DSN("ul_fixed"))["public.nokey"]; !slices.Equal(got, want) {
		t.Errorf("nokey at a moment after the fix: %q, want %q", got, want)
	}
}

// TestExtensionConfigurationTables: the rows an extension marks as user
// data (pg_extension_config_dump; here pg_partman's part_config), which
// pg_dump carries though CREATE EXTENSION makes the table, are backed up
// and restored with the whole database, and at a moment inside an
// incremental as of the layer before, saying so, rather than refusing it.
func TestExtensionConfigurationTables(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "pm")
	var available bool
	if err := s.Connect(t, "pm").QueryRow(context.Background(), "SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_partman')").Scan(&available); err != nil {
		t.Fatal(err)
	}
	if !available {
		testutil.Need(t, "the pg_partman extension is not installed", "apt-get install postgresql-15-partman")
	}
	s.Exec(t, "pm", `CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;
CREATE TABLE events (id bigint PRIMARY KEY, v text) PARTITION BY RANGE (id);
SELECT partman.create_parent('public.events', 'id', 'native', '100');
ALTER TABLE partman.template_public_events REPLICA IDENTITY FULL;
INSERT INTO events SELECT g, 'e' || g FROM generate_series(1, 250) g`)
	partConfig := func(db string) []string {
		var buf bytes.Buffer
		if _, err := s.Connect(t, db).PgConn().CopyTo(context.Background(), &buf, "COPY partman.part_config TO STDOUT"); err != nil {
			t.Fatal(err)
		}
		return sortedLines(buf.Bytes())
	}
	want := partConfig("pm")
	if len(want) != 1 {
		t.Fatalf("part_config on the source: %q", want)
	}
	c := newTestCollection(t)
	ctx := context.Background()
	full, err := New(nil).Backup(ctx, BackupParams{JobID: "pm-full", DSN: s.DSN("pm"), Database: "pm", Cluster: "test"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(nil).Restore(ctx, restoreParams(s, full, "pm-r1", "pm_copy"), c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareTableContents(t, tableContents(t, s.DSN("pm_copy")), tableContents(t, s.DSN("pm")))
	if got := partConfig("pm_copy"); !slices.Equal(got, want) {
		t.Errorf("part_config restored: %q, want %q", got, want)
	}

	s.Exec(t, "pm", `INSERT INTO events VALUES (251, 'late')`)
	moment := clockNow(t, s, "pm")
	s.Exec(t, "pm", `UPDATE partman.part_config SET premake = 9`)
	incrementalBackup(t, s, c, "pm", "pm-inc", true)
	res, err := New(nil).Restore(ctx, RestoreParams{JobID: "pm-r2", TargetDSN: s.DSN, Database: "pm", NewDBName: "pm_moment", AsOf: moment}, c, &restoreTracker{})
	if err != nil {
		t.Fatalf("a moment inside the incremental: %v", err)
	}
	if got := partConfig("pm_moment"); !slices.Equal(got, want) {
		t.Errorf("part_config at the moment: %q, want as of the full backup %q", got, want)
	}
	wantWarning(t, res.Warnings, "table partman.part_config (an extension's configuration) is restored as it was at "+utc(full.EndTime))
	if _, err := New(nil).Restore(ctx, RestoreParams{JobID: "pm-r3", TargetDSN: s.DSN, Backup: "LATEST", Database: "pm", NewDBName: "pm_latest"}, c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareTableContents(t, tableContents(t, s.DSN("pm_latest")), tableContents(t, s.DSN("pm")))
}

// TestRoleSettingsInTheDatabase: a role's settings in the database (ALTER
// ROLE ... IN DATABASE ... SET), which pg_dump keeps with the database,
// are restored, on a server that lacks the role too (it is created).
func TestRoleSettingsInTheDatabase(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "rs")
	s.Exec(t, "rs", `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'strata_rs_app') THEN CREATE ROLE strata_rs_app NOLOGIN; END IF; END $$;
ALTER ROLE strata_rs_app IN DATABASE rs SET work_mem = '12MB';
CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)`)
	c := newTestCollection(t)
	ctx := context.Background()
	m, err := New(nil).Backup(ctx, BackupParams{JobID: "rs-full", DSN: s.DSN("rs"), Database: "rs", Cluster: "test"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	s2 := pgtest.Start(t)
	res, err := New(nil).Restore(ctx, restoreParams(s2, m, "rs-r", "rs_copy"), c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.CreatedRoles, "strata_rs_app") {
		t.Errorf("created roles %q, want strata_rs_app", res.CreatedRoles)
	}
	var setting string
	err = s2.Connect(t, "postgres").QueryRow(ctx, `SELECT array_to_string(s.setconfig, ',') FROM pg_db_role_setting s
JOIN pg_database d ON d.oid = s.setdatabase JOIN pg_roles r ON r.oid = s.setrole WHERE d.datname = 'rs_copy' AND r.rolname = 'strata_rs_app'`).Scan(&setting)
	if err != nil || setting != "work_mem=12MB" {
		t.Errorf("the role's setting in the restored database: %q (%v), want work_mem=12MB", setting, err)
	}
}

// TestEventTriggerThatRefusesDrops: an event trigger that refuses every
// DROP (a common guard) is restored, and does not stop the restore's own
// cleanup.
func TestEventTriggerThatRefusesDrops(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "et")
	s.Exec(t, "et", `CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);
CREATE MATERIALIZED VIEW mv AS SELECT count(*) AS n FROM t;
CREATE FUNCTION no_drops() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'dropping is not allowed here'; END $$;
CREATE EVENT TRIGGER no_drops ON sql_drop EXECUTE FUNCTION no_drops()`)
	c := newTestCollection(t)
	ctx := context.Background()
	m, err := New(nil).Backup(ctx, BackupParams{JobID: "et-full", DSN: s.DSN("et"), Database: "et", Cluster: "test"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(nil).Restore(ctx, restoreParams(s, m, "et-r", "et_copy"), c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareTableContents(t, tableContents(t, s.DSN("et_copy")), tableContents(t, s.DSN("et")))
	var n int
	if err := s.Connect(t, "et_copy").QueryRow(ctx, "SELECT count(*) FROM pg_event_trigger WHERE evtname = 'no_drops'").Scan(&n); err != nil || n != 1 {
		t.Errorf("event trigger restored: %d (%v)", n, err)
	}
}

// TestRowLevelSecurityNeverHidesRows: a backup by a role a row-level
// security policy applies to fails saying so, instead of storing only the
// rows the policy shows; one by a role that bypasses it holds every row.
func TestRowLevelSecurityNeverHidesRows(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "rls")
	s.Exec(t, "postgres", `CREATE ROLE strata_rls_reader LOGIN REPLICATION; GRANT pg_read_all_data TO strata_rls_reader`)
	s.Exec(t, "rls", `CREATE TABLE secrets (id int PRIMARY KEY, owner text); INSERT INTO secrets VALUES (1, 'a'), (2, 'b');
ALTER TABLE secrets ENABLE ROW LEVEL SECURITY; CREATE POLICY only_a ON secrets USING (owner = 'a')`)
	ctx := context.Background()
	dsn := strings.Replace(s.DSN("rls"), "postgres@", "strata_rls_reader@", 1)
	_, err := New(nil).Backup(ctx, BackupParams{JobID: "rls-1", DSN: dsn, Database: "rls", Cluster: "test"}, newTestCollection(t), &restoreTracker{})
	wantUserError(t, err, "row-level security", "BYPASSRLS")

	s.Exec(t, "postgres", `ALTER ROLE strata_rls_reader BYPASSRLS`)
	c := newTestCollection(t)
	m, err := New(nil).Backup(ctx, BackupParams{JobID: "rls-2", DSN: dsn, Database: "rls", Cluster: "test"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if rows := backupContents(t, c, m)["public.secrets"]; len(rows) != 2 {
		t.Errorf("backup holds %d rows of secrets, want 2", len(rows))
	}
}

// TestDatabaseTextStylesDoNotChangeValues: a database whose own settings
// change how values print (DateStyle SQL, DMY; IntervalStyle
// sql_standard; extra_float_digits -15) restores the same values: a table
// with a type of its own is copied as text, which the restoring session
// must read back as the value the source held.
func TestDatabaseTextStylesDoNotChangeValues(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "ds")
	s.Exec(t, "ds", `ALTER DATABASE ds SET DateStyle = 'SQL, DMY'; ALTER DATABASE ds SET IntervalStyle = 'sql_standard'; ALTER DATABASE ds SET extra_float_digits = -15`)
	s.Exec(t, "ds", `CREATE TYPE mood AS ENUM ('ok');
CREATE TABLE t (id int PRIMARY KEY, m mood, d date, ts timestamp, iv interval, f float8, fa float8[]);
INSERT INTO t VALUES (1, 'ok', '2026-12-07', '2026-12-07 13:14:15.123456', '1 year 2 mons -3 days 04:05:06.5', 0.1 + 0.2, ARRAY[1.0/3, 2.0/3])`)
	c := newTestCollection(t)
	ctx := context.Background()
	m, err := New(nil).Backup(ctx, BackupParams{JobID: "ds-full", DSN: s.DSN("ds"), Database: "ds", Cluster: "test"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(nil).Restore(ctx, restoreParams(s, m, "ds-r", "ds_copy"), c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	exact := func(db string) string {
		var v string
		err := s.Connect(t, db).QueryRow(ctx, `SELECT to_char(d, 'YYYY-MM-DD') || ' ' || to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US') || ' ' ||
  extract(epoch FROM iv)::text || ' ' || encode(float8send(f), 'hex') || ' ' || encode(float8send(fa[1]), 'hex') || encode(float8send(fa[2]), 'hex') FROM t`).Scan(&v)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got, want := exact("ds_copy"), exact("ds"); got != want {
		t.Errorf("values after the restore: %s, want %s", got, want)
	}
}

// TestRegTypesNameTheirObjects: reg* values (regclass, regtype, regproc,
// regnamespace, arrays of them) name objects by OID; restored into another
// database they must name the same objects, whatever search_path the
// source database sets, in a table copied as binary or as text.
func TestRegTypesNameTheirObjects(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "rg")
	s.Exec(t, "rg", `CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('ok'); CREATE TABLE app.things (id int PRIMARY KEY);
CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER DATABASE rg SET search_path = app, public`)
	s.Exec(t, "rg", `CREATE TABLE app.refs (id int PRIMARY KEY, c regclass, ty regtype, p regproc, n regnamespace, cs regclass[]);
CREATE TABLE app.refs_text (id int PRIMARY KEY, m app.mood, c regclass, ty regtype);
INSERT INTO app.refs VALUES (1, 'app.things', 'app.mood', 'app.f', 'app', ARRAY['app.things'::regclass, 'pg_class'::regclass]);
INSERT INTO app.refs_text VALUES (1, 'ok', 'app.things', 'app.mood')`)
	c := newTestCollection(t)
	ctx := context.Background()
	m, err := New(nil).Backup(ctx, BackupParams{JobID: "rg-full", DSN: s.DSN("rg"), Database: "rg", Cluster: "test"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(nil).Restore(ctx, restoreParams(s, m, "rg-r", "rg_copy"), c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	names := func(db string) string {
		conn := s.Connect(t, db)
		if _, err := conn.Exec(ctx, "SET search_path = pg_catalog"); err != nil {
			t.Fatal(err)
		}
		var v string
		if err := conn.QueryRow(ctx, `SELECT r.c::text || ' ' || r.ty::text || ' ' || r.p::text || ' ' || r.n::text || ' ' || r.cs::text || ' ' || x.c::text || ' ' || x.ty::text
FROM app.refs r, app.refs_text x`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got, want := names("rg_copy"), names("rg"); got != want {
		t.Errorf("reg* values after the restore: %s, want %s", got, want)
	}
}

// TestWhatPgDumpLeavesOutIsAWarning: what pg_dump leaves out of the schema
// and says so (a subscription, for a role that is not a superuser) is in
// the backup's warnings, not dropped without a word.
func TestWhatPgDumpLeavesOutIsAWarning(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "sub")
	s.Exec(t, "postgres", `CREATE ROLE strata_sub_backup LOGIN REPLICATION IN ROLE pg_read_all_data`)
	s.Exec(t, "sub", `CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t OWNER TO strata_sub_backup`)
	s.Exec(t, "sub", `CREATE SUBSCRIPTION elsewhere CONNECTION 'dbname=nowhere' PUBLICATION p WITH (connect = false)`)
	dsn := strings.Replace(s.DSN("sub"), "postgres@", "strata_sub_backup@", 1)
	m, err := New(nil).Backup(context.Background(), BackupParams{JobID: "sub-full", DSN: dsn, Database: "sub", Cluster: "test"}, newTestCollection(t), &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	wantWarning(t, m.Warnings, "pg_dump: subscriptions not dumped")
}
