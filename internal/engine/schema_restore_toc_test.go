package engine

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/testutil"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// dumpArchive runs pg_dump --schema-only --format=custom of db into a file.
func dumpArchive(t testing.TB, s *pgtest.Server, db string) string {
	t.Helper()
	testutil.NeedCommand(t, "pg_dump", "apt-get install postgresql-client")
	path := filepath.Join(t.TempDir(), "schema.dump")
	out, err := exec.Command("pg_dump", "--schema-only", "--format=custom", "--file="+path, "--dbname="+s.DSN(db)).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	return path
}

// TestReadTOCAgreesWithPgRestore reads the fixture's schema archive and
// checks every entry against pg_restore --list: same ids, kinds, catalog
// ids, and the same dependencies as its verbose listing.
func TestReadTOCAgreesWithPgRestore(t *testing.T) {
	s := pgtest.Start(t)
	loadFixture(t, s, "src")
	path := dumpArchive(t, s, "src")

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := readTOC(f)
	if err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command("pg_restore", "--list", "--verbose", path).Output()
	if err != nil {
		t.Fatalf("pg_restore --list: %v", err)
	}
	// Lines: "id; tableoid oid DESC schema tag owner", optionally followed
	// by ";\tdepends on: 1 2 3".
	type listed struct {
		line string
		deps string
	}
	var want []listed
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, ";\tdepends on:"):
			want[len(want)-1].deps = strings.TrimSpace(strings.TrimPrefix(line, ";\tdepends on:"))
		case line != "" && !strings.HasPrefix(line, ";"):
			want = append(want, listed{line: line})
		}
	}
	if len(entries) != len(want) {
		t.Fatalf("read %d entries, pg_restore lists %d", len(entries), len(want))
	}
	byID := make(map[int]tocEntry)
	for _, e := range entries {
		byID[e.ID] = e
	}
	for _, w := range want {
		id, _ := strconv.Atoi(w.line[:strings.Index(w.line, ";")])
		e, ok := byID[id]
		if !ok {
			t.Errorf("entry %d missing: %s", id, w.line)
			continue
		}
		ns := e.Namespace
		if ns == "" {
			ns = "-"
		}
		got := strconv.Itoa(e.ID) + "; " + strconv.FormatUint(uint64(e.TableOID), 10) + " " + strconv.FormatUint(uint64(e.OID), 10) +
			" " + e.Desc + " " + ns + " " + e.Tag + " " + e.Owner
		if got != w.line {
			t.Errorf("entry %d:\n got %q\nwant %q", id, got, w.line)
		}
		var deps bytes.Buffer
		for i, d := range e.Deps {
			if i > 0 {
				deps.WriteByte(' ')
			}
			deps.WriteString(strconv.Itoa(d))
		}
		if deps.String() != w.deps {
			t.Errorf("entry %d depends on %q, pg_restore says %q", id, deps.String(), w.deps)
		}
	}
	if _, err := readTOC(strings.NewReader("PGDMP\x01\x0e\x00")); err == nil {
		t.Error("a truncated archive was read without error")
	}
	if _, err := readTOC(strings.NewReader("-- plain SQL")); err == nil {
		t.Error("a plain SQL file was read as an archive")
	}
}

func TestRenameDatabase(t *testing.T) {
	for _, c := range []struct{ from, to, sql, want string }{
		{"shop", "shop copy", "ALTER DATABASE shop SET work_mem TO '8MB';\nALTER DATABASE shop SET search_path TO 'a';",
			"ALTER DATABASE \"shop copy\" SET work_mem TO '8MB';\nALTER DATABASE \"shop copy\" SET search_path TO 'a';"},
		{"Shop", "new", `COMMENT ON DATABASE "Shop" IS 'the DATABASE "Shop" here';`, `COMMENT ON DATABASE "new" IS 'the DATABASE "Shop" here';`},
		{"a\"b", "c", `GRANT CONNECT ON DATABASE "a""b" TO reader;`, `GRANT CONNECT ON DATABASE "c" TO reader;`},
	} {
		if got := renameDatabase(c.sql, c.from, c.to); got != c.want {
			t.Errorf("renameDatabase(%q, %q, %q)\n got %q\nwant %q", c.sql, c.from, c.to, got, c.want)
		}
	}
}

func TestPgRestoreErrors(t *testing.T) {
	stderr := `pg_restore: error: could not execute query: ERROR:  relation "t" already exists
Command was: CREATE TABLE public.t (
    id integer
);
pg_restore: error: could not execute query: ERROR:  insert or update on table "o" violates foreign key constraint "o_fk"
DETAIL:  Key (c)=(1) is not present in table "c".
Command was: ALTER TABLE ONLY public.o
    ADD CONSTRAINT o_fk FOREIGN KEY (c) REFERENCES public.c(id);
pg_restore: warning: errors ignored on restore: 2
`
	got := pgRestoreErrors(stderr)
	want := []pgRestoreError{
		{`ERROR: relation "t" already exists`, "CREATE TABLE public.t ("},
		{`ERROR: insert or update on table "o" violates foreign key constraint "o_fk" DETAIL: Key (c)=(1) is not present in table "c".`, "ALTER TABLE ONLY public.o"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if allAlreadyExist(got) || !allAlreadyExist(got[:1]) {
		t.Error("allAlreadyExist")
	}
}
