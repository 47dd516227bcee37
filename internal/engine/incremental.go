package engine

// Incremental backups: a new layer on a chain, holding the row changes the
// chain's slot decoded since the previous layer ended.
//
// The layer's end is the consistent point of a temporary slot created for
// it with an exported snapshot: transactions that committed before that
// point are in the snapshot, the others are not. Under the snapshot the
// layer records the schema, the sequences and the tables it copies whole
// (those whose changes the publication did not carry); from the chain's
// slot it reads every transaction that committed between the previous
// layer's end and that point. The chain's slot is confirmed up to the
// point only after the manifest is stored: a layer that fails leaves the
// slot where it was, and the next attempt reads the same changes again.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
)

// incState is what an incremental layer adds to a backup run.
type incState struct {
	full, parent *collection.Manifest
	spec         captureSpec
	whole        map[uint32]bool // tables copied whole in this layer
	revision     bool
	changes      map[uint32][]collection.FileInfo
	count        int64
	capturing    bool           // reading the slot: a pause here restarts the layer
	stream       *pgconn.PgConn // after capture: the stream, to confirm on
}

// chainBrokenError says why no incremental can follow the chain; Backup
// then takes a full backup and records the reason.
type chainBrokenError struct{ reason string }

func (e *chainBrokenError) Error() string { return e.reason }

// changeBufferBytes bounds the decoded changes held in memory before they
// are written out (collapsed, without revision history).
const changeBufferBytes = 48 << 20

// resolveParent finds the chain an incremental extends (p.Chain, or the
// newest full backup of the database in c) and its last layer.
func resolveParent(ctx context.Context, p BackupParams, c *collection.Collection) (full, parent *collection.Manifest, err error) {
	sums, damaged, err := collection.Readable(c.Backups(ctx))
	if err != nil {
		return nil, nil, storageError(err)
	}
	chain := p.Chain
	if chain == "" {
		for _, s := range sums { // newest first
			if s.Kind == collection.KindFull && s.Database == p.Database {
				chain = s.Path
				break
			}
		}
		if chain == "" {
			reason := fmt.Sprintf("the collection holds no full backup of database %s to add an incremental to", p.Database)
			if damaged != nil {
				reason += " that can be read: " + damaged.Error()
			}
			return nil, nil, &chainBrokenError{reason}
		}
	}
	if err := damaged.Hides(chain, p.Chain == ""); err != nil {
		// The layer to add to may be the one the damaged entry lists.
		return nil, nil, &chainBrokenError{err.Error()}
	}
	last := ""
	for _, s := range sums {
		if s.Chain == chain {
			last = s.Path // sums are newest first: the first match is the last layer
			break
		}
	}
	if last == "" {
		return nil, nil, userErrorf(nil, "the collection holds no backup %s", chain)
	}
	if full, err = c.Manifest(ctx, chain); err != nil {
		return nil, nil, storageError(err)
	}
	if full.Database != p.Database {
		return nil, nil, userErrorf(nil, "backup %s is of database %s, not %s", chain, full.Database, p.Database)
	}
	parent = full
	if last != chain {
		if parent, err = c.Manifest(ctx, last); err != nil {
			return nil, nil, storageError(err)
		}
	}
	return full, parent, nil
}

// checkSlot verifies the chain's slot can still hand out every change
// since parent ended.
func checkSlot(ctx context.Context, src sourceInfo, meta *pgx.Conn, full, parent *collection.Manifest) error {
	switch {
	case src.versionNum < 140000:
		return &chainBrokenError{fmt.Sprintf("incremental backups need PostgreSQL 14 or later; the cluster runs %s", shortVersion(src.version))}
	case full.SystemID != src.systemID:
		return &chainBrokenError{fmt.Sprintf("the chain %s was taken from another cluster (system identifier %s, this one is %s)", full.Path, full.SystemID, src.systemID)}
	case full.Slot == "":
		return &chainBrokenError{fmt.Sprintf("the full backup %s has no replication slot (wal_level was not logical, or the role could not replicate)", full.Path)}
	case full.Publication == "":
		return &chainBrokenError{fmt.Sprintf("the full backup %s has no publication: PostgreSQL refused to create one when it was taken (that backup's warnings say why)", full.Path)}
	}
	var confirmed, walStatus *string
	var active bool
	err := meta.QueryRow(ctx, `SELECT confirmed_flush_lsn::text, wal_status, active FROM pg_replication_slots
		WHERE slot_name = $1 AND database = current_database()`, full.Slot).Scan(&confirmed, &walStatus, &active)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return &chainBrokenError{fmt.Sprintf("the chain's replication slot %s no longer exists (it was dropped, or the server was restored or failed over)", full.Slot)}
	case err != nil:
		return sourceError(err, "read the chain's replication slot", "")
	case walStatus != nil && *walStatus == "lost":
		return &chainBrokenError{fmt.Sprintf("the chain's replication slot %s was invalidated: the server removed WAL it still needed (see max_slot_wal_keep_size)", full.Slot)}
	case active:
		return userErrorf(nil, "the chain's replication slot %s is in use: another incremental backup of this chain is running; try again when it ends", full.Slot)
	}
	if confirmed != nil {
		c, _ := pglogrepl.ParseLSN(*confirmed)
		end, _ := pglogrepl.ParseLSN(parent.EndLSN)
		if c > end {
			return &chainBrokenError{fmt.Sprintf("the chain's replication slot %s was moved past the end of layer %s by something other than Strata: changes after it are lost to this chain", full.Slot, parent.Path)}
		}
	}
	return nil
}

