package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/stratabackup/strata/internal/app"
	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/testutil/layers"
)

const (
	clusterName    = "pg"
	collectionName = "bench"
	databases      = 5
	chainLength    = 24 // a full backup every 24 hourly layers, as managed backups take them
)

func database(i int) string { return fmt.Sprintf("app%d", i%databases+1) }

// fillLayers commits n layers to c, spread over the databases as hourly
// backups with revision history: per database a full backup every
// chainLength layers and incrementals between, the newest ending now.
// Each database's layers end a few seconds after the one before's, so no
// two layers share a folder. It returns the path of the newest layer of
// the first database.
func fillLayers(ctx context.Context, c *collection.Collection, n int, now time.Time) (string, error) {
	hours := (n + databases - 1) / databases
	first := now.Truncate(time.Hour).Add(-time.Duration(hours-1) * time.Hour)
	chains := make([]string, databases)
	prevEnd := make([]time.Time, databases)
	var newest string
	for i := range n {
		hour, db := i/databases, i%databases
		l := layers.Layer{Database: database(db), Cluster: clusterName, RevisionHistory: true,
			End: first.Add(time.Duration(hour)*time.Hour + time.Duration(db)*7*time.Second)}
		if hour%chainLength != 0 {
			l.Chain, l.Start = chains[db], prevEnd[db]
		}
		path, err := layers.Write(ctx, c, l)
		if err != nil {
			return "", fmt.Errorf("layer %d: %w", i, err)
		}
		if db == 0 {
			newest = path
		}
		if l.Chain == "" {
			chains[db] = path
		}
		prevEnd[db] = l.End
	}
	return newest, nil
}

// fillSchedules creates n hourly schedules of the databases into the
// filled collection through the schedules door.
func fillSchedules(ctx context.Context, doors *app.App, n int, now time.Time) ([]schedule.Schedule, error) {
	list := make([]schedule.Schedule, 0, n)
	for i := range n {
		sch, err := doors.Schedules.Create(ctx, schedules.Request{
			Label: fmt.Sprintf("hourly %s #%d", database(i), i+1), Cluster: clusterName, Database: database(i),
			Collection: collectionName, Recurrence: "@hourly", RevisionHistory: true, IgnoreExistingBackups: true,
			KeepDays: 30,
		}, benchAdmin, now)
		if err != nil {
			return nil, fmt.Errorf("schedule %d: %w", i, err)
		}
		list = append(list, sch)
	}
	return list, nil
}

// fillJobs creates n jobs spread evenly over span ending at now, and
// walks each through the state store's jobs rows (the jobs.Storage a
// runner works on) the way a runner does: jobs.Store.Create queues it,
// Claim starts it a second later, Finish ends it minutes after.
// jobs.Store finishes jobs only inside a runner, which would run real
// backups. Most are scheduled backups that succeeded; some failed or were
// canceled; a few restores and backups by hand; the newest few are still
// pending or running.
func fillJobs(ctx context.Context, rows *sqlite.Jobs, scheds []schedule.Schedule, n int, span time.Duration, now time.Time) error {
	var at time.Time
	store := jobs.NewStore(rows, jobs.WithClock(func() time.Time { return at }))
	rng := rand.New(rand.NewPCG(3, 4))
	step := span / time.Duration(max(n, 1))
	start := now.Add(-span)
	const pending, running = 10, 5
	for i := range n {
		at = start.Add(time.Duration(i) * step)
		nj := newJob(rng, i, scheds, at)
		j, err := store.Create(ctx, nj)
		if err != nil {
			return fmt.Errorf("job %d: %w", i, err)
		}
		left := n - i
		if left <= pending {
			continue // queued, never claimed: no runner works in the bench
		}
		claimed, ok, err := rows.Claim(ctx, "bench", []string{nj.Type}, at.Add(time.Second), now.Add(time.Hour))
		if err == nil && (!ok || claimed.ID != j.ID) {
			err = fmt.Errorf("claimed job %d instead", claimed.ID)
		}
		if err != nil {
			return fmt.Errorf("job %d: claim: %w", i, err)
		}
		if left <= pending+running {
			continue // running: its lease holds until after the bench
		}
		to, msg := jobs.StatusSucceeded, ""
		switch r := rng.IntN(1000); {
		case r < 50:
			to, msg = jobs.StatusFailed, "could not connect to cluster pg: dial tcp 127.0.0.1:5432: connect: connection refused"
		case r < 65:
			to = jobs.StatusCanceled
		}
		took := time.Duration(30+rng.IntN(600)) * time.Second
		p := jobs.Progress{Phase: "done", Fraction: 1, BytesDone: 1 << 20, BytesTotal: 1 << 20, RowsDone: 1000, RowsTotal: 1000}
		lease := jobs.Lease{JobID: j.ID, Owner: "bench", Attempt: claimed.Attempt}
		if done, err := rows.Finish(ctx, lease, to, []jobs.Status{jobs.StatusRunning}, p, msg, at.Add(took)); err != nil || !done {
			return fmt.Errorf("job %d: finish as %s: done %v, %v", i, to, done, err)
		}
	}
	return nil
}

// newJob is job i: a scheduled backup of its schedule's database (nine in
// ten), else a backup or a restore started by hand.
func newJob(rng *rand.Rand, i int, scheds []schedule.Schedule, at time.Time) jobs.NewJob {
	req := backups.Request{Cluster: clusterName, Database: database(i), Collection: collectionName,
		Incremental: i%chainLength != 0, RevisionHistory: true}
	by := benchAdmin
	switch r := rng.IntN(100); {
	case r < 3:
		return jobs.NewJob{Type: jobs.TypeRestore, Cluster: clusterName, CreatedBy: by,
			Description: fmt.Sprintf("Restore of database %s from %s (latest)", req.Database, collectionName)}
	case r < 10 || len(scheds) == 0:
	default:
		sch := scheds[i%len(scheds)]
		req.ScheduleID, req.Database, req.Run = sch.ID, sch.Database, at.Truncate(time.Hour)
		by = "schedule " + sch.Label
	}
	kind := "Full"
	if req.Incremental {
		kind = "Incremental"
	}
	return jobs.NewJob{Type: jobs.TypeBackup, Cluster: clusterName, ScheduleID: req.ScheduleID, ScheduleRun: req.Run,
		CreatedBy: by, Payload: req, Description: fmt.Sprintf("%s backup of database %s into %s", kind, req.Database, collectionName)}
}
