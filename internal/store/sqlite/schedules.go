package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/schedule"
)

// Schedules keeps schedules in the state store.
type Schedules struct{ db *sql.DB }

// NewSchedules returns the schedules of the state store db.
func NewSchedules(db *sql.DB) *Schedules { return &Schedules{db: db} }

var _ schedule.Storage = (*Schedules)(nil)

const scheduleColumns = `id, label, cluster, database, tables, collection, recurrence, full_recurrence, revision_history,
	on_failure, on_previous_running, ignore_existing_backups, keep_days, keep_count, webhook_url, alert_after_seconds, managed,
	owner, created_at, updated_at, paused, next_run, next_full, has_full, running, last_run_at`

// Insert implements [schedule.Storage].
func (st *Schedules) Insert(ctx context.Context, s schedule.Schedule, sealWebhook func(id int64) (string, error)) (int64, error) {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO schedules (label, cluster, database, tables, collection, recurrence,
		full_recurrence, revision_history, on_failure, on_previous_running, ignore_existing_backups,
		keep_days, keep_count, alert_after_seconds, managed, owner, created_at, updated_at,
		paused, next_run, next_full, has_full, running) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, 0)`,
		s.Label, s.Cluster, s.Database, tablesJSON(s.Tables), s.Collection, s.Recurrence, s.FullRecurrence, s.RevisionHistory,
		s.OnFailure, s.OnPreviousRunning, s.IgnoreExistingBackups, s.KeepDays, s.KeepCount, int64(s.AlertAfter/time.Second),
		s.Managed, s.Owner, Time(s.CreatedAt), Time(s.UpdatedAt), s.State.Paused, Time(s.State.NextRun))
	if err != nil {
		return 0, uniqueError(err)
	}
	id, _ := res.LastInsertId()
	sealed, err := sealWebhook(id)
	if err != nil {
		return 0, err
	}
	if err := setWebhook(ctx, tx, id, sealed); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// uniqueError turns a broken uniqueness rule into the error of
// [schedule.Storage].
func uniqueError(err error) error {
	switch {
	case strings.Contains(err.Error(), "schedules.label"):
		return tagged{err, schedule.ErrLabelTaken}
	case strings.Contains(err.Error(), "UNIQUE"):
		return tagged{err, schedule.ErrNotUnique}
	}
	return err
}

func setWebhook(ctx context.Context, tx *sql.Tx, id int64, sealed string) error {
	_, err := tx.ExecContext(ctx, `UPDATE schedules SET webhook_url = ? WHERE id = ?`, sealed, id)
	return err
}

func tablesJSON(tables []string) string {
	if tables == nil {
		tables = []string{}
	}
	b, _ := json.Marshal(tables)
	return string(b)
}

// Replace implements [schedule.Storage].
func (st *Schedules) Replace(ctx context.Context, old, s schedule.Schedule, sealedWebhook *string) (bool, error) {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE schedules SET label = ?, database = ?, tables = ?, collection = ?, recurrence = ?,
		full_recurrence = ?, revision_history = ?, on_failure = ?, on_previous_running = ?, ignore_existing_backups = ?,
		keep_days = ?, keep_count = ?, alert_after_seconds = ?, paused = ?, next_run = ?, next_full = ?, updated_at = ?
		WHERE id = ? AND updated_at = ? AND paused = ? AND next_run = ? AND next_full = ? AND has_full = ? AND running = ?`,
		s.Label, s.Database, tablesJSON(s.Tables), s.Collection, s.Recurrence, s.FullRecurrence, s.RevisionHistory, s.OnFailure,
		s.OnPreviousRunning, s.IgnoreExistingBackups, s.KeepDays, s.KeepCount, int64(s.AlertAfter/time.Second),
		s.State.Paused, Time(s.State.NextRun), OptionalTime(s.State.NextFull), Time(s.UpdatedAt),
		old.ID, Time(old.UpdatedAt), old.State.Paused, Time(old.State.NextRun), OptionalTime(old.State.NextFull),
		old.State.HasFull, old.State.Running)
	if err != nil {
		return false, uniqueError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if sealedWebhook != nil {
		if err := setWebhook(ctx, tx, s.ID, *sealedWebhook); err != nil {
			return false, err
		}
	}
	return true, tx.Commit()
}

// Managed implements [schedule.Storage].
func (st *Schedules) Managed(ctx context.Context, clusterName string) (schedule.Schedule, error) {
	return st.one(st.db.QueryRowContext(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE managed = 1 AND cluster = ?`, clusterName))
}

// Get implements [schedule.Storage].
func (st *Schedules) Get(ctx context.Context, id int64) (schedule.Schedule, error) {
	return st.one(st.db.QueryRowContext(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE id = ?`, id))
}

