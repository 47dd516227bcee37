package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/stratabackup/strata/internal/usererror"
)

// Handler runs jobs of one type. Run does the work in chunks: after each
// chunk it calls ctl.Checkpoint and then ctl.Boundary, and returns what
// Boundary returns when that is an error. A job is run again from its last
// checkpoint after a pause, a stop or a crash (job.Attempt > 1), so Run
// must resume from job.Checkpoint, or fail with a [*usererror.Error] that
// says why it cannot. When Boundary returns ErrCancelRequested, Run calls
// ctl.Reverting, removes its partial work and returns ErrCancelRequested.
//
// Run's outcome sets the job's status: nil succeeded; ErrPauseRequested
// paused; ErrCancelRequested canceled; any other error failed, with the
// error's message for users (see [usererror.Message]) if it has one and a
// generic one (the detail is logged) if not. When ctx was canceled because the runner is stopping, the
// job keeps its status and is resumed from its checkpoint on the next start.
type Handler interface {
	Run(ctx context.Context, job Job, ctl *Control) error
}

// HandlerFunc adapts a function to a [Handler].
type HandlerFunc func(ctx context.Context, job Job, ctl *Control) error

func (f HandlerFunc) Run(ctx context.Context, job Job, ctl *Control) error { return f(ctx, job, ctl) }

// Runner runs jobs from a [Store] with a bounded pool of workers. Each
// claimed job is leased to the runner and the lease renewed by heartbeats;
// a job whose lease expires (its console was killed) is adopted by any
// runner sharing the store. Register handlers, then Start.
type Runner struct {
	store   *Store
	owner   string
	workers int
	log     *slog.Logger

	lease            time.Duration
	heartbeat        time.Duration
	pollInterval     time.Duration
	progressInterval time.Duration
	interruptGrace   time.Duration

	handlers map[string]Handler
	wake     chan struct{}

	mu      sync.Mutex
	started bool
	stop    context.CancelCauseFunc // nil when not running
	running sync.WaitGroup
}

// RunnerOption configures a [Runner].
type RunnerOption func(*Runner)

// WithLease sets how long a claim lasts without a heartbeat (default 30s):
// how long a killed console's jobs wait before another runner adopts them.
func WithLease(d time.Duration) RunnerOption { return func(r *Runner) { r.lease = d } }

// WithHeartbeat sets how often a running job's lease is renewed (default
// 10s). It must be well below the lease.
func WithHeartbeat(d time.Duration) RunnerOption { return func(r *Runner) { r.heartbeat = d } }

// WithPollInterval sets how often idle workers look for work (default 1s).
// Jobs created, resumed or canceled through the runner's store wake them
// at once.
func WithPollInterval(d time.Duration) RunnerOption { return func(r *Runner) { r.pollInterval = d } }

// WithProgressInterval sets how often new progress is written (default
// 500ms).
func WithProgressInterval(d time.Duration) RunnerOption {
	return func(r *Runner) { r.progressInterval = d }
}

// WithInterruptGrace sets how long a handler may go without reaching a
// chunk boundary after a pause or cancel was requested before its context
// is canceled (default 30s).
func WithInterruptGrace(d time.Duration) RunnerOption {
	return func(r *Runner) { r.interruptGrace = d }
}

// NewRunner returns a runner of up to workers (default 2) jobs at a time
// from store. owner names this runner in leases (e.g. host and process id;
// one is made up when empty).
func NewRunner(store *Store, owner string, workers int, log *slog.Logger, opts ...RunnerOption) *Runner {
	if owner == "" {
		host, _ := os.Hostname()
		owner = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	if workers <= 0 {
		workers = 2
	}
	if log == nil {
		log = slog.Default()
	}
	r := &Runner{
		store: store, owner: owner, workers: workers, log: log,
		lease:            30 * time.Second,
		heartbeat:        10 * time.Second,
		pollInterval:     time.Second,
		progressInterval: 500 * time.Millisecond,
		interruptGrace:   30 * time.Second,
		handlers:         map[string]Handler{},
		wake:             make(chan struct{}, 1),
	}
	for _, opt := range opts {
		opt(r)
	}
	if r.heartbeat >= r.lease {
		panic("jobs: the heartbeat must be shorter than the lease")
	}
	store.onChange(r.Wake)
	return r
}

// Register sets the handler for jobs of jobType. Call it before Start: the
// runner only claims jobs of registered types.
func (r *Runner) Register(jobType string, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		panic("jobs: Register after Start")
	}
	r.handlers[jobType] = h
}

// Wake makes an idle worker look for work now instead of at its next poll.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Start starts the workers. Jobs that a stopped or killed console left
// started are adopted (or failed when no handler here can run them), and
// resumed from their checkpoints. The runner stops when ctx ends or Stop
// is called. A runner starts once; later calls do nothing.
func (r *Runner) Start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return
	}
	r.started = true
	ctx, r.stop = context.WithCancelCause(ctx)
	r.reviewAbandoned(ctx)
	for range r.workers {
		r.running.Go(func() { r.work(ctx) })
	}
}

// Stop cancels the running handlers' contexts and waits, until ctx ends,
// for them to return. Their jobs keep their status and their leases are
// released, so the next runner to start adopts them at once.
func (r *Runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	stop := r.stop
	r.stop = nil
	r.mu.Unlock()
	if stop == nil {
		return nil
	}
	stop(errStopping)
	done := make(chan struct{})
	go func() {
		r.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("jobs: stop: handlers still running: %w", ctx.Err())
	}
}

