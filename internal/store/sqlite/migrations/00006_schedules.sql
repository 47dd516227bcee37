-- +goose Up
-- Backup schedules (package internal/schedule), run by Strata's scheduler.
-- Times are UTC, RFC 3339 with nine fractional digits, as elsewhere.
CREATE TABLE schedules (
    id                      INTEGER PRIMARY KEY,
    label                   TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    cluster                 TEXT    NOT NULL,
    database                TEXT    NOT NULL,
    tables                  TEXT    NOT NULL DEFAULT '[]', -- JSON list of "schema.table"; [] = the whole database
    collection              TEXT    NOT NULL,
    recurrence              TEXT    NOT NULL,              -- cron expression or macro
    full_recurrence         TEXT    NOT NULL DEFAULT '',   -- '' = every run is a full backup
    revision_history        INTEGER NOT NULL DEFAULT 0,
    on_failure              TEXT    NOT NULL CHECK (on_failure IN ('retry', 'reschedule', 'pause')),
    on_previous_running     TEXT    NOT NULL CHECK (on_previous_running IN ('start', 'skip', 'wait')),
    ignore_existing_backups INTEGER NOT NULL DEFAULT 0,
    paused                  INTEGER NOT NULL DEFAULT 0,
    next_run                TEXT    NOT NULL,
    next_full               TEXT    NOT NULL DEFAULT '',   -- '' = the next run is a full backup
    has_full                INTEGER NOT NULL DEFAULT 0,
    running                 INTEGER NOT NULL DEFAULT 0,
    owner                   TEXT    NOT NULL,
    created_at              TEXT    NOT NULL,
    updated_at              TEXT    NOT NULL
) STRICT;

CREATE INDEX schedules_due ON schedules (paused, next_run);

-- The job a schedule started, for its run history.
ALTER TABLE jobs ADD COLUMN schedule_id INTEGER REFERENCES schedules (id);
CREATE INDEX jobs_schedule ON jobs (schedule_id, id) WHERE schedule_id IS NOT NULL;

-- +goose Down
DROP INDEX jobs_schedule;
ALTER TABLE jobs DROP COLUMN schedule_id;
DROP TABLE schedules;
