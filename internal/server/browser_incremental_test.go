package server

import (
	"context"
	"encoding/json"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"

	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/testutil/browser"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// TestBrowserIncrementalPointInTime takes a full backup (asked as an
// incremental: there is no chain yet) and an incremental with revision
// history of shop from the backup form, sees them as one chain
// on the collection page, restores the database as of a moment between two
// changes with the wizard's point-in-time choice, and finds the rows as they
// were then.
func TestBrowserIncrementalPointInTime(t *testing.T) {
	env := newTestEnv(t)
	pg := startShop(t)
	env.addCluster("pg", pg.DSN("postgres"))
	b := browser.New(t)
	base := env.http.URL
	browserLogin(t, env, b)

	// With nothing to extend yet, an incremental is taken as a full backup,
	// and the job's page says why.
	p := browser.Open(t, b, base+"/backups/new?cluster=pg&database=shop&incremental=1")
	submit(p, `#backup-form`)
	waitSucceeded(t, p)
	p.MustElementR("#job-note", "Taken as a full backup instead of an incremental: the collection holds no full backup of database shop")
	browser.Screenshot(t, p, "full-instead-job")

	// Two changes, with the moment between them and the rows then.
	inserted, between := changeShop(t, pg)

	p = browser.Open(t, b, base+"/backups/new?cluster=pg&database=shop&incremental=1")
	if !p.MustElement(`input[name=incremental][value="1"]`).MustProperty("checked").Bool() {
		t.Fatal("incremental=1 does not preselect Incremental")
	}
	if p.MustElement(`textarea[name=tables]`).MustVisible() {
		t.Error("the tables field is shown for an incremental")
	}
	p.MustElement(`input[name=revision_history]`).MustClick()
	browser.Screenshot(t, p, "backup-form-incremental")
	submit(p, `#backup-form`)
	waitSucceeded(t, p)
	if res := jobResult(t, env, p); res.Type != "incremental" || res.Changes == 0 || res.FullReason != "" {
		t.Fatalf("incremental job result: %+v", res)
	}
	browser.Screenshot(t, p, "incremental-job")

	// One more without revision history: only its end can be restored.
	pg.Exec(t, "shop", `UPDATE customers SET name = name || '!' WHERE id <= 10`)
	p = browser.Open(t, b, base+"/backups/new?cluster=pg&database=shop&incremental=1")
	submit(p, `#backup-form`)
	waitSucceeded(t, p)

	p = browser.Open(t, b, base+"/collections/local")
	layers := p.MustElements("table.chains tbody.chain tr.layer")
	if len(layers) != 3 || !strings.HasPrefix(layers[0].MustText(), "full") || !strings.Contains(layers[1].MustText(), "every moment") ||
		!strings.Contains(layers[2].MustText(), "end only") {
		t.Fatalf("collection page does not show one chain of a full backup, an incremental with revision history and one without: %d layers", len(layers))
	}
	browser.Screenshot(t, p, "collection")
	layers[1].MustElement("a").MustClick()
	p.MustElementR("dd", "yes: every moment it covers can be restored")
	browser.Screenshot(t, p, "incremental-backup")

	p = browser.Open(t, b, base+"/restore?collection=local")
	if n := len(p.MustElements("svg.timeline .tl-moment")); n != 1 {
		t.Errorf("the timeline shows %d single moments, want 1 (the end of the layer without revision history)", n)
	}
	// A click on the timeline picks a restorable moment and the point-in-time choice.
	p.MustElement("svg.timeline .tl-window").MustClick()
	picker := p.MustElement(`input[name=as_of_system_time]`)
	if v := picker.MustProperty("value").String(); v == "" || !p.MustElement(`input[name=point][value=time]`).MustProperty("checked").Bool() {
		t.Fatalf("a click on the timeline left the picker at %q or the choice unset", v)
	}
	picker.MustEval(`function (v) { this.value = v; this.dispatchEvent(new Event("input", {bubbles: true})) }`, between.Format("2006-01-02T15:04:05.000"))
	p.MustElementR("#as-of-local", "Your local time")
	p.MustElement(".tl-cursor.on")
	browser.Screenshot(t, p, "wizard-point-in-time")
	submit(p, `form.restore-points`)
	p.MustElementR(".steps .current", "Scope")
	p.MustElementR("p", "As it was at "+between.Format("2006-01-02 15:04:05.999999"))
	submit(p, `form[action="/restore"]`)
	p.MustElement(`input[name=new_db_name]`).MustSelectAllText().MustInput("shop_pit")
	submit(p, `form[action="/restore"]`)
	submit(p, `form[action="/restore"]`)
	p.MustElementR(".steps .current", "Review")
	if plan := p.MustElement("ul.plan").MustText(); !strings.Contains(plan, "as it was at "+between.Format("2006-01-02 15:04:05.999999")+" UTC") {
		t.Fatalf("review plan does not name the moment: %s", plan)
	}
	browser.Screenshot(t, p, "review")
	p.MustElement(`input[name=confirm]`).MustInput("shop_pit")
	submit(p, `form[action="/restores"]`)
	waitSucceeded(t, p)
	browser.Screenshot(t, p, "restore-job")

	if got := rowsOf(t, pg, "shop_pit", ordersDigest); got != inserted {
		t.Fatalf("restored orders are not those of %s", between)
	}
}

// browserLogin adds the admin root and logs b in as root.
func browserLogin(t *testing.T, env *testEnv, b *rod.Browser) *rod.Page {
	t.Helper()
	env.addUser("root", auth.RoleAdmin)
	p := browser.Open(t, b, env.http.URL+"/login")
	p.MustElement(`input[name=username]`).MustInput("root")
	p.MustElement(`input[name=password]`).MustInput(testPassword)
	submit(p, `form[action="/login"]`)
	return p
}

// changeShop inserts orders, then (later) deletes some, and returns the
// digest of orders after the insert and a moment between the two commits.
func changeShop(t *testing.T, pg *pgtest.Server) (digest string, between time.Time) {
	t.Helper()
	ctx := context.Background()
	conn := pg.Connect(t, "shop")
	var first, second time.Time
	if err := conn.QueryRow(ctx, `INSERT INTO orders SELECT g, 1, g, now() FROM generate_series(10001, 10100) g RETURNING clock_timestamp()`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	digest = rowsOf(t, pg, "shop", ordersDigest)
	time.Sleep(300 * time.Millisecond)
	if err := conn.QueryRow(ctx, `WITH d AS (DELETE FROM orders WHERE id <= 500 RETURNING 1) SELECT clock_timestamp()`).Scan(&second); err != nil {
		t.Fatal(err)
	}
	return digest, first.Add(second.Sub(first) / 2).UTC().Truncate(time.Millisecond)
}

// jobResult reads the result of the job whose page p shows.
func jobResult(t *testing.T, env *testEnv, p *rod.Page) backups.Result {
	t.Helper()
	id, err := strconv.ParseInt(path.Base(p.MustInfo().URL), 10, 64)
	if err != nil {
		t.Fatalf("not a job page: %s", p.MustInfo().URL)
	}
	j, err := env.jobs.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var res backups.Result
	if err := json.Unmarshal(j.Result, &res); err != nil {
		t.Fatalf("job %d result %s: %v", id, j.Result, err)
	}
	return res
}
