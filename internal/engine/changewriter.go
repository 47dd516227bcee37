package engine

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/stratabackup/strata/internal/collection"
)

// changeWriter stores an incremental's changes in a goroutine of its own,
// so that compressing and storing them overlaps reading the slot. Batches
// of one table arrive in order and go to that table's open change file; a
// file is closed at ChunkBytes, or when more than maxOpenChangeFiles tables
// are open (the one least recently written), and the table's next batch
// starts a new file.
type changeWriter struct {
	ctx    context.Context
	layer  *collection.Layer
	limit  int64 // raw bytes per file
	in     chan changeBatch
	done   chan struct{}
	err    error       // the writer goroutine's, read after done
	failed atomic.Bool // set with err, for the capture to stop early

	open  map[uint32]*openChangeFile
	tick  int
	files map[uint32][]collection.FileInfo // closed files per table, in order
	all   []collection.FileInfo            // every closed file
}

type changeBatch struct {
	table   uint32
	changes []*change
}

type openChangeFile struct {
	fw      *collection.FileWriter
	enc     *changeEncoder
	rows    int64
	lastUse int
}

const maxOpenChangeFiles = 8

func newChangeWriter(ctx context.Context, layer *collection.Layer, limit int64) *changeWriter {
	w := &changeWriter{
		ctx: ctx, layer: layer, limit: limit,
		in: make(chan changeBatch, 4), done: make(chan struct{}),
		open: map[uint32]*openChangeFile{}, files: map[uint32][]collection.FileInfo{},
	}
	go w.run()
	return w
}

// write hands a batch over; it blocks while the writer is behind, which
// bounds the memory the changes hold.
func (w *changeWriter) write(table uint32, changes []*change) {
	if len(changes) > 0 {
		w.in <- changeBatch{table, changes}
	}
}

// finish closes every file and returns the first error. With abort set
// (the layer failed) the open files are discarded instead.
func (w *changeWriter) finish(abort bool) error {
	close(w.in)
	<-w.done
	for oid, f := range w.open {
		if abort || w.err != nil {
			f.fw.Abort()
			continue
		}
		if err := w.closeFile(oid, f); err != nil && w.err == nil {
			w.err = err
		}
	}
	clear(w.open)
	return w.err
}

// errWriterFailed stops the capture when storing changes failed; finish
// returns the cause.
var errWriterFailed = errors.New("storing the changes failed")

func (w *changeWriter) run() {
	defer close(w.done)
	for b := range w.in {
		if w.err != nil {
			continue // drain: the capture stops at its next change
		}
		if w.err = w.writeBatch(b); w.err != nil {
			w.failed.Store(true)
		}
	}
}

func (w *changeWriter) writeBatch(b changeBatch) error {
	w.tick++
	f := w.open[b.table]
	if f == nil {
		if len(w.open) >= maxOpenChangeFiles {
			if err := w.closeOldest(); err != nil {
				return err
			}
		}
		name := fmt.Sprintf("changes/%d/%04d.chg.zst", b.table, len(w.files[b.table])+1)
		fw, err := w.layer.CreateFile(w.ctx, name)
		if err != nil {
			return storageError(err)
		}
		f = &openChangeFile{fw: fw, enc: newChangeEncoder(fw)}
		w.open[b.table] = f
	}
	f.lastUse = w.tick
	for _, c := range b.changes {
		if err := f.enc.write(c); err != nil {
			return storageError(err)
		}
	}
	f.rows += int64(len(b.changes))
	if f.fw.RawSize() >= w.limit {
		delete(w.open, b.table)
		return w.closeFile(b.table, f)
	}
	return nil
}

func (w *changeWriter) closeOldest() error {
	var oldest uint32
	var of *openChangeFile
	for oid, f := range w.open {
		if of == nil || f.lastUse < of.lastUse {
			oldest, of = oid, f
		}
	}
	delete(w.open, oldest)
	return w.closeFile(oldest, of)
}

func (w *changeWriter) closeFile(table uint32, f *openChangeFile) error {
	if err := f.enc.flush(); err != nil {
		f.fw.Abort()
		return storageError(err)
	}
	f.fw.SetRows(f.rows)
	fi, err := f.fw.Close()
	if err != nil {
		return storageError(err)
	}
	w.files[table] = append(w.files[table], fi)
	w.all = append(w.all, fi)
	return nil
}
