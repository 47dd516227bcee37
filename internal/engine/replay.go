package engine

// Replaying the changes of incremental layers onto the tables a restore
// loaded, before indexes and constraints are built.
//
// A table with a unique key (its replica identity index or primary key) is
// replayed in batches, set-wise: the batch is collapsed to each key's final
// state (collapse.go), copied into a temporary staging table, and applied
// with one DELETE of every touched key and one INSERT of the final rows.
// Columns an update left unchanged (TOASTed values logical decoding does
// not send) are filled from the row already in the table first. A table
// without a unique key (REPLICA IDENTITY FULL) is replayed change by
// change, each row found by its old values.
//
// Each table is replayed in one transaction that also records it in the
// progress table, so a resumed restore never applies a change twice.

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
)

// replayBatchBytes bounds the changes held in memory per batch.
const replayBatchBytes = 48 << 20

const stageTable = "strata_stage"

// replayTable applies ts's changes (up to cut, when set) to its table on c
// and returns how many changes it applied.
func (r *restoreRun) replayTable(ctx context.Context, c *pgx.Conn, ts *tableSource, cut time.Time) (int64, error) {
	t := ts.table
	key := "replay/" + strconv.FormatUint(uint64(t.OID), 10)
	tx, err := c.Begin(ctx)
	if err != nil {
		return 0, targetError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var done bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT FROM "+progressSchema+".progress WHERE job = $1 AND file = $2)", r.p.JobID, key).Scan(&done); err != nil {
		return 0, targetError(err)
	}
	if done {
		return 0, nil
	}
	name := pgx.Identifier{t.Schema, t.Name}.Sanitize()
	a := &applier{c: c, table: t, name: name, only: "ONLY "}
	if len(t.LoadVia) == 2 {
		// Rows of this partition may sit in another partition on the
		// target: match and insert them through the root.
		a.name, a.only = loadTarget(t), ""
	}
	stage, cols, err := stageColumns(ctx, tx, name)
	if err != nil {
		return 0, targetError(err)
	}
	if a.perChange = len(cols)+3 > maxColumns; !a.perChange {
		a.meta = newStageMeta(cols)
		if _, err := tx.Exec(ctx, "CREATE TEMP TABLE "+stageTable+" ON COMMIT DROP AS SELECT "+stage+" FROM ONLY "+name+" WITH NO DATA"); err != nil {
			return 0, targetError(err)
		}
		if _, err := tx.Exec(ctx, "ALTER TABLE "+stageTable+" ADD COLUMN "+a.meta.op+` "char", ADD COLUMN `+a.meta.unchanged+" int[], ADD COLUMN "+a.meta.fill+" int"); err != nil {
			return 0, targetError(err)
		}
	}
	var batch []*change
	size := 0
	var applied int64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		applied += int64(len(batch))
		err := a.apply(ctx, batch)
		batch, size = batch[:0], 0
		return err
	}
	var atCut, after *change // in the last layer: the last change applied, the first left out
	for _, lc := range ts.changes {
		layerCut := time.Time{}
		last := lc.layer == r.layers.last()
		if last {
			layerCut = cut
		}
		for _, f := range lc.table.Changes {
			err := r.readChanges(ctx, lc.layer, f, func(ch *change) error {
				if !layerCut.IsZero() && ch.commitTime().After(layerCut) {
					after = ch
					return errStopReading
				}
				if last {
					atCut = ch
				}
				if len(batch) > 0 && (!batch[0].Rel.same(ch.Rel) || ch.Op == opTruncate) {
					if err := flush(); err != nil {
						return err
					}
				}
				batch = append(batch, ch)
				size += ch.size()
				if size >= replayBatchBytes || ch.Op == opTruncate {
					return flush()
				}
				return nil
			})
			if errors.Is(err, errStopReading) {
				break
			}
			if err != nil {
				return 0, err
			}
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	if err := r.settleAddedColumns(ctx, tx, ts, name, cut, atCut, after); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO "+progressSchema+".progress (job, file, rows) VALUES ($1, $2, $3)", r.p.JobID, key, applied); err != nil {
		return 0, targetError(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, targetError(err)
	}
	return applied, nil
}

var errStopReading = errors.New("past the restore's time")

// maxColumns is the most columns a table can have (MaxHeapAttributeNumber).
const maxColumns = 1600

// stageColumns is the select list that makes the staging table of table
// name (quoted), and the names of its columns. A column of a domain type
// is staged as the domain's base type: the staging table holds partial
// rows (a delete's key, with NULL elsewhere), which a NOT NULL or CHECK
// domain would refuse; the rows inserted into the table are checked by
// the domain there.
func stageColumns(ctx context.Context, tx pgx.Tx, name string) (string, []string, error) {
	rows, err := tx.Query(ctx, `
WITH RECURSIVE col AS (
  SELECT a.attnum, a.attname, a.atttypid AS typ, a.atttypmod AS typmod, false AS domain
  FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT col.attnum, col.attname, t.typbasetype, t.typtypmod, true
  FROM col JOIN pg_catalog.pg_type t ON t.oid = col.typ WHERE t.typtype = 'd'
)
SELECT col.attname, CASE WHEN col.domain THEN pg_catalog.format_type(col.typ, col.typmod) ELSE '' END
FROM col JOIN pg_catalog.pg_type t ON t.oid = col.typ WHERE t.typtype <> 'd' ORDER BY col.attnum`, name)
	if err != nil {
		return "", nil, err
	}
	var list, names []string
	var col, base string
	_, err = pgx.ForEachRow(rows, []any{&col, &base}, func() error {
		q := pgx.Identifier{col}.Sanitize()
		if base != "" {
			q += "::" + base + " AS " + q
		}
		list = append(list, q)
		names = append(names, col)
		return nil
	})
	return strings.Join(list, ", "), names, err
}

// stageMeta names (quoted) the staging table's own columns: each change's
// op, its unchanged columns and the fill row it pairs with. They are named
// so as not to clash with the table's columns.
type stageMeta struct{ op, unchanged, fill string }

func newStageMeta(cols []string) stageMeta {
	for n := 0; ; n++ {
		suffix := ""
		if n > 0 {
			suffix = "_" + strconv.Itoa(n)
		}
		op, unchanged, fill := "strata_op"+suffix, "strata_unchanged"+suffix, "strata_fill"+suffix
		if !slices.Contains(cols, op) && !slices.Contains(cols, unchanged) && !slices.Contains(cols, fill) {
			return stageMeta{pgx.Identifier{op}.Sanitize(), pgx.Identifier{unchanged}.Sanitize(), pgx.Identifier{fill}.Sanitize()}
		}
	}
}

// settleAddedColumns decides, for columns added during the last layer of a
// restore that stops inside it, whether they existed at the restore's
// moment. Logical decoding carries no DDL, but every change carries the
// table's columns: if a change applied (at or before the moment) has them,
// they existed; if a change left out (after it) still lacks them, they did
// not, and are dropped from the restored table. Otherwise the moment falls
// between the two, and the restore is refused.
func (r *restoreRun) settleAddedColumns(ctx context.Context, tx pgx.Tx, ts *tableSource, name string, cut time.Time, atCut, after *change) error {
	if len(ts.added) == 0 {
		return nil
	}
	has := func(c *change) bool { return c != nil && slices.Contains(c.Rel.Columns, ts.added[0]) }
	switch {
	case has(atCut):
		return nil
	case after != nil && !has(after):
		for _, col := range ts.added {
			if _, err := tx.Exec(ctx, "ALTER TABLE ONLY "+name+" DROP COLUMN "+pgx.Identifier{col}.Sanitize()); err != nil {
				return targetError(err)
			}
		}
		return nil
	}
	from, to := r.layers.last().StartTime, r.layers.last().EndTime
	if atCut != nil {
		from = atCut.commitTime()
	}
	if after != nil {
		to = after.commitTime()
	}
	return columnAddedError(ts.table, ts.added, cut, from, to)
}

// readChanges decodes one change file, handing each change to fn.
func (r *restoreRun) readChanges(ctx context.Context, layer *collection.Manifest, f collection.FileInfo, fn func(*change) error) error {
	rc, err := r.src.OpenFile(ctx, layer.Path, f)
	if err != nil {
		return backupFileError(err, layer.Path, f.Name)
	}
	in := &backupReader{r: rc}
	defer in.Close()
	dec := newChangeDecoder(in)
	for {
		ch, err := dec.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if rerr := in.readErr(); rerr != nil {
				return backupFileError(rerr, layer.Path, f.Name)
			}
			return userErrorf(err, "change file %s of backup %s cannot be read: %v", f.Name, layer.Path, err)
		}
		if err := fn(ch); err != nil {
			return err
		}
	}
}

