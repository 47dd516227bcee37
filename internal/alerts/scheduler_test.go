package alerts_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/app/clusters"
	"github.com/stratabackup/strata/internal/app/scheduler"
	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/store/sqlite"
)

// TestSchedulerHookQueuesJobFailed runs a scheduled backup of a cluster
// that cannot be reached: when the scheduler records the failed run, the
// notifier queues a job_failed alert, delivered to a local receiver.
func TestSchedulerHookQueuesJobFailed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := newConsole(t, dir)
	box, err := secrets.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New(sqlite.NewRegistry(c.db), box)
	if _, err := reg.EnsureDefaultCollection(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.AddCluster(ctx, "prod", "postgres", "postgres://u@127.0.0.1:1/postgres", "root"); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	engines := cluster.Engines{cluster.KindPostgres: engine.New(logger)}
	b := backups.New(reg, c.jobs, engines, logger)
	runner := jobs.NewRunner(c.jobs, "test", 1, logger, jobs.WithPollInterval(20*time.Millisecond))
	b.Register(runner)
	runner.Start(ctx)
	t.Cleanup(func() { runner.Stop(context.Background()) })
	key, err := audit.LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	cl := clusters.New(reg, c.jobs, engines, schedules.New(c.schedules, reg, c.jobs, audit.New(sqlite.NewAudit(c.db), key), logger), logger)
	sc := scheduler.New(c.schedules, c.jobs, b, cl, logger)
	sc.OnRunFinished(c.n.RunFinished)

	r := newReceiver(t, always(http.StatusOK))
	start := time.Now().UTC().Add(-time.Second)
	s := c.addSchedule(t, "shop", r.URL+"/hook", 0, start)
	if err := sc.RunNow(ctx, s.ID, start); err != nil {
		t.Fatal(err)
	}
	var job jobs.Job
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		list, _, err := c.jobs.List(ctx, jobs.Filter{ScheduleID: s.ID}, 0, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("jobs: %+v, %v", list, err)
		}
		if job = list[0]; job.Status.Terminal() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job has not ended: %+v", job)
		}
	}
	if job.Status != jobs.StatusFailed {
		t.Fatalf("job: %+v", job)
	}
	if n := len(c.deliveries(t, s.ID)); n != 0 {
		t.Fatalf("%d alerts before the scheduler saw the run end", n)
	}
	now := time.Now()
	if err := sc.Tick(ctx, now); err != nil {
		t.Fatal(err)
	}
	if err := sc.Tick(ctx, now.Add(time.Second)); err != nil { // the run is settled once
		t.Fatal(err)
	}
	d := c.only(t, s.ID)
	if d.Event != alerts.EventJobFailed {
		t.Fatalf("delivery: %+v", d)
	}
	c.deliver(t, now)
	got := r.got()
	if len(got) != 1 || got[0].Body["job"].(map[string]any)["error"] != job.Error || job.Error == "" {
		t.Errorf("requests: %+v, job error %q", got, job.Error)
	}
	if sch, _ := c.schedules.Get(ctx, s.ID); sch.State.Running {
		t.Errorf("the run was not recorded: %+v", sch.State)
	}
}
