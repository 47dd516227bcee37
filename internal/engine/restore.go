package engine

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"time"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/usererror"
)

// RestoreParams say what to restore and where.
type RestoreParams struct {
	JobID     string
	TargetDSN func(database string) string // connection string to the target cluster for a database (admin role)
	Backup    string                       // "LATEST" (the newest chain's last layer) or a layer path
	AsOf      time.Time                    // restore to this moment instead (AS OF SYSTEM TIME); zero: none
	Database  string                       // the database in the backup
	Tables    []string                     // "schema.table" exactly as stored; empty = whole database
	NewDBName string                       // whole-database restore into a new database (default: Database; must not exist)
	IntoDB    string                       // table restore into this existing database

	SkipMissingForeignKeys, SkipMissingSequences, SkipMissingViews bool

	Parallel int // COPY connections and pg_restore jobs for post-data; default 2
	// Resume is the checkpoint of a previous run of this job (paused,
	// interrupted or crashed), nil for a new restore.
	Resume json.RawMessage
}

// restoreSource is what a restore reads from a collection.
type restoreSource interface {
	Resolve(ctx context.Context, spec, database string) (*collection.Manifest, error)
	Backups(ctx context.Context) ([]collection.Summary, error)
	Manifest(ctx context.Context, path string) (*collection.Manifest, error)
	OpenFile(ctx context.Context, layerPath string, f collection.FileInfo) (io.ReadCloser, error)
}

// Restore phases, in order. The checkpoint names the phase to run next.
const (
	phaseCreate    = "create"       // roles; the new database (whole-database restores)
	phaseSchema    = "schema"       // pg_restore --section=pre-data: tables, types, functions...
	phaseData      = "data"         // COPY every data file
	phaseChanges   = "changes"      // replay incremental layers' changes
	phaseLargeObj  = "largeobjects" // the large objects (whole-database restores)
	phasePostData  = "indexes"      // pg_restore --section=post-data: indexes, constraints, triggers
	phaseSequences = "sequences"    // sequence values, materialized views, clean up
	phaseDone      = "done"
)

// restoreCheckpoint is a restore's resume state. Which data files are
// loaded is not in it: that is recorded in the target database itself, in
// the same transaction as each file's rows (see restore_data.go).
type restoreCheckpoint struct {
	Phase           string       `json:"phase"`
	Layer           string       `json:"layer"` // the backup restored: LATEST pinned when the restore started
	AsOf            time.Time    `json:"as_of,omitzero"`
	Database        string       `json:"database"`
	CreatedDatabase bool         `json:"created_database,omitempty"` // a whole-database restore created it
	CreatedRoles    []string     `json:"created_roles,omitempty"`
	Plan            *restorePlan `json:"plan,omitempty"` // table restores: fixed when the restore starts
	SkippedDefaults []string     `json:"skipped_defaults,omitempty"`
	FilesDone       int          `json:"files_done"`
	BytesDone       int64        `json:"bytes_done"`
	RowsDone        int64        `json:"rows_done"`
}

// Restore restores a backup into the cluster p.TargetDSN reaches: the whole
// database as a new database (p.NewDBName, by default the backup's name),
// or the tables p.Tables into the existing database p.IntoDB.
//
// Everything is checked before anything is changed: the target is
// reachable, the new database absent or into_db present, the tables are in
// the backup, nothing the restore creates exists already, and nothing a
// table needs is left behind (see schema_restore.go). Then, in order: roles
// the schema names that the target lacks (created NOLOGIN, without
// password); the schema (pg_restore pre-data); the data, in parallel, one
// transaction per data file; indexes, constraints and triggers (pg_restore
// post-data); sequence values and materialized views.
//
// A pause stops at the next data file or phase and returns
// cluster.ErrPauseRequested; Restore with the checkpoint continues there. A
// cancel (cluster.ErrCancelRequested) or a failure removes what the restore
// created; an interruption (ctx canceled: the console is stopping) keeps it
// for the resume.
func (e *Engine) Restore(ctx context.Context, p RestoreParams, c *collection.Collection, t cluster.Tracker) (*cluster.RestoreResult, error) {
	return e.restore(ctx, p, c, t)
}