// applier applies batches of one table's changes.
type applier struct {
	c     *pgx.Conn
	table *collection.Table
	name  string // quoted: the table changes are applied to
	only  string // "ONLY ", or "" when name is a partitioned table (LoadVia)
	// perChange: the table has too many columns for the staging table's
	// own three; its changes are applied one by one.
	perChange bool
	meta      stageMeta
}

func (a *applier) apply(ctx context.Context, batch []*change) error {
	if batch[0].Op == opTruncate {
		if a.only == "" {
			return userErrorf(nil, "partition %s was truncated during the layer, and its rows are spread over other partitions on the target (its hash partitioning uses a type whose hash differs there): Strata cannot replay that; restore to a layer's end", a.table.QualifiedName())
		}
		_, err := a.c.Exec(ctx, "TRUNCATE ONLY "+a.name)
		return a.err(err)
	}
	rel := batch[0].Rel
	key := keyColumns(rel, a.table.Key)
	if len(key) == 0 || a.perChange {
		return a.applyEach(ctx, batch, key)
	}
	rows := collapse(batch, a.table.Key)
	cols := quotedColumns(rel.Columns)
	if _, err := a.c.Exec(ctx, "TRUNCATE "+stageTable); err != nil {
		return a.err(err)
	}
	var buf bytes.Buffer
	partial := map[int]bool{}
	fills := 0
	for _, ch := range rows {
		switch {
		case ch.Op == opDelete:
			writeStageRow(&buf, ch.Old, "D", nil, 0)
		case ch.Old != nil:
			// A row with unchanged TOASTed columns, and the key of the
			// row to take them from.
			fills++
			var unchanged []string
			for i, v := range ch.New {
				if v.Kind == valUnchanged {
					unchanged = append(unchanged, strconv.Itoa(i+1))
					partial[i] = true
				}
			}
			writeStageRow(&buf, ch.New, "I", unchanged, fills)
			writeStageRow(&buf, ch.Old, "K", nil, fills)
		default:
			writeStageRow(&buf, ch.New, "I", nil, 0)
		}
	}
	copySQL := "COPY " + stageTable + " (" + cols + ", " + a.meta.op + ", " + a.meta.unchanged + ", " + a.meta.fill + ") FROM STDIN"
	if _, err := a.c.PgConn().CopyFrom(ctx, &buf, copySQL); err != nil {
		return a.err(err)
	}
	// Without statistics the planner guesses the staging table's size and
	// may join it to the (index-less) table with a nested loop.
	if _, err := a.c.Exec(ctx, "ANALYZE "+stageTable); err != nil {
		return a.err(err)
	}
	if len(partial) > 0 {
		var sets []string
		for i := range partial {
			q := pgx.Identifier{rel.Columns[i]}.Sanitize()
			sets = append(sets, fmt.Sprintf("%s = CASE WHEN %d = ANY (s.%s) THEN t.%s ELSE s.%s END", q, i+1, a.meta.unchanged, q, q))
		}
		if _, err := a.c.Exec(ctx, "UPDATE "+stageTable+" s SET "+strings.Join(sets, ", ")+" FROM "+stageTable+" k, "+a.only+a.name+
			" t WHERE s."+a.meta.op+" = 'I' AND k."+a.meta.op+" = 'K' AND k."+a.meta.fill+" = s."+a.meta.fill+" AND "+keyEq(key, "t", "k")); err != nil {
			return a.err(err)
		}
	}
	where := keyEq(key, "t", "s")
	if _, err := a.c.Exec(ctx, "DELETE FROM "+a.only+a.name+" t USING "+stageTable+" s WHERE "+where); err != nil {
		return a.err(err)
	}
	_, err := a.c.Exec(ctx, "INSERT INTO "+a.name+" ("+cols+") OVERRIDING SYSTEM VALUE SELECT "+cols+" FROM "+stageTable+" WHERE "+a.meta.op+" = 'I'")
	return a.err(err)
}

