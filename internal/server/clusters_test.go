package server

import (
	"context"
	"encoding/json"
	"html"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/slothealth"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// makeStrataSlot creates, in db, a logical slot and a publication named
// name, as a full backup does.
func makeStrataSlot(t *testing.T, pg *pgtest.Server, db, name string) {
	t.Helper()
	pg.Exec(t, db, "CREATE PUBLICATION "+name)
	pg.Exec(t, db, "SELECT pg_create_logical_replication_slot('"+name+"', 'pgoutput')")
}

// addCluster registers pg as cluster name.
func (e *testEnv) addCluster(name, dsn string) {
	e.t.Helper()
	if _, err := e.registry.AddCluster(context.Background(), name, "postgres", dsn, "test"); err != nil {
		e.t.Fatal(err)
	}
}

// adminClient is a logged-in admin's browser.
func (e *testEnv) adminClient() *client {
	e.t.Helper()
	e.addUser("root", auth.RoleAdmin)
	c := e.client()
	c.login("root")
	return c
}

func TestClusterPageShowsReplicationSlots(t *testing.T) {
	env := newTestEnv(t)
	pg := pgtest.Start(t)
	pg.CreateDatabase(t, "shop")
	env.addCluster("pg", pg.DSN("postgres"))
	c := env.adminClient()

	body := env.ok(c.get("/clusters/pg"))
	if !strings.Contains(body, "Replication slots") || !strings.Contains(body, "No replication slots: Strata creates one with each full backup") {
		t.Fatalf("cluster without slots: no empty state\n%s", body)
	}

	makeStrataSlot(t, pg, "shop", "strata_x")
	pg.Exec(t, "shop", "CREATE TABLE t AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 10000) g") // about 2 MiB of WAL
	body = env.ok(c.get("/clusters/pg"))
	row := between(body, "<code>strata_x</code>", "</tr>")
	for _, want := range []string{"<td>shop</td>", "MiB</td>", "<td>reserved</td>", "<td>no</td>", `class="badge slot-ok"`} {
		if !strings.Contains(row, want) {
			t.Errorf("slot row lacks %q: %s", want, row)
		}
	}
	if strings.Contains(body, "finding-warning") {
		t.Error("a slot under the default thresholds is shown with a warning")
	}

	env.srv.slotWAL = slothealth.Thresholds{Warn: 1 << 20, Critical: 1 << 30}
	body = env.ok(c.get("/clusters/pg"))
	if !strings.Contains(body, `class="badge slot-warning"`) || !strings.Contains(body, "above the warning threshold of 1.0 MiB. Back up shop") {
		t.Errorf("a slot over the warning threshold has no warning\n%s", between(body, "Replication slots", "</section>"))
	}
}

func TestClusterPageSaysWhenSlotsCannotBeListed(t *testing.T) {
	env := newTestEnv(t)
	env.addCluster("down", "postgres://app@127.0.0.1:1/postgres")
	c := env.adminClient()
	resp, body := c.get("/clusters/down")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Strata could not list the cluster's replication slots: cannot reach the cluster at 127.0.0.1:1") {
		t.Fatalf("cluster down: %d\n%s", resp.StatusCode, between(body, "Replication slots", "</section>"))
	}
}

// A cluster that accepts connections but never answers does not hold up
// its page for long.
func TestClusterPageWhenTheClusterDoesNotAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // held open, silent, until the test ends
		}
	}()
	env := newTestEnv(t)
	env.addCluster("mute", "postgres://app@"+ln.Addr().String()+"/postgres")
	c := env.adminClient()
	start := time.Now()
	body := env.ok(c.get("/clusters/mute"))
	if took := time.Since(start); took > slotListTimeout+2*time.Second {
		t.Errorf("the page took %s", took)
	}
	if !strings.Contains(body, "Strata could not list the cluster's replication slots: the cluster did not answer in time") {
		t.Errorf("section: %s", between(body, "Replication slots", "</section>"))
	}
}

