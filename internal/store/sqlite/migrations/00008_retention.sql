-- +goose Up
-- A collection's own retention policy (internal/retention): keep_days, the
-- age in days past which backups may expire, and keep_count, the number of
-- newest backups of each database always kept; 0 = no limit of that kind.
-- Schedules carry their own (schedules.keep_days, keep_count).
ALTER TABLE collections ADD COLUMN keep_days INTEGER NOT NULL DEFAULT 0 CHECK (keep_days >= 0);
ALTER TABLE collections ADD COLUMN keep_count INTEGER NOT NULL DEFAULT 0 CHECK (keep_count >= 0);

-- +goose Down
ALTER TABLE collections DROP COLUMN keep_count;
ALTER TABLE collections DROP COLUMN keep_days;
