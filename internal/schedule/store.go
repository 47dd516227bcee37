package schedule

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stratabackup/strata/internal/retention"
	"github.com/stratabackup/strata/internal/secrets"
	store "github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/usererror"
)

// Schedule is a stored schedule: what to back up, where, when, and where
// it stands.
type Schedule struct {
	ID      int64
	Label   string
	Cluster string
	// Database is "" for every database of the cluster: each run then
	// starts one job per database.
	Database              string
	Tables                []string
	Collection            string
	Recurrence            string // cron expression or macro
	FullRecurrence        string // "" = every run is a full backup
	RevisionHistory       bool
	OnFailure             string
	OnPreviousRunning     string
	IgnoreExistingBackups bool
	// KeepDays and KeepCount are the retention of the schedule's backups
	// (0: no limit of that kind).
	KeepDays, KeepCount int
	// Webhook receives the schedule's alerts. It is a secret (such URLs
	// often carry a token): sealed at rest, never shown, logged or audited;
	// show WebhookHost instead.
	Webhook string
	// AlertAfter: alert when no run succeeded for this long (0: never).
	AlertAfter time.Duration
	// Managed marks a cluster's managed schedule (one per cluster).
	Managed              bool
	Owner                string
	CreatedAt, UpdatedAt time.Time
	State                State
	// Unreadable says what in the stored row cannot be read ("" when all
	// can). Such a schedule never runs and cannot be edited, only deleted;
	// of its fields only ID, and those that could be read, are set.
	Unreadable string
}

// WebhookHost is what may be shown of the webhook: its scheme and host.
func (s Schedule) WebhookHost() string {
	if s.Webhook == "" {
		return ""
	}
	u, err := url.Parse(s.Webhook)
	if err != nil {
		return "(unreadable URL)"
	}
	return u.Scheme + "://" + u.Host
}

