package audit

import (
	"context"
	"log/slog"
)

// Record appends entry for work that is already done, as the console on
// its own when it names no actor. An entry that cannot be written goes to
// logger: what it records happened all the same.
func (l *Log) Record(ctx context.Context, logger *slog.Logger, entry Entry) {
	if entry.Actor == "" {
		entry.Actor, entry.Source, entry.ClientAddr = "strata", SourceScheduler, "local"
	}
	if entry.Outcome == "" {
		entry.Outcome = OutcomeOK
	}
	if _, err := l.Append(ctx, entry); err != nil {
		logger.Error("audit entry not written", "error", err, "action", entry.Action, "target", entry.TargetID)
	}
}
