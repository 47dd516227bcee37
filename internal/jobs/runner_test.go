package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/testutil/statestore"
	"github.com/stratabackup/strata/internal/usererror"
)

func TestRunsToSuccess(t *testing.T) {
	s, _ := newTestStore(t)
	log, _ := newLog(t)
	h := newChunkHandler(4)
	// A poll interval of an hour: the job starts because Create wakes the runner.
	startRunner(t, s, "a", 1, log, h, jobs.WithPollInterval(time.Hour))

	j := create(t, s, jobs.TypeBackup)
	j = waitStatus(t, s, j.ID, jobs.StatusSucceeded)
	if got := h.processedChunks(j.ID); !slices.Equal(got, allChunks(4)) {
		t.Fatalf("processed chunks %v", got)
	}
	if j.FractionCompleted != 1 || j.BytesDone != 4000 || j.BytesTotal != 4000 || j.RowsDone != 40 ||
		j.RowsTotal != 40 || j.Phase != "copying data" || j.Error != "" || j.Attempt != 1 {
		t.Fatalf("finished job = %+v", j)
	}
	if string(j.Result) != `{"path":"/2026/03/01-120000.00"}` || checkpointOf(t, j).Next != 4 {
		t.Fatalf("result %s, checkpoint %s", j.Result, j.Checkpoint)
	}
	if j.StartedAt == nil || j.FinishedAt == nil || j.LeaseOwner != "" || j.LeaseExpiresAt != nil {
		t.Fatalf("times and lease of finished job: started %v finished %v lease %q %v",
			j.StartedAt, j.FinishedAt, j.LeaseOwner, j.LeaseExpiresAt)
	}
}

func TestProgressIsVisibleWhileRunning(t *testing.T) {
	s, _ := newTestStore(t)
	log, _ := newLog(t)
	h := newChunkHandler(4)
	reached, release := make(chan struct{}), make(chan struct{})
	h.before = func(ctx context.Context, j jobs.Job, i int) error {
		if i == 2 {
			close(reached)
			<-release
		}
		return nil
	}
	startRunner(t, s, "a", 1, log, h)
	j := create(t, s, jobs.TypeBackup)
	recv(t, reached, "chunk 2")
	j = waitFor(t, s, j.ID, "progress of two chunks", func(j jobs.Job) bool { return j.BytesDone == 2000 })
	if j.Status != jobs.StatusRunning || j.FractionCompleted != 0.5 || j.LeaseOwner != "a" || j.LeaseExpiresAt == nil {
		t.Fatalf("running job = %+v", j)
	}
	if eta, ok := j.ETA(time.Now()); !ok || eta < 0 {
		t.Fatalf("ETA of a half-done job = %v, %v", eta, ok)
	}
	close(release)
	waitStatus(t, s, j.ID, jobs.StatusSucceeded)
}

// pauseAt returns a before hook that stops at chunk i of the first run,
// tells the test via reached, and goes on when release is closed.
func pauseAt(i int) (before func(context.Context, jobs.Job, int) error, reached, release chan struct{}) {
	reached, release = make(chan struct{}), make(chan struct{})
	return func(ctx context.Context, j jobs.Job, chunk int) error {
		if j.Attempt == 1 && chunk == i {
			close(reached)
			<-release
		}
		return nil
	}, reached, release
}

func TestPauseAndResumeFromCheckpoint(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	log, _ := newLog(t)
	h := newChunkHandler(6)
	var reached, release chan struct{}
	h.before, reached, release = pauseAt(2)
	startRunner(t, s, "a", 1, log, h)

	j := create(t, s, jobs.TypeBackup)
	recv(t, reached, "chunk 2")
	if p, err := s.Pause(ctx, j.ID); err != nil || p.Status != jobs.StatusPauseRequested {
		t.Fatalf("Pause = %s, %v", p.Status, err)
	}
	close(release)
	j = waitStatus(t, s, j.ID, jobs.StatusPaused)
	if got := h.processedChunks(j.ID); !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("chunks before the pause: %v", got)
	}
	if checkpointOf(t, j).Next != 3 || j.FinishedAt != nil || j.LeaseOwner != "" || j.FractionCompleted != 0.5 {
		t.Fatalf("paused job = %+v", j)
	}

	if r, err := s.Resume(ctx, j.ID); err != nil || r.Status != jobs.StatusPending {
		t.Fatalf("Resume = %s, %v", r.Status, err)
	}
	j = waitStatus(t, s, j.ID, jobs.StatusSucceeded)
	if got := h.processedChunks(j.ID); !slices.Equal(got, allChunks(6)) {
		t.Fatalf("chunks after resume: %v (each exactly once)", got)
	}
	runs := h.runsOf(j.ID)
	if len(runs) != 2 || runs[1].Attempt != 2 || checkpointOf(t, runs[1]).Next != 3 || j.Attempt != 2 {
		t.Fatalf("runs = %+v", runs)
	}
}