// keyEq is the SQL condition that rows x and y have the same key.
func keyEq(key []string, x, y string) string {
	eq := make([]string, len(key))
	for i, k := range key {
		q := pgx.Identifier{k}.Sanitize()
		eq[i] = x + "." + q + " = " + y + "." + q
	}
	return strings.Join(eq, " AND ")
}

// writeStageRow writes one COPY text row for the staging table.
func writeStageRow(buf *bytes.Buffer, tuple []value, op string, unchanged []string, fill int) {
	for i, v := range tuple {
		if i > 0 {
			buf.WriteByte('\t')
		}
		if v.Kind == valText {
			writeCopyText(buf, v.Data)
		} else {
			buf.WriteString(`\N`)
		}
	}
	buf.WriteString("\t" + op + "\t")
	if len(unchanged) > 0 {
		buf.WriteString("{" + strings.Join(unchanged, ",") + "}")
	} else {
		buf.WriteString(`\N`)
	}
	if fill > 0 {
		buf.WriteString("\t" + strconv.Itoa(fill) + "\n")
	} else {
		buf.WriteString("\t\\N\n")
	}
}

// applyEach applies changes one by one: to a table without a unique key,
// finding each row by the values of its old version (REPLICA IDENTITY
// FULL sends them all), or, with key set, by the values of its key.
func (a *applier) applyEach(ctx context.Context, batch []*change, key []string) error {
	types := map[string]string{}
	for i, c := range a.table.Columns {
		if i < len(a.table.Types) {
			types[c] = a.table.Types[i]
		}
	}
	for _, ch := range batch {
		rel := ch.Rel
		var args []any
		param := func(i int, v value) string {
			args = append(args, string(v.Data))
			return fmt.Sprintf("$%d::text::%s", len(args), types[rel.Columns[i]])
		}
		match := func(old []value) string {
			var conds []string
			for i, v := range old {
				if len(key) > 0 && !slices.Contains(key, rel.Columns[i]) {
					continue
				}
				q := pgx.Identifier{rel.Columns[i]}.Sanitize()
				switch v.Kind {
				case valText:
					conds = append(conds, q+"::text = ("+param(i, v)+")::text")
				case valNull:
					conds = append(conds, q+" IS NULL")
				}
			}
			switch {
			case len(conds) == 0 && len(old) == 0:
				conds = append(conds, "true") // a table without columns: any row is the row
			case len(conds) == 0:
				conds = append(conds, "false")
			}
			return "(tableoid, ctid) = (SELECT tableoid, ctid FROM " + a.only + a.name + " WHERE " + strings.Join(conds, " AND ") + " LIMIT 1)"
		}
		var sql string
		switch ch.Op {
		case opInsert:
			var cols, vals []string
			for i, v := range ch.New {
				cols = append(cols, pgx.Identifier{rel.Columns[i]}.Sanitize())
				if v.Kind == valText {
					vals = append(vals, param(i, v))
				} else {
					vals = append(vals, "NULL")
				}
			}
			sql = "INSERT INTO " + a.name + " (" + strings.Join(cols, ", ") + ") OVERRIDING SYSTEM VALUE VALUES (" + strings.Join(vals, ", ") + ")"
			if len(cols) == 0 {
				sql = "INSERT INTO " + a.name + " DEFAULT VALUES"
			}
		case opUpdate:
			var sets []string
			for i, v := range ch.New {
				q := pgx.Identifier{rel.Columns[i]}.Sanitize()
				switch v.Kind {
				case valText:
					sets = append(sets, q+" = "+param(i, v))
				case valNull:
					sets = append(sets, q+" = NULL")
				}
			}
			if len(sets) == 0 {
				continue // a table without columns: nothing to set
			}
			old := ch.Old
			if old == nil {
				old = ch.New
			}
			sql = "UPDATE " + a.only + a.name + " SET " + strings.Join(sets, ", ") + " WHERE " + match(old)
		case opDelete:
			sql = "DELETE FROM " + a.only + a.name + " WHERE " + match(ch.Old)
		}
		if _, err := a.c.Exec(ctx, sql, args...); err != nil {
			return a.err(err)
		}
	}
	return nil
}

