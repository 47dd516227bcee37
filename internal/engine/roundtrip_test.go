package engine

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// backupFixture loads the fixture into db on s (plus extra SQL) and backs
// it up into a new collection, in data files of chunkBytes (0: default).
func backupFixture(t *testing.T, s *pgtest.Server, db, extra string, chunkBytes int64) (*collection.Collection, *collection.Manifest) {
	t.Helper()
	loadFixture(t, s, db)
	if extra != "" {
		s.Exec(t, db, extra)
	}
	c := newTestCollection(t)
	m, err := New(nil).Backup(context.Background(), BackupParams{
		JobID: "backup-" + db, DSN: s.DSN(db), Database: db, Cluster: "test", CreatedBy: "tester", ChunkBytes: chunkBytes,
	}, c, &restoreTracker{})
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	return c, m
}

// backupFixtureAgain takes another backup of db into c.
func backupFixtureAgain(t *testing.T, s *pgtest.Server, c *collection.Collection, db string) *collection.Manifest {
	t.Helper()
	m, err := New(nil).Backup(context.Background(), BackupParams{
		JobID: "backup-again-" + db, DSN: s.DSN(db), Database: db, Cluster: "test", CreatedBy: "tester",
	}, c, &restoreTracker{})
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	return m
}

// schemaDump is pg_dump --schema-only of db in plain SQL, normalised for
// comparing two databases: comment lines and blank lines are dropped (the
// header names the dump's time and versions), and so is the publication
// the backup made in the source for its replication slot, which belongs to
// the source and is deliberately not restored.
func schemaDump(t *testing.T, s *pgtest.Server, db, publication string) string {
	t.Helper()
	out, err := exec.Command("pg_dump", "--schema-only", "--dbname="+s.DSN(db)).Output()
	if err != nil {
		t.Fatalf("pg_dump %s: %v", db, err)
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		// pg_dump 15.14+ fences its output with \restrict and
		// \unrestrict and a random key that differs in every dump.
		if line == "" || strings.HasPrefix(line, "--") || strings.HasPrefix(line, `\restrict `) || strings.HasPrefix(line, `\unrestrict `) {
			continue
		}
		if publication != "" && strings.Contains(line, "PUBLICATION "+publication+" ") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

func compareDatabases(t *testing.T, src *pgtest.Server, srcDB string, dst *pgtest.Server, dstDB, publication string) {
	t.Helper()
	want, got := tableContents(t, src.DSN(srcDB)), tableContents(t, dst.DSN(dstDB))
	compareTableContents(t, got, want)
	if ws, gs := sequenceValues(t, src.DSN(srcDB)), sequenceValues(t, dst.DSN(dstDB)); !mapsEqual(ws, gs) {
		t.Errorf("sequences:\n got %v\nwant %v", gs, ws)
	}
	ws, gs := schemaDump(t, src, srcDB, publication), schemaDump(t, dst, dstDB, "")
	if ws != gs {
		t.Errorf("schema of %s differs from the source's:\n%s", dstDB, lineDiff(ws, gs))
	}
	// A materialized view's rows are not in the backup: the restore
	// refreshes it from the restored rows. (The fixture's is stale: rows
	// changed after it was made; so compare with its query on the source.)
	var wm, gm string
	q := "SELECT string_agg(mood::text || '=' || n, ',' ORDER BY mood) FROM (SELECT mood, count(*) AS n FROM app.customers GROUP BY mood) v"
	if err := src.Connect(t, srcDB).QueryRow(context.Background(), q).Scan(&wm); err != nil {
		t.Fatal(err)
	}
	q = "SELECT string_agg(mood::text || '=' || n, ',' ORDER BY mood) FROM app.mood_counts"
	if err := dst.Connect(t, dstDB).QueryRow(context.Background(), q).Scan(&gm); err != nil {
		t.Fatalf("materialized view in %s: %v", dstDB, err)
	}
	if wm != gm {
		t.Errorf("mood_counts = %q, want %q", gm, wm)
	}
}

func compareTableContents(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for name, rows := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("table %s missing", name)
		case len(g) != len(rows):
			t.Errorf("table %s: %d rows, want %d", name, len(g), len(rows))
		case !slices.Equal(g, rows):
			for i := range rows {
				if g[i] != rows[i] {
					t.Errorf("table %s differs, first at sorted row %d:\n got %q\nwant %q", name, i, g[i], rows[i])
					break
				}
			}
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected table %s", name)
		}
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// lineDiff shows the lines only in one of a and b.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for _, l := range al {
		if !slices.Contains(bl, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range bl {
		if !slices.Contains(al, l) {
			out = append(out, "+ "+l)
		}
	}
	if len(out) == 0 {
		return "(same lines, another order)"
	}
	return strings.Join(out, "\n")
}

// databaseExtra gives the fixture database a comment, settings and grants,
// which a whole-database restore carries over.
const databaseExtra = `
COMMENT ON DATABASE fixture IS 'the DATABASE fixture: for tests';
ALTER DATABASE fixture SET work_mem = '8MB';
ALTER DATABASE fixture SET search_path = app, public;
GRANT CONNECT ON DATABASE fixture TO strata_fixture_owner;
REVOKE TEMPORARY ON DATABASE fixture FROM PUBLIC;`

// databaseProperties describes a database's comment, settings and grants
// (grants sorted: their order is not significant).
func databaseProperties(t *testing.T, s *pgtest.Server, db string) string {
	t.Helper()
	var props string
	err := s.Connect(t, "postgres").QueryRow(context.Background(), `
SELECT coalesce(shobj_description(d.oid, 'pg_database'), '-') || ' | ' ||
       coalesce((SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting WHERE setdatabase = d.oid AND setrole = 0), '-') || ' | ' ||
       coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(d.datacl) a), '-') || ' | ' || pg_get_userbyid(d.datdba)
FROM pg_database d WHERE datname = $1`, db).Scan(&props)
	if err != nil {
		t.Fatal(err)
	}
	return props
}

// TestRestoreRoundTrip backs the fixture up and restores it as a new
// database on the same server and on a second one: every table's rows
// (all types, NULLs, TOAST, non-ASCII), every sequence, the materialized
// view and pg_dump's schema must equal the source's.
func TestRestoreRoundTrip(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", databaseExtra, 256<<10)
	var files int
	for _, tb := range m.Tables {
		files += len(tb.Files)
	}
	var wantRows, wantBytes int64
	for _, tb := range m.Tables {
		wantRows += tb.Rows
		wantBytes += tb.RawBytes
	}

	t.Run("same server", func(t *testing.T) {
		tr := &restoreTracker{}
		res, err := New(nil).Restore(context.Background(), restoreParams(s, m, "jobA", "restored"), c, tr)
		if err != nil {
			t.Fatal(err)
		}
		if res.Database != "restored" || res.Tables != len(m.Tables) || res.Rows != wantRows || res.Bytes != wantBytes {
			t.Errorf("result %+v, want %d tables, %d rows, %d bytes", res, len(m.Tables), wantRows, wantBytes)
		}
		if len(res.CreatedRoles) != 0 {
			t.Errorf("created roles %v on the server that has them", res.CreatedRoles)
		}
		if n := tr.count("checkpoint"); n < files {
			t.Errorf("%d checkpoints for %d data files", n, files)
		}
		compareDatabases(t, s, "fixture", s, "restored", m.Publication)
		if got, want := databaseProperties(t, s, "restored"), databaseProperties(t, s, "fixture"); got != want {
			t.Errorf("database properties:\n got %s\nwant %s", got, want)
		}
	})

	t.Run("second server", func(t *testing.T) {
		s2 := pgtest.Start(t)
		res, err := New(nil).Restore(context.Background(), restoreParams(s2, m, "jobB", "fixture"), c, &restoreTracker{})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(res.CreatedRoles)
		if want := []string{"strata fixture reader", "strata_fixture_owner"}; !slices.Equal(res.CreatedRoles, want) {
			t.Errorf("created roles %q, want %q", res.CreatedRoles, want)
		}
		var login int
		s2.Connect(t, "postgres").QueryRow(context.Background(),
			"SELECT count(*) FROM pg_authid WHERE rolname IN ('strata fixture reader', 'strata_fixture_owner') AND (rolcanlogin OR rolpassword IS NOT NULL)").Scan(&login)
		if login != 0 {
			t.Errorf("%d created roles can log in or have a password", login)
		}
		compareDatabases(t, s, "fixture", s2, "fixture", m.Publication)
		if got, want := databaseProperties(t, s2, "fixture"), databaseProperties(t, s, "fixture"); got != want {
			t.Errorf("database properties:\n got %s\nwant %s", got, want)
		}
	})
}
