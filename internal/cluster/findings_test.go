package cluster

import "testing"

func TestFindings(t *testing.T) {
	good := TestReport{
		User: "strata", ServerVersion: "16.4", ServerVersionNum: 160004, WALLevel: "logical",
		CanReplicate: true, CanReadAll: true, MaxReplicationSlots: 10, UsedReplicationSlots: 2,
		MaxWALSenders: 10, Databases: []Database{{Name: "app", SizeBytes: 1}},
	}
	tests := []struct {
		name   string
		change func(r *TestReport)
		level  Level
		text   string
	}{
		{"old server", func(r *TestReport) { r.ServerVersionNum = 120005 }, LevelError,
			"PostgreSQL 12 is not supported; Strata needs 13 or newer"},
		{"very old server", func(r *TestReport) { r.ServerVersionNum = 90624 }, LevelError,
			"PostgreSQL 9.6 is not supported; Strata needs 13 or newer"},
		{"no logical decoding", func(r *TestReport) { r.WALLevel = "replica" }, LevelWarning,
			"wal_level is replica: set wal_level=logical and restart PostgreSQL to enable incremental backups; full backups work now"},
		{"no REPLICATION", func(r *TestReport) { r.CanReplicate = false }, LevelWarning,
			`this role cannot create replication slots: grant REPLICATION (ALTER ROLE "strata" REPLICATION) or use a superuser to enable incremental backups`},
		{"slots full", func(r *TestReport) { r.UsedReplicationSlots = 10 }, LevelWarning,
			"all 10 replication slots are in use: drop unused ones or raise max_replication_slots and restart PostgreSQL to enable incremental backups"},
		{"no slots", func(r *TestReport) { r.MaxReplicationSlots = 0 }, LevelWarning,
			"max_replication_slots is 0: set it to at least 1 and restart PostgreSQL to enable incremental backups"},
		{"no WAL senders", func(r *TestReport) { r.MaxWALSenders = 0 }, LevelWarning,
			"max_wal_senders is 0: set it to at least 1 and restart PostgreSQL to enable incremental backups"},
		{"cannot read all, 13", func(r *TestReport) { r.CanReadAll, r.ServerVersionNum = false, 130010 }, LevelWarning,
			"this role is not a superuser, so it may not be able to read every table a backup includes: grant it SELECT on every table or use a superuser"},
		{"no databases", func(r *TestReport) { r.Databases = nil }, LevelWarning,
			"this role cannot connect to any database except templates: grant it CONNECT on the databases to back up"},
	}
	for _, f := range findings(good) {
		if f.Level != LevelOK {
			t.Errorf("good report: %+v", f)
		}
	}
	for _, tt := range tests {
		r := good
		tt.change(&r)
		r.Findings = findings(r)
		found := false
		for _, f := range r.Findings {
			found = found || f == Finding{tt.level, tt.text}
		}
		if !found {
			t.Errorf("%s: findings = %+v, want %s %q", tt.name, r.Findings, tt.level, tt.text)
		}
		if r.OK() != (tt.level != LevelError) {
			t.Errorf("%s: OK() = %v", tt.name, r.OK())
		}
	}
}
