package engine

// Loading the data files.
//
// Exactly once, across pauses, crashes and lost connections: each data file
// is loaded in one transaction that also inserts the file's name into
// strata_restore.progress in the target database. Either both commit or
// neither does, so a crash between the COPY's commit and the job's
// checkpoint cannot load a file twice: a resumed restore skips the files
// the progress table lists. The schema is dropped once the data is loaded,
// before post-data (see postData).

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
)

const progressSchema = "strata_restore"

// afterChunkCommit, when set (by tests), runs after a data file's
// transaction commits and before the job's checkpoint records it.
var afterChunkCommit func(file string) error

// chunkWork is one data file to load.
type chunkWork struct {
	layer string            // the layer holding the file
	table *collection.Table // the table as that layer stored it: its columns and format
	into  *collection.Table // the table as the restored layer has it: its name now
	file  collection.FileInfo
}

// interleaveTables orders the files so that consecutive ones belong to
// different tables where it can: connections loading the same table at once
// wait on its extension lock (measured: CPUs idle twice as often). Tables
// with the most data come first, and each table's largest files first, so
// the last files to finish are small ones.
func interleaveTables(todo []chunkWork) []chunkWork {
	slices.SortStableFunc(todo, func(a, b chunkWork) int { return cmp.Compare(b.file.RawSize, a.file.RawSize) })
	queues := map[*collection.Table][]chunkWork{}
	total := map[*collection.Table]int64{}
	var tables []*collection.Table
	for _, w := range todo {
		if _, ok := queues[w.table]; !ok {
			tables = append(tables, w.table)
		}
		queues[w.table] = append(queues[w.table], w)
		total[w.table] += w.file.RawSize
	}
	slices.SortStableFunc(tables, func(a, b *collection.Table) int { return cmp.Compare(total[b], total[a]) })
	out := make([]chunkWork, 0, len(todo))
	for len(out) < len(todo) {
		for _, t := range tables {
			if q := queues[t]; len(q) > 0 {
				out = append(out, q[0])
				queues[t] = q[1:]
			}
		}
	}
	return out
}

// key names the file in the progress table.
func (w chunkWork) key() string { return w.layer + "/" + w.file.Name }

// ensureProgressTable creates the progress table (idempotent).
func ensureProgressTable(ctx context.Context, c *pgx.Conn) error {
	_, err := c.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+progressSchema+`;
CREATE TABLE IF NOT EXISTS `+progressSchema+`.progress (
  job  text NOT NULL,
  file text NOT NULL,
  rows bigint NOT NULL,
  PRIMARY KEY (job, file))`)
	return err
}

// loadData loads every data file not loaded yet, Parallel at a time. A
// lost connection is retried a few times: the progress table makes
// running the phase again safe.
func (r *restoreRun) loadData(ctx context.Context, t cluster.Tracker) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = r.loadDataOnce(ctx, t)
		var re *readError
		if err == nil || attempt == 3 || !isConnLost(err) || errors.As(err, &re) || ctx.Err() != nil {
			break
		}
		r.e.log.Warn("restore: lost the connection to the target while loading data; retrying", "job", r.p.JobID, "err", err)
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(time.Duration(1<<attempt) * 2 * time.Second):
		}
	}
	return err
}

func (r *restoreRun) loadDataOnce(ctx context.Context, t cluster.Tracker) error {
	files := 0
	for _, tb := range r.tables {
		files += len(r.sources[tb.OID].files.Files)
	}
	conns := make([]*pgx.Conn, 0, r.p.Parallel)
	defer func() {
		for _, c := range conns {
			c.Close(context.WithoutCancel(ctx))
		}
	}()
	for range max(1, min(r.p.Parallel, files)) {
		c, err := r.connect(ctx, r.target)
		if err != nil {
			return err
		}
		// The progress row commits with the data, so a commit lost in a
		// server crash loses both: asynchronous commit is safe here.
		if _, err := c.Exec(ctx, "SET synchronous_commit = off"); err != nil {
			return targetError(err)
		}
		conns = append(conns, c)
	}
	if err := ensureProgressTable(ctx, conns[0]); err != nil {
		return targetError(err)
	}
	done, err := r.doneFiles(ctx, conns[0])
	if err != nil {
		return targetError(err)
	}

	var todo []chunkWork
	r.cp.FilesDone, r.cp.BytesDone, r.cp.RowsDone = 0, 0, 0
	for _, tb := range r.tables {
		src := r.sources[tb.OID]
		for _, f := range src.files.Files {
			w := chunkWork{layer: src.base.Path, table: src.files, into: src.table, file: f}
			if rows, ok := done[w.key()]; ok {
				r.cp.FilesDone++
				r.cp.BytesDone += f.RawSize
				r.cp.RowsDone += rows
				continue
			}
			todo = append(todo, w)
		}
	}
	todo = interleaveTables(todo)
	t.Progress("data", r.cp.BytesDone, r.totalBytes, r.cp.RowsDone, r.totalRows)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu   sync.Mutex // serializes the tracker and the checkpoint
		stop error      // pause or cancel: finish the files being loaded, start no more
		wg   sync.WaitGroup
	)
	stopped := func() bool { mu.Lock(); defer mu.Unlock(); return stop != nil }
	work := make(chan chunkWork)
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range work {
				if stopped() || ctx.Err() != nil {
					continue
				}
				rows, err := r.loadChunk(ctx, c, w)
				if err == nil && afterChunkCommit != nil {
					err = afterChunkCommit(w.key())
				}
				if err == nil {
					mu.Lock()
					r.cp.FilesDone++
					r.cp.BytesDone += w.file.RawSize
					r.cp.RowsDone += rows
					t.Progress("data", r.cp.BytesDone, r.totalBytes, r.cp.RowsDone, r.totalRows)
					if err = r.checkpoint(t); err == nil {
						err = t.Boundary(ctx)
					}
					if errors.Is(err, cluster.ErrPauseRequested) || errors.Is(err, cluster.ErrCancelRequested) {
						if stop == nil {
							stop = err
						}
						err = nil
					}
					mu.Unlock()
				}
				if err != nil {
					cancel(err)
				}
			}
		}()
	}
	feed(ctx, todo, work, stopped, &wg)
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return stop
}

