package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stratabackup/strata/internal/usererror"
)

// Page sizes for List.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Store keeps jobs in a [Storage]. It is safe for concurrent use, also by
// several processes sharing one state store.
type Store struct {
	rows Storage
	now  func() time.Time

	mu     sync.Mutex
	wakers []func() // runners of this process, told about new work
}

// StoreOption configures a [Store].
type StoreOption func(*Store)

// WithClock makes the store read the time from now instead of time.Now. For
// tests; runners use the store's clock for leases.
func WithClock(now func() time.Time) StoreOption {
	return func(s *Store) { s.now = now }
}

// NewStore returns a store of the jobs in rows (such as sqlite.NewJobs).
func NewStore(rows Storage, opts ...StoreOption) *Store {
	s := &Store{rows: rows, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// onChange registers f to be called after a change that may give a runner
// work (a new, resumed or canceled job).
func (s *Store) onChange(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wakers = append(s.wakers, f)
}

func (s *Store) changed() {
	s.mu.Lock()
	wakers := s.wakers
	s.mu.Unlock()
	for _, wake := range wakers {
		wake()
	}
}

// Create adds a pending job.
func (s *Store) Create(ctx context.Context, nj NewJob) (Job, error) {
	return s.insert(ctx, nj, StatusPending, "")
}

// CreateFailed records a job that failed before it could start (a
// scheduled backup refused), with the reason for users, so that it shows
// in its schedule's history and alerts like any failure.
func (s *Store) CreateFailed(ctx context.Context, nj NewJob, reason string) (Job, error) {
	return s.insert(ctx, nj, StatusFailed, reason)
}

func (s *Store) insert(ctx context.Context, nj NewJob, status Status, reason string) (Job, error) {
	if nj.Type == "" {
		return Job{}, errors.New("jobs: create: type is required")
	}
	var payload []byte
	if nj.Payload != nil {
		var err error
		if payload, err = json.Marshal(nj.Payload); err != nil {
			return Job{}, fmt.Errorf("jobs: create: payload: %w", err)
		}
	}
	j, err := s.rows.Insert(ctx, nj, payload, status, reason, s.now())
	if err != nil {
		return Job{}, err
	}
	s.changed()
	return j, nil
}

// ScheduleRun names a schedule and the start of its newest run (zero: it
// has not run).
type ScheduleRun struct {
	ScheduleID int64
	Run        time.Time
}

// ScheduleActivity is what a schedule's jobs say of it.
type ScheduleActivity struct {
	Unfinished   int  // its jobs that may still run
	LastFinished *Job // its newest finished job; nil when none has finished
	RunFailed    bool // a job of its newest run failed
	// LastSuccess is when its newest successful job finished; zero when
	// none has.
	LastSuccess time.Time
}

// ScheduleActivity tells, for each schedule of runs, what its jobs say, in
// a few queries for them all; a schedule without jobs has the zero value.
func (s *Store) ScheduleActivity(ctx context.Context, runs []ScheduleRun) (map[int64]ScheduleActivity, error) {
	return s.rows.ScheduleActivity(ctx, runs)
}

// Get returns the job with the given id, or [ErrNotFound].
func (s *Store) Get(ctx context.Context, id int64) (Job, error) {
	return s.rows.Get(ctx, id)
}

// List returns up to limit jobs matching f, newest first, with ids below
// before (0: from the newest). next is the before for the following page,
// or 0 when there is none. limit defaults to DefaultLimit and is capped at
// MaxLimit.
func (s *Store) List(ctx context.Context, f Filter, before int64, limit int) (jobs []Job, next int64, err error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)

	jobs, err = s.rows.List(ctx, f, before, limit+1)
	if err != nil {
		return nil, 0, err
	}
	if len(jobs) > limit {
		jobs = jobs[:limit]
		next = jobs[limit-1].ID
	}
	return jobs, next, nil
}

// Pause asks a job to pause: a pending job is paused at once, a running one
// becomes pause-requested and its worker pauses it at the next chunk
// boundary, keeping its checkpoint.
func (s *Store) Pause(ctx context.Context, id int64) (Job, error) {
	return s.transition(ctx, id, func(j Job) (Status, error) {
		switch j.Status {
		case StatusPending:
			return StatusPaused, nil
		case StatusRunning:
			return StatusPauseRequested, nil
		case StatusPauseRequested, StatusPaused:
			return "", usererror.Errorf("job %d is already %s", j.ID, statusWords(j.Status))
		}
		return "", usererror.Errorf("job %d %s; only pending or running jobs can be paused", j.ID, statusPhrase(j.Status))
	})
}

// Resume lets a paused job run again from its checkpoint. On a job that
// has not reached its pause yet, it withdraws the pause request.
func (s *Store) Resume(ctx context.Context, id int64) (Job, error) {
	return s.transition(ctx, id, func(j Job) (Status, error) {
		switch j.Status {
		case StatusPaused:
			return StatusPending, nil
		case StatusPauseRequested:
			return StatusRunning, nil
		}
		return "", usererror.Errorf("job %d %s; only paused jobs can be resumed", j.ID, statusPhrase(j.Status))
	})
}

// Cancel asks a job to stop and remove its partial work. A job that never
// started is canceled at once; any other becomes cancel-requested, and a
// worker runs its handler's cleanup (status reverting) before it is
// canceled, whether it was running, pending or paused.
func (s *Store) Cancel(ctx context.Context, id int64) (Job, error) {
	return s.transition(ctx, id, func(j Job) (Status, error) {
		switch j.Status {
		case StatusPending:
			if j.Attempt == 0 {
				return StatusCanceled, nil
			}
			return StatusCancelRequested, nil
		case StatusRunning, StatusPauseRequested, StatusPaused:
			return StatusCancelRequested, nil
		case StatusCancelRequested, StatusReverting:
			return "", usererror.Errorf("job %d is already being canceled", j.ID)
		}
		return "", usererror.Errorf("job %d %s; only pending, running or paused jobs can be canceled", j.ID, statusPhrase(j.Status))
	})
}

// transition moves job id to the status next returns for it, in one
// transaction, so it cannot interleave with a worker's claim or finish.
func (s *Store) transition(ctx context.Context, id int64, next func(Job) (Status, error)) (Job, error) {
	j, err := s.rows.Transition(ctx, id, next, s.now())
	if err != nil {
		return Job{}, err
	}
	s.changed()
	return j, nil
}

// statusWords says a status in words: "running", "being canceled".
func statusWords(s Status) string {
	switch s {
	case StatusPauseRequested:
		return "pausing"
	case StatusCancelRequested, StatusReverting:
		return "being canceled"
	}
	return string(s)
}

// statusPhrase says what a job in status s is doing or has done: "is
// running", "has succeeded".
func statusPhrase(s Status) string {
	switch s {
	case StatusSucceeded, StatusFailed:
		return "has " + string(s)
	case StatusCanceled:
		return "has been canceled"
	}
	return "is " + statusWords(s)
}
