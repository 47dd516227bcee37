package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testutil/pgtest"
	"github.com/stratabackup/strata/internal/usererror"
)

func TestPostgresTestAsSuperuser(t *testing.T) {
	t.Parallel()
	s := pgtest.Start(t)
	s.CreateDatabase(t, "Odd Name")
	s.Exec(t, "Odd Name", "CREATE TABLE numbers AS SELECT generate_series(1, 10000) AS n")

	r := testCluster(t, s.DSN("postgres"))
	if r.WALLevel != "logical" || !r.CanReplicate || !r.Superuser || !r.CanReadAll || r.User != "postgres" {
		t.Errorf("report = %+v, want a logical server and a superuser", r)
	}
	if r.ServerVersionNum < MinServerVersionNum || !strings.HasPrefix(r.ServerVersion, fmt.Sprint(r.ServerVersionNum/10000)) {
		t.Errorf("server version %q (%d)", r.ServerVersion, r.ServerVersionNum)
	}
	if r.MaxReplicationSlots != 20 || r.UsedReplicationSlots != 0 || r.MaxWALSenders != 20 {
		t.Errorf("slots %d of %d, WAL senders %d; want 0 of 20, 20", r.UsedReplicationSlots, r.MaxReplicationSlots, r.MaxWALSenders)
	}
	for _, f := range r.Findings {
		if f.Level != LevelOK {
			t.Errorf("finding %+v, want only ok findings", f)
		}
	}
	if !r.OK() {
		t.Error("OK() = false")
	}
	odd := findDatabase(r.Databases, "Odd Name")
	if odd == nil || odd.SizeBytes < 300_000 {
		t.Errorf("databases = %+v, want Odd Name holding a table of 10000 rows", r.Databases)
	}
	if findDatabase(r.Databases, "template1") != nil || findDatabase(r.Databases, "postgres") == nil {
		t.Errorf("databases = %+v, want postgres and no templates", r.Databases)
	}

	driver := inspect(t, s.DSN("postgres"))
	dbs, err := driver.Databases(context.Background())
	if err != nil || !slices.Equal(dbs, r.Databases) {
		t.Errorf("Databases() = %+v, %v; want %+v", dbs, err, r.Databases)
	}
}

func TestPostgresTestAsPlainRole(t *testing.T) {
	t.Parallel()
	s := pgtest.Start(t)
	s.CreateDatabase(t, "private")
	s.Exec(t, "postgres", `
		CREATE ROLE "Plain Role" LOGIN PASSWORD 'not checked: the test server trusts local connections';
		REVOKE CONNECT ON DATABASE private FROM PUBLIC`)
	dsn := fmt.Sprintf("host=127.0.0.1 port=%d user='Plain Role' password=whatever dbname=postgres sslmode=disable", s.Port)

	r := testCluster(t, dsn)
	if r.User != "Plain Role" || r.Superuser || r.CanReplicate || r.CanReadAll {
		t.Errorf("report = %+v, want a role without privileges", r)
	}
	assertFinding(t, r, LevelWarning, `this role cannot create replication slots: grant REPLICATION (ALTER ROLE "Plain Role" REPLICATION) or use a superuser to enable incremental backups`)
	assertFinding(t, r, LevelWarning, `GRANT pg_read_all_data TO "Plain Role"`)
	if !r.OK() {
		t.Error("OK() = false: missing privileges are warnings")
	}
	if findDatabase(r.Databases, "private") != nil || findDatabase(r.Databases, "postgres") == nil {
		t.Errorf("databases = %+v, want postgres but not private", r.Databases)
	}

	s.Exec(t, "postgres", `ALTER ROLE "Plain Role" REPLICATION; GRANT pg_read_all_data TO "Plain Role"`)
	r = testCluster(t, dsn)
	if !r.CanReplicate || !r.CanReadAll || r.Superuser {
		t.Errorf("after grants: report = %+v", r)
	}
}

func TestPostgresTestOnReplicaServer(t *testing.T) {
	t.Parallel()
	s := pgtest.Start(t, pgtest.WALLevel("replica"))
	r := testCluster(t, s.DSN("postgres"))
	assertFinding(t, r, LevelWarning, "wal_level is replica: set wal_level=logical and restart PostgreSQL to enable incremental backups; full backups work now")
}

func TestPostgresConnectErrors(t *testing.T) {
	t.Parallel()
	s := pgtest.Start(t)
	tests := []struct{ dsn, want string }{
		{s.DSN("nope"), `database "nope" does not exist: check the database name in the connection string`},
		{fmt.Sprintf("postgres://ghost@127.0.0.1:%d/postgres?sslmode=disable", s.Port), `role "ghost" does not exist: check the user name`},
		{fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=require", s.Port), "the server does not accept TLS connections"},
	}
	for _, tt := range tests {
		assertTestFails(t, tt.dsn, tt.want)
	}
}

func TestPostgresUnreachablePort(t *testing.T) {
	port := closedPort(t)
	err := assertTestFails(t, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
		fmt.Sprintf("cannot reach 127.0.0.1:%d: is PostgreSQL running and listening there?", port))
	if raw := errors.Unwrap(err); raw == nil || !strings.Contains(raw.Error(), "connect: connection refused") {
		t.Errorf("raw error for the log = %v", raw)
	}
}

func TestPostgresConnectTimeout(t *testing.T) {
	// A server that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	addr := ln.Addr().String()
	dsn, err := ParseDSN("postgres://postgres@" + addr + "/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	p := newPostgres(dsn)
	p.connectTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err = p.Test(context.Background())
	if want := "timed out connecting to " + addr; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Test() = %v, want %q…", err, want)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Test() took %v", time.Since(start))
	}
}

func testCluster(t *testing.T, dsn string) TestReport {
	t.Helper()
	driver := inspect(t, dsn)
	r, err := driver.Test(context.Background())
	if err != nil {
		t.Fatalf("Test(): %v", err)
	}
	return r
}

func assertTestFails(t *testing.T, dsn, want string) error {
	t.Helper()
	driver := inspect(t, dsn)
	_, err := driver.Test(context.Background())
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Test() on %s = %v, want %q", dsn, err, want)
	}
	if err != nil && !errors.As(err, new(*usererror.Error)) {
		t.Errorf("Test() on %s = %#v, want a user error", dsn, err)
	}
	return err
}

func assertFinding(t *testing.T, r TestReport, level Level, text string) {
	t.Helper()
	for _, f := range r.Findings {
		if f.Level == level && strings.Contains(f.Text, text) {
			return
		}
	}
	t.Errorf("findings = %+v, want a %s containing %q", r.Findings, level, text)
}

func findDatabase(dbs []Database, name string) *Database {
	for i := range dbs {
		if dbs[i].Name == name {
			return &dbs[i]
		}
	}
	return nil
}

// closedPort returns a local port on which nothing listens.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// inspect is the PostgreSQL inspector of the cluster at dsn.
func inspect(t *testing.T, dsn string) Inspector {
	t.Helper()
	d, err := ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return InspectPostgres(d)
}
