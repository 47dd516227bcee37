package jobs_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

// The test binary re-runs itself as a console that is killed with SIGKILL
// mid-job; this variable names the child's store.
const killChildEnv = "STRATA_JOBS_KILL_CHILD_DB"

func TestKilledConsoleJobResumesFromCheckpoint(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		runConsoleUntilKilled(path)
		return
	}
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, sqlite.FileName)
	s := jobs.NewStore(statestore.OpenStores(t, dir).Jobs)
	j := create(t, s, jobs.TypeBackup)

	child := exec.Command(os.Args[0], "-test.run=^TestKilledConsoleJobResumesFromCheckpoint$")
	child.Env = append(os.Environ(), killChildEnv+"="+path)
	var stderr bytes.Buffer
	child.Stderr = &stderr
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if lines.Text() == "at chunk 3" {
				ready <- true
				return
			}
		}
		close(ready)
	}()
	select {
	case ok := <-ready:
		if !ok {
			child.Wait()
			t.Fatalf("child console exited early:\n%s", stderr.String())
		}
	case <-time.After(30 * time.Second):
		child.Process.Kill()
		t.Fatalf("child console did not reach chunk 3:\n%s", stderr.String())
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL: no deferred code, no lease release
		t.Fatal(err)
	}
	child.Wait()

	j, _ = s.Get(ctx, j.ID)
	if j.Status != jobs.StatusRunning || j.LeaseOwner != "doomed" || j.Attempt != 1 || checkpointOf(t, j).Next != 3 {
		t.Fatalf("job left by the killed console = %+v (checkpoint %s)", j, j.Checkpoint)
	}

	log, logs := newLog(t)
	h := newChunkHandler(6)
	startRunner(t, s, "restarted", 1, log, h)
	j = waitStatus(t, s, j.ID, jobs.StatusSucceeded)
	if got := h.processedChunks(j.ID); !slices.Equal(got, []int{3, 4, 5}) {
		t.Fatalf("the restarted console processed chunks %v, want [3 4 5]", got)
	}
	runs := h.runsOf(j.ID)
	if len(runs) != 1 || runs[0].Attempt != 2 || checkpointOf(t, runs[0]).Next != 3 || j.Attempt != 2 {
		t.Fatalf("runs after restart = %+v", runs)
	}
	waitLog(t, logs, "resuming job")
}

// runConsoleUntilKilled runs a runner whose job checkpoints chunks 0-2 and
// then blocks, and waits to be killed.
func runConsoleUntilKilled(path string) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	h := newChunkHandler(6)
	h.before = func(ctx context.Context, j jobs.Job, i int) error {
		if i == 3 {
			fmt.Println("at chunk 3")
			<-ctx.Done()
		}
		return nil
	}
	// A short lease, so that the restarted console adopts the job soon.
	r := jobs.NewRunner(jobs.NewStore(sqlite.NewJobs(db)), "doomed", 1, slog.New(slog.NewTextHandler(os.Stderr, nil)),
		jobs.WithLease(time.Second), jobs.WithHeartbeat(100*time.Millisecond), jobs.WithPollInterval(20*time.Millisecond))
	r.Register(jobs.TypeBackup, h)
	r.Start(ctx)
	time.Sleep(time.Minute)
	os.Exit(4) // not killed: the parent test has failed
}
