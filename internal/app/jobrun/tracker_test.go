package jobrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

// TestTrackerPauseAndCancel runs jobs whose handler stands in for the
// driver behind Tracker and Outcome: a paused job resumes, and a
// canceled one is reverting while it cleans up, then canceled.
func TestTrackerPauseAndCancel(t *testing.T) {
	ctx := t.Context()
	js := jobs.NewStore(statestore.OpenStores(t, t.TempDir()).Jobs)

	reached := make(chan struct{}) // the handler is holding until release
	release := make(chan struct{})
	hold := func(ctx context.Context) error {
		select {
		case reached <- struct{}{}:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	runner := jobs.NewRunner(js, "test", 1, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.WithPollInterval(20*time.Millisecond))
	runner.Register("work", jobs.HandlerFunc(func(ctx context.Context, job jobs.Job, ctl *jobs.Control) error {
		tr := Tracker{ctl}
		if job.Attempt == 1 {
			if err := hold(ctx); err != nil {
				return err
			}
		}
		err := tr.Boundary(ctx)
		if errors.Is(err, cluster.ErrCancelRequested) {
			tr.Reverting()
			if err := hold(ctx); err != nil {
				return err
			}
		}
		if err != nil {
			return Outcome(fmt.Errorf("work: %w", err))
		}
		return nil
	}))
	runner.Start(ctx)
	t.Cleanup(func() { runner.Stop(context.Background()) })

	arrive := func() {
		t.Helper()
		select {
		case <-reached:
		case <-time.After(10 * time.Second):
			t.Fatal("the handler did not reach its hold")
		}
	}
	create := func() int64 {
		t.Helper()
		j, err := js.Create(ctx, jobs.NewJob{Type: "work", Description: "work"})
		if err != nil {
			t.Fatal(err)
		}
		arrive()
		return j.ID
	}
	waitStatus := func(id int64, want jobs.Status) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			j, err := js.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if j.Status == want {
				return
			}
		}
		j, _ := js.Get(ctx, id)
		t.Fatalf("job %d is %s (error %q), want %s", id, j.Status, j.Error, want)
	}

	id := create()
	if _, err := js.Pause(ctx, id); err != nil {
		t.Fatal(err)
	}
	release <- struct{}{}
	waitStatus(id, jobs.StatusPaused)
	if _, err := js.Resume(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitStatus(id, jobs.StatusSucceeded)

	id = create()
	if _, err := js.Cancel(ctx, id); err != nil {
		t.Fatal(err)
	}
	release <- struct{}{}
	arrive()
	waitStatus(id, jobs.StatusReverting)
	release <- struct{}{}
	waitStatus(id, jobs.StatusCanceled)
}

// TestOutcome: a driver's control errors become the job's, keeping what
// they wrap; other errors pass unchanged.
func TestOutcome(t *testing.T) {
	cleanup := errors.New("could not drop the slot")
	err := Outcome(errors.Join(fmt.Errorf("backup: %w", cluster.ErrCancelRequested), cleanup))
	if !errors.Is(err, jobs.ErrCancelRequested) || !errors.Is(err, cleanup) || errors.Is(err, jobs.ErrPauseRequested) {
		t.Errorf("cancel: %v", err)
	}
	if err := Outcome(cluster.ErrPauseRequested); !errors.Is(err, jobs.ErrPauseRequested) || errors.Is(err, jobs.ErrCancelRequested) {
		t.Errorf("pause: %v", err)
	}
	other := errors.New("disk full")
	if err := Outcome(other); err != other {
		t.Errorf("other: %v", err)
	}
	if err := Outcome(nil); err != nil {
		t.Errorf("nil: %v", err)
	}
}
