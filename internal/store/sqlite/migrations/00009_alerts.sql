-- +goose Up
-- Alerts (package internal/alerts): every webhook delivery of a schedule,
-- queued, retried with backoff and kept so the console can show it. A
-- schedule's deliveries go with it (ON DELETE CASCADE): they are shown only
-- on its page, and a removed schedule has no webhook to send them to.
-- Times are UTC, RFC 3339 with nine fractional digits, as elsewhere; '' = none.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    schedule_id      INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    event            TEXT    NOT NULL CHECK (event IN ('job_failed', 'overdue', 'test')),
    -- The JSON body sent. Never the webhook URL: it is a secret, sealed in
    -- schedules.webhook_url and read at each attempt.
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- pending: when the next attempt is due, or until when the console
    -- sending the current attempt holds it (a lease); '' once done.
    next_attempt_at  TEXT    NOT NULL DEFAULT '',
    last_attempt_at  TEXT    NOT NULL DEFAULT '',
    last_status_code INTEGER NOT NULL DEFAULT 0, -- the receiver's HTTP status; 0 = no answer
    last_error       TEXT    NOT NULL DEFAULT '', -- written for users, without the URL
    -- overdue: the start of the gap without a successful backup (the last
    -- success, or the schedule's creation), so one gap sends one alert.
    since            TEXT    NOT NULL DEFAULT '',
    created_at       TEXT    NOT NULL,
    delivered_at     TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_schedule ON webhook_deliveries (schedule_id, id);
CREATE UNIQUE INDEX webhook_deliveries_overdue ON webhook_deliveries (schedule_id, since) WHERE event = 'overdue';

-- +goose Down
DROP TABLE webhook_deliveries;
