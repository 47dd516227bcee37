package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
)

// The jobs' side of running them: claims, and the writes of the worker
// holding a claim. Every write a worker makes is fenced by its lease (see
// the attempt column), so a worker whose job was adopted by another after
// its lease expired changes nothing and learns jobs.ErrLeaseLost.

const fenced = `id = ? AND lease_owner = ? AND attempt = ?`

func leaseArgs(l jobs.Lease, before ...any) []any {
	return append(before, l.JobID, l.Owner, l.Attempt)
}

func progressArgs(p jobs.Progress) []any {
	return []any{p.Phase, p.Fraction, p.BytesDone, p.BytesTotal, p.RowsDone, p.RowsTotal}
}

const setProgress = `phase = ?, fraction_completed = ?, bytes_done = ?, bytes_total = ?, rows_done = ?, rows_total = ?`

// Statuses in which a job wants a worker: pending ones to start, the others
// only when no live lease holds them (their worker stopped or died).
const wantsWorker = `status IN ('pending', 'running', 'pause-requested', 'cancel-requested', 'reverting')`

// Statuses of a job a worker has started and not finished.
const started = `status IN ('running', 'pause-requested', 'cancel-requested', 'reverting')`

// Claim implements [jobs.Storage].
func (s *Jobs) Claim(ctx context.Context, owner string, types []string, now, until time.Time) (jobs.Job, bool, error) {
	if len(types) == 0 {
		return jobs.Job{}, false, nil
	}
	args := append([]any{Time(now), Time(now), owner, Time(until), Time(now), Time(now)}, anys(types)...)
	// The transaction takes the write lock at BEGIN, so two runners (even in
	// two processes) cannot both see the same job as free.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return jobs.Job{}, false, fmt.Errorf("jobs: claim: %w", err)
	}
	defer tx.Rollback()
	j, err := scanJob(tx.QueryRowContext(ctx, `UPDATE jobs SET
			status = CASE status WHEN 'pending' THEN 'running' ELSE status END,
			attempt = attempt + 1,
			started_at = coalesce(started_at, ?),
			run_started_at = ?, run_start_fraction = fraction_completed,
			lease_owner = ?, lease_expires_at = ?, updated_at = ?
		WHERE id = (SELECT id FROM jobs
			WHERE `+wantsWorker+` AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
			AND type IN (`+placeholders(len(types))+`)
			ORDER BY id LIMIT 1)
		RETURNING `+jobColumns, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Job{}, false, nil
	}
	if err != nil {
		return jobs.Job{}, false, fmt.Errorf("jobs: claim: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return jobs.Job{}, false, fmt.Errorf("jobs: claim: %w", err)
	}
	return j, true, nil
}

// Status implements [jobs.Storage].
func (s *Jobs) Status(ctx context.Context, l jobs.Lease) (jobs.Status, error) {
	var st jobs.Status
	err := s.db.QueryRowContext(ctx, `SELECT status FROM jobs WHERE `+fenced, leaseArgs(l)...).Scan(&st)
	return st, leaseErr(err)
}

// SaveProgress implements [jobs.Storage].
func (s *Jobs) SaveProgress(ctx context.Context, l jobs.Lease, p jobs.Progress, checkpoint []byte, now, until time.Time) (jobs.Status, error) {
	args := append(progressArgs(p), nullJSON(checkpoint), Time(until), Time(now))
	var st jobs.Status
	err := s.db.QueryRowContext(ctx, `UPDATE jobs SET `+setProgress+`,
		checkpoint = coalesce(?, checkpoint), lease_expires_at = ?, updated_at = ?
		WHERE `+fenced+` RETURNING status`, leaseArgs(l, args...)...).Scan(&st)
	return st, leaseErr(err)
}

// SetReverting implements [jobs.Storage].
func (s *Jobs) SetReverting(ctx context.Context, l jobs.Lease, now time.Time) error {
	var st jobs.Status
	err := s.db.QueryRowContext(ctx, `UPDATE jobs SET updated_at = ?,
		status = CASE status WHEN 'cancel-requested' THEN 'reverting' ELSE status END
		WHERE `+fenced+` RETURNING status`, leaseArgs(l, Time(now))...).Scan(&st)
	return leaseErr(err)
}

// SetResult implements [jobs.Storage].
func (s *Jobs) SetResult(ctx context.Context, l jobs.Lease, result []byte, now time.Time) error {
	var id int64
	err := s.db.QueryRowContext(ctx, `UPDATE jobs SET result = ?, updated_at = ? WHERE `+fenced+` RETURNING id`,
		leaseArgs(l, nullJSON(result), Time(now))...).Scan(&id)
	return leaseErr(err)
}

// Finish implements [jobs.Storage].
func (s *Jobs) Finish(ctx context.Context, l jobs.Lease, to jobs.Status, from []jobs.Status, p jobs.Progress, errMsg string, now time.Time) (bool, error) {
	var finishedAt any
	if to.Terminal() {
		finishedAt = Time(now)
	}
	args := append([]any{to, errMsg}, progressArgs(p)...)
	args = append(args, finishedAt, Time(now))
	args = append(leaseArgs(l, args...), anys(from)...)
	res, err := s.db.ExecContext(ctx, `UPDATE jobs SET status = ?, error = ?, `+setProgress+`,
		finished_at = ?, updated_at = ?, lease_owner = '', lease_expires_at = NULL
		WHERE `+fenced+` AND status IN (`+placeholders(len(from))+`)`, args...)
	if err != nil {
		return false, fmt.Errorf("jobs: finish job %d as %s: %w", l.JobID, to, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Release implements [jobs.Storage].
func (s *Jobs) Release(ctx context.Context, l jobs.Lease, now time.Time) error {
	var id int64
	err := s.db.QueryRowContext(ctx, `UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE `+fenced+` RETURNING id`,
		leaseArgs(l, Time(now), Time(now))...).Scan(&id)
	return leaseErr(err)
}

// Abandoned implements [jobs.Storage].
func (s *Jobs) Abandoned(ctx context.Context, now time.Time) ([]jobs.Job, error) {
	return list(ctx, s.db, "jobs: list abandoned jobs", scanJob, `SELECT `+jobColumns+` FROM jobs
		WHERE `+started+` AND (lease_expires_at IS NULL OR lease_expires_at <= ?) ORDER BY id`, Time(now))
}

// FailAbandoned implements [jobs.Storage].
func (s *Jobs) FailAbandoned(ctx context.Context, j jobs.Job, reason string, now time.Time) error {
	l := jobs.Lease{JobID: j.ID, Owner: j.LeaseOwner, Attempt: j.Attempt}
	_, err := s.db.ExecContext(ctx, `UPDATE jobs SET status = 'failed', error = ?, finished_at = ?, updated_at = ?,
		lease_owner = '', lease_expires_at = NULL
		WHERE `+fenced+` AND `+started+` AND (lease_expires_at IS NULL OR lease_expires_at <= ?)`,
		append(leaseArgs(l, reason, Time(now), Time(now)), Time(now))...)
	if err != nil {
		return fmt.Errorf("jobs: fail abandoned job %d: %w", j.ID, err)
	}
	return nil
}

// leaseErr turns "no row matched the fence" into jobs.ErrLeaseLost.
func leaseErr(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.ErrLeaseLost
	}
	return err
}
