package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	store "github.com/stratabackup/strata/internal/store/sqlite"

	"github.com/stratabackup/strata/internal/usererror"
)

// Page sizes for List.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Store keeps jobs in the state store. It is safe for concurrent use, also
// by several processes sharing one SQLite file: every transaction takes the
// write lock when it begins (see internal/store).
type Store struct {
	db  *sql.DB
	now func() time.Time

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

// NewStore returns a store over db, a state store opened with store.Open.
func NewStore(db *sql.DB, opts ...StoreOption) *Store {
	s := &Store{db: db, now: time.Now}
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
	now := store.Time(s.now())
	var schedule any
	if nj.ScheduleID != 0 {
		schedule = nj.ScheduleID
	}
	var finished any
	if status != StatusPending {
		finished = now
	}
	row := s.db.QueryRowContext(ctx, `INSERT INTO jobs
		(type, cluster, schedule_id, schedule_run, description, created_by, status, error, payload, created_at, updated_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+jobColumns,
		nj.Type, nj.Cluster, schedule, store.OptionalTime(nj.ScheduleRun), nj.Description, nj.CreatedBy, status, reason, nullJSON(payload), now, now, finished)
	j, err := scanJob(row)
	if err != nil {
		return Job{}, fmt.Errorf("jobs: create: %w", err)
	}
	s.changed()
	return j, nil
}

// RunFailed reports whether a job of the run of schedule scheduleID that
// started at run failed (false for the zero run: none yet).
func (s *Store) RunFailed(ctx context.Context, scheduleID int64, run time.Time) (bool, error) {
	if run.IsZero() {
		return false, nil
	}
	failed, _, err := s.List(ctx, Filter{ScheduleID: scheduleID, ScheduleRun: run, Status: StatusFailed}, 0, 1)
	return len(failed) > 0, err
}

// Get returns the job with the given id, or [ErrNotFound].
func (s *Store) Get(ctx context.Context, id int64) (Job, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, ErrNotFound
	}
	if err != nil {
		return Job{}, fmt.Errorf("jobs: get %d: %w", id, err)
	}
	return j, nil
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
		where, args = append(where, "schedule_run = ?"), append(args, store.Time(f.ScheduleRun))
	}
	if before > 0 {
		where, args = append(where, "id < ?"), append(args, before)
	}
	query := `SELECT ` + jobColumns + ` FROM jobs`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	jobs, err = s.query(ctx, query, append(args, limit+1)...)
	if err != nil {
		return nil, 0, fmt.Errorf("jobs: list: %w", err)
	}
	if len(jobs) > limit {
		jobs = jobs[:limit]
		next = jobs[limit-1].ID
	}
	return jobs, next, nil
}

func (s *Store) query(ctx context.Context, query string, args ...any) ([]Job, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var jobs []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
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
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Job{}, fmt.Errorf("jobs: update %d: %w", id, err)
	}
	defer tx.Rollback()
	j, err := scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, ErrNotFound
	}
	if err != nil {
		return Job{}, fmt.Errorf("jobs: update %d: %w", id, err)
	}
	to, err := next(j)
	if err != nil {
		return Job{}, err
	}
	now := store.Time(s.now())
	var finishedAt any
	if to.Terminal() {
		finishedAt = now
	}
	j, err = scanJob(tx.QueryRowContext(ctx, `UPDATE jobs
		SET status = ?, updated_at = ?, finished_at = coalesce(?, finished_at)
		WHERE id = ? RETURNING `+jobColumns, to, now, finishedAt, id))
	if err != nil {
		return Job{}, fmt.Errorf("jobs: update %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return Job{}, fmt.Errorf("jobs: update %d: %w", id, err)
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

const jobColumns = `id, type, cluster, coalesce(schedule_id, 0), description, created_by, status, phase, error,
	fraction_completed, bytes_done, bytes_total, rows_done, rows_total,
	payload, checkpoint, result, attempt, created_at, started_at, finished_at, updated_at,
	run_started_at, run_start_fraction, lease_owner, lease_expires_at`

type scanner interface{ Scan(dest ...any) error }

// scanJob reads a job row. The columns a hand edit or an old bug can
// damage (its JSON and times) are read leniently: such a job is still
// listed, with Unreadable saying what, and fails when claimed instead of
// failing every list and claim it is in.
func scanJob(row scanner) (Job, error) {
	var j Job
	var p store.RowProblems
	err := row.Scan(&j.ID, &j.Type, &j.Cluster, &j.ScheduleID, &j.Description, &j.CreatedBy, &j.Status, &j.Phase, &j.Error,
		&j.FractionCompleted, &j.BytesDone, &j.BytesTotal, &j.RowsDone, &j.RowsTotal,
		p.Scanner(jsonDest{&j.Payload}, "payload"), p.Scanner(jsonDest{&j.Checkpoint}, "checkpoint"),
		p.Scanner(jsonDest{&j.Result}, "result"), &j.Attempt,
		p.Scanner(store.ScanTime(&j.CreatedAt), "created_at"), p.Scanner(store.ScanNullTime(&j.StartedAt), "started_at"),
		p.Scanner(store.ScanNullTime(&j.FinishedAt), "finished_at"), p.Scanner(store.ScanTime(&j.UpdatedAt), "updated_at"),
		p.Scanner(store.ScanNullTime(&j.runStartedAt), "run_started_at"), &j.runStartFraction, &j.LeaseOwner,
		p.Scanner(store.ScanNullTime(&j.LeaseExpiresAt), "lease_expires_at"))
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