func TestRemovingAClusterDropsItsSlots(t *testing.T) {
	env := newTestEnv(t)
	pg := pgtest.Start(t)
	pg.CreateDatabase(t, "shop")
	pg.CreateDatabase(t, "closed")
	makeStrataSlot(t, pg, "shop", "strata_a")
	makeStrataSlot(t, pg, "closed", "strata_c")
	pg.Exec(t, "postgres", "SELECT pg_create_logical_replication_slot('someone_else', 'pgoutput')")
	pg.Exec(t, "postgres", "ALTER DATABASE closed ALLOW_CONNECTIONS false") // strata_c's publication cannot be dropped
	env.addCluster("pg", pg.DSN("postgres"))
	c := env.adminClient()

	env.ok(c.get("/clusters/pg"))
	resp, _ := c.post("/clusters/pg/remove", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/clusters" {
		t.Fatalf("remove: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	body := env.ok(c.get("/clusters"))
	for _, want := range []string{"Cluster pg removed, but Strata could not drop everything it made there.",
		`strata_c in database closed (its publication was not dropped: `, `connected to closed, run DROP PUBLICATION IF EXISTS "strata_c";`} {
		if !strings.Contains(body, html.EscapeString(want)) {
			t.Errorf("flash lacks %q\n%s", want, between(body, `class="flash`, "</div>"))
		}
	}
	if n := rowsOf(t, pg, "postgres", "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots"); n != "someone_else" {
		t.Errorf("slots left: %s, want only someone else's", n)
	}
	if n := rowsOf(t, pg, "shop", "SELECT count(*)::text FROM pg_publication"); n != "0" {
		t.Errorf("%s publications left in shop", n)
	}
	if _, err := env.registry.ClusterByName(context.Background(), "pg"); err == nil {
		t.Error("the cluster is still registered")
	}
	entries := env.entries(audit.Filter{Action: "CLUSTER_REMOVED"})
	if len(entries) != 1 || entries[0].Outcome != audit.OutcomeOK || entries[0].Message != "1 replication slot(s) or publication(s) left on the cluster" {
		t.Fatalf("audit: %+v", entries)
	}
	params, _ := json.Marshal(entries[0].Params)
	if want := `{"replication_slots_dropped":["strata_a"],"replication_slots_left":["strata_c (database closed)"]}`; string(params) != want {
		t.Errorf("audit params %s, want %s", params, want)
	}
}

func TestRemovingAClusterWithAllSlotsDropped(t *testing.T) {
	env := newTestEnv(t)
	pg := pgtest.Start(t)
	makeStrataSlot(t, pg, "postgres", "strata_a")
	env.addCluster("pg", pg.DSN("postgres"))
	c := env.adminClient()
	env.ok(c.get("/clusters/pg"))
	env.wantStatus(http.StatusSeeOther)(c.post("/clusters/pg/remove", nil))
	body := env.ok(c.get("/clusters"))
	if !strings.Contains(body, "Cluster pg removed, and its replication slots dropped with their publications: strata_a.") {
		t.Errorf("flash: %s", between(body, `class="flash`, "</div>"))
	}
	if n := rowsOf(t, pg, "postgres", "SELECT count(*)::text FROM pg_replication_slots"); n != "0" {
		t.Errorf("%s slots left", n)
	}
}

// A cluster that cannot be reached is removed all the same, and the flash
// says how to drop its slots by hand.
func TestRemovingAnUnreachableCluster(t *testing.T) {
	env := newTestEnv(t)
	env.addCluster("down", "postgres://app@127.0.0.1:1/postgres")
	c := env.adminClient()
	env.ok(c.get("/clusters/down"))
	if resp, _ := c.post("/clusters/down/remove", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	body := env.ok(c.get("/clusters"))
	for _, want := range []string{"Cluster down removed, but Strata could not reach it to drop its replication slots: cannot reach the cluster at 127.0.0.1:1",
		`SELECT slot_name, database FROM pg_replication_slots WHERE slot_name LIKE 'strata\_%'`,
		`SELECT pg_drop_replication_slot('<slot>'); DROP PUBLICATION IF EXISTS "<slot>";`} {
		if !strings.Contains(body, html.EscapeString(want)) {
			t.Errorf("flash lacks %q\n%s", want, between(body, `class="flash`, "</div>"))
		}
	}
	entries := env.entries(audit.Filter{Action: "CLUSTER_REMOVED"})
	if len(entries) != 1 || entries[0].Outcome != audit.OutcomeOK || !strings.HasPrefix(entries[0].Message, "replication slots not dropped: cannot reach the cluster") {
		t.Fatalf("audit: %+v", entries)
	}
}

// A cluster with an unfinished job is not removed: a backup's slot could
// be dropped under it, or made after the cleanup and never dropped.
func TestClusterWithUnfinishedJobIsNotRemoved(t *testing.T) {
	env := newTestEnv(t)
	env.addCluster("pg", "postgres://app@127.0.0.1:1/postgres")
	// A type no worker runs, so it stays pending.
	job, err := env.jobs.Create(context.Background(), jobs.NewJob{Type: "validate", Cluster: "pg", CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	c := env.adminClient()
	env.ok(c.get("/clusters/pg"))
	resp, _ := c.post("/clusters/pg/remove", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/clusters/pg" {
		t.Fatalf("remove: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	body := env.ok(c.get("/clusters/pg"))
	if want := "Cluster pg not removed: job " + itoa(job.ID) + " of cluster pg is pending: wait for it to finish or cancel it"; !strings.Contains(body, want) {
		t.Errorf("flash lacks %q", want)
	}
	if _, err := env.registry.ClusterByName(context.Background(), "pg"); err != nil {
		t.Error("the cluster was removed")
	}
	if e := env.entries(audit.Filter{Action: "CLUSTER_REMOVED"}); len(e) != 1 || e[0].Outcome != audit.OutcomeError {
		t.Errorf("audit: %+v", e)
	}
}

// between returns the part of s from the first from to the next to after
// it, or "" when from is missing.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
