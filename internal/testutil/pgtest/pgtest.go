package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/pgserver"
	"github.com/stratabackup/strata/internal/testutil"
)

// Server is a PostgreSQL server that lives as long as the test.
type Server struct {
	*pgserver.Server
}

// Start starts a server with wal_level=logical (or opts' level) on a free
// port in a temporary folder, and stops and removes it when the test ends.
// Without PostgreSQL installed the test skips, or fails when CI=true.
func Start(t testing.TB, opts ...func(*pgserver.Options)) *Server {
	t.Helper()
	if _, err := pgserver.BinDir(); err != nil {
		testutil.Need(t, "PostgreSQL server not installed", "apt-get install postgresql postgresql-contrib")
	}
	// Not t.TempDir(): the server runs as the postgres user, which cannot
	// enter root's 0700 temporary folders.
	dir, err := os.MkdirTemp("", "strata-pg-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	o := pgserver.Options{Dir: dir + "/data", Fast: true}
	for _, f := range opts {
		f(&o)
	}
	s, err := pgserver.Start(context.Background(), o)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			t.Logf("stop PostgreSQL: %v", err)
		}
		os.RemoveAll(dir)
	})
	return &Server{s}
}

// WALLevel sets wal_level (for testing clusters without logical decoding).
func WALLevel(level string) func(*pgserver.Options) {
	return func(o *pgserver.Options) { o.WALLevel = level }
}

// Connect opens a connection to db as the superuser, closed when the test ends.
func (s *Server) Connect(t testing.TB, db string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), s.DSN(db))
	if err != nil {
		t.Fatalf("connect to %s: %v", db, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// Exec runs SQL statements in db and fails the test on error.
func (s *Server) Exec(t testing.TB, db string, sql string) {
	t.Helper()
	c := s.Connect(t, db)
	if _, err := c.Exec(context.Background(), sql); err != nil {
		t.Fatalf("exec in %s: %v\n%s", db, err, sql)
	}
}

// CreateDatabase creates an empty database.
func (s *Server) CreateDatabase(t testing.TB, name string) {
	t.Helper()
	s.Exec(t, "postgres", "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
}
