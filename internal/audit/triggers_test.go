package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/audit"
)

func TestMissingTriggersAreReportedAndRestored(t *testing.T) {
	ctx := context.Background()
	l, db := newLog(t)
	fill(t, l, 3)
	execSQL(`DROP TRIGGER audit_log_no_delete`,
		`DROP TRIGGER audit_log_no_update`,
		`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN 0 BEGIN SELECT 1; END`)(t, db)

	res := mustVerify(t, l)
	want := []string{
		"trigger audit_log_no_update differs from its migration: the audit log may not be append-only (the console restores it when it starts)",
		"trigger audit_log_no_delete is missing: the audit log is not append-only (the console restores it when it starts)",
	}
	if res.OK || strings.Join(res.Problems, "\n") != strings.Join(want, "\n") || res.Checked != 3 {
		t.Fatalf("Verify = %+v\nwant %q", res, want)
	}

	by := audit.Entry{Actor: "strata", Source: audit.SourceScheduler, ClientAddr: "local"}
	restored, err := l.RestoreTriggers(ctx, by)
	if err != nil || len(restored) != 2 {
		t.Fatalf("RestoreTriggers = %v, %v", restored, err)
	}
	if res := mustVerify(t, l); !res.OK || res.Checked != 4 {
		t.Fatalf("after restoring: %+v", res)
	}
	e, err := l.Get(ctx, 4)
	if err != nil || e.Action != audit.ActionTriggersRestored || e.Source != audit.SourceScheduler ||
		e.Message != "found audit_log_no_update redefined, audit_log_no_delete missing; restored them" {
		t.Fatalf("entry %+v, %v", e, err)
	}
	if _, err := db.Exec(`DELETE FROM audit_log WHERE id = 1`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("delete after restoring: %v", err)
	}
	if restored, err := l.RestoreTriggers(ctx, by); err != nil || len(restored) != 0 {
		t.Fatalf("second RestoreTriggers = %v, %v", restored, err)
	}
	if res := mustVerify(t, l); res.Checked != 4 {
		t.Fatalf("a restore with nothing to restore appended an entry: %+v", res)
	}
}