// Target says what the schedule backs up, in words.
func (s Schedule) Target() string {
	what := "database " + s.Database
	if s.Database == "" {
		what = "every database"
	}
	if len(s.Tables) > 0 {
		what = fmt.Sprintf("%d table(s) of database %s", len(s.Tables), s.Database)
	}
	return what + " of " + s.Cluster
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

// UnreadableError is the error of any action but delete on an unreadable schedule.
func (s Schedule) UnreadableError() error {
	return usererror.Errorf("schedule %d cannot be read from the state store (%s): delete it and create it again", s.ID, s.Unreadable)
}

// ErrNotFound: no schedule with that id.
var ErrNotFound = errors.New("schedule not found")

// Store keeps schedules in the state store, their webhooks sealed with box.
type Store struct {
	db  *sql.DB
	box *secrets.Box
}

// NewStore uses the state store db.
func NewStore(db *sql.DB, box *secrets.Box) *Store { return &Store{db: db, box: box} }

const columns = `id, label, cluster, database, tables, collection, recurrence, full_recurrence, revision_history,
	on_failure, on_previous_running, ignore_existing_backups, keep_days, keep_count, webhook_url, alert_after_seconds, managed,
	owner, created_at, updated_at, paused, next_run, next_full, has_full, running, last_run_at`

func webhookContext(id int64) string { return "schedule:" + strconv.FormatInt(id, 10) + ":webhook" }

// MaxLabel is the longest label a schedule may have, in characters.
const MaxLabel = 200

// MaxWebhook is the longest webhook URL taken, in bytes.
const MaxWebhook = 2048

// MaxAlertAfter is the longest overdue alert threshold.
const MaxAlertAfter = 366 * 24 * time.Hour

// FirstRunRange bounds a schedule's first_run, in years either side of
// now: further, its next run would not fit the state store's times.
const FirstRunRange = 100

// check says what to fix in s, and returns its parsed spec.
func check(s *Schedule) (Spec, error) {
	s.Label = strings.TrimSpace(s.Label)
	s.Database = strings.TrimSpace(s.Database)
	s.Webhook = strings.TrimSpace(s.Webhook)
	switch {
	case s.Label == "":
		return Spec{}, usererror.New("give the schedule a label")
	case utf8.RuneCountInString(s.Label) > MaxLabel || !utf8.ValidString(s.Label) || strings.ContainsFunc(s.Label, unicode.IsControl):
		return Spec{}, usererror.Errorf("a schedule's label is at most %d characters of text, without control characters", MaxLabel)
	case s.Cluster == "" || s.Collection == "":
		return Spec{}, usererror.New("a schedule needs a cluster and a collection")
	case s.Database == "" && len(s.Tables) > 0:
		return Spec{}, usererror.New("tables belong to one database: name the database, or leave tables out")
	case s.AlertAfter < 0:
		return Spec{}, usererror.New("the overdue alert threshold cannot be negative")
	case s.AlertAfter > 0 && s.AlertAfter < time.Minute:
		return Spec{}, usererror.New("the overdue alert threshold is at least a minute")
	case s.AlertAfter > MaxAlertAfter:
		return Spec{}, usererror.Errorf("the overdue alert threshold is at most %s", ShortDuration(MaxAlertAfter))
	}
	if err := retention.CheckLimits(s.KeepDays, s.KeepCount); err != nil {
		return Spec{}, err
	}
	if len(s.Webhook) > MaxWebhook {
		return Spec{}, usererror.Errorf("the webhook URL is %d bytes long: at most %d are taken", len(s.Webhook), MaxWebhook)
	}
	if s.Webhook != "" {
		u, err := url.Parse(s.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Spec{}, usererror.New("the webhook must be an http:// or https:// URL, like https://hooks.example.com/strata")
		}
	}
	return s.Spec()
}

// firstRun is the first run of a schedule asked to start at from (at now
// when zero): the recurrence's first run at or after it.
func (spec Spec) firstRun(from, now time.Time) (time.Time, error) {
	if from.IsZero() {
		from = now
	}
	if from.Before(now.AddDate(-FirstRunRange, 0, 0)) || from.After(now.AddDate(FirstRunRange, 0, 0)) {
		return time.Time{}, usererror.Errorf("first_run must be within %d years of now (%s UTC): leave it out to start at the next run", FirstRunRange, now.UTC().Format("2006-01-02 15:04"))
	}
	return spec.Recurrence.Next(from.Add(-time.Nanosecond)), nil
}

// Create checks s and stores it; its first run is the recurrence's first
// after firstRun (or after now when zero). Nothing is stored when anything
// is wrong, and the error says what to fix.
func (st *Store) Create(ctx context.Context, s Schedule, firstRun, now time.Time) (Schedule, error) {
	spec, err := check(&s)
	if err != nil {
		return Schedule{}, err
	}
	next, err := spec.firstRun(firstRun, now)
	if err != nil {
		return Schedule{}, err
	}
	s.State = State{Paused: s.State.Paused, NextRun: next}
	s.CreatedAt, s.UpdatedAt = now.UTC(), now.UTC()
	tables, _ := json.Marshal(nonNil(s.Tables))
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return Schedule{}, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO schedules (label, cluster, database, tables, collection, recurrence,
		full_recurrence, revision_history, on_failure, on_previous_running, ignore_existing_backups,
		keep_days, keep_count, alert_after_seconds, managed, owner, created_at, updated_at,
		paused, next_run, next_full, has_full, running) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, 0)`,
		s.Label, s.Cluster, s.Database, string(tables), s.Collection, s.Recurrence, s.FullRecurrence, s.RevisionHistory,
		s.OnFailure, s.OnPreviousRunning, s.IgnoreExistingBackups, s.KeepDays, s.KeepCount, int64(s.AlertAfter/time.Second),
		s.Managed, s.Owner, store.Time(s.CreatedAt), store.Time(s.UpdatedAt), s.State.Paused, store.Time(s.State.NextRun))
	if err != nil {
		return Schedule{}, uniqueError(err, s)
	}
	s.ID, _ = res.LastInsertId()
	if err := st.storeWebhook(ctx, tx, s.ID, s.Webhook); err != nil {
		return Schedule{}, err
	}
	return s, tx.Commit()
}

func uniqueError(err error, s Schedule) error {
	switch {
	case strings.Contains(err.Error(), "schedules.label"):
		return usererror.Errorf("a schedule labelled %q exists already: choose another label", s.Label)
	case strings.Contains(err.Error(), "UNIQUE") && s.Managed:
		return usererror.Errorf("cluster %s has a managed schedule already", s.Cluster)
	}
	return err
}

func (st *Store) storeWebhook(ctx context.Context, tx *sql.Tx, id int64, webhook string) error {
	sealed, err := st.box.Seal(webhook, webhookContext(id))
	if err != nil {
		return fmt.Errorf("schedule %d: seal webhook: %w", id, err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE schedules SET webhook_url = ? WHERE id = ?`, sealed, id)
	return err
}