// startIncremental begins an incremental layer: it checks the chain, adds
// new tables to the publication, takes the layer's snapshot and reads the
// catalog under it.
func (e *Engine) startIncremental(ctx context.Context, p BackupParams, c *collection.Collection, t cluster.Tracker) (*backupRun, error) {
	full, parent, err := resolveParent(ctx, p, c)
	if err != nil {
		return nil, err
	}
	run := &backupRun{e: e, p: p, startedAt: time.Now().UTC()}
	t.Progress("connecting", 0, 0, 0, 0)
	meta, err := connectSource(ctx, p.DSN, "strata incremental")
	if err != nil {
		return nil, err
	}
	run.snap = &snapshot{meta: meta, dsn: p.DSN}
	if run.src, err = readSourceInfo(ctx, meta); err != nil {
		run.snap.release(context.WithoutCancel(ctx), e, false)
		return nil, sourceError(err, "read server information", "")
	}
	if err := checkSlot(ctx, run.src, meta, full, parent); err != nil {
		run.snap.release(context.WithoutCancel(ctx), e, false)
		return nil, err
	}
	scope := chainScope(full)
	if err := e.syncChainPublication(ctx, meta, full, scope); err != nil {
		run.snap.release(context.WithoutCancel(ctx), e, false)
		return nil, err
	}

	t.Progress("snapshot", 0, 0, 0, 0)
	snap, err := createSlotSnapshot(ctx, p.DSN, slotName(p.JobID), true)
	if err != nil {
		run.snap.release(context.WithoutCancel(ctx), e, false)
		return nil, sourceError(err, "take the layer's snapshot", "")
	}
	snap.slot, snap.meta = "", meta // the temporary slot goes with its connection
	run.snap = snap
	if err := snap.importInto(ctx, meta); err != nil {
		return nil, run.fail(ctx, t, err)
	}
	if err := meta.QueryRow(ctx, "SELECT now()").Scan(&snap.endTime); err != nil {
		return nil, run.fail(ctx, t, sourceError(err, "read the server's time", ""))
	}
	if !snap.endTime.After(parent.EndTime) {
		snap.endTime = parent.EndTime.Add(10 * time.Millisecond) // the server's clock went back
	}
	if run.cat, err = readCatalog(ctx, meta, p.Database, scope); err != nil {
		return nil, run.fail(ctx, t, sourceError(err, "read the catalog", ""))
	}
	if err := lockTables(ctx, meta, run.cat.tables); err != nil {
		return nil, run.fail(ctx, t, err)
	}
	members, err := publicationMembers(ctx, meta, full.Publication)
	if err != nil {
		return nil, run.fail(ctx, t, sourceError(err, "read the chain's publication", ""))
	}
	from, _ := pglogrepl.ParseLSN(parent.EndLSN)
	to, _ := pglogrepl.ParseLSN(snap.endLSN)
	inc := &incState{
		full: full, parent: parent, revision: p.RevisionHistory,
		spec:    captureSpec{DSN: p.DSN, Slot: full.Slot, Publication: full.Publication, From: from, To: to},
		whole:   map[uint32]bool{},
		changes: map[uint32][]collection.FileInfo{},
	}
	before := map[uint32]bool{}
	for _, pt := range parent.Tables {
		before[pt.OID] = pt.Captured
	}
	var wholeTables []*tableInfo
	for _, tb := range run.cat.tables {
		if !before[tb.OID] {
			inc.whole[tb.OID] = true
			wholeTables = append(wholeTables, tb)
		}
	}
	run.inc, run.captured = inc, members
	run.index()
	run.plan = planChunks(wholeTables, p.ChunkBytes, run.cat.blockSize)
	run.total.bytes, run.total.rows = 0, 0
	for _, tb := range wholeTables {
		run.total.bytes += tb.TableBytes
		run.total.rows += tb.Rows
	}
	if run.layer, err = c.BeginLayer(ctx, collection.KindIncremental, snap.endTime, full.Path, parent.EndTime); err != nil {
		return nil, run.fail(ctx, t, storageError(err))
	}
	if err := run.checkpoint(t); err != nil {
		return nil, run.fail(ctx, t, err)
	}
	return run, nil
}

