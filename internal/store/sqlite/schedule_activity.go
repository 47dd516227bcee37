package sqlite

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
)

// activityChunk bounds the schedules one query names.
const activityChunk = 400

// ScheduleActivity implements [jobs.Storage]. The unfinished jobs are
// counted through the status index (few, whatever the history); then per
// chunk of schedules, one query finds each one's newest run's failure, its
// newest success and its newest finished job by index walks that stop at
// the first match, and one more reads those newest jobs.
func (s *Jobs) ScheduleActivity(ctx context.Context, runs []jobs.ScheduleRun) (map[int64]jobs.ScheduleActivity, error) {
	out := make(map[int64]jobs.ScheduleActivity, len(runs))
	unfinished, err := s.unfinishedBySchedule(ctx)
	if err != nil {
		return nil, err
	}
	for chunk := range slices.Chunk(runs, activityChunk) {
		var values []string
		var args []any
		for _, r := range chunk {
			values, args = append(values, "(?, ?)"), append(args, r.ScheduleID, OptionalTime(r.Run))
		}
		args = append(append(args, jobs.StatusFailed, jobs.StatusSucceeded), anys(jobs.Finished)...)
		rows, err := s.db.QueryContext(ctx, `WITH s(id, run) AS (VALUES `+strings.Join(values, ", ")+`)
			SELECT s.id,
				EXISTS (SELECT 1 FROM jobs j WHERE j.schedule_id = s.id AND j.schedule_run = s.run AND s.run <> '' AND j.status = ?),
				coalesce((SELECT coalesce(j.finished_at, j.updated_at) FROM jobs j WHERE j.schedule_id = s.id AND j.status = ? ORDER BY j.id DESC LIMIT 1), ''),
				(SELECT j.id FROM jobs j WHERE j.schedule_id = s.id AND j.status IN (`+placeholders(len(jobs.Finished))+`) ORDER BY j.id DESC LIMIT 1)
			FROM s`, args...)
		if err != nil {
			return nil, fmt.Errorf("jobs: schedule activity: %w", err)
		}
		last := map[int64]int64{} // job id → schedule id
		for rows.Next() {
			var id int64
			var failed bool
			var lastJob *int64
			var lastSuccess time.Time
			if err := rows.Scan(&id, &failed, ScanOptionalTime(&lastSuccess), &lastJob); err != nil {
				rows.Close()
				return nil, fmt.Errorf("jobs: schedule activity: %w", err)
			}
			a := jobs.ScheduleActivity{Unfinished: unfinished[id], RunFailed: failed, LastSuccess: lastSuccess}
			if lastJob != nil {
				last[*lastJob] = id
			}
			out[id] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("jobs: schedule activity: %w", err)
		}
		if err := s.attachLastFinished(ctx, out, last); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// unfinishedBySchedule counts the unfinished jobs of every schedule.
func (s *Jobs) unfinishedBySchedule(ctx context.Context) (map[int64]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT schedule_id, count(*) FROM jobs
		WHERE status IN (`+placeholders(len(jobs.Unfinished))+`) AND schedule_id IS NOT NULL GROUP BY schedule_id`, anys(jobs.Unfinished)...)
	if err != nil {
		return nil, fmt.Errorf("jobs: unfinished by schedule: %w", err)
	}
	defer rows.Close()
	n := map[int64]int{}
	for rows.Next() {
		var id int64
		var count int
		if err := rows.Scan(&id, &count); err != nil {
			return nil, fmt.Errorf("jobs: unfinished by schedule: %w", err)
		}
		n[id] = count
	}
	return n, rows.Err()
}

// attachLastFinished reads the jobs of last (job id → schedule id) and
// sets each as its schedule's LastFinished.
func (s *Jobs) attachLastFinished(ctx context.Context, out map[int64]jobs.ScheduleActivity, last map[int64]int64) error {
	if len(last) == 0 {
		return nil
	}
	ids := slices.Collect(maps.Keys(last))
	list, err := list(ctx, s.db, "jobs: schedule activity", scanJob,
		`SELECT `+jobColumns+` FROM jobs WHERE id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
	if err != nil {
		return err
	}
	for i := range list {
		id := last[list[i].ID]
		a := out[id]
		a.LastFinished = &list[i]
		out[id] = a
	}
	return nil
}
