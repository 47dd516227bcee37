package server

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/jobs"
)

// TestOneUnreadableScheduleWedgesNothing (issue 11): a schedule row that
// cannot be read (here a next run in year 10000, as an old bug stored it)
// used to fail every scheduler tick, the overdue check, the home page, the
// schedules page and API and the expiry preview, and could not be dropped.
// Now it is shown as unreadable, skipped, keeps expiry from planning
// removals in its collection, and can be dropped; the others run.
func TestOneUnreadableScheduleWedgesNothing(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	env.addCluster("pg", "postgres://postgres@127.0.0.1:1/postgres")
	admin := env.apiKey("ops", auth.RoleAdmin)
	ids := map[string]int64{}
	for _, label := range []string{"bad", "good"} {
		resp, body := env.apiRequest("POST", "/api/v1/schedules", admin,
			`{"label":"`+label+`","cluster":"pg","database":"shop","collection":"local","recurrence":"@hourly","keep_days":7,"alert_after_seconds":3600,
			  "options":{"webhook":"http://127.0.0.1:1/hook","ignore_existing_backups":true}}`)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create %s: %d %s", label, resp.StatusCode, body)
		}
		var id int64
		fmt.Sscanf(body[strings.Index(body, `"id":`)+5:], "%d", &id)
		ids[label] = id
	}
	if _, err := env.srv.db.(*sql.DB).Exec(`UPDATE schedules SET next_run = '10000-01-01T00:00:00.000000000Z' WHERE id = ?`, ids["bad"]); err != nil {
		t.Fatal(err)
	}
	if _, err := env.srv.db.(*sql.DB).Exec(`UPDATE schedules SET next_run = '2000-01-01T00:00:00.000000000Z' WHERE id = ?`, ids["good"]); err != nil {
		t.Fatal(err)
	}

	if err := env.scheduler.Tick(ctx, time.Now()); err != nil {
		t.Fatalf("tick: %v", err)
	}
	if list, _, err := env.jobs.List(ctx, jobs.Filter{ScheduleID: ids["good"]}, 0, 10); err != nil || len(list) != 1 {
		t.Errorf("the readable schedule did not run: %d jobs, %v", len(list), err)
	}
	if list, _, _ := env.jobs.List(ctx, jobs.Filter{ScheduleID: ids["bad"]}, 0, 10); len(list) != 0 {
		t.Errorf("the unreadable schedule ran: %d jobs", len(list))
	}
	if _, err := env.srv.alerts.CheckOverdue(ctx, time.Now().Add(48*time.Hour)); err != nil {
		t.Errorf("overdue check: %v", err)
	}

	env.addUser("alice", auth.RoleAdmin)
	c := env.client()
	c.login("alice")
	for _, page := range []string{"/", "/schedules", fmt.Sprintf("/schedules/%d", ids["bad"])} {
		resp, body := c.get(page)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "cannot be read") {
			t.Errorf("GET %s: %d, want 200 naming the unreadable schedule", page, resp.StatusCode)
		}
	}
	if resp, body := c.get("/collections/local/expiry"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "nothing in collection local expires until it is deleted") {
		t.Errorf("expiry preview: %d, want 200 refusing to plan while a policy is unreadable", resp.StatusCode)
	}
	resp, body := env.apiRequest("GET", "/api/v1/schedules", admin, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"label":"good"`) || !strings.Contains(body, `"status":"unreadable"`) {
		t.Errorf("GET /api/v1/schedules: %d %s", resp.StatusCode, body)
	}
	bad := fmt.Sprintf("/api/v1/schedules/%d", ids["bad"])
	if resp, body := env.apiRequest("PATCH", bad, admin, `{"label":"fixed"}`); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "delete it and create it again") {
		t.Errorf("PATCH an unreadable schedule: %d %s", resp.StatusCode, body)
	}
	if resp, body := env.apiRequest("DELETE", bad, admin, ""); resp.StatusCode >= 300 {
		t.Fatalf("DELETE an unreadable schedule: %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.apiRequest("GET", bad, admin, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the dropped schedule is still there: %d", resp.StatusCode)
	}
}