// Update applies change to schedule id and stores the result if it checks
// out; nothing is stored otherwise. A new recurrence takes effect from now,
// and a new recurrence or full cadence makes the next run a full backup.
// change sees the schedule as stored and may also set its State.Paused.
func (st *Store) Update(ctx context.Context, id int64, change func(*Schedule) error, now time.Time) (Schedule, error) {
	for attempt := 0; ; attempt++ {
		old, err := st.Get(ctx, id)
		if err != nil {
			return Schedule{}, err
		}
		if old.Unreadable != "" {
			return Schedule{}, old.UnreadableError()
		}
		s := old
		s.Tables = append([]string(nil), old.Tables...)
		if err := change(&s); err != nil {
			return Schedule{}, err
		}
		s.ID, s.Managed, s.Owner, s.CreatedAt = old.ID, old.Managed, old.Owner, old.CreatedAt
		spec, err := check(&s)
		if err != nil {
			return Schedule{}, err
		}
		st2 := old.State
		st2.Paused = s.State.Paused
		if s.Recurrence != old.Recurrence || (old.State.Paused && !st2.Paused) {
			st2.NextRun = spec.Recurrence.Next(now)
		}
		if s.Recurrence != old.Recurrence || s.FullRecurrence != old.FullRecurrence {
			st2.NextFull = time.Time{} // a new cadence starts with a full backup
		}
		s.State, s.UpdatedAt = st2, now.UTC()
		ok, err := st.write(ctx, old, s)
		if err != nil || ok {
			return s, err
		}
		if attempt == 5 {
			return Schedule{}, errors.New("the schedule keeps changing under this edit: try again")
		}
	}
}