func (e *Engine) restore(ctx context.Context, p RestoreParams, src restoreSource, t cluster.Tracker) (*cluster.RestoreResult, error) {
	if p.Parallel <= 0 {
		p.Parallel = defaultParallel
	}
	t.Progress("validating", 0, 0, 0, 0)
	r, err := e.prepareRestore(ctx, p, src)
	if err != nil {
		return nil, err
	}
	defer r.close()
	if err := r.execute(ctx, t); err != nil {
		return nil, r.stop(ctx, t, err)
	}
	return r.result(), nil
}

// execute runs the phases that are left.
func (r *restoreRun) execute(ctx context.Context, t cluster.Tracker) error {
	if r.resumed {
		// A job canceled while paused comes back here to clean up.
		if err := t.Boundary(ctx); err != nil {
			return err
		}
	}
	steps := []struct {
		phase string
		run   func(context.Context, cluster.Tracker) error
	}{
		{phaseCreate, r.create},
		{phaseSchema, r.schema},
		{phaseData, r.loadData},
		{phaseChanges, r.replay},
		{phaseLargeObj, r.restoreLargeObjects},
		{phasePostData, r.postData},
		{phaseSequences, r.finish},
	}
	for i, s := range steps {
		if r.cp.Phase != s.phase {
			continue
		}
		if err := s.run(ctx, t); err != nil {
			return err
		}
		next := phaseDone
		if i+1 < len(steps) {
			next = steps[i+1].phase
		}
		r.cp.Phase = next
		if err := r.checkpoint(t); err != nil {
			return err
		}
		if next != phaseDone {
			if err := t.Boundary(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// stop handles a restore that ends early: a pause keeps everything for the
// resume, as does an interruption; a cancel or a failure removes what the
// restore created.
func (r *restoreRun) stop(ctx context.Context, t cluster.Tracker, err error) error {
	switch {
	case errors.Is(err, cluster.ErrPauseRequested):
		return err
	case errors.Is(err, cluster.ErrCancelRequested):
		t.Reverting()
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		return withCleanup(err, r.revert(cctx))
	case ctx.Err() != nil || errors.Is(err, errSimulatedCrash):
		return err
	case errors.As(err, new(*checkpointError)):
		// The target is consistent and resumable; only the job's state
		// could not be saved.
		return err
	case !r.changed():
		return err
	}
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	if cerr := r.revert(cctx); cerr != nil {
		return withCleanup(err, cerr)
	}
	if ue := userError(err); ue != nil {
		return &usererror.Error{Msg: ue.Msg + "; what the restore had created was removed", Cause: ue.Cause}
	}
	return err
}

// checkpoint saves the resume state.
func (r *restoreRun) checkpoint(t cluster.Tracker) error {
	if err := t.Checkpoint(r.cp); err != nil {
		return &checkpointError{err}
	}
	return nil
}

// checkpointError is a failure to save the job's checkpoint: it stops the
// restore but does not undo it.
type checkpointError struct{ err error }

func (e *checkpointError) Error() string { return "save the restore's checkpoint: " + e.err.Error() }
func (e *checkpointError) Unwrap() error { return e.err }

// errSimulatedCrash is returned by test hooks that stand for the console
// dying: the restore leaves everything as a crash would.
var errSimulatedCrash = errors.New("simulated crash")

// result is the finished restore's report.
func (r *restoreRun) result() *cluster.RestoreResult {
	res := &cluster.RestoreResult{
		Database: r.target, Tables: len(r.tables), Rows: r.totalRows, Bytes: r.totalBytes,
		CreatedRoles:       r.cp.CreatedRoles,
		SkippedForeignKeys: r.plan.SkippedForeignKeys,
		SkippedViews:       r.plan.SkippedViews,
		SkippedDefaults:    append(append([]string(nil), r.plan.SkippedDefaults...), r.cp.SkippedDefaults...),
		Warnings:           r.warnings,
	}
	if lo := r.largeObjects(); lo != nil {
		res.LargeObjects = lo.LargeObjects.Count
	}
	return res
}

func (r *restoreRun) close() {
	if r.tmpDir != "" {
		os.RemoveAll(r.tmpDir)
	}
}