func TestCancelRunningJobReverts(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	log, _ := newLog(t)
	h := newChunkHandler(6)
	var reached, release chan struct{}
	h.before, reached, release = pauseAt(1)
	cleaning, cleaned := make(chan struct{}), make(chan struct{})
	h.cleanup = func(jobs.Job) {
		close(cleaning)
		<-cleaned
	}
	startRunner(t, s, "a", 1, log, h)

	j := create(t, s, jobs.TypeBackup)
	recv(t, reached, "chunk 1")
	if c, err := s.Cancel(ctx, j.ID); err != nil || c.Status != jobs.StatusCancelRequested {
		t.Fatalf("Cancel = %s, %v", c.Status, err)
	}
	close(release)
	recv(t, cleaning, "cleanup")
	if j, _ = s.Get(ctx, j.ID); j.Status != jobs.StatusReverting {
		t.Fatalf("status during cleanup = %s, want reverting", j.Status)
	}
	close(cleaned)
	j = waitStatus(t, s, j.ID, jobs.StatusCanceled)
	if h.cleanups(j.ID) != 1 || j.FinishedAt == nil || j.LeaseOwner != "" {
		t.Fatalf("canceled job = %+v, %d cleanups", j, h.cleanups(j.ID))
	}
	if got := h.processedChunks(j.ID); !slices.Equal(got, []int{0, 1}) {
		t.Fatalf("processed chunks %v", got)
	}
}

func TestCancelPausedJobRunsCleanup(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	log, _ := newLog(t)
	h := newChunkHandler(6)
	var reached, release chan struct{}
	h.before, reached, release = pauseAt(2)
	startRunner(t, s, "a", 1, log, h)

	j := create(t, s, jobs.TypeBackup)
	recv(t, reached, "chunk 2")
	if _, err := s.Pause(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	close(release)
	waitStatus(t, s, j.ID, jobs.StatusPaused)
	if c, err := s.Cancel(ctx, j.ID); err != nil || c.Status != jobs.StatusCancelRequested {
		t.Fatalf("Cancel = %s, %v", c.Status, err)
	}
	j = waitStatus(t, s, j.ID, jobs.StatusCanceled)
	if h.cleanups(j.ID) != 1 {
		t.Fatalf("%d cleanups, want 1", h.cleanups(j.ID))
	}
	if got := h.processedChunks(j.ID); !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("processed chunks %v; a canceled paused job must not do more work", got)
	}
	if runs := h.runsOf(j.ID); len(runs) != 2 || runs[1].Status != jobs.StatusCancelRequested {
		t.Fatalf("runs = %+v", runs)
	}
}

func TestPausedAndCanceledPendingJobsAreNotRun(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	log, _ := newLog(t)
	paused, canceled, next := create(t, s, jobs.TypeBackup), create(t, s, jobs.TypeBackup), create(t, s, jobs.TypeBackup)
	if p, err := s.Pause(ctx, paused.ID); err != nil || p.Status != jobs.StatusPaused {
		t.Fatalf("Pause(pending) = %s, %v", p.Status, err)
	}
	if c, err := s.Cancel(ctx, canceled.ID); err != nil || c.Status != jobs.StatusCanceled {
		t.Fatalf("Cancel(pending) = %s, %v", c.Status, err)
	}
	h := newChunkHandler(1)
	startRunner(t, s, "a", 1, log, h)
	// The runner claims the oldest job first, so once the newest is done the
	// others were passed over.
	waitStatus(t, s, next.ID, jobs.StatusSucceeded)
	if len(h.runsOf(paused.ID)) != 0 || len(h.runsOf(canceled.ID)) != 0 {
		t.Fatal("a paused or canceled pending job was run")
	}
	if j, _ := s.Get(ctx, paused.ID); j.Status != jobs.StatusPaused || j.Attempt != 0 {
		t.Fatalf("paused job = %s attempt %d", j.Status, j.Attempt)
	}
}