func (a *applier) err(err error) error {
	if err == nil {
		return nil
	}
	return userErrorf(err, "replaying the changes of table %s failed: %v", a.table.QualifiedName(), err)
}

func quotedColumns(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = pgx.Identifier{c}.Sanitize()
	}
	return strings.Join(q, ", ")
}

// writeCopyText writes v escaped for COPY's text format.
func writeCopyText(buf *bytes.Buffer, v []byte) {
	for _, b := range v {
		switch b {
		case '\\':
			buf.WriteString(`\\`)
		case '\t':
			buf.WriteString(`\t`)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		default:
			buf.WriteByte(b)
		}
	}
}

// replay applies the incremental layers' changes to every restored table,
// Parallel tables at a time, largest first.
func (r *restoreRun) replay(ctx context.Context, t cluster.Tracker) error {
	var todo []*tableSource
	var total int64
	size := map[*tableSource]int64{}
	for _, tb := range r.tables {
		if ts := r.sources[tb.OID]; len(ts.changes) > 0 {
			todo = append(todo, ts)
			for _, lc := range ts.changes {
				size[ts] += lc.table.Rows
			}
			total += size[ts]
		}
	}
	if len(todo) == 0 {
		return nil
	}
	slices.SortStableFunc(todo, func(a, b *tableSource) int { return cmp.Compare(size[b], size[a]) })
	var (
		mu      sync.Mutex
		applied int64
		stop    error // a pause or cancel: finish the tables being replayed, start no more
	)
	t.Progress(phaseChanges, 0, 0, 0, total)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan *tableSource)
	var wg sync.WaitGroup
	for range min(r.p.Parallel, len(todo)) {
		wg.Go(func() {
			c, err := r.connect(ctx, r.target)
			if err == nil {
				defer c.Close(context.WithoutCancel(ctx))
				if _, err = c.Exec(ctx, "SET synchronous_commit = off"); err != nil {
					err = targetError(err)
				}
			}
			for ts := range work {
				if err != nil {
					cancel(err)
					continue
				}
				var n int64
				if n, err = r.replayTable(ctx, c, ts, r.layers.cutoff()); err != nil {
					cancel(err)
					continue
				}
				mu.Lock()
				applied += n
				t.Progress(phaseChanges, 0, 0, applied, total)
				if berr := t.Boundary(ctx); berr != nil && stop == nil {
					stop = berr
				}
				mu.Unlock()
			}
		})
	}
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return stop != nil
	}
	feed(ctx, todo, work, stopped, &wg)
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return stop
}
