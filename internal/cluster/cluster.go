package cluster

import (
	"strings"

	"github.com/stratabackup/strata/internal/usererror"
)

// Kind is the kind of database a cluster runs.
type Kind string

// The kinds of cluster Strata knows.
const (
	KindPostgres  Kind = "postgres"
	KindCockroach Kind = "cockroach" // not supported yet: ParseKind and Engines.Driver refuse it
)

// ParseKind reads a kind as typed in a form or an API call.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "postgres", "postgresql":
		return KindPostgres, nil
	case "cockroach", "cockroachdb":
		return "", errCockroachNotYet
	case "":
		return "", usererror.New("choose the kind of cluster: postgres")
	default:
		return "", usererror.Errorf("unknown kind of cluster %q: Strata supports postgres", s)
	}
}

var errCockroachNotYet = usererror.New("CockroachDB clusters are not supported yet: only postgres clusters can be registered")

// Database is a database on a cluster.
type Database struct {
	Name      string
	SizeBytes int64
}

// Level says how serious a [Finding] is.
type Level string

// Finding levels.
const (
	LevelOK      Level = "ok"      // something checked and fine
	LevelWarning Level = "warning" // works, but some features are off until fixed
	LevelError   Level = "error"   // Strata cannot back up this cluster until fixed
)

// Finding is one result of a connection test, written for the user.
type Finding struct {
	Level Level
	Text  string
}

// TestReport is what a connection test found out about a cluster.
type TestReport struct {
	User             string // the role Strata connected as
	ServerVersion    string // as the server reports it, e.g. "16.4 (Debian 16.4-1.pgdg120+1)"
	ServerVersionNum int    // e.g. 160004
	WALLevel         string // minimal, replica or logical

	Superuser    bool
	CanReplicate bool // may create replication slots: superuser or REPLICATION
	CanReadAll   bool // may read every table: superuser or member of pg_read_all_data

	MaxReplicationSlots  int
	UsedReplicationSlots int
	MaxWALSenders        int

	Databases []Database // the databases the role may connect to, templates excluded
	Findings  []Finding
}

// OK reports whether no finding is an error, so that backups can run.
func (r TestReport) OK() bool {
	for _, f := range r.Findings {
		if f.Level == LevelError {
			return false
		}
	}
	return true
}
