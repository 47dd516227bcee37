package jobs

import (
	"context"
	"time"
)

// Storage is what a [Store] needs from the state store. Its times are the
// Store's clock. Get and Transition return [ErrNotFound] for a job that
// does not exist; the methods that take a [Lease] change the job only
// while that lease holds it, and return [ErrLeaseLost] otherwise.
type Storage interface {
	// Insert stores a new job with status and, as its error, reason; one
	// not pending is finished at now. payload is JSON, or nil for none.
	Insert(ctx context.Context, nj NewJob, payload []byte, status Status, reason string, now time.Time) (Job, error)
	Get(ctx context.Context, id int64) (Job, error)
	// List returns up to limit jobs matching f, newest first, with ids
	// below before (0: from the newest).
	List(ctx context.Context, f Filter, before int64, limit int) ([]Job, error)
	// Transition moves job id to the status next returns for it (failing
	// with next's error as is), in one transaction; a terminal status
	// finishes the job at now.
	Transition(ctx context.Context, id int64, next func(Job) (Status, error), now time.Time) (Job, error)

	// Claim leases to owner until until the oldest job of one of types that
	// wants a worker: a pending one, or one started whose lease has expired.
	// A pending job becomes running, an adopted one keeps its status. ok is
	// false when there is no such job.
	Claim(ctx context.Context, owner string, types []string, now, until time.Time) (j Job, ok bool, err error)
	Status(ctx context.Context, l Lease) (Status, error)
	// SaveProgress writes p, and checkpoint unless it is nil, extends the
	// lease until until, and returns the job's status.
	SaveProgress(ctx context.Context, l Lease, p Progress, checkpoint []byte, now, until time.Time) (Status, error)
	// SetReverting moves a cancel-requested job to reverting.
	SetReverting(ctx context.Context, l Lease, now time.Time) error
	SetResult(ctx context.Context, l Lease, result []byte, now time.Time) error
	// Finish moves the job to status to with p and errMsg, if its status is
	// one of from, and ends the lease. done is false when its status was
	// another.
	Finish(ctx context.Context, l Lease, to Status, from []Status, p Progress, errMsg string, now time.Time) (done bool, err error)
	// Release lets the lease expire at now.
	Release(ctx context.Context, l Lease, now time.Time) error
	// Abandoned returns the started jobs whose lease expired by now, oldest first.
	Abandoned(ctx context.Context, now time.Time) ([]Job, error)
	// FailAbandoned fails j, if it is still started and its lease (as j
	// has it) expired by now, with reason as its error.
	FailAbandoned(ctx context.Context, j Job, reason string, now time.Time) error

	// ScheduleActivity tells, for each schedule of runs, what its jobs say,
	// in a number of queries bounded by the number of schedules, not of
	// jobs.
	ScheduleActivity(ctx context.Context, runs []ScheduleRun) (map[int64]ScheduleActivity, error)
}
