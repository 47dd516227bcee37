package server

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/web/templates"
)

// triggersRestoredNotice is how long the audit page warns that the
// append-only triggers were restored (the entry stays in the log).
const triggersRestoredNotice = 30 * 24 * time.Hour

// auditChecker verifies the audit hash chain in the background and on demand,
// and remembers the newest result for the pages.
type auditChecker struct {
	audit  *audit.Log
	log    *slog.Logger
	mu     sync.Mutex // one verification at a time
	status atomic.Pointer[templates.ChainStatus]
}

func newAuditChecker(a *audit.Log, log *slog.Logger) *auditChecker {
	return &auditChecker{audit: a, log: log}
}

// Status is the newest result (Checked is false before the first run).
func (cc *auditChecker) Status() templates.ChainStatus {
	if s := cc.status.Load(); s != nil {
		return *s
	}
	return templates.ChainStatus{}
}

// Verify walks the whole chain now.
func (cc *auditChecker) Verify(ctx context.Context) (templates.ChainStatus, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	start := time.Now()
	r, err := cc.audit.Verify(ctx)
	if err != nil {
		return templates.ChainStatus{}, err
	}
	st := templates.ChainStatus{Checked: true, OK: r.OK, Entries: r.Checked, At: time.Now().UTC(), Problems: r.Problems,
		Anchors: r.Anchors, Duration: time.Since(start).Round(time.Millisecond)}
	if !r.OK {
		cc.log.Error("audit chain is broken", "first_bad_id", r.FirstBadID, "problems", r.Problems)
	}
	restored, _, err := cc.audit.List(ctx, audit.Filter{Action: audit.ActionTriggersRestored}, 0, 1)
	if err != nil {
		return templates.ChainStatus{}, err
	}
	if len(restored) > 0 && time.Since(restored[0].Time) < triggersRestoredNotice {
		st.TriggersRestored = &restored[0]
	}
	cc.status.Store(&st)
	return st, nil
}

// Loop verifies at once and then every interval until ctx ends.
func (cc *auditChecker) Loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := cc.Verify(ctx); err != nil && ctx.Err() == nil {
			cc.log.Error("audit chain verification failed to run", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