// feed hands items to the workers until they run out, stopped reports a
// pause or cancel, or ctx ends; then it closes work and waits for them.
func feed[T any](ctx context.Context, items []T, work chan<- T, stopped func() bool, wg *sync.WaitGroup) {
	defer func() {
		close(work)
		wg.Wait()
	}()
	for _, it := range items {
		if stopped() {
			return
		}
		select {
		case work <- it:
		case <-ctx.Done():
			return
		}
	}
}

// doneFiles reads which files earlier runs of this job loaded, with their rows.
func (r *restoreRun) doneFiles(ctx context.Context, c *pgx.Conn) (map[string]int64, error) {
	rows, err := c.Query(ctx, "SELECT file, rows FROM "+progressSchema+".progress WHERE job = $1", r.p.JobID)
	if err != nil {
		return nil, err
	}
	done := map[string]int64{}
	var file string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&file, &n}, func() error { done[file] = n; return nil })
	return done, err
}

// loadChunk loads one data file in one transaction with its progress row,
// streaming it from the collection into COPY.
func (r *restoreRun) loadChunk(ctx context.Context, c *pgx.Conn, w chunkWork) (int64, error) {
	name := w.into.QualifiedName()
	rc, err := r.src.OpenFile(ctx, w.layer, w.file)
	if err != nil {
		return 0, backupFileError(err, w.layer, w.file.Name)
	}
	in := &backupReader{r: rc}
	defer in.Close()
	tx, err := c.Begin(ctx)
	if err != nil {
		return 0, targetError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tag, err := c.PgConn().CopyFrom(ctx, in, copyFromSQL(w.into, w.table))
	if err != nil {
		if rerr := in.readErr(); rerr != nil {
			return 0, backupFileError(rerr, w.layer, w.file.Name)
		}
		if ctx.Err() != nil {
			return 0, context.Cause(ctx)
		}
		return 0, loadError(err, name, w.layer, w.file.Name)
	}
	rows := tag.RowsAffected()
	if w.file.Rows > 0 && rows != w.file.Rows {
		// The file's checksum matched, so the backup recorded one thing
		// and stored another: loading it would report success with rows
		// missing or extra.
		return 0, userErrorf(fmt.Errorf("restore: %s held %d rows, the manifest says %d", w.key(), rows, w.file.Rows),
			"backup file %s of layer %s holds %d rows of table %s, but the backup recorded %d: the backup is inconsistent, so the restore stopped; restore from another backup",
			w.file.Name, w.layer, rows, name, w.file.Rows)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO "+progressSchema+".progress (job, file, rows) VALUES ($1, $2, $3)",
		r.p.JobID, w.key(), rows); err != nil {
		return 0, targetError(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, targetError(err)
	}
	return rows, nil
}

// copyFromSQL is the COPY of a data file into table into (by the name the
// restored layer gives it, which a rename between layers changes) with the
// columns and format stored (the layer the file is from): the stored
// columns (not generated ones), in the backup's order. A table without
// stored columns (none, all dropped, or only generated ones) still has
// rows: COPY without a column list loads them (it never includes
// generated columns), where an empty list is a syntax error.
func copyFromSQL(into, stored *collection.Table) string {
	sql := "COPY " + loadTarget(into)
	if len(stored.Columns) > 0 {
		cols := make([]string, len(stored.Columns))
		for i, c := range stored.Columns {
			cols[i] = pgx.Identifier{c}.Sanitize()
		}
		sql += " (" + strings.Join(cols, ", ") + ")"
	}
	sql += " FROM STDIN"
	if stored.Format == formatBinary {
		sql += " (FORMAT binary)"
	}
	return sql
}

// loadTarget is the quoted name rows of t are loaded into: t, or the
// partitioned table it is loaded through (collection.Table.LoadVia).
func loadTarget(t *collection.Table) string {
	if len(t.LoadVia) == 2 {
		return pgx.Identifier(t.LoadVia).Sanitize()
	}
	return pgx.Identifier{t.Schema, t.Name}.Sanitize()
}