// reviewAbandoned logs the jobs a stopped or killed worker left started and that
// the workers will adopt, and fails those no handler here can run.
func (r *Runner) reviewAbandoned(ctx context.Context) {
	jobs, err := r.store.abandoned(ctx)
	if err != nil {
		r.log.Error("jobs: look for abandoned jobs", "err", err)
		return
	}
	for _, j := range jobs {
		if _, ok := r.handlers[j.Type]; ok {
			r.log.Info("jobs: adopting a job whose worker stopped", "job", j.ID, "type", j.Type,
				"status", j.Status, "attempt", j.Attempt, "previous_owner", j.LeaseOwner)
			continue
		}
		reason := fmt.Sprintf("the console stopped while this job ran, and it cannot run %s jobs any more", j.Type)
		if err := r.store.failAbandoned(ctx, j, reason); err != nil {
			r.log.Error("jobs: fail abandoned job", "job", j.ID, "err", err)
			continue
		}
		r.log.Warn("jobs: failed an abandoned job with no handler", "job", j.ID, "type", j.Type)
	}
}

func (r *Runner) types() []string {
	var types []string
	for t := range r.handlers {
		types = append(types, t)
	}
	slices.Sort(types)
	return types
}

// work is one worker: it claims and runs jobs until ctx ends.
func (r *Runner) work(ctx context.Context) {
	types := r.types()
	for ctx.Err() == nil {
		job, ok, err := r.store.claim(ctx, r.owner, types, r.lease)
		if err != nil && ctx.Err() == nil {
			r.log.Error("jobs: claim", "err", err)
		}
		if ok {
			r.Wake() // there may be more work for an idle worker
			r.run(ctx, job)
			continue
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-time.After(r.pollInterval):
		}
	}
}

// run runs one claimed job to its outcome.
func (r *Runner) run(runCtx context.Context, job Job) {
	log := r.log.With("job", job.ID, "type", job.Type, "attempt", job.Attempt)
	if job.Attempt > 1 {
		log.Info("jobs: resuming job", "status", job.Status)
	} else {
		log.Info("jobs: starting job")
	}
	ctx, cancel := context.WithCancelCause(runCtx)
	defer cancel(nil)
	ctl := newControl(r, job, ctx, cancel)
	handlerDone := make(chan struct{})
	keepAliveDone := make(chan struct{})
	go func() {
		defer close(keepAliveDone)
		ctl.keepAlive(handlerDone)
	}()

	err := r.call(ctx, job, ctl, log)
	close(handlerDone)
	<-keepAliveDone
	cause := context.Cause(ctx)

	// Writes from here on must happen even while the runner is stopping.
	wctx, cancelWrite := context.WithTimeout(context.WithoutCancel(runCtx), 30*time.Second)
	defer cancelWrite()
	ctl.mu.Lock()
	p := ctl.progress
	ctl.mu.Unlock()

	var to Status
	var from []Status
	var msg string
	switch {
	case errors.Is(cause, ErrLeaseLost) || errors.Is(err, ErrLeaseLost):
		log.Warn("jobs: lost the job's lease to another worker; it carries on", "err", err)
		return
	case err == nil:
		// Not from reverting: the handler has begun removing its output.
		to, from = StatusSucceeded, []Status{StatusRunning, StatusPauseRequested, StatusCancelRequested}
		p.Fraction = 1
	case errors.Is(err, ErrPauseRequested):
		to, from = StatusPaused, []Status{StatusPauseRequested}
	case errors.Is(err, ErrCancelRequested):
		to, from = StatusCanceled, []Status{StatusCancelRequested, StatusReverting}
	case cause != nil:
		// Stopping or interrupted: claim it again later, from the checkpoint.
		if err := r.store.release(wctx, ctl.lease); err != nil {
			log.Error("jobs: release lease", "err", err)
			return
		}
		log.Info("jobs: job stopped; released its lease", "status", job.Status, "reason", cause)
		r.Wake()
		return
	default:
		to, from = StatusFailed, []Status{StatusRunning, StatusPauseRequested, StatusCancelRequested, StatusReverting}
		msg = userMessage(err)
	}

	done, ferr := r.store.finish(wctx, ctl.lease, to, from, p, msg)
	switch {
	case ferr != nil:
		// The lease expires and the job is run again from its checkpoint.
		log.Error("jobs: record outcome", "status", to, "err", ferr)
	case done && to == StatusFailed:
		log.Error("jobs: job failed", "err", err)
	case done:
		log.Info("jobs: job finished", "status", to)
	default:
		// The user changed the status meanwhile (e.g. resumed a pausing job
		// or canceled it): claim it again to act on the new status.
		if err := r.store.release(wctx, ctl.lease); err != nil {
			log.Error("jobs: release lease", "err", err)
		}
		r.Wake()
	}
}

// call runs the handler, turning a panic into an error.
func (r *Runner) call(ctx context.Context, job Job, ctl *Control, log *slog.Logger) (err error) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("jobs: handler panicked", "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("jobs: handler panicked: %v", v)
		}
	}()
	if job.Unreadable != "" {
		return usererror.Errorf("this job cannot be read from the state store (%s), so it was not run", job.Unreadable)
	}
	return r.handlers[job.Type].Run(ctx, job, ctl)
}
