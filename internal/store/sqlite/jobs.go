package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
)

// Jobs keeps jobs in the state store. It is safe for concurrent use, also
// by several processes sharing one SQLite file: every transaction takes the
// write lock when it begins (see Open).
type Jobs struct{ db *sql.DB }

// NewJobs returns the jobs of the state store db.
func NewJobs(db *sql.DB) *Jobs { return &Jobs{db: db} }

var _ jobs.Storage = (*Jobs)(nil)

// Insert implements [jobs.Storage].
func (s *Jobs) Insert(ctx context.Context, nj jobs.NewJob, payload []byte, status jobs.Status, reason string, now time.Time) (jobs.Job, error) {
	var schedule any
	if nj.ScheduleID != 0 {
		schedule = nj.ScheduleID
	}
	var finished any
	if status != jobs.StatusPending {
		finished = Time(now)
	}
	row := s.db.QueryRowContext(ctx, `INSERT INTO jobs
		(type, cluster, schedule_id, schedule_run, description, created_by, status, error, payload, created_at, updated_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+jobColumns,
		nj.Type, nj.Cluster, schedule, OptionalTime(nj.ScheduleRun), nj.Description, nj.CreatedBy, status, reason, nullJSON(payload), Time(now), Time(now), finished)
	j, err := scanJob(row)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("jobs: create: %w", err)
	}
	return j, nil
}

// Get implements [jobs.Storage].
func (s *Jobs) Get(ctx context.Context, id int64) (jobs.Job, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Job{}, jobs.ErrNotFound
	}
	if err != nil {
		return jobs.Job{}, fmt.Errorf("jobs: get %d: %w", id, err)
	}
	return j, nil
}

// List implements [jobs.Storage].
func (s *Jobs) List(ctx context.Context, f jobs.Filter, before int64, limit int) ([]jobs.Job, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Type != "" {
		where, args = append(where, "type = ?"), append(args, f.Type)
	}
	if f.Cluster != "" {
		where, args = append(where, "cluster = ?"), append(args, f.Cluster)
	}
	if f.ScheduleID != 0 {
		where, args = append(where, "schedule_id = ?"), append(args, f.ScheduleID)
	}
	if !f.ScheduleRun.IsZero() {
		where, args = append(where, "schedule_run = ?"), append(args, Time(f.ScheduleRun))
	}
	if before > 0 {
		where, args = append(where, "id < ?"), append(args, before)
	}
	query := `SELECT ` + jobColumns + ` FROM jobs`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	return list(ctx, s.db, "jobs: list", scanJob, query, append(args, limit)...)
}

// Transition implements [jobs.Storage]: one transaction, so it cannot
// interleave with a worker's claim or finish.
func (s *Jobs) Transition(ctx context.Context, id int64, next func(jobs.Job) (jobs.Status, error), now time.Time) (jobs.Job, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("jobs: update %d: %w", id, err)
	}
	defer tx.Rollback()
	j, err := scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Job{}, jobs.ErrNotFound
	}
	if err != nil {
		return jobs.Job{}, fmt.Errorf("jobs: update %d: %w", id, err)
	}
	to, err := next(j)
	if err != nil {
		return jobs.Job{}, err
	}
	var finishedAt any
	if to.Terminal() {
		finishedAt = Time(now)
	}
	j, err = scanJob(tx.QueryRowContext(ctx, `UPDATE jobs
		SET status = ?, updated_at = ?, finished_at = coalesce(?, finished_at)
		WHERE id = ? RETURNING `+jobColumns, to, Time(now), finishedAt, id))
	if err != nil {
		return jobs.Job{}, fmt.Errorf("jobs: update %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return jobs.Job{}, fmt.Errorf("jobs: update %d: %w", id, err)
	}
	return j, nil
}

const jobColumns = `id, type, cluster, coalesce(schedule_id, 0), description, created_by, status, phase, error,
	fraction_completed, bytes_done, bytes_total, rows_done, rows_total,
	payload, checkpoint, result, attempt, created_at, started_at, finished_at, updated_at,
	run_started_at, run_start_fraction, lease_owner, lease_expires_at`

// scanJob reads a job row. The columns a hand edit or an old bug can
// damage (its JSON and times) are read leniently: such a job is still
// listed, with Unreadable saying what, and fails when claimed instead of
// failing every list and claim it is in.
func scanJob(row scanner) (jobs.Job, error) {
	var j jobs.Job
	var p RowProblems
	err := row.Scan(&j.ID, &j.Type, &j.Cluster, &j.ScheduleID, &j.Description, &j.CreatedBy, &j.Status, &j.Phase, &j.Error,
		&j.FractionCompleted, &j.BytesDone, &j.BytesTotal, &j.RowsDone, &j.RowsTotal,
		p.Scanner(jsonDest{&j.Payload}, "payload"), p.Scanner(jsonDest{&j.Checkpoint}, "checkpoint"),
		p.Scanner(jsonDest{&j.Result}, "result"), &j.Attempt,
		p.Scanner(ScanTime(&j.CreatedAt), "created_at"), p.Scanner(ScanNullTime(&j.StartedAt), "started_at"),
		p.Scanner(ScanNullTime(&j.FinishedAt), "finished_at"), p.Scanner(ScanTime(&j.UpdatedAt), "updated_at"),
		p.Scanner(ScanNullTime(&j.RunStartedAt), "run_started_at"), &j.RunStartFraction, &j.LeaseOwner,
		p.Scanner(ScanNullTime(&j.LeaseExpiresAt), "lease_expires_at"))
	if perr := p.Err(); perr != nil {
		j.Unreadable = perr.Error()
	}
	return j, err
}

// jsonDest scans a JSON column that may be NULL into *m, nil for NULL.
type jsonDest struct{ m *json.RawMessage }

func (d jsonDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.m = nil
	case string:
		*d.m = json.RawMessage(v)
	case []byte:
		*d.m = append(json.RawMessage(nil), v...)
	default:
		return fmt.Errorf("stored JSON is %T, want text", src)
	}
	return nil
}

// nullJSON stores JSON as text, or NULL when there is none.
func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}