func TestFailedJobMessages(t *testing.T) {
	s, _ := newTestStore(t)
	log, logs := newLog(t)
	r := jobs.NewRunner(s, "a", 1, log, fastTimings...)
	r.Register("user", jobs.HandlerFunc(func(ctx context.Context, j jobs.Job, ctl *jobs.Control) error {
		return fmt.Errorf("%w: %w", usererror.New("cluster prod is unreachable; check its DSN"), errors.New("dial tcp: refused"))
	}))
	r.Register("internal", jobs.HandlerFunc(func(ctx context.Context, j jobs.Job, ctl *jobs.Control) error {
		return errors.New("pgx: unexpected message 'Z'")
	}))
	r.Start(context.Background())
	t.Cleanup(func() { r.Stop(context.Background()) })

	user, internal := create(t, s, "user"), create(t, s, "internal")
	if j := waitStatus(t, s, user.ID, jobs.StatusFailed); j.Error != "cluster prod is unreachable; check its DSN" || j.FinishedAt == nil {
		t.Fatalf("user error shown as %q", j.Error)
	}
	if j := waitStatus(t, s, internal.ID, jobs.StatusFailed); j.Error != jobs.InternalErrorMessage {
		t.Fatalf("internal error shown as %q", j.Error)
	}
	waitLog(t, logs, "unexpected message 'Z'")
}

func TestPanickingHandlerFailsJobAndWorkerSurvives(t *testing.T) {
	s, _ := newTestStore(t)
	log, logs := newLog(t)
	r := jobs.NewRunner(s, "a", 1, log, fastTimings...)
	r.Register("boom", jobs.HandlerFunc(func(context.Context, jobs.Job, *jobs.Control) error { panic("nil map") }))
	h := newChunkHandler(2)
	r.Register(jobs.TypeBackup, h)
	r.Start(context.Background())
	t.Cleanup(func() { r.Stop(context.Background()) })

	boom, after := create(t, s, "boom"), create(t, s, jobs.TypeBackup)
	if j := waitStatus(t, s, boom.ID, jobs.StatusFailed); !strings.HasPrefix(j.Error, "internal error") {
		t.Fatalf("error of panicked job = %q", j.Error)
	}
	waitStatus(t, s, after.ID, jobs.StatusSucceeded) // the only worker is still alive
	if l := logs.String(); !strings.Contains(l, "handler panicked") || !strings.Contains(l, "runtime/debug.Stack") {
		t.Fatalf("panic not logged with its stack:\n%s", l)
	}
}

func TestStopReleasesLeaseAndNextStartResumes(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	log, _ := newLog(t)
	h := newChunkHandler(5)
	reached := make(chan struct{})
	h.before = func(ctx context.Context, j jobs.Job, i int) error {
		if j.Attempt == 1 && i == 2 {
			close(reached)
			<-ctx.Done() // a chunk that only stops when told to
			return context.Cause(ctx)
		}
		return nil
	}
	// Default (30s) leases: the second runner can only start at once if the
	// first released its lease.
	a := jobs.NewRunner(s, "a", 1, log, jobs.WithProgressInterval(20*time.Millisecond))
	a.Register(jobs.TypeBackup, h)
	a.Start(ctx)
	j := create(t, s, jobs.TypeBackup)
	recv(t, reached, "chunk 2")
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	j, _ = s.Get(ctx, j.ID)
	if j.Status != jobs.StatusRunning || j.LeaseExpiresAt == nil || j.LeaseExpiresAt.After(time.Now()) || checkpointOf(t, j).Next != 2 {
		t.Fatalf("job after stop = %+v (checkpoint %s)", j, j.Checkpoint)
	}

	b := jobs.NewRunner(s, "b", 1, log, jobs.WithPollInterval(20*time.Millisecond))
	b.Register(jobs.TypeBackup, h)
	b.Start(ctx)
	t.Cleanup(func() { b.Stop(ctx) })
	j = waitStatus(t, s, j.ID, jobs.StatusSucceeded)
	if got := h.processedChunks(j.ID); !slices.Equal(got, allChunks(5)) {
		t.Fatalf("processed chunks %v (each exactly once)", got)
	}
	if j.Attempt != 2 {
		t.Fatalf("attempt %d, want 2", j.Attempt)
	}
}

