package templates

import (
	"net/url"
	"testing"
)

func TestPaths(t *testing.T) {
	for _, tc := range []struct {
		name, got, want string
	}{
		{"path", path("/jobs/%d/%s", int64(5), "cancel"), "/jobs/5/cancel"},
		{"clusterPath", clusterPath("prod", ""), "/clusters/prod"},
		{"clusterPath escapes", clusterPath("prod east/1", "/test"), "/clusters/prod%20east%2F1/test"},
		{"clusterPath fragment", clusterPath("prod", "#managed-backups"), "/clusters/prod#managed-backups"},
		{"collectionPath", collectionPath("off site", ""), "/collections/off%20site"},
		{"collectionPath rest", collectionPath("off site", "/chains/remove"), "/collections/off%20site/chains/remove"},
		{"schedulePath", schedulePath(42, ""), "/schedules/42"},
		{"schedulePath rest", schedulePath(42, "/edit"), "/schedules/42/edit"},
		{"identityPath", identityPath("prod east"), "/clusters/prod%20east/replica-identity"},
		{"backupURL", backupURL("off site", "2026/03/14-080000.00"), "/collections/off%20site/backup?path=2026%2F03%2F14-080000.00"},
		{"backupNowURL", backupNowURL("off site"), "/backups/new?collection=off+site"},
		{"databaseBackupURL", databaseBackupURL("prod east", "shop", false), "/backups/new?cluster=prod+east&database=shop"},
		{"databaseBackupURL incremental", databaseBackupURL("prod", "a&b", true), "/backups/new?cluster=prod&database=a%26b&incremental=1"},
		{"restoreURL", restoreURL("c", "2026/03/14-080000.00", ""), "/restore?backup=2026%2F03%2F14-080000.00&collection=c"},
		{"restoreURL table", restoreURL("c", "p", "public.orders"), "/restore?backup=p&collection=c&scope=tables&tables=public.orders"},
		{"restoreFromURL", restoreFromURL("off site"), "/restore?collection=off+site"},
		{"pointInTimeURL", pointInTimeURL("c", "shop"), "/restore?collection=c&database=shop&point=time"},
		{"scheduleRunsURL newest", scheduleRunsURL(7, 0), "/schedules/7"},
		{"scheduleRunsURL older", scheduleRunsURL(7, 3), "/schedules/7?before=3"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestPageURL(t *testing.T) {
	filters := url.Values{"actor": {"ann"}, "before": {"11"}, "outcome": {"ok"}}
	for _, tc := range []struct {
		name   string
		q      url.Values
		before int64
		want   string
	}{
		{"newest page drops the cursor", filters, 0, "/audit?actor=ann&outcome=ok"},
		{"older page", filters, 8, "/audit?actor=ann&before=8&outcome=ok"},
		{"no filters", nil, 0, "/audit"},
		{"no filters, older", nil, 3, "/audit?before=3"},
		{"only a cursor", url.Values{"before": {"4"}}, 0, "/audit"},
	} {
		if got := pageURL("/audit", tc.q, tc.before); got != tc.want {
			t.Errorf("%s: pageURL = %q, want %q", tc.name, got, tc.want)
		}
	}
	if filters.Get("before") != "11" {
		t.Errorf("pageURL changed the filters it was given: %v", filters)
	}

	v := AuditView{Query: filters}
	if got, want := v.pageURL(5), "/audit?actor=ann&before=5&outcome=ok"; got != want {
		t.Errorf("AuditView.pageURL = %q, want %q", got, want)
	}
	if got, want := v.exportURL("csv"), "/audit/export?actor=ann&format=csv&outcome=ok"; got != want {
		t.Errorf("AuditView.exportURL = %q, want %q", got, want)
	}
	if got, want := jobsPageURL(url.Values{"status": {"failed"}, "before": {"9"}}, 2), "/jobs?before=2&status=failed"; got != want {
		t.Errorf("jobsPageURL = %q, want %q", got, want)
	}
}
