package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Why a running handler's context is canceled, besides ErrLeaseLost. Like
// it they match context.Canceled: stop now, keep the job's state as it is.
var (
	errStopping    = fmt.Errorf("jobs: the console is stopping; the job resumes when it starts again: %w", context.Canceled)
	errInterrupted = fmt.Errorf("jobs: interrupted: a pause or cancel was requested and the job did not reach a chunk boundary in time: %w", context.Canceled)
)

// Control is a running handler's link to its job: it reports progress,
// saves checkpoints, and tells the handler at chunk boundaries whether to
// pause or cancel. Its methods are safe for concurrent use.
type Control struct {
	r       *Runner
	lease   Lease
	ctx     context.Context // the handler's
	cancel  context.CancelCauseFunc
	writeMu sync.Mutex // orders progress snapshots and their writes

	mu          sync.Mutex
	progress    Progress
	dirty       bool      // progress not written yet
	lastWrite   time.Time // when the lease was last extended
	told        bool      // a Boundary has told the handler to pause or cancel
	requestedAt time.Time // when a pause or cancel the handler has not been told of was first seen
}

func newControl(r *Runner, j Job, ctx context.Context, cancel context.CancelCauseFunc) *Control {
	return &Control{
		r:         r,
		lease:     Lease{j.ID, j.LeaseOwner, j.Attempt},
		ctx:       ctx,
		cancel:    cancel,
		progress:  progressOf(j),
		lastWrite: time.Now(),
	}
}

// Progress records what the handler is doing and how far it is. The
// fraction completed is bytesDone/bytesTotal, or rowsDone/rowsTotal when
// bytesTotal is 0. It is written to the store at most every progress
// interval (500ms by default) and with every checkpoint.
func (c *Control) Progress(phase string, bytesDone, bytesTotal, rowsDone, rowsTotal int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := Progress{phase, c.progress.Fraction, bytesDone, bytesTotal, rowsDone, rowsTotal}
	switch {
	case bytesTotal > 0:
		p.Fraction = float64(bytesDone) / float64(bytesTotal)
	case rowsTotal > 0:
		p.Fraction = float64(rowsDone) / float64(rowsTotal)
	}
	p.Fraction = min(max(p.Fraction, 0), 1)
	c.progress, c.dirty = p, true
}

// Checkpoint durably saves v (as JSON) as the job's resume state, together
// with the progress so far. Call it after every chunk: a resumed or adopted
// job gets it back in Job.Checkpoint.
func (c *Control) Checkpoint(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("jobs: checkpoint: %w", err)
	}
	_, err = c.save(data)
	return err
}

// Boundary is called between chunks, after the checkpoint. It returns
// ErrPauseRequested or ErrCancelRequested when the user asked for that: the
// handler then returns the error, after removing its partial work in the
// case of a cancel (see Reverting). Any other error it returns matches
// context.Canceled: the console is stopping, the handler was interrupted,
// or the lease was lost. The handler must then return at once without
// cleaning up, since the job will run again from its checkpoint (possibly
// in another worker). Otherwise Boundary returns nil and the handler goes on.
func (c *Control) Boundary(ctx context.Context) error {
	if err := context.Cause(c.ctx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	st, err := c.r.store.status(ctx, c.lease)
	if errors.Is(err, ErrLeaseLost) {
		c.cancel(ErrLeaseLost)
		return ErrLeaseLost
	}
	if err != nil {
		// A pause or cancel waits for the next boundary rather than a
		// passing database error failing the job; a lost lease shows up
		// in the next heartbeat.
		c.r.log.Warn("jobs: read status at boundary", "job", c.lease.JobID, "err", err)
		return nil
	}
	var ask error
	switch st {
	case StatusPauseRequested:
		ask = ErrPauseRequested
	case StatusCancelRequested, StatusReverting:
		ask = ErrCancelRequested
	default:
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// An interrupt may have won the race; then the handler must stop
	// rather than start cleaning up with a canceled context.
	if err := context.Cause(c.ctx); err != nil {
		return err
	}
	c.told = true
	return ask
}

// Reverting records that the handler, told to cancel, is now removing its
// partial work: the job's status becomes reverting until it returns.
func (c *Control) Reverting() {
	c.mu.Lock()
	c.told = true
	c.mu.Unlock()
	err := c.r.store.setReverting(context.WithoutCancel(c.ctx), c.lease)
	c.noteWriteErr("set reverting", err)
}

// SetResult saves v (as JSON) as the job's output, e.g. the backup's path.
func (c *Control) SetResult(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("jobs: result: %w", err)
	}
	err = c.r.store.setResult(context.WithoutCancel(c.ctx), c.lease, data)
	c.noteWriteErr("save result", err)
	return err
}

// save writes the progress, and checkpoint unless it is nil, and extends
// the lease. Writes go on after the handler's context is canceled: a
// handler that is being stopped may still save its last checkpoint.
func (c *Control) save(checkpoint []byte) (Status, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.Lock()
	p := c.progress
	c.dirty = false
	c.mu.Unlock()

	st, err := c.r.store.saveProgress(context.WithoutCancel(c.ctx), c.lease, p, checkpoint, c.r.lease)
	if err != nil {
		c.mu.Lock()
		c.dirty = true
		c.mu.Unlock()
		c.noteWriteErr("save progress", err)
		return "", err
	}
	c.mu.Lock()
	c.lastWrite = time.Now()
	c.mu.Unlock()
	c.watch(st)
	return st, nil
}

func (c *Control) noteWriteErr(what string, err error) {
	switch {
	case err == nil:
	case errors.Is(err, ErrLeaseLost):
		c.cancel(ErrLeaseLost)
	default:
		c.r.log.Warn("jobs: "+what, "job", c.lease.JobID, "err", err)
	}
}

// keepAlive writes progress when there is new progress and renews the lease
// every heartbeat, until done is closed or the handler's context ends.
// Once the context ends the lease is no longer renewed: a handler that
// ignores its context loses the job when the lease expires.
func (c *Control) keepAlive(done <-chan struct{}) {
	tick := time.NewTicker(min(c.r.progressInterval, c.r.heartbeat))
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-c.ctx.Done():
			return
		case <-tick.C:
		}
		c.mu.Lock()
		due := c.dirty || time.Since(c.lastWrite) >= c.r.heartbeat
		c.mu.Unlock()
		if due {
			c.save(nil)
		}
	}
}

// watch interrupts a handler that has not reached a boundary within the
// interrupt grace after a pause or cancel was requested (a chunk stuck on
// a lock, say). Its job is then claimed again at once, and the new run's
// first Boundary tells it to pause or cancel.
func (c *Control) watch(st Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.told || st != StatusPauseRequested && st != StatusCancelRequested && st != StatusReverting {
		c.requestedAt = time.Time{}
		return
	}
	if c.requestedAt.IsZero() {
		c.requestedAt = time.Now()
		return
	}
	if time.Since(c.requestedAt) >= c.r.interruptGrace {
		c.r.log.Warn("jobs: interrupting a job that did not reach a boundary after a request",
			"job", c.lease.JobID, "status", st, "grace", c.r.interruptGrace)
		c.cancel(errInterrupted)
	}
}
