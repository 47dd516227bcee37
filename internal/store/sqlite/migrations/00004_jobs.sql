-- +goose Up
-- Backups, restores and validations run as durable jobs (package internal/jobs).
-- Every *_at column holds a UTC time, RFC 3339 with nine fractional digits
-- (sorts as text), as in the other tables; NULL means "not (yet)".
CREATE TABLE jobs (
    id                 INTEGER PRIMARY KEY,
    type               TEXT    NOT NULL,            -- backup, restore, validate
    cluster            TEXT    NOT NULL DEFAULT '',
    description        TEXT    NOT NULL DEFAULT '',
    created_by         TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('pending', 'running', 'pause-requested',
                           'paused', 'cancel-requested', 'reverting', 'succeeded', 'failed', 'canceled')),
    phase              TEXT    NOT NULL DEFAULT '', -- e.g. "copying data"
    error              TEXT    NOT NULL DEFAULT '', -- written for the user
    fraction_completed REAL    NOT NULL DEFAULT 0,
    bytes_done         INTEGER NOT NULL DEFAULT 0,
    bytes_total        INTEGER NOT NULL DEFAULT 0,
    rows_done          INTEGER NOT NULL DEFAULT 0,
    rows_total         INTEGER NOT NULL DEFAULT 0,
    payload            TEXT,                        -- JSON: the handler's parameters
    checkpoint         TEXT,                        -- JSON: the handler's resume state
    result             TEXT,                        -- JSON: the handler's output
    -- How many times a worker has claimed the job. Together with lease_owner
    -- it fences a worker's writes: a worker whose job was adopted by another
    -- (after its lease expired) can no longer change the row.
    attempt            INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT    NOT NULL,
    started_at         TEXT,                        -- first claim
    finished_at        TEXT,
    updated_at         TEXT    NOT NULL,
    -- The current claim's start and the fraction completed then, so that the
    -- ETA reflects the current run's speed, not time spent paused or dead.
    run_started_at     TEXT,
    run_start_fraction REAL    NOT NULL DEFAULT 0,
    lease_owner        TEXT    NOT NULL DEFAULT '',
    lease_expires_at   TEXT                         -- NULL: no worker holds the job
) STRICT;

-- Each filter index ends in id, so "filter = ? AND id < ? ORDER BY id DESC"
-- walks it backwards without sorting; jobs_status also serves the claim.
CREATE INDEX jobs_status  ON jobs (status, id);
CREATE INDEX jobs_type    ON jobs (type, id);
CREATE INDEX jobs_cluster ON jobs (cluster, id);

-- +goose Down
DROP TABLE jobs;