// write stores s over old if the row is still as old was read.
func (st *Store) write(ctx context.Context, old, s Schedule) (bool, error) {
	tables, _ := json.Marshal(nonNil(s.Tables))
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE schedules SET label = ?, database = ?, tables = ?, collection = ?, recurrence = ?,
		full_recurrence = ?, revision_history = ?, on_failure = ?, on_previous_running = ?, ignore_existing_backups = ?,
		keep_days = ?, keep_count = ?, alert_after_seconds = ?, paused = ?, next_run = ?, next_full = ?, updated_at = ?
		WHERE id = ? AND updated_at = ? AND paused = ? AND next_run = ? AND next_full = ? AND has_full = ? AND running = ?`,
		s.Label, s.Database, string(tables), s.Collection, s.Recurrence, s.FullRecurrence, s.RevisionHistory, s.OnFailure,
		s.OnPreviousRunning, s.IgnoreExistingBackups, s.KeepDays, s.KeepCount, int64(s.AlertAfter/time.Second),
		s.State.Paused, store.Time(s.State.NextRun), store.OptionalTime(s.State.NextFull), store.Time(s.UpdatedAt),
		old.ID, store.Time(old.UpdatedAt), old.State.Paused, store.Time(old.State.NextRun), store.OptionalTime(old.State.NextFull),
		old.State.HasFull, old.State.Running)
	if err != nil {
		return false, uniqueError(err, s)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if s.Webhook != old.Webhook {
		if err := st.storeWebhook(ctx, tx, s.ID, s.Webhook); err != nil {
			return false, err
		}
	}
	return true, tx.Commit()
}

// Managed returns the managed schedule of a cluster.
func (st *Store) Managed(ctx context.Context, clusterName string) (Schedule, error) {
	s, err := st.scan(st.db.QueryRowContext(ctx, `SELECT `+columns+` FROM schedules WHERE managed = 1 AND cluster = ?`, clusterName))
	if errors.Is(err, sql.ErrNoRows) {
		return Schedule{}, ErrNotFound
	}
	return s, err
}

// Get returns schedule id.
func (st *Store) Get(ctx context.Context, id int64) (Schedule, error) {
	s, err := st.scan(st.db.QueryRowContext(ctx, `SELECT `+columns+` FROM schedules WHERE id = ?`, id))
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
	res, err := st.db.ExecContext(ctx, `UPDATE schedules SET paused = ?, next_run = ?, next_full = ?, has_full = ?, running = ?,
		last_run_at = ?, updated_at = ?
		WHERE id = ? AND paused = ? AND next_run = ? AND next_full = ? AND has_full = ? AND running = ? AND last_run_at = ?`,
		to.Paused, store.Time(to.NextRun), store.OptionalTime(to.NextFull), to.HasFull, to.Running, store.OptionalTime(to.LastRunAt), store.Time(now),
		id, from.Paused, store.Time(from.NextRun), store.OptionalTime(from.NextFull), from.HasFull, from.Running, store.OptionalTime(from.LastRunAt))
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
		s, err := st.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// scan reads a schedule row. A row that cannot be read whole is still
// returned, with what could be read and Unreadable saying why, so that it
// is shown, skipped and can be deleted without failing the others.
func (st *Store) scan(row interface{ Scan(...any) error }) (Schedule, error) {
	var s Schedule
	var tables, webhook string
	var alertAfter int64
	var p store.RowProblems
	err := row.Scan(&s.ID, p.Text(&s.Label, "label"), p.Text(&s.Cluster, "cluster"), p.Text(&s.Database, "database"),
		p.Text(&tables, "tables"), p.Text(&s.Collection, "collection"), p.Text(&s.Recurrence, "recurrence"),
		p.Text(&s.FullRecurrence, "full_recurrence"), p.Bool(&s.RevisionHistory, "revision_history"),
		p.Text(&s.OnFailure, "on_failure"), p.Text(&s.OnPreviousRunning, "on_previous_running"),
		p.Bool(&s.IgnoreExistingBackups, "ignore_existing_backups"), p.Int(&s.KeepDays, "keep_days"),
		p.Int(&s.KeepCount, "keep_count"), p.Text(&webhook, "webhook_url"), p.Int64(&alertAfter, "alert_after_seconds"),
		p.Bool(&s.Managed, "managed"), p.Text(&s.Owner, "owner"), p.Scanner(store.ScanTime(&s.CreatedAt), "created_at"),
		p.Scanner(store.ScanTime(&s.UpdatedAt), "updated_at"), p.Bool(&s.State.Paused, "paused"),
		p.Scanner(store.ScanTime(&s.State.NextRun), "next_run"), p.Scanner(store.ScanOptionalTime(&s.State.NextFull), "next_full"),
		p.Bool(&s.State.HasFull, "has_full"), p.Bool(&s.State.Running, "running"),
		p.Scanner(store.ScanOptionalTime(&s.State.LastRunAt), "last_run_at"))
	if err != nil {
		return Schedule{}, err
	}
	problems := p.Err()
	if problems == nil && (alertAfter < 0 || time.Duration(alertAfter) > MaxAlertAfter/time.Second) {
		problems = fmt.Errorf("alert_after_seconds: %d is out of range", alertAfter)
	}
	if problems == nil {
		s.AlertAfter = time.Duration(alertAfter) * time.Second
		if err := json.Unmarshal([]byte(tables), &s.Tables); err != nil {
			problems = fmt.Errorf("tables: not a JSON list of names")
		}
	}
	if problems == nil {
		if s.Webhook, err = st.box.Open(webhook, webhookContext(s.ID)); err != nil {
			problems = fmt.Errorf("webhook_url: %w", err)
		}
	}
	if problems == nil {
		if _, err := s.Spec(); err != nil {
			msg, _ := usererror.Message(err)
			problems = fmt.Errorf("recurrence: %s", msg)
		}
	}
	if problems != nil {
		s.Unreadable = problems.Error()
		if s.Label == "" {
			s.Label = fmt.Sprintf("(unreadable schedule %d)", s.ID)
		}
		s.State = State{Paused: true}
		s.Webhook = ""
	}
	return s, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
