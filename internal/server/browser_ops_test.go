package server

import (
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"

	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/testutil/browser"
)

// TestBrowserBackupBrowseRestore takes a backup from the cluster page,
// browses it in the collection, restores it with the wizard, and watches
// both jobs reach succeeded on their live pages.
func TestBrowserBackupBrowseRestore(t *testing.T) {
	env := newTestEnv(t)
	pg := startShop(t)
	env.addUser("root", auth.RoleAdmin)
	if _, err := env.registry.AddCluster(t.Context(), "pg", cluster.KindPostgres, pg.DSN("postgres"), "test"); err != nil {
		t.Fatal(err)
	}
	env.app.Schedules.Managed = schedules.ManagedOptions{Enabled: true, Root: "file://" + env.dataDir + "/managed"}
	if _, err := env.app.Schedules.EnsureManaged(t.Context(), "pg", audit.Entry{}, time.Now()); err != nil {
		t.Fatal(err)
	}
	b := browser.New(t)
	base := env.http.URL

	p := browser.Open(t, b, base+"/login")
	p.MustElement(`input[name=username]`).MustInput("root")
	p.MustElement(`input[name=password]`).MustInput(testPassword)
	submit(p, `form[action="/login"]`)

	p = browser.Open(t, b, base+"/clusters/pg")
	p.MustElementR("#cluster-test td", "^shop$")
	p.MustElementR("#managed-backups dd", "^Hourly")
	browser.Screenshot(t, p, "cluster")
	p.MustElement(`a[href*="database=shop"]`).MustClick()
	p.MustElementR("h1", "Back up now")
	browser.Screenshot(t, p, "backup-form")
	submit(p, `#backup-form`)
	waitSucceeded(t, p)
	browser.Screenshot(t, p, "backup-job")

	p = browser.Open(t, b, base+"/collections/local")
	browser.Screenshot(t, p, "collection")
	p.MustElement(`a[href*="/collections/local/backup?path="]`).MustClick()
	p.MustElementR("td code", "public.orders")
	browser.Screenshot(t, p, "backup")

	p.MustElementR("a", "Restore this backup").MustClick()
	p.MustElementR(".steps .current", "Scope")
	submit(p, `form[action="/restore"]`)
	p.MustElementR(".steps .current", "Target")
	name := p.MustElement(`input[name=new_db_name]`)
	name.MustSelectAllText().MustInput("shop_restored")
	submit(p, `form[action="/restore"]`)
	p.MustElementR(".steps .current", "Options")
	submit(p, `form[action="/restore"]`)
	p.MustElementR(".steps .current", "Review")
	if plan := p.MustElement("ul.plan").MustText(); !strings.Contains(plan, "shop_restored") {
		t.Fatalf("review plan does not name the target: %s", plan)
	}
	browser.Screenshot(t, p, "review")
	p.MustElement(`input[name=confirm]`).MustInput("shop_restored")
	submit(p, `form[action="/restores"]`)
	waitSucceeded(t, p)
	browser.Screenshot(t, p, "restore-job")

	if a, b := rowsOf(t, pg, "shop", ordersDigest), rowsOf(t, pg, "shop_restored", ordersDigest); a != b {
		t.Fatalf("restored orders differ")
	}
	p = browser.Open(t, b, base+"/jobs")
	browser.Screenshot(t, p, "jobs")
	p = browser.Open(t, b, base+"/")
	// The managed schedule is active, a backup succeeded, its next run is
	// set: the cluster is ok, with its point-in-time window.
	if st := p.MustElementR("td", "^pg$").MustParent().MustText(); !strings.Contains(st, "ok") || strings.Contains(st, "never") ||
		strings.Contains(st, "none scheduled") || !strings.Contains(st, "shop") {
		t.Fatalf("home page cluster line after a backup: %q", st)
	}
	browser.Screenshot(t, p, "home")
}

// waitSucceeded waits on a job page until htmx polling shows a final
// status, and fails the test unless it is succeeded.
func waitSucceeded(t *testing.T, p *rod.Page) {
	t.Helper()
	status := p.MustElementR("#job-status", "^(succeeded|failed|canceled)$").MustText()
	if status != "succeeded" {
		t.Fatalf("job ended %s: %s", status, p.MustElement("#job-progress").MustText())
	}
}