func (st *Schedules) one(row *sql.Row) (schedule.Schedule, error) {
	s, err := scanSchedule(row)
	if errors.Is(err, sql.ErrNoRows) {
		return schedule.Schedule{}, schedule.ErrNotFound
	}
	return s, err
}

// List implements [schedule.Storage].
func (st *Schedules) List(ctx context.Context) ([]schedule.Schedule, error) {
	return st.query(ctx, `SELECT `+scheduleColumns+` FROM schedules ORDER BY label`)
}

// DueAt implements [schedule.Storage].
func (st *Schedules) DueAt(ctx context.Context, now time.Time) ([]schedule.Schedule, error) {
	return st.query(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE paused = 0 AND next_run <= ? ORDER BY next_run, id`, Time(now))
}

// Advance implements [schedule.Storage].
func (st *Schedules) Advance(ctx context.Context, id int64, from, to schedule.State, now time.Time) (bool, error) {
	res, err := st.db.ExecContext(ctx, `UPDATE schedules SET paused = ?, next_run = ?, next_full = ?, has_full = ?, running = ?,
		last_run_at = ?, updated_at = ?
		WHERE id = ? AND paused = ? AND next_run = ? AND next_full = ? AND has_full = ? AND running = ? AND last_run_at = ?`,
		to.Paused, Time(to.NextRun), OptionalTime(to.NextFull), to.HasFull, to.Running, OptionalTime(to.LastRunAt), Time(now),
		id, from.Paused, Time(from.NextRun), OptionalTime(from.NextFull), from.HasFull, from.Running, OptionalTime(from.LastRunAt))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Delete implements [schedule.Storage].
func (st *Schedules) Delete(ctx context.Context, id int64) error {
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
		return schedule.ErrNotFound
	}
	return tx.Commit()
}

func (st *Schedules) query(ctx context.Context, q string, args ...any) ([]schedule.Schedule, error) {
	rows, err := st.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schedule.Schedule
	for rows.Next() {
		s, err := scanSchedule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// scanSchedule reads a schedule row, its webhook sealed. A row that cannot
// be read whole is still returned, with what could be read and Unreadable
// saying why.
func scanSchedule(row scanner) (schedule.Schedule, error) {
	var s schedule.Schedule
	var tables string
	var alertAfter int64
	var p RowProblems
	err := row.Scan(&s.ID, p.Text(&s.Label, "label"), p.Text(&s.Cluster, "cluster"), p.Text(&s.Database, "database"),
		p.Text(&tables, "tables"), p.Text(&s.Collection, "collection"), p.Text(&s.Recurrence, "recurrence"),
		p.Text(&s.FullRecurrence, "full_recurrence"), p.Bool(&s.RevisionHistory, "revision_history"),
		p.Text(&s.OnFailure, "on_failure"), p.Text(&s.OnPreviousRunning, "on_previous_running"),
		p.Bool(&s.IgnoreExistingBackups, "ignore_existing_backups"), p.Int(&s.KeepDays, "keep_days"),
		p.Int(&s.KeepCount, "keep_count"), p.Text(&s.Webhook, "webhook_url"), p.Int64(&alertAfter, "alert_after_seconds"),
		p.Bool(&s.Managed, "managed"), p.Text(&s.Owner, "owner"), p.Scanner(ScanTime(&s.CreatedAt), "created_at"),
		p.Scanner(ScanTime(&s.UpdatedAt), "updated_at"), p.Bool(&s.State.Paused, "paused"),
		p.Scanner(ScanTime(&s.State.NextRun), "next_run"), p.Scanner(ScanOptionalTime(&s.State.NextFull), "next_full"),
		p.Bool(&s.State.HasFull, "has_full"), p.Bool(&s.State.Running, "running"),
		p.Scanner(ScanOptionalTime(&s.State.LastRunAt), "last_run_at"))
	if err != nil {
		return schedule.Schedule{}, err
	}
	problems := p.Err()
	if problems == nil && (alertAfter < 0 || time.Duration(alertAfter) > schedule.MaxAlertAfter/time.Second) {
		problems = fmt.Errorf("alert_after_seconds: %d is out of range", alertAfter)
	}
	if problems == nil {
		s.AlertAfter = time.Duration(alertAfter) * time.Second
		if err := json.Unmarshal([]byte(tables), &s.Tables); err != nil {
			problems = fmt.Errorf("tables: not a JSON list of names")
		}
	}
	if problems != nil {
		s.Unreadable = problems.Error()
	}
	return s, nil
}
