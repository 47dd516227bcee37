package schedule

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/store"
	"github.com/stratabackup/strata/internal/usererror"
)

// Schedule is a stored schedule: what to back up, where, when, and where
// it stands.
type Schedule struct {
	ID                    int64
	Label                 string
	Cluster               string
	Database              string
	Tables                []string
	Collection            string
	Recurrence            string // cron expression or macro
	FullRecurrence        string // "" = every run is a full backup
	RevisionHistory       bool
	OnFailure             string
	OnPreviousRunning     string
	IgnoreExistingBackups bool
	Owner                 string
	CreatedAt, UpdatedAt  time.Time
	State                 State
}

// Spec is the schedule's recurrences and policies, parsed.
func (s Schedule) Spec() (Spec, error) {
	spec := Spec{OnFailure: s.OnFailure, OnPreviousRunning: s.OnPreviousRunning}
	var err error
	if spec.Recurrence, err = Parse(s.Recurrence); err != nil {
		return Spec{}, err
	}
	if s.FullRecurrence != "" {
		if spec.Full, err = Parse(s.FullRecurrence); err != nil {
			msg, _ := usererror.Message(err)
			return Spec{}, usererror.Errorf("full backup cadence: %s", msg)
		}
	}
	return spec, spec.CheckPolicies()
}

// ErrNotFound: no schedule with that id.
var ErrNotFound = errors.New("schedule not found")

// Store keeps schedules in the state store.
type Store struct{ db *sql.DB }

// NewStore uses the state store db.
func NewStore(db *sql.DB) *Store { return &Store{db: db} }

const columns = `id, label, cluster, database, tables, collection, recurrence, full_recurrence, revision_history,
	on_failure, on_previous_running, ignore_existing_backups, owner, created_at, updated_at,
	paused, next_run, next_full, has_full, running`

// Create checks s and stores it; its first run is the recurrence's first
// after firstRun (or after now when zero). Nothing is stored when anything
// is wrong, and the error says what to fix.
func (st *Store) Create(ctx context.Context, s Schedule, firstRun, now time.Time) (Schedule, error) {
	s.Label = strings.TrimSpace(s.Label)
	switch {
	case s.Label == "":
		return Schedule{}, usererror.New("give the schedule a label")
	case s.Cluster == "" || s.Database == "" || s.Collection == "":
		return Schedule{}, usererror.New("a schedule needs a cluster, a database and a collection")
	}
	spec, err := s.Spec()
	if err != nil {
		return Schedule{}, err
	}
	if firstRun.IsZero() {
		firstRun = now
	}
	s.State = State{NextRun: spec.Recurrence.Next(firstRun.Add(-time.Nanosecond))}
	s.CreatedAt, s.UpdatedAt = now.UTC(), now.UTC()
	tables, _ := json.Marshal(nonNil(s.Tables))
	res, err := st.db.ExecContext(ctx, `INSERT INTO schedules (label, cluster, database, tables, collection, recurrence,
		full_recurrence, revision_history, on_failure, on_previous_running, ignore_existing_backups, owner, created_at, updated_at,
		paused, next_run, next_full, has_full, running) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '', 0, 0)`,
		s.Label, s.Cluster, s.Database, string(tables), s.Collection, s.Recurrence, s.FullRecurrence, s.RevisionHistory,
		s.OnFailure, s.OnPreviousRunning, s.IgnoreExistingBackups, s.Owner, store.Time(s.CreatedAt), store.Time(s.UpdatedAt),
		store.Time(s.State.NextRun))
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return Schedule{}, usererror.Errorf("a schedule labelled %q exists already: choose another label", s.Label)
		}
		return Schedule{}, err
	}
	s.ID, _ = res.LastInsertId()
	return s, nil
}

// Get returns schedule id.
func (st *Store) Get(ctx context.Context, id int64) (Schedule, error) {
	s, err := scanSchedule(st.db.QueryRowContext(ctx, `SELECT `+columns+` FROM schedules WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Schedule{}, ErrNotFound
	}
	return s, err
}

// List returns every schedule, by label.
func (st *Store) List(ctx context.Context) ([]Schedule, error) {
	return st.query(ctx, `SELECT `+columns+` FROM schedules ORDER BY label`)
}

// DueAt lists the active schedules whose next run is due at now.
func (st *Store) DueAt(ctx context.Context, now time.Time) ([]Schedule, error) {
	return st.query(ctx, `SELECT `+columns+` FROM schedules WHERE paused = 0 AND next_run <= ? ORDER BY next_run, id`, store.Time(now))
}

// Advance moves schedule id from state from to state to, only if it is
// still at from: of two schedulers acting on one store, only one moves it,
// so each run starts once. It reports whether it moved.
func (st *Store) Advance(ctx context.Context, id int64, from, to State, now time.Time) (bool, error) {
	res, err := st.db.ExecContext(ctx, `UPDATE schedules SET paused = ?, next_run = ?, next_full = ?, has_full = ?, running = ?, updated_at = ?
		WHERE id = ? AND paused = ? AND next_run = ? AND next_full = ? AND has_full = ? AND running = ?`,
		to.Paused, store.Time(to.NextRun), timeOrEmpty(to.NextFull), to.HasFull, to.Running, store.Time(now),
		id, from.Paused, store.Time(from.NextRun), timeOrEmpty(from.NextFull), from.HasFull, from.Running)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Delete removes schedule id; its jobs stay, without their link.
func (st *Store) Delete(ctx context.Context, id int64) error {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE jobs SET schedule_id = NULL WHERE schedule_id = ?`, id); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM schedules WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return tx.Commit()
}

func (st *Store) query(ctx context.Context, q string, args ...any) ([]Schedule, error) {
	rows, err := st.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Schedule
	for rows.Next() {
		s, err := scanSchedule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func scanSchedule(row interface{ Scan(...any) error }) (Schedule, error) {
	var s Schedule
	var tables, nextFull string
	err := row.Scan(&s.ID, &s.Label, &s.Cluster, &s.Database, &tables, &s.Collection, &s.Recurrence, &s.FullRecurrence,
		&s.RevisionHistory, &s.OnFailure, &s.OnPreviousRunning, &s.IgnoreExistingBackups, &s.Owner,
		store.ScanTime(&s.CreatedAt), store.ScanTime(&s.UpdatedAt),
		&s.State.Paused, store.ScanTime(&s.State.NextRun), &nextFull, &s.State.HasFull, &s.State.Running)
	if err != nil {
		return Schedule{}, err
	}
	if err := json.Unmarshal([]byte(tables), &s.Tables); err != nil {
		return Schedule{}, err
	}
	if nextFull != "" {
		if s.State.NextFull, err = time.Parse(store.TimeLayout, nextFull); err != nil {
			return Schedule{}, err
		}
	}
	return s, nil
}

func timeOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return store.Time(t)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
