package jobs_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/testutil/statestore"
	"github.com/stratabackup/strata/internal/usererror"
)

func newTestStore(t *testing.T) (*jobs.Store, *sql.DB) {
	t.Helper()
	db := statestore.Open(t, t.TempDir())
	return jobs.NewStore(sqlite.NewJobs(db)), db
}

// logBuf collects a runner's log; it is printed when the test fails.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLog(t *testing.T) (*slog.Logger, *logBuf) {
	b := &logBuf{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("runner log:\n%s", b)
		}
	})
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// fastTimings keep tests quick; the lease is long enough never to expire
// by accident on a slow, race-enabled run.
var fastTimings = []jobs.RunnerOption{
	jobs.WithLease(5 * time.Second),
	jobs.WithHeartbeat(100 * time.Millisecond),
	jobs.WithProgressInterval(20 * time.Millisecond),
	jobs.WithPollInterval(20 * time.Millisecond),
}

// startRunner starts a runner with h for type "backup" (and fastTimings
// before opts) and stops it when the test ends.
func startRunner(t *testing.T, s *jobs.Store, owner string, workers int, log *slog.Logger, h jobs.Handler, opts ...jobs.RunnerOption) *jobs.Runner {
	t.Helper()
	r := jobs.NewRunner(s, owner, workers, log, append(slices.Clone(fastTimings), opts...)...)
	if h != nil {
		r.Register(jobs.TypeBackup, h)
	}
	r.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("stop runner %s: %v", owner, err)
		}
	})
	return r
}

func create(t *testing.T, s *jobs.Store, typ string) jobs.Job {
	t.Helper()
	j, err := s.Create(context.Background(), jobs.NewJob{Type: typ, Cluster: "prod", Description: "nightly", CreatedBy: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// waitFor polls job id until ok accepts it, failing the test after 15s.
func waitFor(t *testing.T, s *jobs.Store, id int64, what string, ok func(jobs.Job) bool) jobs.Job {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		j, err := s.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d: timed out waiting for %s; now status %s, error %q", id, what, j.Status, j.Error)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitStatus(t *testing.T, s *jobs.Store, id int64, want jobs.Status) jobs.Job {
	t.Helper()
	return waitFor(t, s, id, string(want), func(j jobs.Job) bool { return j.Status == want })
}

// waitLog waits until the runner's log contains substr.
func waitLog(t *testing.T, b *logBuf, substr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(b.String(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %q in the log", substr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recv waits for a value from ch, failing the test after 15s.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(15 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// setState puts job id into a state directly, as a crashed or other
// worker would have left it.
func setState(t *testing.T, db *sql.DB, id int64, set string, args ...any) {
	t.Helper()
	res, err := db.Exec(`UPDATE jobs SET `+set+` WHERE id = ?`, append(args, id)...)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("setState: %d rows", n)
	}
}

type chunkCheckpoint struct {
	Next int `json:"next"`
}

func checkpointOf(t *testing.T, j jobs.Job) chunkCheckpoint {
	t.Helper()
	var cp chunkCheckpoint
	if j.Checkpoint != nil {
		if err := json.Unmarshal(j.Checkpoint, &cp); err != nil {
			t.Fatalf("checkpoint %s: %v", j.Checkpoint, err)
		}
	}
	return cp
}

// chunkHandler is a fake backup: it processes chunks 0..chunks-1, with a
// checkpoint after each and a boundary before each and after the last, and
// records what it did. It resumes from its checkpoint.
type chunkHandler struct {
	chunks int
	// before, if set, runs before chunk i is processed and may block; an
	// error it returns is returned by Run before the chunk is processed.
	before func(ctx context.Context, j jobs.Job, i int) error
	// cleanup, if set, runs while reverting and may block.
	cleanup func(j jobs.Job)
	// refuseResume makes a run of an adopted job fail with this message.
	refuseResume string

	mu        sync.Mutex
	processed map[int64][]int
	cleaned   map[int64]int
	runs      map[int64][]jobs.Job // the job as each run saw it
}

func newChunkHandler(chunks int) *chunkHandler {
	return &chunkHandler{chunks: chunks, processed: map[int64][]int{}, cleaned: map[int64]int{}, runs: map[int64][]jobs.Job{}}
}

func (h *chunkHandler) Run(ctx context.Context, job jobs.Job, ctl *jobs.Control) error {
	h.mu.Lock()
	h.runs[job.ID] = append(h.runs[job.ID], job)
	h.mu.Unlock()

	var cp chunkCheckpoint
	if job.Checkpoint != nil {
		if err := json.Unmarshal(job.Checkpoint, &cp); err != nil {
			return err
		}
	}
	if job.Attempt > 1 && job.Checkpoint != nil && h.refuseResume != "" {
		return usererror.New(h.refuseResume)
	}
	for i := cp.Next; ; i++ {
		if err := ctl.Boundary(ctx); err != nil {
			if errors.Is(err, jobs.ErrCancelRequested) {
				ctl.Reverting()
				if h.cleanup != nil {
					h.cleanup(job)
				}
				h.mu.Lock()
				h.cleaned[job.ID]++
				h.mu.Unlock()
			}
			return err
		}
		if i == h.chunks {
			break
		}
		if h.before != nil {
			if err := h.before(ctx, job, i); err != nil {
				return err
			}
		}
		h.mu.Lock()
		h.processed[job.ID] = append(h.processed[job.ID], i)
		h.mu.Unlock()
		ctl.Progress("copying data", int64(i+1)*1000, int64(h.chunks)*1000, int64(i+1)*10, int64(h.chunks)*10)
		if err := ctl.Checkpoint(chunkCheckpoint{Next: i + 1}); err != nil {
			return err
		}
	}
	return ctl.SetResult(map[string]any{"path": "/2026/03/01-120000.00"})
}

func (h *chunkHandler) processedChunks(id int64) []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.processed[id])
}

func (h *chunkHandler) cleanups(id int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cleaned[id]
}

func (h *chunkHandler) runsOf(id int64) []jobs.Job {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.runs[id])
}

func allChunks(n int) []int {
	var c []int
	for i := range n {
		c = append(c, i)
	}
	return c
}
