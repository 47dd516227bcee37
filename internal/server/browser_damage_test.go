package server

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/operations"
	"github.com/stratabackup/strata/internal/testutil/browser"
)

// TestBrowserDamageIsShown (issue 11): what was damaged behind the
// console's back is shown where people look, in Chromium: a schedule row
// that cannot be read (its page says so and offers only Drop) and an
// audit log edited with its triggers dropped (the audit page names both).
func TestBrowserDamageIsShown(t *testing.T) {
	env := newTestEnv(t)
	env.addCluster("pg", "postgres://postgres@127.0.0.1:1/postgres")
	sch, err := env.scheduler.CreateSchedule(t.Context(), operations.ScheduleRequest{Label: "nightly", Cluster: "pg", Database: "shop",
		Collection: "local", Recurrence: "@daily", IgnoreExistingBackups: true}, "root", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b := browser.New(t)
	browserLogin(t, env, b)
	for _, q := range []string{
		fmt.Sprintf(`UPDATE schedules SET next_run = '10000-01-01T00:00:00.000000000Z' WHERE id = %d`, sch.ID),
		`DROP TRIGGER audit_log_no_update`,
		`UPDATE audit_log SET actor = 'someone-else' WHERE id = 1`,
	} {
		if _, err := env.srv.db.(*sql.DB).Exec(q); err != nil {
			t.Fatal(err)
		}
	}

	p := browser.Open(t, b, env.http.URL+fmt.Sprintf("/schedules/%d", sch.ID))
	p.MustElementR("#schedule-unreadable", "cannot be read from the state store")
	p.MustElementR(".schedule-actions button", "Drop")
	if has, _, _ := p.HasR(".schedule-actions button", "Run now|Pause"); has {
		t.Error("an unreadable schedule offers actions other than Drop")
	}
	browser.Screenshot(t, p, "schedule-unreadable")
	p = browser.Open(t, b, env.http.URL+"/schedules")
	p.MustElementR("#schedules .badge", "unreadable")

	p = browser.Open(t, b, env.http.URL+"/audit/verify")
	p.MustElementR(".chain-broken", "audit_log_no_update")
	p.MustElementR(".chain-broken", "entry 1")
	browser.Screenshot(t, p, "audit-broken")
}
