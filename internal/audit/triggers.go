package audit

import (
	"context"
	"fmt"
	"strings"
)

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

// TriggerProblems returns the append-only triggers that are missing or
// redefined.
func (l *Log) TriggerProblems(ctx context.Context) ([]TriggerProblem, error) {
	return l.store.TriggerProblems(ctx)
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
	var stored []Entry
	problems, err := l.store.RestoreTriggers(ctx, func(problems []TriggerProblem, head Head) (rows []Row, err error) {
		names := make([]string, len(problems))
		for i, p := range problems {
			names[i] = p.Name
		}
		by.Action, by.TargetType, by.TargetID, by.Outcome = ActionTriggersRestored, "audit_log", "", OutcomeOK
		by.Params = map[string]any{"triggers": names}
		by.Message = fmt.Sprintf("found %s; restored %s", problemList(problems), pluralIt(len(problems)))
		rows, stored, err = l.chain(head, []Entry{by})
		return rows, err
	})
	if err != nil || len(problems) == 0 {
		return nil, Entry{}, err
	}
	return problems, stored[0], nil
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
