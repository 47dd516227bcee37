package server

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// startNoKeys starts a cluster whose database shop has a table without a
// replica identity (events) and one with a primary key (orders).
func startNoKeys(t *testing.T) *pgtest.Server {
	t.Helper()
	pg := pgtest.Start(t)
	pg.CreateDatabase(t, "shop")
	pg.Exec(t, "shop", `CREATE TABLE events (at timestamptz, what text); CREATE TABLE orders (id int PRIMARY KEY)`)
	return pg
}

func replicaIdentityOf(t *testing.T, pg *pgtest.Server, table string) string {
	t.Helper()
	return rowsOf(t, pg, "shop", "SELECT relreplident::text FROM pg_class WHERE oid = '"+table+"'::regclass")
}

func TestReplicaIdentityOnTheClusterPage(t *testing.T) {
	env := newTestEnv(t)
	pg := startNoKeys(t)
	env.addCluster("pg", pg.DSN("postgres"))
	admin := env.adminClient()
	env.addUser("eve", auth.RoleAuditor)
	auditor := env.client()
	auditor.login("eve")

	page := env.ok(admin.get("/clusters/pg"))
	if !strings.Contains(page, `hx-get="/clusters/pg/replica-identity"`) {
		t.Fatalf("the cluster page does not load its point-in-time coverage\n%s", between(page, "Replication slots", "Remove"))
	}

	section := env.ok(admin.get("/clusters/pg/replica-identity"))
	for _, want := range []string{"Point-in-time coverage", "Database shop", `<code>public.events</code>`,
		"is copied whole in every incremental backup, so it can be restored only at layer ends",
		"every UPDATE and DELETE on it then writes the whole old row to the WAL",
		`<form method="post" action="/clusters/pg/replica-identity"`, `data-confirm="Set REPLICA IDENTITY FULL on the chosen tables of database shop?`,
		`<input type="checkbox" name="table" value="public.events"`, `name="database" value="shop"`, "Set REPLICA IDENTITY FULL</button>",
		"Every table of postgres has a replica identity."} {
		if !strings.Contains(section, want) {
			t.Errorf("admin's section lacks %q", want)
		}
	}
	if strings.Contains(section, "public.orders") {
		t.Error("a table with a primary key is listed")
	}
	if t.Failed() {
		t.Fatal(section)
	}

	// An auditor sees the tables, but no form, and may not change them.
	section = env.ok(auditor.get("/clusters/pg/replica-identity"))
	if !strings.Contains(section, `<code>public.events</code>`) || strings.Contains(section, "<form") || strings.Contains(section, "Set REPLICA IDENTITY FULL</button>") {
		t.Errorf("auditor's section:\n%s", section)
	}
	resp, _ := auditor.post("/clusters/pg/replica-identity", url.Values{"database": {"shop"}, "table": {"public.events"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("auditor's POST: %d, want 403", resp.StatusCode)
	}
	if got := replicaIdentityOf(t, pg, "events"); got != "d" {
		t.Fatalf("after the auditor's POST: replica identity %q", got)
	}

	// A name that is not such a table changes nothing and says why.
	resp, _ = admin.post("/clusters/pg/replica-identity", url.Values{"database": {"shop"}, "table": {"public.events", "public.orders"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("refused POST: %d", resp.StatusCode)
	}
	page = env.ok(admin.get("/clusters/pg"))
	if want := "REPLICA IDENTITY not changed: public.orders is not a table without a replica identity"; !strings.Contains(page, html.EscapeString(want)) {
		t.Errorf("flash lacks %q\n%s", want, between(page, `class="flash`, "</div>"))
	}
	if got := replicaIdentityOf(t, pg, "events"); got != "d" {
		t.Fatalf("after a refused POST: replica identity %q", got)
	}

	resp, _ = admin.post("/clusters/pg/replica-identity", url.Values{"database": {"shop"}, "table": {"public.events"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/clusters/pg#point-in-time-coverage" {
		t.Fatalf("POST: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	page = env.ok(admin.get("/clusters/pg"))
	if want := "REPLICA IDENTITY FULL set on public.events in database shop."; !strings.Contains(page, want) {
		t.Errorf("flash lacks %q\n%s", want, between(page, `class="flash`, "</div>"))
	}
	if got := replicaIdentityOf(t, pg, "events"); got != "f" {
		t.Errorf("replica identity %q, want f", got)
	}
	section = env.ok(admin.get("/clusters/pg/replica-identity"))
	if !strings.Contains(section, "Every table has a replica identity: point-in-time restore covers them all.") {
		t.Errorf("no empty state after the change:\n%s", section)
	}

	entries := env.entries(audit.Filter{Action: "REPLICA_IDENTITY_CHANGED"})
	if len(entries) != 2 {
		t.Fatalf("audit: %+v", entries)
	}
	ok, refused := entries[0], entries[1] // newest first
	params, _ := json.Marshal(ok.Params)
	if ok.Outcome != audit.OutcomeOK || ok.Actor != "root" || ok.TargetType != "cluster" || ok.TargetID != "pg" ||
		string(params) != `{"database":"shop","replica_identity":"full","tables":["public.events"]}` {
		t.Errorf("audit entry %+v, params %s", ok, params)
	}
	if refused.Outcome != audit.OutcomeError || !strings.Contains(refused.Message, "public.orders is not a table without a replica identity") {
		t.Errorf("refusal audited as %+v", refused)
	}
}

func TestReplicaIdentitySectionWhenTheClusterIsDown(t *testing.T) {
	env := newTestEnv(t)
	env.addCluster("down", "postgres://app@127.0.0.1:1/postgres")
	c := env.adminClient()
	resp, body := c.get("/clusters/down/replica-identity")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Strata could not read the cluster's tables: cannot reach 127.0.0.1:1") {
		t.Fatalf("cluster down: %d\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, "<form") {
		t.Error("a form for a cluster that cannot be read")
	}
}

func TestReplicaIdentityAPI(t *testing.T) {
	env := newTestEnv(t)
	pg := startNoKeys(t)
	env.addCluster("pg", pg.DSN("postgres"))
	reader, admin := env.apiKey("reader", auth.RoleAuditor), env.apiKey("ops", auth.RoleAdmin)

	resp, body := env.apiRequest("GET", "/api/v1/clusters/pg/databases/shop/tables-without-identity", reader, "")
	if resp.StatusCode != http.StatusOK || body != `{"cluster":"pg","database":"shop","tables":["public.events"]}`+"\n" {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.apiRequest("POST", "/api/v1/clusters/pg/databases/shop/replica-identity", reader, `{"tables":["public.events"]}`); resp.StatusCode != http.StatusForbidden {
		t.Errorf("auditor key: %d, want 403", resp.StatusCode)
	}
	resp, body = env.apiRequest("POST", "/api/v1/clusters/pg/databases/shop/replica-identity", admin, `{"tables":["public.nope"]}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "public.nope is not a table without a replica identity") {
		t.Errorf("unknown table: %d %s", resp.StatusCode, body)
	}
	resp, body = env.apiRequest("POST", "/api/v1/clusters/pg/databases/shop/replica-identity", admin, `{"tables":["public.events"]}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("set: %d %s", resp.StatusCode, body)
	}
	if got := replicaIdentityOf(t, pg, "events"); got != "f" {
		t.Errorf("replica identity %q, want f", got)
	}
	body = env.ok(env.apiRequest("GET", "/api/v1/clusters/pg/databases/shop/tables-without-identity", reader, ""))
	if !strings.Contains(body, `"tables":[]`) {
		t.Errorf("after the change: %s", body)
	}
	if entries := env.entries(audit.Filter{Action: "REPLICA_IDENTITY_CHANGED", Outcome: audit.OutcomeOK}); len(entries) != 1 || entries[0].Actor != "apikey:ops" {
		t.Errorf("audit: %+v", entries)
	}
	if resp, _ := env.apiRequest("GET", "/api/v1/clusters/nope/databases/shop/tables-without-identity", reader, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown cluster: %d, want 404", resp.StatusCode)
	}
}

func TestIdentityChangedMessage(t *testing.T) {
	if got, want := identityChanged("shop", []string{"public.a"}),
		"REPLICA IDENTITY FULL set on public.a in database shop. The next incremental backup of shop copies it whole once more; the layers after it capture its changes."; got != want {
		t.Errorf("one table:\n%s\nwant\n%s", got, want)
	}
	var many []string
	for i := range 12 {
		many = append(many, "public.t"+itoa(int64(i)))
	}
	got := identityChanged("shop", many)
	if !strings.Contains(got, "public.t9 and 2 more in database shop") || strings.Contains(got, "public.t10") || !strings.Contains(got, "copies them whole once more; the layers after it capture their changes.") {
		t.Errorf("twelve tables: %s", got)
	}
}
