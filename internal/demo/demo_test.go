package demo

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/pgserver"
	"github.com/stratabackup/strata/internal/testutil"
)

func TestStartLoadsTheShopOnceAndRestarts(t *testing.T) {
	if _, err := pgserver.BinDir(); err != nil {
		testutil.Need(t, "PostgreSQL server not installed", "apt-get install postgresql postgresql-contrib")
	}
	parent, err := os.MkdirTemp("", "strata-demo-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(parent)
	os.Chmod(parent, 0o755)     // the postgres user must reach the data dir, as under a normal home or /var/lib
	dataDir := parent + "/data" // not there yet, as on a first run
	ctx := context.Background()
	s, err := Start(ctx, dataDir, 0, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		c, err := pgx.Connect(ctx, s.DSN(Database))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var n int64
		if err := c.QueryRow(ctx, "SELECT count(*) FROM order_items").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 180000 {
		t.Fatalf("order_items has %d rows, want 180000", n)
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// A second start reuses the data and does not load it again.
	if s, err = Start(ctx, dataDir, 0, io.Discard); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(ctx)
	if n := count(); n != 180000 {
		t.Fatalf("after restart order_items has %d rows", n)
	}
}
