package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	store "github.com/stratabackup/strata/internal/store/sqlite"
)

// The store's side of running jobs: claims, and the writes of the worker
// holding a claim.

// lease identifies one claim of a job. Every write a worker makes is fenced
// by it (see the attempt column), so a worker whose job was adopted by
// another after its lease expired changes nothing and learns ErrLeaseLost.
type lease struct {
	jobID   int64
	owner   string
	attempt int
}

const fenced = `id = ? AND lease_owner = ? AND attempt = ?`

func (l lease) args(before ...any) []any { return append(before, l.jobID, l.owner, l.attempt) }

// progress is what a handler reported with Control.Progress.
type progress struct {
	phase                 string
	fraction              float64
	bytesDone, bytesTotal int64
	rowsDone, rowsTotal   int64
}

func progressOf(j Job) progress {
	return progress{j.Phase, j.FractionCompleted, j.BytesDone, j.BytesTotal, j.RowsDone, j.RowsTotal}
}

func (p progress) args() []any {
	return []any{p.phase, p.fraction, p.bytesDone, p.bytesTotal, p.rowsDone, p.rowsTotal}
}

const setProgress = `phase = ?, fraction_completed = ?, bytes_done = ?, bytes_total = ?, rows_done = ?, rows_total = ?`

// Statuses in which a job wants a worker: pending ones to start, the others
// only when no live lease holds them (their worker stopped or died).
const wantsWorker = `status IN ('pending', 'running', 'pause-requested', 'cancel-requested', 'reverting')`

// Statuses of a job a worker has started and not finished.
const started = `status IN ('running', 'pause-requested', 'cancel-requested', 'reverting')`

