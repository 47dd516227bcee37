package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

func TestBackupFullLogical(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	tr := &fakeTracker{}
	m, err := New(nil).Backup(context.Background(), params(s, "fixture"), c, tr)
	if err != nil {
		t.Fatal(err)
	}
	if m.SnapshotMethod != methodSlot || m.Slot == "" || m.EndLSN == "" || m.EndTime.IsZero() {
		t.Errorf("snapshot: method %q slot %q lsn %q time %v", m.SnapshotMethod, m.Slot, m.EndLSN, m.EndTime)
	}
	if got := slots(t, s); !slices.Equal(got, []string{m.Slot}) {
		t.Errorf("slots after a succeeded backup: %v, want [%s]", got, m.Slot)
	}
	if m.Kind != collection.KindFull || m.Partial || m.Database != "fixture" || m.SystemID == "" ||
		!strings.HasPrefix(m.ServerVersion, "15.") || m.Encoding != "UTF8" || m.CreatedBy != "tester" || m.Cluster != "test" ||
		m.StartedAt.IsZero() || m.FinishedAt.Before(m.StartedAt) || m.Path == "" {
		t.Errorf("manifest header: %+v", *m)
	}

	// Every table with data, leaf partitions with their parent, no parent.
	want := tableContents(t, s.DSN("fixture"))
	var names []string
	for _, tb := range m.Tables {
		names = append(names, tb.QualifiedName())
		if len(tb.Files) == 0 {
			t.Errorf("%s has no files", tb.QualifiedName())
		}
	}
	for name := range want {
		if !slices.Contains(names, name) {
			t.Errorf("table %s not in the manifest", name)
		}
	}
	if len(names) != len(want) {
		t.Errorf("manifest tables %v, want %d", names, len(want))
	}
	byName := map[string]collection.Table{}
	for _, tb := range m.Tables {
		byName[tb.QualifiedName()] = tb
	}
	if p := byName["app.events_2023"].Parent; p != "app.events" {
		t.Errorf("events_2023 parent %q", p)
	}
	if !byName["app.cache"].Unlogged || byName["app.customers"].Unlogged {
		t.Error("unlogged flags wrong")
	}
	if cols := byName["app.customers"].Columns; slices.Contains(cols, "full_name") || !slices.Contains(cols, "referred_by") {
		t.Errorf("customers columns %v: want no generated column", cols)
	}
	if cols := byName["app.evolving"].Columns; !slices.Equal(cols, []string{"id", "kept"}) {
		t.Errorf("evolving columns %v: want no dropped column", cols)
	}
	if cols := byName["Ünïcode Schema.Mixed Case Table"].Columns; !slices.Equal(cols, []string{"ID", "a b", "Ωmega", "select", `quote"d`}) {
		t.Errorf("mixed case columns %v", cols)
	}

	// Row counts against count(*), then the rows themselves.
	conn := s.Connect(t, "fixture")
	for _, tb := range m.Tables {
		var n int64
		q := "SELECT count(*) FROM ONLY " + quoteIdent(tb.Schema, tb.Name)
		if err := conn.QueryRow(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != tb.Rows {
			t.Errorf("%s: manifest says %d rows, table has %d", tb.QualifiedName(), tb.Rows, n)
		}
	}
	compareContents(t, backupContents(t, c, m), expectedContents(t, s.DSN("fixture"), m))

	// Sequences: all of them, with their state.
	seqs := map[string]collection.Sequence{}
	for _, sq := range m.Sequences {
		seqs[sq.Schema+"."+sq.Name] = sq
	}
	for _, name := range []string{"app.customers_id_seq", "app.orders_id_seq", "app.kitchen_sink_id_seq", "app.documents_id_seq", "app.invoice_numbers", "app.never_used", "Ünïcode Schema.Seq Ünï"} {
		if _, ok := seqs[name]; !ok {
			t.Errorf("sequence %s not recorded (have %v)", name, m.Sequences)
		}
	}
	if sq := seqs["app.invoice_numbers"]; sq.LastValue != 1010 || !sq.IsCalled {
		t.Errorf("invoice_numbers %+v", sq)
	}
	if sq := seqs["app.customers_id_seq"]; sq.LastValue != 3000 || !sq.IsCalled {
		t.Errorf("customers_id_seq %+v", sq)
	}
	if sq := seqs["Ünïcode Schema.Seq Ünï"]; sq.LastValue != 42 || sq.IsCalled {
		t.Errorf("Seq Ünï %+v", sq)
	}

	// Roles: owners and grantees, no passwords, no predefined roles.
	var roles []string
	for _, r := range m.Schema.Roles {
		roles = append(roles, r.Name)
	}
	for _, r := range []string{"postgres", "strata_fixture_owner", "strata fixture reader"} {
		if !slices.Contains(roles, r) {
			t.Errorf("role %s not recorded: %v", r, roles)
		}
	}
	for _, r := range roles {
		if strings.HasPrefix(r, "pg_") {
			t.Errorf("predefined role %s recorded", r)
		}
	}

	// The schema archive is a pg_dump archive pg_restore reads.
	archive := readLayerFile(t, c, m, m.Schema.Archive)
	f, err := os.CreateTemp(t.TempDir(), "schema")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(archive)
	f.Close()
	out, err := exec.Command("pg_restore", "--list", f.Name()).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_restore --list: %v\n%s", err, out)
	}
	for _, want := range []string{"TABLE app customers", "TABLE Ünïcode Schema Mixed Case Table", "MATERIALIZED VIEW app mood_counts", "TRIGGER app customers customers_touch"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("schema archive lacks %q", want)
		}
	}
	if strings.Contains(string(out), "TABLE DATA") {
		t.Error("schema archive holds data")
	}
	if tr.phases["data"] == 0 || tr.phases["schema"] == 0 || len(tr.checkpoints) < len(m.Tables) {
		t.Errorf("progress %v, %d checkpoints", tr.phases, len(tr.checkpoints))
	}
}

