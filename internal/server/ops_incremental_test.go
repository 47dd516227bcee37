package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
)

// TestAPIIncrementalAndPointInTime takes a full backup and an incremental
// with revision history through the API, lists the layers, restores as of
// a moment between two changes, and checks a second collection's full
// backup leaves the first collection's chain its slot.
func TestAPIIncrementalAndPointInTime(t *testing.T) {
	env := newTestEnv(t)
	pg := startShop(t)
	admin := env.apiKey("ops", auth.RoleAdmin)
	auditor := env.apiKey("reader", auth.RoleAuditor)
	if resp, body := env.apiRequest("POST", "/api/v1/clusters", admin, fmt.Sprintf(`{"name":"pg","kind":"postgres","dsn":%q}`, pg.DSN("postgres"))); resp.StatusCode != http.StatusCreated {
		t.Fatalf("add cluster: %d %s", resp.StatusCode, body)
	}
	if j := env.waitJob(auditor, env.startJob(admin, "/api/v1/backups", `{"cluster":"pg","database":"shop","collection":"local"}`)); j.Status != "succeeded" {
		t.Fatalf("full backup: %+v", j)
	}
	pg.Exec(t, "shop", `INSERT INTO customers VALUES (5001, 'before the moment')`)
	var moment time.Time
	pg.Connect(t, "shop").QueryRow(context.Background(), "SELECT clock_timestamp()").Scan(&moment)
	time.Sleep(20 * time.Millisecond)
	pg.Exec(t, "shop", `INSERT INTO customers VALUES (5002, 'after the moment'); DELETE FROM orders WHERE id <= 100`)

	j := env.waitJob(auditor, env.startJob(admin, "/api/v1/backups", `{"cluster":"pg","database":"shop","collection":"local","incremental":true,"revision_history":true}`))
	if j.Status != "succeeded" || !strings.Contains(j.Description, "Incremental backup") {
		t.Fatalf("incremental: %+v", j)
	}
	if res, _ := json.Marshal(j.Result); !strings.Contains(string(res), `"type":"incremental"`) || !strings.Contains(string(res), `"changes":102`) {
		t.Fatalf("incremental result: %s", res)
	}
	body := env.ok(env.apiRequest("GET", "/api/v1/collections/local/backups", auditor, ""))
	var list struct {
		Backups []struct {
			Type            string    `json:"type"`
			Chain           string    `json:"chain"`
			StartTime       time.Time `json:"start_time"`
			EndTime         time.Time `json:"end_time"`
			RevisionHistory bool      `json:"revision_history"`
		} `json:"backups"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Backups) != 2 {
		t.Fatalf("layers: %s", body)
	}
	inc, full := list.Backups[0], list.Backups[1]
	if inc.Type != "incremental" || !inc.RevisionHistory || !inc.StartTime.Equal(full.EndTime) || full.Type != "full" || !inc.EndTime.After(moment) {
		t.Fatalf("layers: %s", body)
	}

	resp, body := env.apiRequest("POST", "/api/v1/restores", admin, `{"cluster":"pg","collection":"local","database":"shop","new_db_name":"x","as_of_system_time":"yesterday"}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "RFC 3339") {
		t.Fatalf("bad time: %d %s", resp.StatusCode, body)
	}
	resp, body = env.apiRequest("POST", "/api/v1/restores", admin, fmt.Sprintf(`{"cluster":"pg","collection":"local","database":"shop","new_db_name":"x","as_of_system_time":%q}`,
		full.EndTime.Add(-time.Hour).Format(time.RFC3339Nano)))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "no backup covers") {
		t.Fatalf("uncovered time: %d %s", resp.StatusCode, body)
	}
	id := env.startJob(admin, "/api/v1/restores", fmt.Sprintf(`{"cluster":"pg","collection":"local","database":"shop","new_db_name":"shop_then","as_of_system_time":%q}`, moment.Format(time.RFC3339Nano)))
	if j := env.waitJob(auditor, id); j.Status != "succeeded" {
		t.Fatalf("point-in-time restore: %+v", j)
	}
	if got := rowsOf(t, pg, "shop_then", "SELECT string_agg(id::text, ',' ORDER BY id) FROM customers WHERE id > 5000"); got != "5001" {
		t.Errorf("customers after 5000 as of the moment: %s, want 5001", got)
	}
	if got := rowsOf(t, pg, "shop_then", "SELECT count(*)::text FROM orders"); got != "10000" {
		t.Errorf("orders as of the moment: %s, want 10000 (deleted later)", got)
	}

	// A full backup of the same database into another collection keeps
	// this collection's chain (and its slot).
	other := t.TempDir()
	if resp, body := env.apiRequest("POST", "/api/v1/collections", admin, fmt.Sprintf(`{"name":"other","uri":"file://%s"}`, other)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("add collection: %d %s", resp.StatusCode, body)
	}
	if j := env.waitJob(auditor, env.startJob(admin, "/api/v1/backups", `{"cluster":"pg","database":"shop","collection":"other"}`)); j.Status != "succeeded" {
		t.Fatalf("full backup into other: %+v", j)
	}
	j = env.waitJob(auditor, env.startJob(admin, "/api/v1/backups", `{"cluster":"pg","database":"shop","collection":"local","incremental":true}`))
	if res, _ := json.Marshal(j.Result); j.Status != "succeeded" || !strings.Contains(string(res), `"type":"incremental"`) {
		t.Fatalf("incremental after another collection's full backup: %+v %s", j, res)
	}
}

