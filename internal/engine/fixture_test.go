package engine

// Helpers shared by the backup and restore tests: the SQL fixture in
// testdata/fixture.sql and ways to compare two databases' contents.

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

//go:embed testdata/fixture.sql
var fixtureSQL string

// loadFixture creates database db on s (when missing) and loads the fixture
// into it. The fixture also creates two cluster-wide roles when missing.
func loadFixture(t testing.TB, s *pgtest.Server, db string) {
	t.Helper()
	ctx := context.Background()
	c := s.Connect(t, "postgres")
	var exists bool
	if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", db).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		s.CreateDatabase(t, db)
	}
	s.Exec(t, db, fixtureSQL)
}

// newTestCollection opens a new, empty collection in a temporary folder.
func newTestCollection(t testing.TB) *collection.Collection {
	t.Helper()
	ctx := context.Background()
	loc, err := storage.Parse("file://" + t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(ctx, loc, storage.Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := collection.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// userTablesSQL lists the tables holding rows in a database: ordinary
// tables and partitions (not partitioned parents, which hold none), outside
// the system schemas and not belonging to an extension.
const userTablesSQL = `
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2`

// tableContents returns every table's rows as sorted COPY-text lines (all
// columns, generated ones included, in column order), keyed "schema.table"
// as stored. Empty tables are present with no lines.
func tableContents(t testing.TB, dsn string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, userTablesSQL)
	if err != nil {
		t.Fatal(err)
	}
	var names [][2]string
	for rows.Next() {
		var n [2]string
		if err := rows.Scan(&n[0], &n[1]); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]string, len(names))
	for _, n := range names {
		var buf bytes.Buffer
		q := "COPY (SELECT * FROM ONLY " + pgx.Identifier{n[0], n[1]}.Sanitize() + ") TO STDOUT"
		if _, err := c.PgConn().CopyTo(ctx, &buf, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		lines := strings.Split(buf.String(), "\n")
		lines = lines[:len(lines)-1] // COPY ends every row with a newline
		sort.Strings(lines)
		out[n[0]+"."+n[1]] = lines
	}
	return out
}

// sequenceValues returns, for every sequence outside the system schemas,
// keyed "schema.name", the value its next nextval() would return (so it
// captures both last_value and is_called).
func sequenceValues(t testing.TB, dsn string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, `SELECT schemaname, sequencename, start_value, increment_by FROM pg_sequences ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	type seq struct {
		schema, name string
		start, inc   int64
	}
	var seqs []seq
	for rows.Next() {
		var s seq
		if err := rows.Scan(&s.schema, &s.name, &s.start, &s.inc); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]int64, len(seqs))
	for _, s := range seqs {
		var last int64
		var called bool
		q := "SELECT last_value, is_called FROM " + pgx.Identifier{s.schema, s.name}.Sanitize()
		if err := c.QueryRow(ctx, q).Scan(&last, &called); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if called {
			last += s.inc
		}
		out[s.schema+"."+s.name] = last
	}
	return out
}

// schemaOnly is pg_dump --schema-only of dsn, for comparing two databases'
// schemas. The \restrict and \unrestrict lines (pg_dump 15.14+) carry a
// random key per run and are dropped.
func schemaOnly(t testing.TB, dsn string) string {
	t.Helper()
	out, err := exec.Command("pg_dump", "--schema-only", "--no-password", "--dbname="+dsn).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("pg_dump --schema-only: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("pg_dump --schema-only: %v", err)
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(line, `\restrict `) && !strings.HasPrefix(line, `\unrestrict `) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// TestFixtureLoads checks the fixture loads and the helpers read it.
func TestFixtureLoads(t *testing.T) {
	s := pgtest.Start(t)
	loadFixture(t, s, "fixture")
	got := tableContents(t, s.DSN("fixture"))
	for name, want := range map[string]int{
		"app.customers": 3000, "app.orders": 6000, "app.kitchen_sink": 4, "app.documents": 6,
		"Ünïcode Schema.Mixed Case Table": 200, "app.events_2023": 1094, "app.events_2024": 906,
		"audit.log_no_pk": 502, "app.cache": 50, "app.empty_table": 0, "app.Orders": 1, "app.evolving": 2,
	} {
		rows, ok := got[name]
		if !ok || len(rows) != want {
			t.Errorf("%s: %d rows (present %v), want %d", name, len(rows), ok, want)
		}
	}
	seqs := sequenceValues(t, s.DSN("fixture"))
	if seqs["app.invoice_numbers"] != 1020 || seqs["app.never_used"] != 1 || seqs["Ünïcode Schema.Seq Ünï"] != 42 {
		t.Errorf("sequences: %v", seqs)
	}
}

// TestFixtureRoundTripsThroughPgDump is the baseline for restore tests:
// pg_dump | pg_restore of the fixture gives a database the helpers find
// identical (rows, sequences and schema).
func TestFixtureRoundTripsThroughPgDump(t *testing.T) {
	s := pgtest.Start(t)
	loadFixture(t, s, "fixture")
	s.CreateDatabase(t, "copy")
	dump := exec.Command("pg_dump", "--format=custom", "--dbname="+s.DSN("fixture"))
	restore := exec.Command("pg_restore", "--exit-on-error", "--dbname="+s.DSN("copy"))
	pipe, err := dump.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	restore.Stdin = pipe
	if err := dump.Start(); err != nil {
		t.Fatal(err)
	}
	if out, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	if err := dump.Wait(); err != nil {
		t.Fatal(err)
	}
	a, b := tableContents(t, s.DSN("fixture")), tableContents(t, s.DSN("copy"))
	if !reflect.DeepEqual(a, b) {
		t.Error("table contents differ after pg_dump | pg_restore")
	}
	if !reflect.DeepEqual(sequenceValues(t, s.DSN("fixture")), sequenceValues(t, s.DSN("copy"))) {
		t.Error("sequences differ after pg_dump | pg_restore")
	}
	if schemaOnly(t, s.DSN("fixture")) != schemaOnly(t, s.DSN("copy")) {
		t.Error("schemas differ after pg_dump | pg_restore")
	}
}