// chainScope is the tables a chain covers: all (nil), or those of a
// partial full backup.
func chainScope(full *collection.Manifest) []string {
	if !full.Partial {
		return nil
	}
	var names []string
	for _, t := range full.Tables {
		names = append(names, t.QualifiedName())
	}
	return names
}

// syncChainPublication brings the publication up to date with the tables
// in scope before the layer's snapshot is taken.
func (e *Engine) syncChainPublication(ctx context.Context, meta *pgx.Conn, full *collection.Manifest, scope []string) error {
	all, err := readTables(ctx, meta)
	if err != nil {
		return sourceError(err, "read the catalog", "")
	}
	in, err := tablesInScope(all, full.Database, scope)
	if err != nil {
		return err
	}
	var tables []*tableInfo
	for _, t := range all {
		if in[t.OID] {
			tables = append(tables, t)
		}
	}
	if err := syncPublication(ctx, meta, full.Publication, tables); err != nil {
		return sourceError(err, "update the chain's publication "+full.Publication, "")
	}
	return nil
}

// captureLayer reads the layer's changes from the chain's slot into change
// files, one series per table, holding at most changeBufferBytes in memory.
func (r *backupRun) captureLayer(ctx context.Context, t cluster.Tracker) error {
	inc := r.inc
	w := newChangeWriter(ctx, r.layer, r.p.ChunkBytes)
	pending := map[uint32][]*change{}
	tableBytes := map[uint32]int{}
	size := 0
	send := func(oid uint32) {
		list := pending[oid]
		if key := r.tables[oid].Key; !inc.revision && len(key) > 0 {
			list = collapse(list, key)
		}
		w.write(oid, list)
		size -= tableBytes[oid]
		delete(pending, oid)
		delete(tableBytes, oid)
	}
	sendAll := func() {
		for _, oid := range slices.Sorted(maps.Keys(pending)) {
			send(oid)
		}
		t.Progress("changes", 0, 0, inc.count, inc.count)
	}
	t.Progress("changes", 0, 0, 0, 0)
	inc.capturing = true // until the capture ends well
	if err := t.Boundary(ctx); err != nil {
		w.finish(true)
		return err
	}
	nextBoundary := time.Now().Add(time.Second)
	stream, err := captureChanges(ctx, inc.spec, func(c *change) error {
		if time.Now().After(nextBoundary) {
			t.Progress("changes", 0, 0, inc.count, inc.count)
			if err := t.Boundary(ctx); err != nil {
				return err
			}
			nextBoundary = time.Now().Add(time.Second)
		}
		if w.failed.Load() {
			return errWriterFailed
		}
		if r.tables[c.Table] == nil || inc.whole[c.Table] {
			return nil // out of scope, or copied whole at the layer's end
		}
		pending[c.Table] = append(pending[c.Table], c)
		inc.count++
		n := c.size()
		tableBytes[c.Table] += n
		size += n
		switch {
		case inc.revision && tableBytes[c.Table] >= revisionBatchBytes:
			// Every change is kept: hand the table's batch to the writer
			// now, so that compression overlaps the stream.
			send(c.Table)
		case size >= changeBufferBytes:
			sendAll()
		}
		return nil
	})
	if err == nil {
		sendAll()
	}
	if werr := w.finish(err != nil); werr != nil && (err == nil || errors.Is(err, errWriterFailed)) {
		err = werr
	}
	if err != nil {
		if stream != nil {
			stream.Close(context.WithoutCancel(ctx))
		}
		if errors.Is(err, cluster.ErrPauseRequested) || errors.Is(err, cluster.ErrCancelRequested) || userError(err) != nil {
			return err
		}
		return sourceError(err, "read changes from the chain's replication slot "+inc.spec.Slot, "")
	}
	inc.stream = stream
	inc.changes = w.files
	r.files = append(r.files, w.all...)
	inc.capturing = false
	return nil
}

// revisionBatchBytes is the size of the batches a layer with revision
// history hands to its writer while the stream goes on.
const revisionBatchBytes = 1 << 20

// confirmLayer moves the chain's slot to the layer's end, now that the
// layer is stored. A failure is logged, not returned: the layer is good,
// and the next incremental starts from it whatever the slot says (the
// server only keeps more WAL until then).
func (r *backupRun) confirmLayer(ctx context.Context) {
	if r.inc == nil || r.inc.stream == nil {
		return
	}
	if err := confirm(ctx, r.inc.stream, r.inc.spec.To); err != nil {
		r.e.log.Warn("could not confirm the layer's end on the replication slot; the server keeps its WAL until the next incremental",
			"slot", r.inc.spec.Slot, "lsn", r.inc.spec.To, "err", err)
	}
	r.inc.stream = nil
}
