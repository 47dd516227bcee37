package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
)

// BackupParams say what to back up and how.
type BackupParams struct {
	JobID      string   // key for keeping a paused backup's snapshot
	DSN        string   // connection string to the database to back up
	Database   string   // its name, for messages and the manifest
	Tables     []string // "schema.table" exactly as stored (no quotes); empty = the whole database
	Cluster    string
	CreatedBy  string
	Parallel   int   // COPY streams; default 2
	ChunkBytes int64 // target COPY text bytes per data file; default 64 MiB
	// Incremental adds a layer to the chain Chain (a full backup's path;
	// empty: the newest full backup of Database) instead of taking a full
	// backup. When the chain cannot be followed, a full backup is taken and
	// its manifest says why (FullReason). RevisionHistory keeps every
	// change with its commit time rather than each row's last version.
	Incremental     bool
	Chain           string
	RevisionHistory bool
	// KeepDays is recorded in the manifest: the backup's own retention.
	KeepDays int
	// Resume is the checkpoint of a previous run of this job (nil for a new
	// backup). Attempt is the job's attempt number.
	Resume  json.RawMessage
	Attempt int
}

const (
	defaultParallel   = 2
	defaultChunkBytes = 64 << 20
)

// backupCheckpoint is the resume state saved after every chunk. Files are
// the finished files (schema archive and data chunks); the chunks whose
// files are not among them are still to copy.
type backupCheckpoint struct {
	Layer    string                `json:"layer"`
	Kind     collection.Kind       `json:"kind,omitempty"` // empty: full
	Slot     string                `json:"slot,omitempty"`
	Snapshot string                `json:"snapshot"`
	Chunks   []chunk               `json:"chunks"`
	Files    []collection.FileInfo `json:"files"`
	Warnings []string              `json:"warnings,omitempty"` // pg_dump's, for the manifest
}

// backupRun is one backup in progress. A paused backup's run is kept in
// Engine.held with its snapshot, and continues on resume.
type backupRun struct {
	e          *Engine
	p          BackupParams
	src        sourceInfo
	snap       *snapshot
	cat        *catalog
	tables     map[uint32]*tableInfo
	plan       []chunk
	layer      *collection.Layer
	files      []collection.FileInfo // finished, in completion order
	startedAt  time.Time
	done       progressCounter // data copied, across pauses
	inc        *incState       // set for an incremental layer
	captured   map[uint32]bool // tables in the chain's publication at the layer's end
	fullReason string          // why an incremental was asked for and this is a full backup
	// dumpWarnings are what pg_dump said it left out (kept in the checkpoint).
	dumpWarnings []string
	total        struct{ bytes, rows int64 }
}

// afterSnapshot, when set (by tests), runs right after the snapshot is taken.
var afterSnapshot func()

// Backup takes a consistent full backup of the database p.DSN names into a
// new layer of c, or continues a paused one (p.Resume). Everything — the
// schema dump, every table's rows and the catalog — is read under one
// snapshot; the manifest is written last, so a backup that does not finish
// is never restorable. It returns cluster.ErrPauseRequested (the snapshot is
// kept for the resume) or cluster.ErrCancelRequested (partial files removed)
// when t asks for either at a chunk boundary.
func (e *Engine) Backup(ctx context.Context, p BackupParams, c *collection.Collection, t cluster.Tracker) (*collection.Manifest, error) {
	if p.Parallel <= 0 {
		p.Parallel = defaultParallel
	}
	if p.ChunkBytes <= 0 {
		p.ChunkBytes = defaultChunkBytes
	}
	var run *backupRun
	var err error
	var broken *chainBrokenError
	switch {
	case p.Resume != nil:
		run, err = e.resumeBackup(ctx, p, c, t)
	case p.Incremental:
		run, err = e.startIncremental(ctx, p, c, t)
		if errors.As(err, &broken) {
			e.log.Warn("the chain cannot be followed: taking a full backup", "job", p.JobID, "reason", broken.reason)
			if run, err = e.startFull(ctx, p, c, t); err == nil {
				run.fullReason = broken.reason
			}
		}
	default:
		run, err = e.startFull(ctx, p, c, t)
	}
	if err != nil {
		return nil, err
	}
	m, err := run.execute(ctx, t)
	switch {
	case err == nil:
		return m, nil
	case errors.Is(err, cluster.ErrPauseRequested) && run.inc != nil && run.inc.capturing:
		// A layer paused while reading the slot starts over on resume:
		// nothing was confirmed, so the slot hands out the same changes.
		run.fail(ctx, t, err)
		return nil, err
	case errors.Is(err, cluster.ErrPauseRequested):
		e.hold(p.JobID, run)
		return nil, err
	default:
		return nil, run.fail(ctx, t, err)
	}
}

