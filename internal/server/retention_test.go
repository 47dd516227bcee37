package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/retention"
	"github.com/stratabackup/strata/internal/testutil/layers"
)

func (e *testEnv) retention(name string) registry.Retention {
	e.t.Helper()
	rc, err := e.registry.CollectionByName(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	ret, err := e.registry.CollectionRetention(context.Background(), rc.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ret
}

// TestRetentionPolicyForm edits a collection's policy: an auditor sees it
// and is refused; bad input is refused on the form with nothing stored;
// a good one is stored, shown in plain words and audited.
func TestRetentionPolicyForm(t *testing.T) {
	env := newTestEnv(t)
	admin := env.adminClient()
	env.addUser("reader", auth.RoleAuditor)
	auditor := env.client()
	auditor.login("reader")

	page := env.ok(auditor.get("/collections/local"))
	if !strings.Contains(page, "No retention policy") || strings.Contains(page, "Save policy") {
		t.Fatalf("auditor's retention section: %s", between(page, `id="retention"`, "</section>"))
	}
	if resp, _ := auditor.post("/collections/local/retention", url.Values{"keep_days": {"1"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("auditor saves a policy: %d", resp.StatusCode)
	}

	env.ok(admin.get("/collections/local"))
	for _, bad := range []struct{ days, count, says string }{
		{"abc", "", "the number of days to keep must be a whole number"},
		{"7", "-2", "retention cannot be negative"},
		{"40000", "", "keep backups for at most 36500 days"},
	} {
		resp, page := admin.post("/collections/local/retention", url.Values{"keep_days": {bad.days}, "keep_count": {bad.count}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Policy not saved: "+bad.says) || !strings.Contains(page, `value="`+bad.days+`"`) {
			t.Errorf("%+v: %d %s", bad, resp.StatusCode, between(page, `id="retention"`, "</section>"))
		}
	}
	if got := env.retention("local"); got != (registry.Retention{}) {
		t.Fatalf("stored after bad input: %+v", got)
	}

	resp, _ := admin.post("/collections/local/retention", url.Values{"keep_days": {"30"}, "keep_count": {"5"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	if got := env.retention("local"); got != (registry.Retention{KeepDays: 30, KeepCount: 5}) {
		t.Errorf("stored %+v", got)
	}
	page = env.ok(auditor.get("/collections/local"))
	if !strings.Contains(page, "keep backups for 30 days, and at least the newest 5 of each database whatever their age") {
		t.Errorf("policy in words: %s", between(page, `id="retention"`, "</section>"))
	}
	entries := env.entries(audit.Filter{Action: "RETENTION_CHANGED"})
	if len(entries) != 4 || entries[0].Outcome != audit.OutcomeOK || entries[0].Actor != "root" || entries[1].Outcome != audit.OutcomeError {
		t.Errorf("audit: %+v", entries)
	}
}

// TestExpiryPreviewAndExpireNow previews and runs expiry from the console:
// both roles see what goes and why, only an admin may expire, what was
// confirmed is removed and audited with the admin as actor.
func TestExpiryPreviewAndExpireNow(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	rc, err := env.registry.CollectionByName(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.registry.SetCollectionRetention(ctx, rc.ID, registry.Retention{KeepDays: 30}); err != nil {
		t.Fatal(err)
	}
	coll, err := env.registry.OpenCollection(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	now := time.Now()
	old := layers.Commit(t, coll, "shop", now.Add(-90*retention.Day), "", time.Time{})
	newest := layers.Commit(t, coll, "shop", now.Add(-time.Hour), "", time.Time{})

	env.addUser("reader", auth.RoleAuditor)
	auditor := env.client()
	auditor.login("reader")
	page := env.ok(auditor.get("/collections/local/expiry"))
	removed := between(page, "Would be removed now", "Kept")
	if !strings.Contains(removed, old) || !strings.Contains(removed, "older than 30 days (collection policy)") ||
		!strings.Contains(page, "newest restorable backup of database shop") || strings.Contains(page, "Expire now") {
		t.Fatalf("auditor's preview: %s", between(page, "<main", "</main>"))
	}
	if resp, _ := auditor.post("/collections/local/expire", url.Values{"chain": {old}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("auditor expires: %d", resp.StatusCode)
	}
	if !layers.Listed(t, coll)[old] {
		t.Fatal("an auditor's request removed a chain")
	}

	admin := env.adminClient()
	page = env.ok(admin.get("/collections/local/expiry"))
	if !strings.Contains(page, "Expire now") || !strings.Contains(page, `data-confirm="Delete the 1 backup chain(s) listed from local`) {
		t.Fatalf("admin's preview: %s", between(page, "<main", "</main>"))
	}
	if resp, _ := admin.post("/collections/local/expire", nil); resp.StatusCode != http.StatusSeeOther || !layers.Listed(t, coll)[old] {
		t.Fatalf("expire with nothing confirmed: %d", resp.StatusCode)
	}
	resp, _ := admin.post("/collections/local/expire", url.Values{"chain": {old}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("expire: %d", resp.StatusCode)
	}
	page = env.ok(admin.get("/collections/local"))
	if !strings.Contains(page, "Expiry removed 1 backup chain(s) from local.") {
		t.Errorf("flash: %s", between(page, `class="flash`, "</div>"))
	}
	if got := layers.Listed(t, coll); got[old] || !got[newest] {
		t.Errorf("listed after expiry: %v", got)
	}
	layers.Intact(t, coll, newest)
	entries := env.entries(audit.Filter{Action: "BACKUP_EXPIRED"})
	if len(entries) != 1 || entries[0].Actor != "root" || entries[0].Source != audit.SourceUI || entries[0].TargetID != old || entries[0].Outcome != audit.OutcomeOK {
		t.Errorf("audit: %+v", entries)
	}
}
