package schedules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/usererror"
)

// Service is the door to schedules: it checks, stores and edits them,
// tells where each stands, and keeps the clusters' managed schedules.
type Service struct {
	store *schedule.Store
	reg   *registry.Registry
	jobs  *jobs.Store
	audit *audit.Log
	log   *slog.Logger
	// Managed configures the clusters' managed backups.
	Managed ManagedOptions
}

// New returns the door to the schedules of store; what it sets up on its
// own is audited in auditLog.
func New(store *schedule.Store, reg *registry.Registry, js *jobs.Store, auditLog *audit.Log, log *slog.Logger) *Service {
	return &Service{store: store, reg: reg, jobs: js, audit: auditLog, log: log}
}

// List returns every schedule, unreadable ones included.
func (s *Service) List(ctx context.Context) ([]schedule.Schedule, error) { return s.store.List(ctx) }

// Get returns schedule id, or schedule.ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (schedule.Schedule, error) {
	return s.store.Get(ctx, id)
}

// Full backup cadences a schedule request may name instead of a cron
// expression or macro.
const (
	// FullBackupDefault is CockroachDB's default for the recurrence
	// (schedule.DefaultFullCadence); "" means the same.
	FullBackupDefault = "default"
	// FullBackupAlways makes every run a full backup.
	FullBackupAlways = "always"
)

// Request is a schedule as a user asks for it, from the form or
// the API.
type Request struct {
	Label      string
	Cluster    string
	Database   string // "" for every database of the cluster
	Tables     []string
	Collection string
	Recurrence string // cron expression or macro, UTC
	// FullBackup is FullBackupDefault (or ""), FullBackupAlways, or a cron
	// expression or macro for the full backups between incrementals.
	FullBackup            string
	RevisionHistory       bool
	OnFailure             string // "" for schedule.OnFailureReschedule
	OnPreviousRunning     string // "" for schedule.OnRunningWait
	IgnoreExistingBackups bool
	// FirstRun: the first run is the recurrence's first at or after it
	// (zero: from now). Only when creating.
	FirstRun            time.Time
	KeepDays, KeepCount int
	AlertAfter          time.Duration
	Webhook             string // a secret: never shown, logged or audited
}

// RequestOf is the request that describes sch as stored, for edits.
func RequestOf(sch schedule.Schedule) Request {
	full := sch.FullRecurrence
	if full == "" {
		full = FullBackupAlways
	}
	return Request{Label: sch.Label, Cluster: sch.Cluster, Database: sch.Database, Tables: slices.Clone(sch.Tables),
		Collection: sch.Collection, Recurrence: sch.Recurrence, FullBackup: full, RevisionHistory: sch.RevisionHistory,
		OnFailure: sch.OnFailure, OnPreviousRunning: sch.OnPreviousRunning, IgnoreExistingBackups: sch.IgnoreExistingBackups,
		KeepDays: sch.KeepDays, KeepCount: sch.KeepCount, AlertAfter: sch.AlertAfter, Webhook: sch.Webhook}
}

// FullBackupCadence is what a full backup choice amounts to for a
// recurrence: a cron expression or macro, or "" when every run is a full
// backup. A schedule of chosen tables takes full backups only (an
// incremental covers its chain's tables), so its default is every run.
func FullBackupCadence(choice string, recurrence schedule.Recurrence, tables []string, now time.Time) (string, error) {
	choice = strings.Join(strings.Fields(choice), " ")
	switch strings.ToLower(choice) {
	case "", FullBackupDefault:
		if len(tables) > 0 {
			return "", nil
		}
		return schedule.DefaultFullCadence(recurrence, now), nil
	case FullBackupAlways:
		return "", nil
	}
	if len(tables) > 0 {
		return "", usererror.New("a schedule of chosen tables takes a full backup every run (incrementals cover a whole chain): set the full backup cadence to every run, or leave tables out")
	}
	if _, err := schedule.Parse(choice); err != nil {
		msg, _ := usererror.Message(err)
		return "", usererror.Wrap(err, "full backup cadence: %s", msg)
	}
	return choice, nil
}

