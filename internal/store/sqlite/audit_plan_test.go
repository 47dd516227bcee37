package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/audit"
)

// The list queries must walk an index in id order and stop after a page,
// never collect and sort the matching set: that is what keeps pages fast on a
// large log. EXPLAIN QUERY PLAN shows a sort as "USE TEMP B-TREE".
func TestQueryPlansUseIndexesInIDOrder(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list := func(f audit.Filter, before, lo, hi int64) func() (string, []any) {
		return func() (string, []any) { return listQuery(f, before, lo, hi, 51) }
	}
	tests := []struct {
		name  string
		query func() (string, []any)
		want  []string // each must appear in the plan
	}{
		{"first page", list(audit.Filter{}, 0, 0, 0), []string{"SCAN audit_log"}},
		{"next page", list(audit.Filter{}, 1000, 0, 0), []string{"USING INTEGER PRIMARY KEY (rowid<?)"}},
		{"actor", list(audit.Filter{Actor: "a"}, 1000, 0, 0), []string{"USING INDEX audit_log_actor (actor=? AND id<?)"}},
		{"action", list(audit.Filter{Action: "a"}, 0, 0, 0), []string{"USING INDEX audit_log_action (action=?)"}},
		{"outcome", list(audit.Filter{Outcome: "denied"}, 1000, 0, 0), []string{"USING INDEX audit_log_outcome (outcome=? AND id<?)"}},
		{"time range", list(audit.Filter{}, 0, 100, 200), []string{"USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"}},
		{"actor in time range", list(audit.Filter{Actor: "a"}, 0, 100, 200), []string{"USING INDEX audit_log_actor (actor=? AND id>? AND id<?)"}},
		{"target", list(audit.Filter{Target: "user:alice"}, 1000, 0, 0), []string{
			"MERGE (UNION ALL)",
			"USING INDEX audit_log_target_type (target_type=? AND id<?)",
			"USING INDEX audit_log_target_id (target_id=? AND id<?)",
		}},
		{"time to id", func() (string, []any) {
			return `SELECT id FROM audit_log WHERE time >= ? ORDER BY time LIMIT 1`, []any{""}
		}, []string{"USING COVERING INDEX audit_log_time (time>?)"}},
		{"distinct actors", func() (string, []any) {
			return strings.ReplaceAll(distinctQuery, "col", "actor"), nil
		}, []string{"USING COVERING INDEX audit_log_actor (actor>?)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			query, args := tt.query()
			plan := explain(t, db, query, args...)
			if strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan sorts:\n%s", plan)
			}
			for _, w := range tt.want {
				if !strings.Contains(plan, w) {
					t.Errorf("plan lacks %q:\n%s", w, plan)
				}
			}
			t.Logf("\n%s", plan)
		})
	}
}

func explain(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan.String()
}
