package cluster

import (
	"fmt"

	"github.com/jackc/pgx/v5"
)

// MinServerVersionNum is the oldest PostgreSQL Strata backs up (13).
const MinServerVersionNum = 130000

// findings turns what a test read into sentences for the user, in the
// order the checks matter.
func findings(r TestReport) []Finding {
	var fs []Finding
	add := func(level Level, format string, args ...any) {
		fs = append(fs, Finding{Level: level, Text: fmt.Sprintf(format, args...)})
	}
	role := pgx.Identifier{r.User}.Sanitize()

	if r.ServerVersionNum < MinServerVersionNum {
		add(LevelError, "PostgreSQL %s is not supported; Strata needs 13 or newer", majorVersion(r.ServerVersionNum))
	} else {
		add(LevelOK, "connected as %s to PostgreSQL %s", r.User, r.ServerVersion)
	}

	if r.WALLevel == "logical" {
		add(LevelOK, "wal_level is logical: incremental backups are possible")
	} else {
		add(LevelWarning, "wal_level is %s: set wal_level=logical and restart PostgreSQL to enable incremental backups; full backups work now", r.WALLevel)
	}

	if r.CanReplicate {
		add(LevelOK, "this role can create replication slots")
	} else {
		add(LevelWarning, "this role cannot create replication slots: grant REPLICATION (ALTER ROLE %s REPLICATION) or use a superuser to enable incremental backups", role)
	}

	switch {
	case r.MaxReplicationSlots == 0:
		add(LevelWarning, "max_replication_slots is 0: set it to at least 1 and restart PostgreSQL to enable incremental backups")
	case r.UsedReplicationSlots >= r.MaxReplicationSlots:
		add(LevelWarning, "all %d replication slots are in use: drop unused ones or raise max_replication_slots and restart PostgreSQL to enable incremental backups", r.MaxReplicationSlots)
	default:
		add(LevelOK, "%d of %d replication slots are in use", r.UsedReplicationSlots, r.MaxReplicationSlots)
	}
	if r.MaxWALSenders == 0 {
		add(LevelWarning, "max_wal_senders is 0: set it to at least 1 and restart PostgreSQL to enable incremental backups")
	}

	switch {
	case r.CanReadAll && r.Superuser:
		add(LevelOK, "this role is a superuser: backups can read every table")
	case r.CanReadAll:
		add(LevelOK, "this role is a member of pg_read_all_data: backups can read every table")
	case r.ServerVersionNum >= 140000:
		add(LevelWarning, "this role is neither a superuser nor a member of pg_read_all_data, so it may not be able to read every table a backup includes: grant it pg_read_all_data (GRANT pg_read_all_data TO %s) or use a superuser", role)
	default:
		add(LevelWarning, "this role is not a superuser, so it may not be able to read every table a backup includes: grant it SELECT on every table or use a superuser")
	}

	if len(r.Databases) == 0 {
		add(LevelWarning, "this role cannot connect to any database except templates: grant it CONNECT on the databases to back up")
	}
	return fs
}

// majorVersion formats a server_version_num as PostgreSQL names releases:
// 120005 is "12", 90624 is "9.6".
func majorVersion(num int) string {
	if num >= 100000 {
		return fmt.Sprint(num / 10000)
	}
	return fmt.Sprintf("%d.%d", num/10000, num/100%100)
}