// apply fills sch from req after checking what the store cannot: the
// recurrence (for the default full cadence), the collection, and the
// cluster when it is new.
func (sc *Service) apply(ctx context.Context, req Request, sch *schedule.Schedule, now time.Time) error {
	req.Tables = cluster.CleanTables(req.Tables)
	req.Database = strings.TrimSpace(req.Database)
	rec, err := schedule.Parse(req.Recurrence)
	if err != nil {
		return err
	}
	full, err := FullBackupCadence(req.FullBackup, rec, req.Tables, now)
	if err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(req.Label) == "":
		return usererror.New("give the schedule a label")
	case req.Cluster == "":
		return usererror.New("choose the cluster to back up")
	case req.Collection == "":
		return usererror.New("choose the collection to store the backups in")
	}
	if err := cluster.CheckTarget(req.Database, req.Tables); err != nil {
		return err
	}
	if sch.ID != 0 && req.Cluster != sch.Cluster {
		return usererror.New("a schedule's cluster cannot change: create a schedule for the other cluster (Duplicate helps), then drop this one")
	}
	if sch.ID == 0 {
		if _, err := sc.reg.ClusterByName(ctx, req.Cluster); errors.Is(err, registry.ErrNotFound) {
			return usererror.Errorf("no cluster named %q: register it on the Clusters page first", req.Cluster)
		} else if err != nil {
			return err
		}
	}
	if _, err := sc.reg.CollectionByName(ctx, req.Collection); errors.Is(err, registry.ErrNotFound) {
		return usererror.Errorf("no collection named %q: add it on the Collections page first", req.Collection)
	} else if err != nil {
		return err
	}
	target := sch.ID == 0 || req.Collection != sch.Collection || req.Database != sch.Database
	if target && !req.IgnoreExistingBackups {
		if err := sc.refuseExistingBackups(ctx, req.Collection, req.Database); err != nil {
			return err
		}
	}
	if req.OnFailure == "" {
		req.OnFailure = schedule.OnFailureReschedule
	}
	if req.OnPreviousRunning == "" {
		req.OnPreviousRunning = schedule.OnRunningWait
	}
	sch.Label, sch.Cluster, sch.Database, sch.Tables, sch.Collection = req.Label, req.Cluster, req.Database, req.Tables, req.Collection
	sch.Recurrence, sch.FullRecurrence, sch.RevisionHistory = rec.Expr, full, req.RevisionHistory
	sch.OnFailure, sch.OnPreviousRunning, sch.IgnoreExistingBackups = req.OnFailure, req.OnPreviousRunning, req.IgnoreExistingBackups
	sch.KeepDays, sch.KeepCount, sch.AlertAfter, sch.Webhook = req.KeepDays, req.KeepCount, req.AlertAfter, req.Webhook
	return nil
}

// refuseExistingBackups refuses a collection that already holds backups
// of the database (of any database when the schedule covers them all), as
// CockroachDB does: a new schedule there may back up something else into
// the same chains. ignore_existing_backups acknowledges it.
func (sc *Service) refuseExistingBackups(ctx context.Context, collName, database string) error {
	coll, err := sc.reg.OpenCollection(ctx, collName)
	if err != nil {
		return err
	}
	defer coll.Close()
	sums, err := coll.Backups(ctx)
	if err != nil {
		return err
	}
	for _, b := range sums {
		if database == "" || b.Database == database {
			return usererror.Errorf("collection %s already holds backups of database %s: choose an empty collection, or set ignore_existing_backups to add this schedule's backups to it",
				collName, b.Database)
		}
	}
	return nil
}

// Create checks req and stores the schedule, owned by actor.
// Nothing is stored when anything is wrong; the error says what to fix.
func (sc *Service) Create(ctx context.Context, req Request, actor string, now time.Time) (schedule.Schedule, error) {
	var sch schedule.Schedule
	if err := sc.apply(ctx, req, &sch, now); err != nil {
		return schedule.Schedule{}, err
	}
	sch.Owner = actor
	return sc.store.Create(ctx, sch, req.FirstRun, now)
}

// refuseManaged refuses to change what a cluster's managed schedule does
// here: its recurrence and retention are set on its cluster's page.
func refuseManaged(sch schedule.Schedule, doing, instead string) error {
	if !sch.Managed {
		return nil
	}
	return usererror.Errorf("schedule %q is managed from the page of cluster %s, so it cannot be %s here: %s", sch.Label, sch.Cluster, doing, instead)
}

// Update applies edit to the request that describes schedule id
// and stores the result if it checks out; nothing is stored otherwise. A
// managed schedule is refused: it is edited on its cluster's page.
func (sc *Service) Update(ctx context.Context, id int64, edit func(*Request) error, now time.Time) (schedule.Schedule, error) {
	return sc.store.Update(ctx, id, func(sch *schedule.Schedule) error {
		if err := refuseManaged(*sch, "edited", "change it there, or pause, resume or run it here"); err != nil {
			return err
		}
		req := RequestOf(*sch)
		if err := edit(&req); err != nil {
			return err
		}
		if !req.FirstRun.IsZero() {
			return usererror.New("first_run applies when a schedule is created: to move the next run, change the recurrence or pause and resume it")
		}
		return sc.apply(ctx, req, sch, now)
	}, now)
}

// SetPaused pauses or resumes schedule id; a resumed schedule's next run
// is the recurrence's first after now. Managed schedules may be paused too.
func (sc *Service) SetPaused(ctx context.Context, id int64, paused bool, now time.Time) (schedule.Schedule, error) {
	return sc.store.Update(ctx, id, func(sch *schedule.Schedule) error {
		sch.State.Paused = paused
		return nil
	}, now)
}

// Delete drops schedule id and returns it as it was; its jobs stay.
// A managed schedule is refused: it belongs to its cluster.
func (sc *Service) Delete(ctx context.Context, id int64) (schedule.Schedule, error) {
	sch, err := sc.store.Get(ctx, id)
	if err != nil {
		return sch, err
	}
	if sch.Unreadable == "" {
		if err := refuseManaged(sch, "dropped", "pause it instead"); err != nil {
			return sch, err
		}
	}
	return sch, sc.store.Delete(ctx, id)
}

