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

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/testutil/browser"
)

// TestRestoreWarningsInAPIAndJobPage: what a restore does not restore as of
// its moment (an unlogged table, large objects) is in the job's result in
// the API and on the job's page for an auditor; a backup's result counts
// its large objects; a moment a table without a replica identity cannot be
// restored to is refused before a job starts, naming the table, unless the
// restore leaves it out.
func TestRestoreWarningsInAPIAndJobPage(t *testing.T) {
	env := newTestEnv(t)
	pg := startShop(t)
	pg.Exec(t, "shop", `CREATE UNLOGGED TABLE sessions (id int PRIMARY KEY); INSERT INTO sessions VALUES (1);
CREATE TABLE notes (v text); INSERT INTO notes VALUES ('a');
SELECT lo_from_bytea(7001, 'invoice scan')`)
	admin := env.apiKey("ops", auth.RoleAdmin)
	auditor := env.apiKey("reader", auth.RoleAuditor)
	env.addCluster("pg", pg.DSN("postgres"))
	j := env.waitJob(auditor, env.startJob(admin, "/api/v1/backups", `{"cluster":"pg","database":"shop","collection":"local"}`))
	if res, _ := json.Marshal(j.Result); j.Status != "succeeded" || !strings.Contains(string(res), `"large_objects":1`) {
		t.Fatalf("full backup: %+v %s", j, res)
	}
	pg.Exec(t, "shop", `INSERT INTO customers VALUES (5001, 'before the moment'); INSERT INTO sessions VALUES (2); INSERT INTO notes VALUES ('b')`)
	var moment time.Time
	pg.Connect(t, "shop").QueryRow(context.Background(), "SELECT clock_timestamp()").Scan(&moment)
	time.Sleep(20 * time.Millisecond)
	pg.Exec(t, "shop", `INSERT INTO customers VALUES (5002, 'after the moment')`)
	if j := env.waitJob(auditor, env.startJob(admin, "/api/v1/backups", `{"cluster":"pg","database":"shop","collection":"local","incremental":true,"revision_history":true}`)); j.Status != "succeeded" {
		t.Fatalf("incremental: %+v", j)
	}

	resp, body := env.apiRequest("POST", "/api/v1/restores", admin, fmt.Sprintf(`{"cluster":"pg","collection":"local","database":"shop","new_db_name":"shop_then","as_of_system_time":%q}`, moment.Format(time.RFC3339Nano)))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "public.notes") || !strings.Contains(body, "REPLICA IDENTITY FULL") {
		t.Fatalf("restore of a table without a replica identity at a moment: %d %s", resp.StatusCode, body)
	}
	id := env.startJob(admin, "/api/v1/restores", fmt.Sprintf(`{"cluster":"pg","collection":"local","database":"shop","tables":["public.customers","public.sessions"],"into_db":"postgres","as_of_system_time":%q}`, moment.Format(time.RFC3339Nano)))
	j = env.waitJob(auditor, id)
	res, _ := json.Marshal(j.Result)
	if j.Status != "succeeded" || !strings.Contains(string(res), "unlogged table public.sessions is restored as it was at") || !strings.Contains(string(res), "1 large object") {
		t.Fatalf("table restore at the moment: %+v %s", j, res)
	}
	if got := rowsOf(t, pg, "postgres", "SELECT string_agg(id::text, ',' ORDER BY id) FROM sessions"); got != "1" {
		t.Errorf("sessions at the moment: %s, want 1 (as of the full backup)", got)
	}

	env.addUser("carol", auth.RoleAuditor)
	c := env.client()
	c.login("carol")
	resp, page := c.get(fmt.Sprintf("/jobs/%d", id))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="job-warnings"`) || !strings.Contains(page, "unlogged table public.sessions is restored as it was at") {
		t.Fatalf("job page: %d, warnings missing:\n%s", resp.StatusCode, page)
	}

	// The wizard says the same before the job: the scope step names the
	// tables the moment cannot restore, the review lists the warnings.
	b := browser.New(t)
	browserLogin(t, env, b)
	q := url.Values{"collection": {"local"}, "database": {"shop"}, "point": {"time"}, "as_of_system_time": {moment.Format(time.RFC3339Nano)}}
	q.Set("step", "scope")
	p := browser.Open(t, b, env.http.URL+"/restore?"+q.Encode())
	p.MustElementR("#uncovered-tables", "public.notes")
	browser.Screenshot(t, p, "scope-uncovered")
	q.Set("step", "target")
	p = browser.Open(t, b, env.http.URL+"/restore?"+q.Encode())
	p.MustElementR(".form-error", "public.notes")
	q.Set("step", "review")
	q.Set("scope", "tables")
	q["tables"] = []string{"public.customers", "public.sessions"}
	q.Set("cluster", "pg")
	q.Set("into_db", "postgres")
	p = browser.Open(t, b, env.http.URL+"/restore?"+q.Encode())
	p.MustElementR("#restore-warnings", "unlogged table public.sessions is restored as it was at")
	browser.Screenshot(t, p, "review-warnings")
	p = browser.Open(t, b, fmt.Sprintf("%s/jobs/%d", env.http.URL, id))
	p.MustElementR("#job-warnings", "1 large object")
	browser.Screenshot(t, p, "job-warnings")

	// The collection counts each layer's large objects; a backup's page too.
	p = browser.Open(t, b, env.http.URL+"/collections/local")
	p.MustElementR("td", "1 large object")
	browser.Screenshot(t, p, "collection")
	p.MustElementR("a", "^full$").MustClick()
	p.MustWaitLoad()
	p.MustElementR("#large-objects", "^1 ")
	browser.Screenshot(t, p, "backup")
}
