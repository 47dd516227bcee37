package engine

import (
	"context"
	"time"
)

// MaxPausedSnapshot bounds how long a paused backup keeps its snapshot. A
// held snapshot holds back VACUUM on the whole source cluster (its xmin),
// keeps the backup's ACCESS SHARE locks (blocking DDL on those tables), and
// with a replication slot keeps WAL from being recycled. After this long the
// snapshot is released and the slot dropped; resuming the job then fails
// with "snapshot lost" and removes the partial files.
var MaxPausedSnapshot = 24 * time.Hour

// heldBackup is a paused backup's open snapshot, kept until resume or cancel.
// Only the snapshot's connections stay open (the replication connection,
// idle, and the meta transaction with the locks); the COPY workers are
// closed and reconnect on resume.
type heldBackup struct {
	run   *backupRun
	timer *time.Timer
}

// hold keeps run's snapshot for a later resume of job jobID.
func (e *Engine) hold(jobID string, run *backupRun) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if old := e.held[jobID]; old != nil && old.run != run {
		// Cannot happen with one runner per job; never leak a slot if it does.
		old.timer.Stop()
		go old.run.snap.release(context.Background(), e, true)
	}
	h := &heldBackup{run: run}
	h.timer = time.AfterFunc(MaxPausedSnapshot, func() {
		if r := e.takeHeld(jobID); r == run {
			e.log.Warn("paused backup held its snapshot too long; releasing it (resuming the job will fail)", "job", jobID, "after", MaxPausedSnapshot)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			r.snap.release(ctx, e, true)
		}
	})
	e.held[jobID] = h
}

// takeHeld removes and returns the paused backup of job jobID, or nil.
func (e *Engine) takeHeld(jobID string) *backupRun {
	e.mu.Lock()
	defer e.mu.Unlock()
	h := e.held[jobID]
	if h == nil {
		return nil
	}
	h.timer.Stop()
	delete(e.held, jobID)
	return h.run
}

// ReleaseHeld releases every paused backup's snapshot and drops their
// replication slots, for a console that is shutting down: the snapshots die
// with the process anyway, but the slots would stay and keep WAL. Resuming
// those jobs later fails with "snapshot lost" and removes their partial
// files.
func (e *Engine) ReleaseHeld(ctx context.Context) {
	e.mu.Lock()
	ids := make([]string, 0, len(e.held))
	for id := range e.held {
		ids = append(ids, id)
	}
	e.mu.Unlock()
	for _, id := range ids {
		if r := e.takeHeld(id); r != nil {
			r.snap.release(ctx, e, true)
		}
	}
}
