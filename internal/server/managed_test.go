package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
)

// TestManagedBackupsForm: a cluster registered from the console gets its
// managed backups; an admin changes their frequency and retention on the
// cluster page (audited); a choice not offered is refused on the form and
// nothing is saved; an auditor sees the section but cannot change it.
func TestManagedBackupsForm(t *testing.T) {
	e := newTestEnv(t)
	e.app.Schedules.Managed = schedules.ManagedOptions{Enabled: true, Root: "file://" + e.dataDir + "/managed"}
	e.addUser("root", auth.RoleAdmin)
	e.addUser("ann", auth.RoleAuditor)
	admin := e.client()
	admin.login("root")
	if resp, body := admin.post("/clusters", url.Values{"name": {"prod"}, "kind": {"postgres"}, "dsn": {"postgres://u@127.0.0.1:1/postgres"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add cluster: %d %s", resp.StatusCode, body)
	}
	m, err := e.schedules.Managed(context.Background(), "prod")
	if err != nil || m.Recurrence != "@hourly" || m.KeepDays != 30 {
		t.Fatalf("managed schedule of a new cluster: %+v %v", m, err)
	}

	resp, body := admin.post("/clusters/prod/managed", url.Values{"frequency": {"15m"}, "keep_days": {"7"}, "enabled": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d %s", resp.StatusCode, body)
	}
	if m, _ = e.schedules.Managed(context.Background(), "prod"); m.Recurrence != "*/15 * * * *" || m.KeepDays != 7 || m.State.Paused {
		t.Fatalf("after the change: %+v", m)
	}
	if es := e.entries(audit.Filter{Action: "MANAGED_BACKUPS_CHANGED"}); len(es) != 1 || es[0].Outcome != audit.OutcomeOK {
		t.Fatalf("audit: %+v", es)
	}

	resp, body = admin.post("/clusters/prod/managed", url.Values{"frequency": {"2h"}, "keep_days": {"30"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "is not one of 5m, 10m, 15m, 30m, 1h, 4h, 24h") {
		t.Fatalf("bad frequency: %d", resp.StatusCode)
	}
	if m, _ = e.schedules.Managed(context.Background(), "prod"); m.Recurrence != "*/15 * * * *" || m.KeepDays != 7 || m.State.Paused {
		t.Fatalf("a refused change was saved: %+v", m)
	}

	auditor := e.client()
	auditor.login("ann")
	page := e.ok(auditor.get("/clusters/prod"))
	if !strings.Contains(page, "Managed backups") || strings.Contains(page, "Save managed backups") {
		t.Error("an auditor must see the managed backups without the form")
	}
	if resp, _ := auditor.post("/clusters/prod/managed", url.Values{"frequency": {"5m"}, "keep_days": {"2"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("auditor change: %d", resp.StatusCode)
	}
	if m, _ = e.schedules.Managed(context.Background(), "prod"); m.Recurrence != "*/15 * * * *" {
		t.Fatalf("an auditor changed managed backups: %+v", m)
	}
	if page := e.ok(auditor.get("/collections/managed-prod")); !strings.Contains(page, "The managed backups of cluster") {
		t.Error("the managed collection does not say whose it is")
	}

	// Removing the cluster keeps its managed backups for the period, and
	// their collection says until when.
	if resp, body := admin.post("/clusters/prod/remove", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", resp.StatusCode, body)
	}
	if _, err := e.schedules.Managed(context.Background(), "prod"); err == nil {
		t.Error("the removed cluster's managed schedule is still there")
	}
	if page := e.ok(auditor.get("/collections/managed-prod")); !strings.Contains(page, "Cluster prod was removed: its managed backups are kept until") {
		t.Error("the collection of a removed cluster does not say until when it is kept")
	}
}
