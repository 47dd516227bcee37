package backups

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/app/jobrun"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/usererror"
)

// Service starts backups and runs their jobs.
type Service struct {
	reg     *registry.Registry
	jobs    *jobs.Store
	engines cluster.Engines
	log     *slog.Logger

	// ChunkBytes is the target size of a backup data file; 0 means the engine's default.
	ChunkBytes int64
}

// New returns the service; Register its handler with the job runner.
func New(reg *registry.Registry, js *jobs.Store, engines cluster.Engines, log *slog.Logger) *Service {
	return &Service{reg: reg, jobs: js, engines: engines, log: log}
}

// Register adds the backup handler to a job runner.
func (s *Service) Register(r *jobs.Runner) { r.Register(jobs.TypeBackup, handler{s}) }

// FailOrphanedPausedBackups resumes the backups that were paused when the
// console last stopped. Their snapshot lived in that process and is gone, so
// the engine fails each with that reason and drops its replication slot,
// instead of the slot holding WAL until someone resumes the job. Call it
// before the job runner starts. (With several consoles on one state store, a
// backup paused in another running console would be resumed too; it then
// continues there or fails here, never mixing snapshots.)
func (s *Service) FailOrphanedPausedBackups(ctx context.Context) error {
	for before := int64(0); ; {
		list, next, err := s.jobs.List(ctx, jobs.Filter{Type: jobs.TypeBackup, Status: jobs.StatusPaused}, before, 100)
		if err != nil {
			return err
		}
		for _, j := range list {
			if _, err := s.jobs.Resume(ctx, j.ID); err != nil && !errors.As(err, new(*usererror.Error)) {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		before = next
	}
}

// Request asks for a full backup of a database, or of some of its tables.
type Request struct {
	Cluster    string   `json:"cluster"`
	Database   string   `json:"database"`
	Tables     []string `json:"tables,omitempty"`
	Collection string   `json:"collection"`
	// Incremental adds a layer to the newest chain of the database in the
	// collection (or to Chain, a full backup's path); RevisionHistory keeps
	// every change with its commit time, for point-in-time restores.
	Incremental     bool   `json:"incremental,omitempty"`
	Chain           string `json:"chain,omitempty"`
	RevisionHistory bool   `json:"revision_history,omitempty"`
	// ScheduleID is the schedule that starts the backup (0: started by hand).
	ScheduleID int64 `json:"schedule_id,omitempty"`
	// Run is when the schedule's run that started the backup began: a run
	// over several databases has one job per database, all with this time
	// (jobs.NewJob.ScheduleRun).
	Run time.Time `json:"-"`
	// KeepDays is the backup's own retention (managed backups), recorded in
	// its manifest; 0 leaves it to the retention policies.
	KeepDays int `json:"keep_days,omitempty"`
}

// Result is what a finished backup job records.
type Result struct {
	Collection string `json:"collection"`
	Path       string `json:"path"`
	Rows       int64  `json:"rows"`
	Bytes      int64  `json:"stored_bytes"`
	Type       string `json:"type"`                  // full or incremental
	Changes    int64  `json:"changes,omitempty"`     // an incremental's row changes
	FullReason string `json:"full_reason,omitempty"` // why an incremental became a full backup
	// WholeTables are the tables an incremental copied whole rather than
	// change by change: no replica identity (their UPDATE and DELETE cannot
	// be published), or created since the previous layer.
	WholeTables []string `json:"whole_tables,omitempty"`
	// LargeObjects counts the large objects the backup holds.
	LargeObjects int64 `json:"large_objects,omitempty"`
	// Warnings say what the backup could not carry as it is.
	Warnings []string `json:"warnings,omitempty"`
}

// Start validates the request and queues its job.
func (s *Service) Start(ctx context.Context, req Request, actor string) (jobs.Job, error) {
	req.Tables = cluster.CleanTables(req.Tables)
	req.Database = strings.TrimSpace(req.Database)
	switch {
	case req.Cluster == "":
		return jobs.Job{}, usererror.New("choose the cluster to back up")
	case req.Database == "":
		return jobs.Job{}, usererror.New("name the database to back up")
	case req.Collection == "":
		return jobs.Job{}, usererror.New("choose the collection to store the backup in")
	}
	if err := cluster.CheckTarget(req.Database, req.Tables); err != nil {
		return jobs.Job{}, err
	}
	if _, err := s.reg.ClusterByName(ctx, req.Cluster); errors.Is(err, registry.ErrNotFound) {
		return jobs.Job{}, usererror.Errorf("no cluster named %q", req.Cluster)
	} else if err != nil {
		return jobs.Job{}, err
	}
	if _, err := s.reg.CollectionByName(ctx, req.Collection); errors.Is(err, registry.ErrNotFound) {
		return jobs.Job{}, usererror.Errorf("no collection named %q", req.Collection)
	} else if err != nil {
		return jobs.Job{}, err
	}
	if req.Chain != "" && !req.Incremental {
		return jobs.Job{}, usererror.New("chain names the chain an incremental backup extends: set incremental too, or leave chain out")
	}
	kind := "Full"
	if req.Incremental {
		kind = "Incremental"
		if len(req.Tables) > 0 {
			return jobs.Job{}, usererror.New("an incremental backup covers the tables of its chain's full backup: leave tables out")
		}
	}
	what := "database " + req.Database
	if len(req.Tables) > 0 {
		what = fmt.Sprintf("%d table(s) of database %s", len(req.Tables), req.Database)
	}
	return s.jobs.Create(ctx, jobs.NewJob{
		Type: jobs.TypeBackup, Cluster: req.Cluster, ScheduleID: req.ScheduleID, ScheduleRun: req.Run, CreatedBy: actor, Payload: req,
		Description: fmt.Sprintf("%s backup of %s into %s", kind, what, req.Collection),
	})
}

type handler struct{ s *Service }

func (h handler) Run(ctx context.Context, job jobs.Job, ctl *jobs.Control) error {
	var req Request
	if err := json.Unmarshal(job.Payload, &req); err != nil {
		return fmt.Errorf("backup job %d: bad payload: %w", job.ID, err)
	}
	driver, err := h.s.reg.Driver(ctx, req.Cluster, h.s.engines)
	if err != nil {
		return err
	}
	coll, err := h.s.reg.OpenCollection(ctx, req.Collection)
	if err != nil {
		return err
	}
	defer coll.Close()
	m, err := driver.Backup(ctx, cluster.BackupRequest{
		JobID: strconv.FormatInt(job.ID, 10), Database: req.Database, Tables: req.Tables,
		Cluster: req.Cluster, CreatedBy: job.CreatedBy, Resume: job.Checkpoint, Attempt: job.Attempt,
		ChunkBytes:  h.s.ChunkBytes,
		Incremental: req.Incremental, Chain: req.Chain, RevisionHistory: req.RevisionHistory, KeepDays: req.KeepDays,
	}, coll, jobrun.Tracker{Control: ctl})
	if err != nil {
		return jobrun.Outcome(err)
	}
	if m.Kind == collection.KindFull && m.Slot != "" {
		h.dropOlderChainSlots(ctx, coll, m, driver)
	}
	res := Result{Collection: req.Collection, Path: m.Path, Type: string(m.Kind), Changes: m.Changes, FullReason: m.FullReason, Warnings: m.Warnings}
	if m.LargeObjects != nil {
		res.LargeObjects = m.LargeObjects.Count
	}
	for _, t := range m.Tables {
		res.Rows += t.Rows
		res.Bytes += t.StoredBytes
		if t.Whole {
			res.WholeTables = append(res.WholeTables, t.QualifiedName())
		}
	}
	return ctl.SetResult(res)
}

// dropOlderChainSlots drops the replication slots (and publications) of the
// older chains of m's database in the same collection: new incrementals go
// to the newest chain, and an older chain's slot would only make the server
// keep WAL. Chains in other collections keep theirs. Failures are logged:
// the backup itself succeeded, and the cluster page shows leftover slots.
func (h handler) dropOlderChainSlots(ctx context.Context, coll *collection.Collection, m *collection.Manifest, driver cluster.Driver) {
	sums, err := coll.Backups(ctx)
	if err != nil {
		h.s.log.Warn("cannot list the collection to drop older chains' slots", "error", err)
		return
	}
	for _, s := range sums {
		if s.Kind != collection.KindFull || s.Database != m.Database || s.Path == m.Path || !s.EndTime.Before(m.EndTime) {
			continue
		}
		old, err := coll.Manifest(ctx, s.Path)
		if err != nil || old.Slot == "" || old.Slot == m.Slot {
			continue
		}
		if err := driver.DropSlot(ctx, m.Database, old.Slot); err != nil {
			h.s.log.Warn("could not drop an older chain's replication slot", "slot", old.Slot, "chain", s.Path, "error", err)
			continue
		}
		h.s.log.Info("dropped the replication slot of an older chain", "slot", old.Slot, "chain", s.Path)
	}
}

// Kind says whether a backup job took a full or an incremental backup:
// its result says so once it has one, else its request.
func Kind(j jobs.Job) string {
	if WasFull(j) {
		return "full"
	}
	return "incremental"
}

// WasFull reports whether a backup job took a full backup: its result says
// so (an incremental on a broken chain becomes one), else its request.
func WasFull(j jobs.Job) bool {
	var res Result
	if json.Unmarshal(j.Result, &res) == nil && res.Type != "" {
		return res.Type == "full"
	}
	var req Request
	return json.Unmarshal(j.Payload, &req) != nil || !req.Incremental
}