func quoteIdent(parts ...string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
	}
	return strings.Join(out, ".")
}

func TestBackupReplicaLevelUsesExportedSnapshot(t *testing.T) {
	s := fixtureServer(t, pgtest.WALLevel("replica"))
	c := newTestCollection(t)
	m, err := New(nil).Backup(context.Background(), params(s, "fixture"), c, &fakeTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if m.SnapshotMethod != methodExported || m.Slot != "" || m.EndLSN == "" {
		t.Errorf("method %q slot %q lsn %q", m.SnapshotMethod, m.Slot, m.EndLSN)
	}
	compareContents(t, backupContents(t, c, m), expectedContents(t, s.DSN("fixture"), m))
}

// TestBackupIsConsistent changes every kind of table right after the
// snapshot is taken: none of it may be in the backup.
func TestBackupIsConsistent(t *testing.T) {
	for _, level := range []string{"logical", "replica"} {
		t.Run(level, func(t *testing.T) {
			s := fixtureServer(t, pgtest.WALLevel(level))
			before := currentContents(t, s.DSN("fixture"))
			afterSnapshot = func() {
				s.Exec(t, "fixture", `
INSERT INTO app.customers (email, first_name, last_name) VALUES ('late@example.com', 'Late', 'Comer');
INSERT INTO app.orders (customer_id, amount, placed_at) VALUES (1, 1, '2024-01-01');
UPDATE app.orders SET note = 'changed' WHERE id <= 100;
DELETE FROM app.orders WHERE id BETWEEN 200 AND 300;
INSERT INTO app.events VALUES (99999, '2024-06-01', 'late', '{}');
INSERT INTO audit.log_no_pk VALUES (now(), 'late', 'late');
INSERT INTO "Ünïcode Schema"."Mixed Case Table" ("ID") VALUES (-1);
UPDATE app.documents SET body = 'changed';
DELETE FROM app.cache;`)
			}
			defer func() { afterSnapshot = nil }()
			c := newTestCollection(t)
			m, err := New(nil).Backup(context.Background(), params(s, "fixture"), c, &fakeTracker{})
			afterSnapshot = nil
			if err != nil {
				t.Fatal(err)
			}
			compareContents(t, backupContents(t, c, m), before)
		})
	}
}

func TestBackupTableSubset(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	p := params(s, "fixture")
	p.Tables = []string{"app.events", "Ünïcode Schema.Mixed Case Table", "app.orders", "app.Orders"}
	m, err := New(nil).Backup(context.Background(), p, c, &fakeTracker{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range m.Tables {
		names = append(names, tb.QualifiedName())
	}
	slices.Sort(names)
	if want := []string{"app.Orders", "app.events_2023", "app.events_2024", "app.orders", "Ünïcode Schema.Mixed Case Table"}; !slices.Equal(names, want) {
		t.Errorf("tables %v, want %v", names, want)
	}
	if !m.Partial {
		t.Error("not marked partial")
	}
	if len(m.Sequences) != 1 || m.Sequences[0].Name != "orders_id_seq" {
		t.Errorf("sequences %+v, want only the one app.orders owns", m.Sequences)
	}
	compareContents(t, backupContents(t, c, m), expectedContents(t, s.DSN("fixture"), m))
	if m.Schema.Archive.Size == 0 {
		t.Error("no schema archive")
	}
}

func TestBackupMissingTable(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	p := params(s, "fixture")
	p.Tables = []string{"app.orders", "public.foo"}
	_, err := New(nil).Backup(context.Background(), p, c, &fakeTracker{})
	wantUserError(t, err, "table public.foo does not exist in database fixture")
	p.Tables = []string{"App.orders", "app.customers "}
	_, err = New(nil).Backup(context.Background(), p, c, &fakeTracker{})
	wantUserError(t, err, "tables App.orders, app.customers  do not exist")
	if got := slots(t, s); len(got) != 0 {
		t.Errorf("slots left: %v", got)
	}
	assertNoFiles(t, c)
}

func TestBackupConnectionErrors(t *testing.T) {
	s := pgtest.Start(t)
	c := newTestCollection(t)
	p := params(s, "nope")
	_, err := New(nil).Backup(context.Background(), p, c, &fakeTracker{})
	wantUserError(t, err, `database "nope" does not exist`)

	p = params(s, "postgres")
	p.DSN = strings.Replace(p.DSN, fmt.Sprintf(":%d/", s.Port), ":1/", 1)
	_, err = New(nil).Backup(context.Background(), p, c, &fakeTracker{})
	wantUserError(t, err, "cannot reach the cluster at 127.0.0.1:1")

	// Password authentication: a role with a password and an hba rule for it.
	s.Exec(t, "postgres", `CREATE ROLE backup_user LOGIN PASSWORD 'right' REPLICATION`)
	hba := "host all backup_user 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\nlocal all all trust\n"
	if err := os.WriteFile(s.Dir+"/pg_hba.conf", []byte(hba), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Exec(t, "postgres", "SELECT pg_reload_conf()")
	p = params(s, "postgres")
	p.DSN = strings.Replace(p.DSN, "postgres@", "backup_user:wrong@", 1)
	_, err = New(nil).Backup(context.Background(), p, c, &fakeTracker{})
	wantUserError(t, err, `PostgreSQL refused user "backup_user"`, "password")
	assertNoFiles(t, c)
}

// TestBackupAsNonSuperuser backs up with a role that may replicate and read
// all data, as a production backup user would be set up.
func TestBackupAsNonSuperuser(t *testing.T) {
	s := fixtureServer(t)
	s.Exec(t, "postgres", `CREATE ROLE strata_backup LOGIN REPLICATION; GRANT pg_read_all_data TO strata_backup`)
	c := newTestCollection(t)
	p := params(s, "fixture")
	p.DSN = strings.Replace(p.DSN, "postgres@", "strata_backup@", 1)
	m, err := New(nil).Backup(context.Background(), p, c, &fakeTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if m.SnapshotMethod != methodSlot || m.SystemID == "" {
		t.Errorf("method %q, system id %q", m.SnapshotMethod, m.SystemID)
	}
	compareContents(t, backupContents(t, c, m), expectedContents(t, s.DSN("fixture"), m))
}
