package templates

import (
	"testing"

	"github.com/stratabackup/strata/internal/audit"
)

func TestChainSummary(t *testing.T) {
	for _, tc := range []struct {
		problems []string
		want     string
	}{
		{nil, ""},
		{[]string{"entry 3 was changed"}, "entry 3 was changed"},
		{[]string{"entry 3 was changed", "entry 4 is missing"}, "entry 3 was changed (and 1 more problem)"},
		{[]string{"a", "b", "c"}, "a (and 2 more problems)"},
	} {
		if got := (ChainStatus{Problems: tc.problems}).Summary(); got != tc.want {
			t.Errorf("Summary of %q = %q, want %q", tc.problems, got, tc.want)
		}
	}
}

func TestAnchoredAt(t *testing.T) {
	anchors := []audit.AnchorStatus{
		{Anchor: "file"},
		{Anchor: "s3", Newest: audit.Checkpoint{EntryID: 5}},
		{Anchor: "syslog", Newest: audit.Checkpoint{EntryID: 7, Time: at(8, 0, 0, 0)}},
	}
	want := "file: no checkpoint; s3: entry 5; syslog: entry 7 at 2026-03-14 08:00:00 UTC"
	if got := anchoredAt(anchors); got != want {
		t.Errorf("anchoredAt = %q, want %q", got, want)
	}
	if got := anchoredAt(nil); got != "" {
		t.Errorf("anchoredAt of no anchor = %q, want empty", got)
	}
}

func TestAuditEntryWords(t *testing.T) {
	for _, tc := range []struct {
		name, got, want string
	}{
		{"paramsJSON nil", paramsJSON(nil), "{}"},
		{"paramsJSON", paramsJSON(map[string]any{"role": "admin", "id": 3}), "{\n  \"id\": 3,\n  \"role\": \"admin\"\n}"},
		{"paramsJSON unencodable", paramsJSON(map[string]any{"f": func() {}}), "{}"},
		{"hashVersion HMAC", hashVersion(audit.HashHMAC), "HMAC-SHA256 with the audit key"},
		{"hashVersion SHA-256", hashVersion(audit.HashSHA256), "SHA-256, written before the chain was keyed"},
		{"hashVersion unknown", hashVersion(99), "unknown hash version 99"},
		{"target none", target(audit.Entry{}), "—"},
		{"target type", target(audit.Entry{TargetType: "session"}), "session"},
		{"target", target(audit.Entry{TargetType: "user", TargetID: "3"}), "user:3"},
		// An id without a type is not shown: the type says what it counts.
		{"target id only", target(audit.Entry{TargetID: "3"}), "—"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
