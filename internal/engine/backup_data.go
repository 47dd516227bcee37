package engine

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
)

// chunkResult is a worker's answer: a finished chunk, a failed one, or
// (started false) a worker that could not connect or import the snapshot.
type chunkResult struct {
	started bool
	chunk   chunk
	file    collection.FileInfo
	err     error
}

// copyData copies the chunks not yet in the layer on p.Parallel worker
// connections. Only this goroutine talks to the Tracker: after each
// finished chunk it reports progress, checkpoints, and asks Boundary
// whether to go on. On pause it lets the chunks in flight finish (and
// checkpoints them) and stops; on cancel or any error it stops the workers
// at once.
func (r *backupRun) copyData(ctx context.Context, t cluster.Tracker) error {
	var pending []chunk
	for _, ch := range r.plan {
		if !r.finished(ch.fileName()) {
			pending = append(pending, ch)
		}
	}
	// Largest first, so a big table's chunks do not all end up last.
	sort.SliceStable(pending, func(i, j int) bool { return pending[i].Bytes > pending[j].Bytes })
	report := func() {
		b, n := r.done.bytes.Load(), r.done.rows.Load()
		t.Progress("data", b, max(r.total.bytes, b), n, max(r.total.rows, n))
	}
	report()
	if len(pending) == 0 {
		return nil
	}

	wctx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	work := make(chan chunk)
	workers := min(r.p.Parallel, len(pending))
	results := make(chan chunkResult, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker(wctx, work, results)
		}()
	}

	var stop error // why no more chunks are handed out
	stopWith := func(err error) {
		if stop == nil || errors.Is(stop, cluster.ErrPauseRequested) {
			stop = err // a failure while pausing wins over the pause
		}
		if !errors.Is(err, cluster.ErrPauseRequested) {
			stopWorkers()
		}
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	next, inflight := 0, 0
	for (stop == nil && next < len(pending)) || inflight > 0 {
		var send chan<- chunk
		var ch chunk
		if stop == nil && next < len(pending) {
			send, ch = work, pending[next]
		}
		select {
		case send <- ch:
			next++
			inflight++
		case res := <-results:
			if !res.started {
				stopWith(res.err)
				continue
			}
			inflight--
			if res.err != nil {
				stopWith(res.err)
				continue
			}
			r.files = append(r.files, res.file)
			report()
			if err := r.checkpoint(t); err != nil {
				stopWith(err)
				continue
			}
			if stop != nil {
				continue // pausing: finish what is in flight, ask nothing more
			}
			if err := t.Boundary(ctx); err != nil {
				stopWith(err)
			}
		case <-tick.C:
			report()
		}
	}
	close(work)
	wg.Wait()
	// A worker that failed to start after all the work was done does not matter.
	return stop
}

// worker copies chunks on its own connection, in a transaction that
// imported the backup's snapshot (so all workers read the same data). It
// stops at its first failure: the transaction is unusable after one.
func (r *backupRun) worker(ctx context.Context, work <-chan chunk, results chan<- chunkResult) {
	conn, err := connectSource(ctx, r.p.DSN, "strata backup (copy)")
	if err == nil {
		if err = r.snap.importInto(ctx, conn); err != nil {
			conn.Close(context.WithoutCancel(ctx))
		}
	}
	if err != nil {
		results <- chunkResult{err: err}
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for ch := range work {
		fi, err := copyChunk(ctx, conn, r.layer, r.tables[ch.Table], ch, &r.done)
		results <- chunkResult{started: true, chunk: ch, file: fi, err: err}
		if err != nil {
			return
		}
	}
}