// startFull starts a full backup, with a new snapshot when another backup
// into the collection ended in the same hundredth of a second and took the
// folder the backup would be named.
func (e *Engine) startFull(ctx context.Context, p BackupParams, c *collection.Collection, t cluster.Tracker) (*backupRun, error) {
	for attempt := 1; ; attempt++ {
		run, err := e.startBackup(ctx, p, c, t)
		if !errors.Is(err, collection.ErrLayerTaken) || attempt == 3 {
			return run, err
		}
		e.log.Info("backup folder taken by another backup: taking a new snapshot", "job", p.JobID, "error", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// startBackup connects, takes the snapshot, reads the catalog under it and
// begins the layer.
func (e *Engine) startBackup(ctx context.Context, p BackupParams, c *collection.Collection, t cluster.Tracker) (*backupRun, error) {
	run := &backupRun{e: e, p: p, startedAt: time.Now().UTC()}
	t.Progress("connecting", 0, 0, 0, 0)
	meta, err := connectSource(ctx, p.DSN, "strata backup")
	if err != nil {
		return nil, err
	}
	if run.src, err = readSourceInfo(ctx, meta); err != nil {
		meta.Close(context.WithoutCancel(ctx))
		return nil, sourceError(err, "read server information", "")
	}
	t.Progress("snapshot", 0, 0, 0, 0)
	if run.snap, err = e.takeSnapshot(ctx, p.DSN, p.JobID, run.src, meta, p.Tables); err != nil {
		meta.Close(context.WithoutCancel(ctx))
		return nil, sourceError(err, "take the backup's snapshot", "")
	}
	if afterSnapshot != nil {
		afterSnapshot()
	}
	if run.cat, err = readCatalog(ctx, meta, p.Database, p.Tables); err != nil {
		return nil, run.fail(ctx, t, sourceError(err, "read the catalog", ""))
	}
	if err := lockTables(ctx, meta, run.cat.tables); err != nil {
		return nil, run.fail(ctx, t, err)
	}
	if run.snap.pub != "" {
		if run.captured, err = publicationMembers(ctx, meta, run.snap.pub); err != nil {
			return nil, run.fail(ctx, t, sourceError(err, "read the backup's publication", ""))
		}
	}
	run.index()
	run.plan = planChunks(run.cat.tables, p.ChunkBytes, run.cat.blockSize)
	if run.layer, err = c.BeginLayer(ctx, collection.KindFull, run.snap.endTime, "", time.Time{}); err != nil {
		return nil, run.fail(ctx, t, storageError(err))
	}
	// From here a crash leaves files and maybe a slot: checkpoint at once
	// so the next attempt knows what to remove.
	if err := run.checkpoint(t); err != nil {
		return nil, run.fail(ctx, t, err)
	}
	return run, nil
}

// resumeBackup continues a paused backup from its held snapshot. Without it
// (the console restarted, or the snapshot was released) the backup cannot
// go on: mixing rows read under two snapshots would make an inconsistent
// backup. Then the partial files and the slot are removed and the job fails.
func (e *Engine) resumeBackup(ctx context.Context, p BackupParams, c *collection.Collection, t cluster.Tracker) (*backupRun, error) {
	var cp backupCheckpoint
	if err := json.Unmarshal(p.Resume, &cp); err != nil {
		return nil, fmt.Errorf("backup checkpoint: %w", err)
	}
	run := e.takeHeld(p.JobID)
	if run == nil && cp.Kind == collection.KindIncremental {
		// An incremental holds nothing worth keeping across a restart or
		// a pause while it read the slot: remove its partial layer and
		// take it again (the slot was not confirmed, so nothing is lost).
		if err := t.Boundary(ctx); err != nil {
			return nil, e.discardCheckpoint(ctx, p, c, t, cp, err)
		}
		if err := e.discardCheckpoint(ctx, p, c, t, cp, nil); err != nil {
			return nil, err
		}
		return e.startIncremental(ctx, p, c, t)
	}
	if run == nil || run.layer.Path() != cp.Layer || run.snap.released {
		if run != nil {
			run.snap.release(context.WithoutCancel(ctx), e, true)
		}
		cause := errSnapshotLost
		if err := t.Boundary(ctx); errors.Is(err, cluster.ErrCancelRequested) {
			cause = err // a paused job canceled after a restart: just clean up
		}
		return nil, e.discardCheckpoint(ctx, p, c, t, cp, cause)
	}
	run.p = p
	run.layer = c.ResumeLayer(cp.Layer, run.layer.Kind(), cp.Files)
	run.files = append([]collection.FileInfo(nil), cp.Files...)
	run.dumpWarnings = append([]string(nil), cp.Warnings...)
	// A canceled paused job is run again only to clean up; a job paused
	// again before doing anything keeps its snapshot.
	if err := t.Boundary(ctx); err != nil {
		if errors.Is(err, cluster.ErrPauseRequested) {
			e.hold(p.JobID, run)
			return nil, err
		}
		return nil, run.fail(ctx, t, err)
	}
	return run, nil
}

// discardCheckpoint removes what a backup that cannot continue left: its
// partial files and its slot.
func (e *Engine) discardCheckpoint(ctx context.Context, p BackupParams, c *collection.Collection, t cluster.Tracker, cp backupCheckpoint, cause error) error {
	if errors.Is(cause, cluster.ErrCancelRequested) {
		t.Reverting()
	}
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	var cleanupErr error
	if cp.Layer != "" {
		if err := c.ResumeLayer(cp.Layer, cmp.Or(cp.Kind, collection.KindFull), cp.Files).Abort(cctx); err != nil {
			e.log.Error("could not remove a backup's partial files", "layer", cp.Layer, "err", err)
		}
	}
	if cp.Slot != "" {
		if err := DropSlot(cctx, p.DSN, cp.Slot); err != nil {
			cleanupErr = slotLeftError(cp.Slot, err)
		}
	}
	if errors.Is(cause, errSnapshotLost) {
		cause = snapshotLostError(nil)
	}
	return withCleanup(cause, cleanupErr)
}

// fail removes the backup's partial work after err: the layer's files (no
// manifest was written, so nothing of it is restorable) and the slot.
func (r *backupRun) fail(ctx context.Context, t cluster.Tracker, err error) error {
	if errors.Is(err, cluster.ErrCancelRequested) {
		t.Reverting()
	}
	if errors.Is(err, errSnapshotLost) {
		err = snapshotLostError(err)
	}
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	if r.inc != nil && r.inc.stream != nil {
		r.inc.stream.Close(cctx) // confirms nothing: the slot stays where it was
	}
	if r.layer != nil {
		if aerr := r.layer.Abort(cctx); aerr != nil {
			r.e.log.Error("could not remove a failed backup's partial files", "layer", r.layer.Path(), "err", aerr)
		}
	}
	return withCleanup(err, r.snap.release(cctx, r.e, true))
}

func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
}

// index fills the lookups and totals from the catalog.
func (r *backupRun) index() {
	r.tables = make(map[uint32]*tableInfo, len(r.cat.tables))
	for _, t := range r.cat.tables {
		r.tables[t.OID] = t
		r.total.bytes += t.TableBytes
		r.total.rows += t.Rows
	}
}

func (r *backupRun) checkpoint(t cluster.Tracker) error {
	return t.Checkpoint(backupCheckpoint{
		Layer: r.layer.Path(), Kind: r.layer.Kind(), Slot: r.snap.slot, Snapshot: r.snap.name,
		Chunks: r.plan, Files: r.files, Warnings: r.dumpWarnings,
	})
}

// finished reports whether the layer already holds file name.
func (r *backupRun) finished(name string) bool {
	for _, f := range r.files {
		if f.Name == name {
			return true
		}
	}
	return false
}

// execute does what is left of the backup: schema, data, sequences, commit.
func (r *backupRun) execute(ctx context.Context, t cluster.Tracker) (*collection.Manifest, error) {
	if r.inc != nil {
		// An incremental's schema dump overlaps its capture: both read
		// under the layer's snapshot, and the dump is a fixed cost that
		// would otherwise dominate a small layer.
		if err := r.withSchema(ctx, t, func() error {
			if err := r.copyData(ctx, t); err != nil {
				return err
			}
			return r.captureLayer(ctx, t)
		}); err != nil {
			return nil, err
		}
	} else {
		dumped := !r.finished(schemaFile)
		if err := r.withSchema(ctx, t, func() error { return nil }); err != nil {
			return nil, err
		}
		if dumped {
			if err := t.Boundary(ctx); err != nil {
				return nil, err
			}
		}
		if err := r.copyData(ctx, t); err != nil {
			return nil, err
		}
	}
	t.Progress("finishing", r.done.bytes.Load(), r.total.bytes, r.done.rows.Load(), r.total.rows)
	seqs, err := readSequenceValues(ctx, r.snap.meta, r.cat.sequences)
	if err != nil {
		return nil, sourceError(err, "read the sequences", "")
	}
	m := r.manifest(seqs)
	if err := r.layer.Commit(ctx, m); err != nil {
		return nil, storageError(err)
	}
	r.confirmLayer(ctx)
	// The slot stays: incrementals of this backup stream from it.
	if err := r.snap.release(context.WithoutCancel(ctx), r.e, false); err != nil {
		r.e.log.Warn("release snapshot", "err", err)
	}
	t.Progress("done", r.done.bytes.Load(), r.done.bytes.Load(), r.done.rows.Load(), r.done.rows.Load())
	return m, nil
}

// withSchema dumps the schema and the large objects (unless an earlier run
// did) while work runs, and records the dumps, even when work stops for a
// pause.
func (r *backupRun) withSchema(ctx context.Context, t cluster.Tracker, work func() error) error {
	type dump struct {
		file string
		run  func(context.Context, *collection.Layer, string, string, int) (collection.FileInfo, []string, error)
	}
	var dumps []dump
	if !r.finished(schemaFile) {
		dumps = append(dumps, dump{schemaFile, dumpSchema})
	}
	if r.withLargeObjects() && !r.finished(largeObjectsFile) {
		dumps = append(dumps, dump{largeObjectsFile, dumpLargeObjects})
	}
	if len(dumps) == 0 {
		return work()
	}
	t.Progress("schema", 0, r.total.bytes, 0, r.total.rows)
	type result struct {
		files    []collection.FileInfo
		warnings []string
		err      error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		for _, d := range dumps {
			fi, warnings, err := d.run(ctx, r.layer, r.p.DSN, r.snap.name, r.src.versionNum/10000)
			if err != nil {
				res.err = err
				break
			}
			res.files = append(res.files, fi)
			res.warnings = append(res.warnings, warnings...)
		}
		done <- res
	}()
	err := work()
	res := <-done
	r.files = append(r.files, res.files...)
	r.dumpWarnings = append(r.dumpWarnings, res.warnings...)
	if len(res.files) > 0 {
		if cerr := r.checkpoint(t); cerr != nil {
			return cmp.Or(err, res.err, cerr)
		}
	}
	return cmp.Or(err, res.err)
}

// withLargeObjects reports whether the layer stores the database's large
// objects: it has some, and the backup is of the whole database (large
// objects belong to no table).
func (r *backupRun) withLargeObjects() bool {
	return r.cat.largeObjects > 0 && len(r.p.Tables) == 0 && (r.inc == nil || !r.inc.full.Partial)
}

// manifest describes the finished layer.
func (r *backupRun) manifest(seqs []collection.Sequence) *collection.Manifest {
	byName := make(map[string]collection.FileInfo, len(r.files))
	for _, f := range r.files {
		byName[f.Name] = f
	}
	m := &collection.Manifest{
		FormatVersion:  collection.FormatVersion,
		Kind:           collection.KindFull,
		Path:           r.layer.Path(),
		Chain:          r.layer.Path(),
		Engine:         "postgres",
		Cluster:        r.p.Cluster,
		SystemID:       r.src.systemID,
		ServerVersion:  shortVersion(r.src.version),
		Database:       r.p.Database,
		Encoding:       r.src.encoding,
		Collate:        r.src.collate,
		Ctype:          r.src.ctype,
		EndTime:        r.snap.endTime.UTC(),
		EndLSN:         r.snap.endLSN,
		SnapshotMethod: r.snap.method,
		Slot:           r.snap.slot,
		Publication:    r.snap.pub,
		Partial:        len(r.p.Tables) > 0,
		FullReason:     r.fullReason,
		Schema:         collection.Schema{Archive: byName[schemaFile], Roles: r.cat.roles, Unpopulated: r.cat.unpopulated},
		Sequences:      seqs,
		CreatedBy:      r.p.CreatedBy,
		StartedAt:      r.startedAt,
		KeepDays:       r.p.KeepDays,
	}
	if m.Database == "" {
		m.Database = r.src.database
	}
	if r.withLargeObjects() {
		m.LargeObjects = &collection.LargeObjects{Archive: byName[largeObjectsFile], Count: r.cat.largeObjects}
	}
	m.Warnings = r.warnings()
	if inc := r.inc; inc != nil {
		m.Kind, m.Chain, m.Parent = collection.KindIncremental, inc.full.Path, inc.parent.Path
		m.StartTime, m.StartLSN = inc.parent.EndTime, inc.parent.EndLSN
		m.Slot, m.Publication, m.Partial = inc.full.Slot, inc.full.Publication, inc.full.Partial
		m.RevisionHistory, m.Changes = inc.revision, inc.count
	}
	for _, t := range r.cat.tables {
		mt := collection.Table{
			OID: t.OID, Schema: t.Schema, Name: t.Name, Columns: t.Columns,
			Parent: t.Parent, Unlogged: t.Unlogged, ExtensionConfig: t.ExtensionConfig, LoadVia: t.LoadVia, Files: []collection.FileInfo{},
			Types: t.Types, Key: t.Key, Captured: r.captured[t.OID],
		}
		if r.inc != nil {
			mt.Whole = r.inc.whole[t.OID]
			mt.Changes = r.inc.changes[t.OID]
			for _, f := range mt.Changes {
				mt.Rows += f.Rows
				mt.RawBytes += f.RawSize
				mt.StoredBytes += f.Size
			}
		}
		if t.Binary {
			mt.Format = formatBinary
		}
		for _, ch := range r.plan {
			if ch.Table != t.OID {
				continue
			}
			f := byName[ch.fileName()]
			mt.Files = append(mt.Files, f)
			mt.Rows += f.Rows
			mt.RawBytes += f.RawSize
			mt.StoredBytes += f.Size
		}
		m.Tables = append(m.Tables, mt)
	}
	m.FinishedAt = time.Now().UTC()
	return m
}