// TestRemovingAChain removes a chain (full + incremental) from the
// collection page: its backups are gone, its slot and publication are
// dropped, the other chain stays, an auditor is refused, and the removal
// is audited.
func TestRemovingAChain(t *testing.T) {
	env := newTestEnv(t)
	pg := startShop(t)
	admin := env.apiKey("ops", auth.RoleAdmin)
	env.addCluster("pg", pg.DSN("postgres"))
	backup := func(body string) {
		if j := env.waitJob(admin, env.startJob(admin, "/api/v1/backups", body)); j.Status != "succeeded" {
			t.Fatalf("backup %s: %+v", body, j)
		}
	}
	backup(`{"cluster":"pg","database":"shop","collection":"local"}`)
	pg.Exec(t, "shop", `INSERT INTO customers VALUES (9001, 'x')`)
	backup(`{"cluster":"pg","database":"shop","collection":"local","incremental":true}`)
	other := t.TempDir()
	if resp, body := env.apiRequest("POST", "/api/v1/collections", admin, fmt.Sprintf(`{"name":"other","uri":"file://%s"}`, other)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("add collection: %d %s", resp.StatusCode, body)
	}
	backup(`{"cluster":"pg","database":"shop","collection":"other"}`)
	body := env.ok(env.apiRequest("GET", "/api/v1/collections/local/backups", admin, ""))
	var list struct {
		Backups []struct {
			Chain string `json:"chain"`
		} `json:"backups"`
	}
	json.Unmarshal([]byte(body), &list)
	if len(list.Backups) != 2 {
		t.Fatalf("layers: %s", body)
	}
	chain := list.Backups[0].Chain
	if n := rowsOf(t, pg, "postgres", "SELECT count(*)::text FROM pg_replication_slots"); n != "2" {
		t.Fatalf("%s slots before, want 2 (one per collection's chain)", n)
	}

	env.addUser("reader", auth.RoleAuditor)
	auditor := env.client()
	auditor.login("reader")
	env.ok(auditor.get("/collections/local"))
	if resp, _ := auditor.post("/collections/local/chains/remove", url.Values{"chain": {chain}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("auditor removes a chain: %d", resp.StatusCode)
	}

	c := env.adminClient()
	page := env.ok(c.get("/collections/local"))
	if !strings.Contains(page, "Remove chain") {
		t.Fatal("no Remove chain button on the collection page")
	}
	resp, _ := c.post("/collections/local/chains/remove", url.Values{"chain": {chain}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	page = env.ok(c.get("/collections/local"))
	if !strings.Contains(page, "Removed the chain "+chain+" of shop: 2 backup(s).") {
		t.Errorf("flash: %s", between(page, `class="flash`, "</div>"))
	}
	body = env.ok(env.apiRequest("GET", "/api/v1/collections/local/backups", admin, ""))
	if !strings.Contains(body, `"backups":[]`) {
		t.Errorf("backups left: %s", body)
	}
	if n := rowsOf(t, pg, "postgres", "SELECT count(*)::text FROM pg_replication_slots"); n != "1" {
		t.Errorf("%s slots after, want 1 (the other collection's chain)", n)
	}
	if n := rowsOf(t, pg, "shop", "SELECT count(*)::text FROM pg_publication"); n != "1" {
		t.Errorf("%s publications after, want 1", n)
	}
	entries := env.entries(audit.Filter{Action: "CHAIN_REMOVED"})
	if len(entries) != 1 || entries[0].Outcome != audit.OutcomeOK || entries[0].Actor != "root" {
		t.Fatalf("audit: %+v", entries)
	}
	if p, _ := json.Marshal(entries[0].Params); !strings.Contains(string(p), `"slot_dropped":true`) || !strings.Contains(string(p), chain) {
		t.Errorf("audit params %s", p)
	}
}
