package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/collection"
)

// chunk is one COPY of a table (or of a ctid page range of it) into one
// data file. The plan of chunks is made once per backup and kept in the
// checkpoint, so a resumed backup copies exactly the ranges still missing:
// relpages and pg_relation_size are not transactional and could differ if
// read again.
type chunk struct {
	Table uint32 `json:"table"` // table OID
	N     int    `json:"n"`     // 1-based number within the table
	Of    int    `json:"of"`    // chunks of this table; 1 = the whole table, no ctid condition
	From  int64  `json:"from"`  // first heap page (inclusive)
	To    int64  `json:"to"`    // end page (exclusive); ignored for the last chunk, which is open-ended
	Bytes int64  `json:"bytes"` // estimated raw size, for ordering
}

// fileName is the chunk's data file in the layer: data/<table oid>/<n>.copy.zst.
func (c chunk) fileName() string { return fmt.Sprintf("data/%d/%04d.copy.zst", c.Table, c.N) }

// planChunks splits each table into chunks of about chunkBytes of COPY
// text. Large tables are split by ranges of heap pages (ctid), which
// PostgreSQL 14+ reads with a TID Range Scan, touching only those pages. The
// count comes from pg_table_size (heap and TOAST, a rough proxy for COPY
// text size) and the page ranges from pg_relation_size (the heap alone).
// Both may be stale or grow: the first range starts at page 0 and the last
// is open-ended, so every row is in exactly one chunk whatever the sizes say
// (all chunks read under the same snapshot, so rows cannot move between ranges).
func planChunks(tables []*tableInfo, chunkBytes, blockSize int64) []chunk {
	var out []chunk
	for _, t := range tables {
		pages := t.HeapBytes / blockSize
		n := int64(1)
		if chunkBytes > 0 {
			n = (t.TableBytes + chunkBytes - 1) / chunkBytes
		}
		n = min(n, pages)
		if n <= 1 || t.ExtensionConfig { // a configuration table is small, and copied through its condition
			out = append(out, chunk{Table: t.OID, N: 1, Of: 1, Bytes: t.TableBytes})
			continue
		}
		per := (pages + n - 1) / n
		n = (pages + per - 1) / per
		for i := int64(0); i < n; i++ {
			out = append(out, chunk{Table: t.OID, N: int(i + 1), Of: int(n), From: i * per, To: (i + 1) * per, Bytes: t.TableBytes / n})
		}
	}
	return out
}

// copySQL is the COPY statement for a chunk of t, in t's format.
func copySQL(t *tableInfo, c chunk) string {
	if t.Binary {
		return copyQuery(t, c) + " (FORMAT binary)"
	}
	return copyQuery(t, c)
}

func copyQuery(t *tableInfo, c chunk) string {
	cols := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		cols[i] = pgx.Identifier{col}.Sanitize()
	}
	list := strings.Join(cols, ", ")
	if t.ExtensionConfig {
		return "COPY (SELECT " + list + " FROM ONLY " + t.sanitized() + " " + t.Condition + ") TO STDOUT"
	}
	if c.Of <= 1 {
		// A plain table COPY never includes inheritance children (like ONLY).
		if len(cols) == 0 {
			return "COPY (SELECT FROM ONLY " + t.sanitized() + ") TO STDOUT"
		}
		return "COPY " + t.sanitized() + " (" + list + ") TO STDOUT"
	}
	var where []string
	if c.N > 1 {
		where = append(where, fmt.Sprintf("ctid >= '(%d,0)'::tid", c.From))
	}
	if c.N < c.Of {
		where = append(where, fmt.Sprintf("ctid < '(%d,0)'::tid", c.To))
	}
	return "COPY (SELECT " + list + " FROM ONLY " + t.sanitized() + " WHERE " + strings.Join(where, " AND ") + ") TO STDOUT"
}

// copyChunk streams one chunk from conn (in a transaction that imported the
// snapshot) into a new file of the layer. Nothing is buffered beyond one
// COPY message and the compressor's window, whatever the chunk's size.
func copyChunk(ctx context.Context, conn *pgx.Conn, layer *collection.Layer, t *tableInfo, c chunk, done *progressCounter) (collection.FileInfo, error) {
	fw, err := layer.CreateFile(ctx, c.fileName())
	if err != nil {
		return collection.FileInfo{}, storageError(err)
	}
	cw := &countingWriter{w: fw, done: done}
	if t.Binary {
		cw.binary = &binaryRowCounter{}
	}
	if _, err := conn.PgConn().CopyTo(ctx, cw, copySQL(t, c)); err != nil {
		fw.Abort()
		done.add(-cw.bytes, -cw.rows) // the chunk will not count
		if cw.err != nil {
			return collection.FileInfo{}, storageError(cw.err)
		}
		return collection.FileInfo{}, sourceError(err, "copy "+t.qualifiedName(), t.qualifiedName())
	}
	if cw.binary != nil && !cw.binary.done() {
		fw.Abort()
		done.add(-cw.bytes, -cw.rows)
		return collection.FileInfo{}, fmt.Errorf("copy %s: %w", t.qualifiedName(), errBadBinaryCopy)
	}
	fw.SetRows(cw.rows)
	fi, err := fw.Close()
	if err != nil {
		done.add(-cw.bytes, -cw.rows)
		return collection.FileInfo{}, storageError(err)
	}
	return fi, nil
}

// countingWriter counts the bytes and rows going to storage. COPY text
// escapes newlines inside values as \n, so every row is exactly one line;
// binary COPY is counted by walking its tuples.
type countingWriter struct {
	w           io.Writer
	done        *progressCounter
	binary      *binaryRowCounter // set for binary COPY
	bytes, rows int64
	err         error // the storage side's error, to tell it from the database's
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil {
		c.err = err
		return n, &storageWriteError{err}
	}
	var rows int64
	if c.binary != nil {
		if rows, err = c.binary.write(p); err != nil {
			return n, err
		}
	} else {
		rows = int64(bytes.Count(p, []byte{'\n'}))
	}
	c.bytes += int64(n)
	c.rows += rows
	c.done.add(int64(n), rows)
	return n, nil
}

// progressCounter is the data copied so far, shared by the workers and read
// by the coordinator for progress reports.
type progressCounter struct{ bytes, rows atomic.Int64 }

func (p *progressCounter) add(bytes, rows int64) {
	p.bytes.Add(bytes)
	p.rows.Add(rows)
}