func TestAdoptedJobThatCannotResumeFails(t *testing.T) {
	s, db := newTestStore(t)
	log, logs := newLog(t)
	j := create(t, s, jobs.TypeBackup)
	// As a console killed mid-job leaves it.
	setState(t, db, j.ID, `status = 'running', attempt = 1, lease_owner = 'dead', checkpoint = '{"next":2}',
		lease_expires_at = '2026-01-01T00:00:00.000000000Z', started_at = '2026-01-01T00:00:00.000000000Z'`)

	h := newChunkHandler(5)
	h.refuseResume = "cannot resume: the snapshot this backup was reading is gone; start a new backup"
	startRunner(t, s, "b", 1, log, h)
	j = waitStatus(t, s, j.ID, jobs.StatusFailed)
	if j.Error != h.refuseResume || j.Attempt != 2 || j.LeaseOwner != "" {
		t.Fatalf("job = %+v", j)
	}
	if !strings.Contains(logs.String(), "adopting a job whose worker stopped") {
		t.Fatalf("adoption not logged:\n%s", logs)
	}
}

func TestAbandonedJobWithoutHandlerFailsAtStart(t *testing.T) {
	s, db := newTestStore(t)
	log, _ := newLog(t)
	j := create(t, s, jobs.TypeValidate)
	setState(t, db, j.ID, `status = 'running', attempt = 1, lease_owner = 'dead',
		lease_expires_at = '2026-01-01T00:00:00.000000000Z'`)
	startRunner(t, s, "b", 1, log, newChunkHandler(1)) // backups only
	j, _ = s.Get(context.Background(), j.ID)
	if j.Status != jobs.StatusFailed || !strings.Contains(j.Error, "cannot run validate jobs") || j.FinishedAt == nil {
		t.Fatalf("job = %s %q", j.Status, j.Error)
	}
}

func TestLostLeaseStopsHandler(t *testing.T) {
	ctx := context.Background()
	s, db := newTestStore(t)
	log, logs := newLog(t)
	started := make(chan jobs.Job)
	type outcome struct{ cause, boundary, checkpoint error }
	outcomes := make(chan outcome, 1)
	h := jobs.HandlerFunc(func(ctx context.Context, j jobs.Job, ctl *jobs.Control) error {
		started <- j
		<-ctx.Done() // canceled by a heartbeat that finds the job taken
		o := outcome{context.Cause(ctx), ctl.Boundary(ctx), ctl.Checkpoint("late")}
		outcomes <- o
		return o.boundary
	})
	startRunner(t, s, "a", 1, log, h)
	j := create(t, s, jobs.TypeBackup)
	recv(t, started, "start")
	// Another runner adopts the job, as after an expired lease.
	setState(t, db, j.ID, `lease_owner = 'b', attempt = attempt + 1`)

	o := recv(t, outcomes, "the handler to stop")
	if !errors.Is(o.cause, jobs.ErrLeaseLost) || !errors.Is(o.boundary, jobs.ErrLeaseLost) || !errors.Is(o.checkpoint, jobs.ErrLeaseLost) {
		t.Fatalf("after losing the lease: cause %v, Boundary %v, Checkpoint %v", o.cause, o.boundary, o.checkpoint)
	}
	if !errors.Is(o.boundary, context.Canceled) {
		t.Fatal("ErrLeaseLost does not match context.Canceled")
	}
	waitLog(t, logs, "lost the job's lease")
	j, _ = s.Get(ctx, j.ID)
	if j.Status != jobs.StatusRunning || j.LeaseOwner != "b" || j.Checkpoint != nil {
		t.Fatalf("the old worker changed the adopted job: %+v", j)
	}
}

