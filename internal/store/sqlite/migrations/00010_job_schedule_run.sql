-- +goose Up
-- The schedule run a job belongs to: the run's start, as the schedule's
-- last_run_at ('' for a job started by hand). A run over several databases
-- has one job each; the scheduler settles the run when all have ended.
ALTER TABLE jobs ADD COLUMN schedule_run TEXT NOT NULL DEFAULT '';
-- Jobs of runs still going on when this was added named their run in their
-- payload; those of each schedule's newest run were created after it began.
UPDATE jobs SET schedule_run = s.last_run_at FROM schedules AS s
    WHERE s.id = jobs.schedule_id AND s.last_run_at <> '' AND jobs.created_at >= s.last_run_at;
CREATE INDEX jobs_schedule_run ON jobs (schedule_id, schedule_run) WHERE schedule_id IS NOT NULL;

-- +goose Down
DROP INDEX jobs_schedule_run;
ALTER TABLE jobs DROP COLUMN schedule_run;
