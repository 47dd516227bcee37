package schedule

import (
	"context"
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

// Store keeps schedules in a [Storage], their webhooks sealed with box.
type Store struct {
	rows Storage
	box  *secrets.Box
}

// NewStore keeps schedules in rows (such as sqlite.NewSchedules).
func NewStore(rows Storage, box *secrets.Box) *Store { return &Store{rows: rows, box: box} }

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
	id, err := st.rows.Insert(ctx, s, func(id int64) (string, error) { return st.seal(s.Webhook, id) })
	if err != nil {
		return Schedule{}, uniqueError(err, s)
	}
	s.ID = id
	return s, nil
}

func uniqueError(err error, s Schedule) error {
	switch {
	case errors.Is(err, ErrLabelTaken):
		return usererror.Errorf("a schedule labelled %q exists already: choose another label", s.Label)
	case errors.Is(err, ErrNotUnique) && s.Managed:
		return usererror.Errorf("cluster %s has a managed schedule already", s.Cluster)
	}
	return err
}

func (st *Store) seal(webhook string, id int64) (string, error) {
	sealed, err := st.box.Seal(webhook, webhookContext(id))
	if err != nil {
		return "", fmt.Errorf("schedule %d: seal webhook: %w", id, err)
	}
	return sealed, nil
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
	var sealed *string
	if s.Webhook != old.Webhook {
		w, err := st.seal(s.Webhook, s.ID)
		if err != nil {
			return false, err
		}
		sealed = &w
	}
	ok, err := st.rows.Replace(ctx, old, s, sealed)
	if err != nil {
		return false, uniqueError(err, s)
	}
	return ok, nil
}

// Managed returns the managed schedule of a cluster.
func (st *Store) Managed(ctx context.Context, clusterName string) (Schedule, error) {
	return st.open(st.rows.Managed(ctx, clusterName))
}

// Get returns schedule id.
func (st *Store) Get(ctx context.Context, id int64) (Schedule, error) {
	return st.open(st.rows.Get(ctx, id))
}

// List returns every schedule, by label.
func (st *Store) List(ctx context.Context) ([]Schedule, error) {
	return st.openAll(st.rows.List(ctx))
}

// DueAt lists the active schedules whose next run is due at now.
func (st *Store) DueAt(ctx context.Context, now time.Time) ([]Schedule, error) {
	return st.openAll(st.rows.DueAt(ctx, now))
}

// Advance moves schedule id from state from to state to, only if it is
// still at from: of two schedulers acting on one store, only one moves it,
// so each run starts once. It reports whether it moved.
func (st *Store) Advance(ctx context.Context, id int64, from, to State, now time.Time) (bool, error) {
	return st.rows.Advance(ctx, id, from, to, now)
}

// Delete removes schedule id; its jobs stay, without their link.
func (st *Store) Delete(ctx context.Context, id int64) error {
	return st.rows.Delete(ctx, id)
}

func (st *Store) openAll(list []Schedule, err error) ([]Schedule, error) {
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i], _ = st.open(list[i], nil)
	}
	return list, nil
}

// open unseals the webhook of s, as a Storage returns it, and checks its
// recurrences. A schedule that cannot be read whole is still returned, with
// what could be read and Unreadable saying why, so that it is shown,
// skipped and can be deleted without failing the others.
func (st *Store) open(s Schedule, err error) (Schedule, error) {
	if err != nil {
		return Schedule{}, err
	}
	var problems error
	if s.Unreadable != "" {
		problems = errors.New(s.Unreadable)
	}
	if problems == nil {
		if s.Webhook, err = st.box.Open(s.Webhook, webhookContext(s.ID)); err != nil {
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
