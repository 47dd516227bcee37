package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/schedule"
)

// htmxPost submits a form as htmx does.
func (c *client) htmxPost(path string) (*http.Response, string) {
	form := url.Values{"_csrf": {c.csrf}}
	req, _ := http.NewRequest(http.MethodPost, c.env.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	return c.do(req)
}

// TestWebhookDeliveriesPage: auditors see a schedule's alerts and never its
// webhook; only admins send a test alert, which is listed and audited
// without the URL.
func TestWebhookDeliveriesPage(t *testing.T) {
	const token = "hook-T0KEN"
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	env.addUser("eve", auth.RoleAuditor)
	now := time.Now()
	add := func(label, webhook string) string {
		s, err := env.schedules.Create(context.Background(), schedule.Schedule{Label: label, Cluster: "prod", Database: "shop",
			Collection: "local", Recurrence: "@daily", OnFailure: schedule.OnFailureReschedule,
			OnPreviousRunning: schedule.OnRunningSkip, Webhook: webhook, AlertAfter: time.Hour, Owner: "root"}, now, now)
		if err != nil {
			t.Fatal(err)
		}
		return "/schedules/" + itoaID(s.ID)
	}
	hooked := add("shop", "https://hooks.example.com/services/"+token)
	bare := add("bare", "")
	admin, auditor := env.client(), env.client()
	admin.login("root")
	auditor.login("eve")

	resp, body := auditor.get(hooked + "/deliveries")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "No alerts sent yet.") ||
		!strings.Contains(body, "https://hooks.example.com") || strings.Contains(body, "Send a test alert") || strings.Contains(body, token) {
		t.Fatalf("auditor's fragment: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := auditor.htmxPost(hooked + "/webhook/test"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("auditor's test alert: %d", resp.StatusCode)
	}

	resp, body = admin.htmxPost(hooked + "/webhook/test")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Test alert queued") || !strings.Contains(body, "retrying") &&
		!strings.Contains(body, "pending") || strings.Contains(body, "No alerts sent yet.") || strings.Contains(body, token) {
		t.Fatalf("admin's test alert: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := admin.get(hooked + "/deliveries"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Send a test alert") || !strings.Contains(body, "every 10s") {
		t.Errorf("admin's fragment with a pending alert: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := admin.post(hooked+"/webhook/test", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != hooked {
		t.Errorf("test alert without htmx: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	body = env.ok(admin.htmxPost(bare + "/webhook/test"))
	if !strings.Contains(body, "this schedule has no webhook") || strings.Contains(body, "Test alert queued") {
		t.Errorf("test alert without a webhook:\n%s", body)
	}
	if resp, _ := admin.get("/schedules/999/deliveries"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown schedule: %d", resp.StatusCode)
	}

	entries := env.entries(audit.Filter{Action: "WEBHOOK_TESTED"})
	if len(entries) != 3 {
		t.Fatalf("%d WEBHOOK_TESTED entries, want 3", len(entries))
	}
	for _, e := range entries {
		if b, _ := json.Marshal(e); e.Actor != "root" || e.TargetType != "schedule" || strings.Contains(string(b), token) {
			t.Errorf("entry: %+v", e)
		}
	}
	if e := entries[0]; e.Outcome != audit.OutcomeError || e.Params["label"] != "bare" {
		t.Errorf("newest entry: %+v", e)
	}
	if e := entries[1]; e.Outcome != audit.OutcomeOK || e.Params["host"] != "https://hooks.example.com" {
		t.Errorf("second entry: %+v", e)
	}
}
