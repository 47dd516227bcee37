package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stratabackup/strata/internal/audit"
)

// auditTriggers are what make audit_log append-only (migration 00002).
var auditTriggers = []string{"audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace"}

// TriggerProblems implements [audit.Store].
func (a *Audit) TriggerProblems(ctx context.Context) ([]audit.TriggerProblem, error) {
	return triggerProblems(ctx, a.db)
}

func triggerProblems(ctx context.Context, q querier) ([]audit.TriggerProblem, error) {
	var problems []audit.TriggerProblem
	for _, name := range auditTriggers {
		want, err := TriggerSQL(name)
		if err != nil {
			return nil, err
		}
		var got string
		err = q.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?`, name).Scan(&got)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			problems = append(problems, audit.TriggerProblem{Name: name, Missing: true})
		case err != nil:
			return nil, fmt.Errorf("audit: read trigger %s: %w", name, err)
		case got != want:
			problems = append(problems, audit.TriggerProblem{Name: name})
		}
	}
	return problems, nil
}

// RestoreTriggers implements [audit.Store].
func (a *Audit) RestoreTriggers(ctx context.Context, record func([]audit.TriggerProblem, audit.Head) ([]audit.Row, error)) ([]audit.TriggerProblem, error) {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	problems, err := triggerProblems(ctx, tx)
	if err != nil || len(problems) == 0 {
		return nil, err
	}
	for _, p := range problems {
		create, err := TriggerSQL(p.Name)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER IF EXISTS `+p.Name); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, create); err != nil {
			return nil, err
		}
	}
	err = appendRows(ctx, tx, func(h audit.Head) ([]audit.Row, error) { return record(problems, h) })
	if err != nil {
		return nil, err
	}
	return problems, tx.Commit()
}
