package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	store "github.com/stratabackup/strata/internal/store/sqlite"
)

// triggers are what make audit_log append-only (migration 00002).
var triggers = []string{"audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace"}

// TriggerProblem is an append-only trigger that is not as its migration
// made it.
type TriggerProblem struct {
	Name    string
	Missing bool // dropped; otherwise redefined
}

func (p TriggerProblem) String() string {
	if p.Missing {
		return fmt.Sprintf("trigger %s is missing: the audit log is not append-only (the console restores it when it starts)", p.Name)
	}
	return fmt.Sprintf("trigger %s differs from its migration: the audit log may not be append-only (the console restores it when it starts)", p.Name)
}

// querier is what triggerProblems reads with: the db or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// TriggerProblems returns the append-only triggers that are missing or
// redefined.
func (l *Log) TriggerProblems(ctx context.Context) ([]TriggerProblem, error) {
	return triggerProblems(ctx, l.db)
}

func triggerProblems(ctx context.Context, q querier) ([]TriggerProblem, error) {
	var problems []TriggerProblem
	for _, name := range triggers {
		want, err := store.TriggerSQL(name)
		if err != nil {
			return nil, err
		}
		var got string
		err = q.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?`, name).Scan(&got)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			problems = append(problems, TriggerProblem{Name: name, Missing: true})
		case err != nil:
			return nil, fmt.Errorf("audit: read trigger %s: %w", name, err)
		case got != want:
			problems = append(problems, TriggerProblem{Name: name})
		}
	}
	return problems, nil
}

// RestoreTriggers creates again, as their migration does, the append-only
// triggers that are missing or redefined, and records that in an entry by
// the actor by names (Actor, Role, Source, ClientAddr), in one transaction.
// It returns what it restored: nothing when every trigger was in place.
func (l *Log) RestoreTriggers(ctx context.Context, by Entry) ([]TriggerProblem, error) {
	problems, entry, err := l.restoreTriggers(ctx, by)
	if err != nil {
		return nil, fmt.Errorf("audit: restore triggers: %w", err)
	}
	if len(problems) > 0 {
		l.checkpointIfDue(ctx, entry.ID)
	}
	return problems, nil
}

func (l *Log) restoreTriggers(ctx context.Context, by Entry) ([]TriggerProblem, Entry, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, Entry{}, err
	}
	defer tx.Rollback()
	problems, err := triggerProblems(ctx, tx)
	if err != nil || len(problems) == 0 {
		return nil, Entry{}, err
	}
	names := make([]string, len(problems))
	for i, p := range problems {
		names[i] = p.Name
		create, err := store.TriggerSQL(p.Name)
		if err != nil {
			return nil, Entry{}, err
		}
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER IF EXISTS `+p.Name); err != nil {
			return nil, Entry{}, err
		}
		if _, err := tx.ExecContext(ctx, create); err != nil {
			return nil, Entry{}, err
		}
	}
	by.Action, by.TargetType, by.TargetID, by.Outcome = ActionTriggersRestored, "audit_log", "", OutcomeOK
	by.Params = map[string]any{"triggers": names}
	by.Message = fmt.Sprintf("found %s; restored %s", problemList(problems), pluralIt(len(problems)))
	stored, err := l.AppendTx(ctx, tx, by)
	if err != nil {
		return nil, Entry{}, err
	}
	return problems, stored[0], tx.Commit()
}

// problemList names the triggers for a sentence: "audit_log_no_delete
// missing, audit_log_no_update redefined".
func problemList(problems []TriggerProblem) string {
	parts := make([]string, len(problems))
	for i, p := range problems {
		state := "redefined"
		if p.Missing {
			state = "missing"
		}
		parts[i] = p.Name + " " + state
	}
	return strings.Join(parts, ", ")
}

func pluralIt(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