func TestStuckHandlerIsInterruptedAfterCancel(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	log, _ := newLog(t)
	h := newChunkHandler(3)
	reached := make(chan struct{})
	causes := make(chan error, 1)
	h.before = func(ctx context.Context, j jobs.Job, i int) error {
		if j.Attempt == 1 && i == 1 {
			close(reached)
			<-ctx.Done() // e.g. waiting on a lock; it never reaches a boundary
			causes <- context.Cause(ctx)
			return ctx.Err()
		}
		return nil
	}
	startRunner(t, s, "a", 1, log, h, jobs.WithHeartbeat(20*time.Millisecond), jobs.WithInterruptGrace(100*time.Millisecond))
	j := create(t, s, jobs.TypeBackup)
	recv(t, reached, "chunk 1")
	if _, err := s.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	if cause := recv(t, causes, "the interrupt"); !errors.Is(cause, jobs.ErrInterrupted) || !errors.Is(cause, context.Canceled) {
		t.Fatalf("cause = %v", cause)
	}
	j = waitStatus(t, s, j.ID, jobs.StatusCanceled)
	if h.cleanups(j.ID) != 1 || j.Attempt != 2 {
		t.Fatalf("cleanups %d, attempt %d", h.cleanups(j.ID), j.Attempt)
	}
}

func TestTwoRunnersRunEachJobOnce(t *testing.T) {
	dir := t.TempDir() // two handles on one store act like two console processes
	s1, s2 := jobs.NewStore(statestore.OpenStores(t, dir).Jobs), jobs.NewStore(statestore.OpenStores(t, dir).Jobs)
	log, _ := newLog(t)

	var mu sync.Mutex
	runs := map[int64]int{}
	owners := map[string]int{}
	h := jobs.HandlerFunc(func(ctx context.Context, j jobs.Job, ctl *jobs.Control) error {
		mu.Lock()
		runs[j.ID]++
		owners[j.LeaseOwner]++
		mu.Unlock()
		ctl.Progress("copying data", 1, 1, 0, 0)
		if err := ctl.Checkpoint(j.ID); err != nil {
			return err
		}
		return ctl.Boundary(ctx)
	})
	// A lease long enough that no job is adopted from a runner the machine
	// starves (adoption has its own tests): each job is claimed once.
	startRunner(t, s1, "one", 3, log, h, jobs.WithLease(time.Minute))
	startRunner(t, s2, "two", 3, log, h, jobs.WithLease(time.Minute))

	var ids []int64
	for i := range 50 {
		j := create(t, []*jobs.Store{s1, s2}[i%2], jobs.TypeBackup)
		ids = append(ids, j.ID)
	}
	for _, id := range ids {
		if j := waitStatus(t, s1, id, jobs.StatusSucceeded); j.Attempt != 1 {
			t.Errorf("job %d: attempt %d", id, j.Attempt)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range ids {
		if runs[id] != 1 {
			t.Errorf("job %d ran %d times", id, runs[id])
		}
	}
	t.Logf("jobs per runner: %v", owners)
}

// TestDamagedJobFailsAndOthersRun (issue 11): a job row with a time that
// cannot be read used to fail every claim (it is first in line) and every
// list; now it is listed, fails with a message, and the jobs after it run.
func TestDamagedJobFailsAndOthersRun(t *testing.T) {
	s, db := newTestStore(t)
	log, _ := newLog(t)
	damaged, after := create(t, s, jobs.TypeBackup), create(t, s, jobs.TypeBackup)
	if _, err := db.Exec(`UPDATE jobs SET created_at = '10000-01-01T00:00:00.000000000Z' WHERE id = ?`, damaged.ID); err != nil {
		t.Fatal(err)
	}
	if list, _, err := s.List(context.Background(), jobs.Filter{}, 0, 10); err != nil || len(list) != 2 {
		t.Fatalf("list with a damaged job: %d jobs, %v", len(list), err)
	}
	h := newChunkHandler(2)
	startRunner(t, s, "a", 1, log, h)
	if j := waitStatus(t, s, damaged.ID, jobs.StatusFailed); !strings.Contains(j.Error, "cannot be read from the state store (created_at") {
		t.Errorf("error of the damaged job = %q", j.Error)
	}
	waitStatus(t, s, after.ID, jobs.StatusSucceeded)
	if got := h.processedChunks(damaged.ID); len(got) != 0 {
		t.Errorf("the damaged job ran: chunks %v", got)
	}
}