// maxCopies bounds the numbered labels Duplicate tries.
const maxCopies = 100

// Duplicate copies schedule id under a free label ("<label> (copy)", then
// "(copy 2)"…), owned by actor and paused, so that it can be edited before
// it runs. The copy of a managed schedule is an ordinary one.
func (sc *Service) Duplicate(ctx context.Context, id int64, actor string, now time.Time) (schedule.Schedule, error) {
	orig, err := sc.store.Get(ctx, id)
	if err != nil {
		return schedule.Schedule{}, err
	}
	if orig.Unreadable != "" {
		return schedule.Schedule{}, orig.UnreadableError()
	}
	list, err := sc.store.List(ctx)
	if err != nil {
		return schedule.Schedule{}, err
	}
	taken := map[string]bool{}
	for _, s := range list {
		taken[strings.ToLower(s.Label)] = true
	}
	cp := orig
	cp.ID, cp.Managed, cp.Owner, cp.Tables = 0, false, actor, slices.Clone(orig.Tables)
	cp.State = schedule.State{Paused: true}
	for n := 1; ; n++ {
		if n > maxCopies {
			return schedule.Schedule{}, usererror.Errorf("schedule %q has too many copies already: rename some of them first", orig.Label)
		}
		cp.Label = orig.Label + " (copy)"
		if n > 1 {
			cp.Label = fmt.Sprintf("%s (copy %d)", orig.Label, n)
		}
		if !taken[strings.ToLower(cp.Label)] {
			break
		}
	}
	return sc.store.Create(ctx, cp, time.Time{}, now)
}

// Schedule statuses, as the list and the API show them.
const (
	Active  = "active"
	Paused  = "paused"
	Running = "running"
	// Unreadable: its stored row cannot be read; it never runs.
	Unreadable = "unreadable"
)

// Overview is where a schedule stands: its status, its recurrence
// in words with the next runs, and what its jobs say.
type Overview struct {
	// Status is Active, Paused, or Running while
	// a job of the schedule has not finished.
	Status  string
	Failing bool   // a job of its newest run failed
	Words   string // the recurrence in plain words
	// FullWords is the full backup cadence in words ("every run" when each
	// run is a full backup).
	FullWords   string
	NextRuns    []time.Time // the next runs (when paused: the runs after a resume now)
	JobsRunning int         // its unfinished jobs
	LastJob     *jobs.Job   // its newest finished job
}

// Overview tells where sch stands at now, with the next n runs.
func (sc *Service) Overview(ctx context.Context, sch schedule.Schedule, now time.Time, n int) (Overview, error) {
	o, err := sc.Overviews(ctx, []schedule.Schedule{sch}, now, n)
	if err != nil {
		return Overview{}, err
	}
	return o[0], nil
}

// Overviews tells where each schedule of list stands at now, with its
// next n runs, reading the jobs of them all at once.
func (sc *Service) Overviews(ctx context.Context, list []schedule.Schedule, now time.Time, n int) ([]Overview, error) {
	runs := make([]jobs.ScheduleRun, len(list))
	for i, sch := range list {
		runs[i] = jobs.ScheduleRun{ScheduleID: sch.ID, Run: sch.State.LastRunAt}
	}
	activity, err := sc.jobs.ScheduleActivity(ctx, runs)
	if err != nil {
		return nil, err
	}
	out := make([]Overview, len(list))
	for i, sch := range list {
		out[i] = overview(sch, activity[sch.ID], now, n)
	}
	return out, nil
}

// overview is where sch stands at now, given what its jobs say.
func overview(sch schedule.Schedule, a jobs.ScheduleActivity, now time.Time, n int) Overview {
	var o Overview
	spec, err := sch.Spec()
	switch {
	case err != nil:
		// The store checks what it keeps; say so rather than fail a page.
		msg, _ := usererror.Message(err)
		o.Words, o.FullWords = "cannot run: "+msg, "—"
	case sch.State.Paused || !sch.State.NextRun.After(now):
		o.NextRuns = spec.Recurrence.NextN(now, n)
	case n > 0:
		o.NextRuns = append([]time.Time{sch.State.NextRun}, spec.Recurrence.NextN(sch.State.NextRun, n-1)...)
	}
	if err == nil {
		o.Words, o.FullWords = spec.Recurrence.Words, schedule.CadenceWords(sch.FullRecurrence)
	}
	o.JobsRunning, o.LastJob, o.Failing = a.Unfinished, a.LastFinished, a.RunFailed
	switch {
	case sch.Unreadable != "":
		o.Status, o.Words, o.FullWords, o.NextRuns = Unreadable, "cannot be read: "+sch.Unreadable, "—", nil
	case sch.State.Paused:
		o.Status = Paused
	case o.JobsRunning > 0:
		o.Status = Running
	default:
		o.Status = Active
	}
	return o
}
