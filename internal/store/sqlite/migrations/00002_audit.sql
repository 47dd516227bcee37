-- +goose Up
-- The audit log. Rows are written only by internal/audit, which hash-chains
-- them; the triggers below make the table append-only.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY, -- assigned by the appender: previous id + 1
    time        TEXT NOT NULL,       -- UTC, RFC 3339 with nine fractional digits (sorts as text); never decreases with id
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    source      TEXT NOT NULL,       -- ui, api or cli
    action      TEXT NOT NULL,       -- e.g. USER_CREATED
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    params      TEXT NOT NULL,       -- JSON object, sorted keys, secrets redacted
    outcome     TEXT NOT NULL,       -- ok, denied or error
    message     TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,       -- hash of the entry before, 64 zeros for the first
    hash        TEXT NOT NULL        -- SHA-256 (hex) of the canonical content, see internal/audit/hash.go
) STRICT;

-- Each filter index ends in id so "filter = ? AND id < ? ORDER BY id DESC"
-- walks the index backwards without sorting.
CREATE INDEX audit_log_time        ON audit_log (time);
CREATE INDEX audit_log_actor       ON audit_log (actor, id);
CREATE INDEX audit_log_action      ON audit_log (action, id);
CREATE INDEX audit_log_outcome     ON audit_log (outcome, id);
CREATE INDEX audit_log_target_type ON audit_log (target_type, id);
CREATE INDEX audit_log_target_id   ON audit_log (target_id, id);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
-- +goose StatementEnd

-- INSERT OR REPLACE deletes the row it replaces without firing the delete
-- trigger (unless recursive_triggers is on), so only new ids may be inserted.
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN NEW.id <= (SELECT coalesce(max(id), 0) FROM audit_log)
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_log;