// claim leases the oldest job of one of types that wants a worker to owner
// until now+d: a pending job becomes running; a job adopted from a stopped
// worker keeps its status, so its handler sees a pause or cancel request at
// its first boundary. ok is false when there is no such job.
func (s *Store) claim(ctx context.Context, owner string, types []string, d time.Duration) (j Job, ok bool, err error) {
	if len(types) == 0 {
		return Job{}, false, nil
	}
	now := s.now()
	args := []any{store.Time(now), store.Time(now), owner, store.Time(now.Add(d)), store.Time(now), store.Time(now)}
	for _, t := range types {
		args = append(args, t)
	}
	// The transaction takes the write lock at BEGIN, so two runners (even in
	// two processes) cannot both see the same job as free.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Job{}, false, fmt.Errorf("jobs: claim: %w", err)
	}
	defer tx.Rollback()
	j, err = scanJob(tx.QueryRowContext(ctx, `UPDATE jobs SET
			status = CASE status WHEN 'pending' THEN 'running' ELSE status END,
			attempt = attempt + 1,
			started_at = coalesce(started_at, ?),
			run_started_at = ?, run_start_fraction = fraction_completed,
			lease_owner = ?, lease_expires_at = ?, updated_at = ?
		WHERE id = (SELECT id FROM jobs
			WHERE `+wantsWorker+` AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
			AND type IN (?`+strings.Repeat(", ?", len(types)-1)+`)
			ORDER BY id LIMIT 1)
		RETURNING `+jobColumns, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, false, nil
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("jobs: claim: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Job{}, false, fmt.Errorf("jobs: claim: %w", err)
	}
	return j, true, nil
}

// status returns the status of the job l holds.
func (s *Store) status(ctx context.Context, l lease) (Status, error) {
	var st Status
	err := s.db.QueryRowContext(ctx, `SELECT status FROM jobs WHERE `+fenced, l.args()...).Scan(&st)
	return st, leaseErr(err)
}

// saveProgress writes p, and checkpoint unless it is nil, and extends the
// lease to now+d. It returns the job's status, so the worker learns of pause
// and cancel requests.
func (s *Store) saveProgress(ctx context.Context, l lease, p progress, checkpoint []byte, d time.Duration) (Status, error) {
	now := s.now()
	args := append(p.args(), nullJSON(checkpoint), store.Time(now.Add(d)), store.Time(now))
	var st Status
	err := s.db.QueryRowContext(ctx, `UPDATE jobs SET `+setProgress+`,
		checkpoint = coalesce(?, checkpoint), lease_expires_at = ?, updated_at = ?
		WHERE `+fenced+` RETURNING status`, l.args(args...)...).Scan(&st)
	return st, leaseErr(err)
}

// setReverting moves a cancel-requested job to reverting.
func (s *Store) setReverting(ctx context.Context, l lease) error {
	var st Status
	err := s.db.QueryRowContext(ctx, `UPDATE jobs SET updated_at = ?,
		status = CASE status WHEN 'cancel-requested' THEN 'reverting' ELSE status END
		WHERE `+fenced+` RETURNING status`, l.args(store.Time(s.now()))...).Scan(&st)
	return leaseErr(err)
}

func (s *Store) setResult(ctx context.Context, l lease, result []byte) error {
	var id int64
	err := s.db.QueryRowContext(ctx, `UPDATE jobs SET result = ?, updated_at = ? WHERE `+fenced+` RETURNING id`,
		l.args(nullJSON(result), store.Time(s.now()))...).Scan(&id)
	return leaseErr(err)
}

// finish moves the job l holds to status to, if its status is one of from,
// and gives up the lease. done is false when the status was another (the
// user changed it meanwhile); the caller then releases the lease so that
// the job is claimed again in its new status.
func (s *Store) finish(ctx context.Context, l lease, to Status, from []Status, p progress, errMsg string) (done bool, err error) {
	now := store.Time(s.now())
	var finishedAt any
	if to.Terminal() {
		finishedAt = now
	}
	args := append([]any{to, errMsg}, p.args()...)
	args = append(args, finishedAt, now)
	args = l.args(args...)
	for _, st := range from {
		args = append(args, st)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE jobs SET status = ?, error = ?, `+setProgress+`,
		finished_at = ?, updated_at = ?, lease_owner = '', lease_expires_at = NULL
		WHERE `+fenced+` AND status IN (?`+strings.Repeat(", ?", len(from)-1)+`)`, args...)
	if err != nil {
		return false, fmt.Errorf("jobs: finish job %d as %s: %w", l.jobID, to, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// release lets the lease expire now, so that a worker claims the job again
// at once, in whatever status it has.
func (s *Store) release(ctx context.Context, l lease) error {
	var id int64
	err := s.db.QueryRowContext(ctx, `UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE `+fenced+` RETURNING id`,
		l.args(store.Time(s.now()), store.Time(s.now()))...).Scan(&id)
	return leaseErr(err)
}

// abandoned returns the started jobs whose lease has expired: their worker
// stopped or died.
func (s *Store) abandoned(ctx context.Context) ([]Job, error) {
	jobs, err := s.query(ctx, `SELECT `+jobColumns+` FROM jobs
		WHERE `+started+` AND (lease_expires_at IS NULL OR lease_expires_at <= ?) ORDER BY id`, store.Time(s.now()))
	if err != nil {
		return nil, fmt.Errorf("jobs: list abandoned jobs: %w", err)
	}
	return jobs, nil
}

// failAbandoned fails an abandoned job that no runner of this process can
// adopt, so that it is not left looking as if it were running.
func (s *Store) failAbandoned(ctx context.Context, j Job, reason string) error {
	now := store.Time(s.now())
	_, err := s.db.ExecContext(ctx, `UPDATE jobs SET status = 'failed', error = ?, finished_at = ?, updated_at = ?,
		lease_owner = '', lease_expires_at = NULL
		WHERE `+fenced+` AND `+started+` AND (lease_expires_at IS NULL OR lease_expires_at <= ?)`,
		append(lease{j.ID, j.LeaseOwner, j.Attempt}.args(reason, now, now), now)...)
	if err != nil {
		return fmt.Errorf("jobs: fail abandoned job %d: %w", j.ID, err)
	}
	return nil
}

// leaseErr turns "no row matched the fence" into ErrLeaseLost.
func leaseErr(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrLeaseLost
	}
	return err
}
