package engine

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// makeStrataSlot creates, in db, a logical slot and a publication named
// name, as a full backup does.
func makeStrataSlot(t *testing.T, pg *pgtest.Server, db, name string) {
	t.Helper()
	pg.Exec(t, db, "CREATE PUBLICATION "+name)
	pg.Exec(t, db, "SELECT pg_create_logical_replication_slot('"+name+"', 'pgoutput')")
}

func slotNames(t *testing.T, pg *pgtest.Server) []string {
	t.Helper()
	var names []string
	rows, err := pg.Connect(t, "postgres").Query(context.Background(), "SELECT slot_name FROM pg_replication_slots ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	return names
}

func hasPublication(t *testing.T, pg *pgtest.Server, db, name string) bool {
	t.Helper()
	var ok bool
	err := pg.Connect(t, db).QueryRow(context.Background(), "SELECT EXISTS (SELECT FROM pg_publication WHERE pubname = $1)", name).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestStrataSlotsReportsRetainedWAL(t *testing.T) {
	pg := pgtest.Start(t)
	pg.CreateDatabase(t, "shop")
	makeStrataSlot(t, pg, "shop", "strata_x")
	pg.Exec(t, "postgres", "SELECT pg_create_logical_replication_slot('someone_else', 'pgoutput')")
	temp := pg.Connect(t, "shop") // holds a temporary slot until the test ends
	if _, err := temp.Exec(context.Background(), "SELECT pg_create_logical_replication_slot('strata_temporary', 'pgoutput', true)"); err != nil {
		t.Fatal(err)
	}
	// About 2 MB of WAL that the slot keeps.
	pg.Exec(t, "shop", "CREATE TABLE t AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 10000) g")

	slots, err := StrataSlots(context.Background(), pg.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if len(slots) != 1 {
		t.Fatalf("slots = %+v, want only strata_x (not someone else's, not a temporary one)", slots)
	}
	s := slots[0]
	if s.Name != "strata_x" || s.Database != "shop" || s.Active || s.WALStatus != "reserved" || s.Lost {
		t.Errorf("slot = %+v", s)
	}
	if s.RestartLSN == "" || s.ConfirmedFlushLSN == "" || s.SafeWALSize != nil {
		t.Errorf("LSNs or safe_wal_size: %+v", s)
	}
	if s.RetainedBytes < 1<<20 || s.LagBytes < 1<<20 || s.LagBytes > s.RetainedBytes {
		t.Errorf("retained %d, lag %d: want at least 1 MiB each, lag ≤ retained", s.RetainedBytes, s.LagBytes)
	}
}

// A slot whose WAL the server removed (max_slot_wal_keep_size) is lost.
func TestStrataSlotsReportsALostSlot(t *testing.T) {
	pg := pgtest.Start(t)
	makeStrataSlot(t, pg, "postgres", "strata_gone")
	pg.Exec(t, "postgres", "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'")
	pg.Exec(t, "postgres", "SELECT pg_reload_conf()")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) { // the reload is asynchronous
		slots, err := StrataSlots(context.Background(), pg.DSN("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		if len(slots) == 1 && slots[0].SafeWALSize != nil && !slots[0].Lost {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("before: %+v, want a safe_wal_size and not lost", slots)
		}
	}
	for range 3 {
		pg.Exec(t, "postgres", "CREATE TABLE IF NOT EXISTS t (x int); INSERT INTO t VALUES (1); SELECT pg_switch_wal()")
	}
	pg.Exec(t, "postgres", "CHECKPOINT")
	slots, err := StrataSlots(context.Background(), pg.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if s := slots[0]; !s.Lost || s.WALStatus != "lost" || s.RestartLSN != "" || s.RetainedBytes != 0 {
		t.Fatalf("after: %+v, want lost", s)
	}
}

func TestDropStrataSlots(t *testing.T) {
	pg := pgtest.Start(t)
	for _, db := range []string{"shop", "app", "closed"} {
		pg.CreateDatabase(t, db)
	}
	makeStrataSlot(t, pg, "shop", "strata_a")
	makeStrataSlot(t, pg, "app", "strata_b")
	makeStrataSlot(t, pg, "app", "strata_busy")
	makeStrataSlot(t, pg, "closed", "strata_c")
	pg.Exec(t, "postgres", "SELECT pg_create_logical_replication_slot('someone_else', 'pgoutput')")
	stop := readSlot(t, pg, "app", "strata_busy")
	defer stop()
	pg.Exec(t, "postgres", "ALTER DATABASE closed ALLOW_CONNECTIONS false")

	res, err := DropStrataSlots(context.Background(), pg.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"strata_b", "strata_a"}; !slices.Equal(res.Dropped, want) { // by database: app, shop
		t.Errorf("dropped %v, want %v", res.Dropped, want)
	}
	want := []cluster.LeftSlot{
		{Name: "strata_busy", Database: "app", SlotLeft: true, Reason: "in use: a session is reading from it"},
		{Name: "strata_c", Database: "closed", SlotLeft: false},
	}
	if len(res.Left) != 2 || res.Left[0] != want[0] || res.Left[1].Name != "strata_c" || res.Left[1].SlotLeft ||
		!strings.Contains(res.Left[1].Reason, "publication") || !strings.Contains(res.Left[1].Reason, "closed") {
		t.Fatalf("left %+v, want %+v (with a reason naming the database)", res.Left, want)
	}
	if got := slotNames(t, pg); !slices.Equal(got, []string{"someone_else", "strata_busy"}) {
		t.Errorf("slots after the cleanup: %v", got)
	}
	if hasPublication(t, pg, "shop", "strata_a") || hasPublication(t, pg, "app", "strata_b") || !hasPublication(t, pg, "app", "strata_busy") {
		t.Error("publications: dropped slots' must go, the busy slot's must stay")
	}
}

// readSlot streams from slot as an incremental backup would, so that it is
// active, until the returned function is called.
func readSlot(t *testing.T, pg *pgtest.Server, db, slot string) func() {
	t.Helper()
	ctx := context.Background()
	conn, err := pgconn.Connect(ctx, pg.DSN(db)+"&replication=database")
	if err != nil {
		t.Fatal(err)
	}
	err = pglogrepl.StartReplication(ctx, conn, slot, 0, pglogrepl.StartReplicationOptions{
		PluginArgs: []string{"proto_version '1'", "publication_names '" + slot + "'"}})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var active bool
		pg.Connect(t, "postgres").QueryRow(ctx, "SELECT active FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&active)
		if active {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot %s never became active", slot)
		}
	}
	return func() { conn.Close(ctx) }
}

func TestLeftSlotDropSQL(t *testing.T) {
	l := cluster.LeftSlot{Name: "strata_12_ab", Database: "shop", SlotLeft: true}
	if got, want := l.DropSQL(), `SELECT pg_drop_replication_slot('strata_12_ab'); DROP PUBLICATION IF EXISTS "strata_12_ab";`; got != want {
		t.Errorf("slot and publication: %s, want %s", got, want)
	}
	l.SlotLeft = false
	if got, want := l.DropSQL(), `DROP PUBLICATION IF EXISTS "strata_12_ab";`; got != want {
		t.Errorf("publication only: %s, want %s", got, want)
	}
}
