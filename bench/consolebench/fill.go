package main

import (
	"context"
	"encoding/json"
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
// chainLength layers and incrementals between, the newest ending in the
// last hour.
// Each database's layers end a few seconds after the one before's, so no
// two layers share a folder. It returns the path of the newest layer of
// the first database.
func fillLayers(ctx context.Context, c *collection.Collection, n int, now time.Time) (string, error) {
	hours := (n + databases - 1) / databases
	last := now.Add(-time.Minute).Truncate(time.Hour) // the newest layers end by now
	first := last.Add(-time.Duration(hours-1) * time.Hour)
	chains := make([]string, databases)
	prev := make([]string, databases)
	prevEnd := make([]time.Time, databases)
	var newest string
	for i := range n {
		hour, db := i/databases, i%databases
		l := layers.Layer{Database: database(db), Cluster: clusterName, RevisionHistory: true,
			End: first.Add(time.Duration(hour)*time.Hour + time.Duration(db)*7*time.Second)}
		if hour%chainLength != 0 {
			l.Chain, l.Parent, l.Start = chains[db], prev[db], prevEnd[db]
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
		prev[db], prevEnd[db] = path, l.End
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

// fillJobs creates n jobs spread evenly over span ending at now. Most are
// scheduled backups that succeeded; some failed or were canceled; a few
// are restores and backups by hand; the newest few are still running or
// pending.
//
// A failed job is made with jobs.Store.CreateFailed, a pending one with
// jobs.Store.Create, a running one with Create and the Claim a runner
// makes. jobs.Store finishes jobs only inside a runner, which would run
// real backups; so a job that succeeded or was canceled is inserted
// finished through the state store's jobs storage, the call Create and
// CreateFailed make with their status (walking each through Claim and
// Finish as a runner does took three writes and about 4 ms a job on a
// 2-core machine). Finished jobs have no start time.
// checkpoint is called every 1,000 jobs and at the end.
func fillJobs(ctx context.Context, rows *sqlite.Jobs, scheds []schedule.Schedule, n int, span time.Duration, now time.Time, checkpoint func() error) error {
	var at time.Time
	store := jobs.NewStore(rows, jobs.WithClock(func() time.Time { return at }))
	rng := rand.New(rand.NewPCG(3, 4))
	step := span / time.Duration(max(n, 1))
	start := now.Add(-span)
	const pending, running = 10, 5
	for i := range n {
		at = start.Add(time.Duration(i) * step)
		nj := newJob(rng, i, scheds, at)
		var err error
		switch left, r := n-i, rng.IntN(1000); {
		case left <= pending: // queued, never claimed: no runner works in the bench
			_, err = store.Create(ctx, nj)
		case left <= pending+running: // its lease holds until after the bench
			var j, claimed jobs.Job
			var ok bool
			if j, err = store.Create(ctx, nj); err == nil {
				claimed, ok, err = rows.Claim(ctx, "bench", []string{nj.Type}, at.Add(time.Second), now.Add(time.Hour))
			}
			if err == nil && (!ok || claimed.ID != j.ID) {
				err = fmt.Errorf("claimed job %d instead", claimed.ID)
			}
		case r < 50:
			_, err = store.CreateFailed(ctx, nj, "could not connect to cluster pg: dial tcp 127.0.0.1:5432: connect: connection refused")
		default:
			status := jobs.StatusSucceeded
			if r < 65 {
				status = jobs.StatusCanceled
			}
			var payload []byte
			if payload, err = json.Marshal(nj.Payload); err == nil {
				_, err = rows.Insert(ctx, nj, payload, status, "", at)
			}
		}
		if err == nil && (i%1000 == 999 || i == n-1) {
			err = checkpoint()
		}
		if err != nil {
			return fmt.Errorf("job %d: %w", i, err)
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
