package jobs

import (
	"context"
	"time"
)

// The store's side of running jobs: claims, and the writes of the worker
// holding a claim.

// Lease identifies one claim of a job. Every write a worker makes is fenced
// by it, so a worker whose job was adopted by another after its lease
// expired changes nothing and learns ErrLeaseLost.
type Lease struct {
	JobID   int64
	Owner   string
	Attempt int
}

// Progress is what a handler reported with Control.Progress.
type Progress struct {
	Phase                 string
	Fraction              float64
	BytesDone, BytesTotal int64
	RowsDone, RowsTotal   int64
}

func progressOf(j Job) Progress {
	return Progress{j.Phase, j.FractionCompleted, j.BytesDone, j.BytesTotal, j.RowsDone, j.RowsTotal}
}

// claim leases the oldest job of one of types that wants a worker to owner
// for d: a pending job becomes running; a job adopted from a stopped worker
// keeps its status, so its handler sees a pause or cancel request at its
// first boundary. ok is false when there is no such job.
func (s *Store) claim(ctx context.Context, owner string, types []string, d time.Duration) (j Job, ok bool, err error) {
	now := s.now()
	return s.rows.Claim(ctx, owner, types, now, now.Add(d))
}

// status returns the status of the job l holds.
func (s *Store) status(ctx context.Context, l Lease) (Status, error) {
	return s.rows.Status(ctx, l)
}

// saveProgress writes p, and checkpoint unless it is nil, and extends the
// lease to now+d. It returns the job's status, so the worker learns of pause
// and cancel requests.
func (s *Store) saveProgress(ctx context.Context, l Lease, p Progress, checkpoint []byte, d time.Duration) (Status, error) {
	now := s.now()
	return s.rows.SaveProgress(ctx, l, p, checkpoint, now, now.Add(d))
}

// setReverting moves a cancel-requested job to reverting.
func (s *Store) setReverting(ctx context.Context, l Lease) error {
	return s.rows.SetReverting(ctx, l, s.now())
}

func (s *Store) setResult(ctx context.Context, l Lease, result []byte) error {
	return s.rows.SetResult(ctx, l, result, s.now())
}

// finish moves the job l holds to status to, if its status is one of from,
// and gives up the lease. done is false when the status was another (the
// user changed it meanwhile); the caller then releases the lease so that
// the job is claimed again in its new status.
func (s *Store) finish(ctx context.Context, l Lease, to Status, from []Status, p Progress, errMsg string) (done bool, err error) {
	return s.rows.Finish(ctx, l, to, from, p, errMsg, s.now())
}

// release lets the lease expire now, so that a worker claims the job again
// at once, in whatever status it has.
func (s *Store) release(ctx context.Context, l Lease) error {
	return s.rows.Release(ctx, l, s.now())
}

// abandoned returns the started jobs whose lease has expired: their worker
// stopped or died.
func (s *Store) abandoned(ctx context.Context) ([]Job, error) {
	return s.rows.Abandoned(ctx, s.now())
}

// failAbandoned fails an abandoned job that no runner of this process can
// adopt, so that it is not left looking as if it were running.
func (s *Store) failAbandoned(ctx context.Context, j Job, reason string) error {
	return s.rows.FailAbandoned(ctx, j, reason, s.now())
}
