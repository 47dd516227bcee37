-- +goose Up
-- Schedule retention and alerts, runs over several databases, and managed
-- backups (one managed schedule per cluster into a managed collection).

-- database '' = every database of the cluster, one job per database a run.
-- keep_days / keep_count: retention of the schedule's backups (0 = no limit).
-- webhook_url: sealed by internal/secrets with the context
-- "schedule:<id>:webhook" ('' = no webhook): such URLs often carry a token.
-- alert_after_seconds: alert when no run succeeded for this long (0 = never).
-- last_run_at: when the newest run started ('' = never), part of the state.
ALTER TABLE schedules ADD COLUMN keep_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN keep_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE schedules ADD COLUMN alert_after_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN last_run_at TEXT NOT NULL DEFAULT '';
-- managed = 1: the cluster's managed schedule (at most one per cluster).
ALTER TABLE schedules ADD COLUMN managed INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX schedules_managed ON schedules (cluster) WHERE managed = 1;

-- A managed collection belongs to one cluster; when the cluster is removed
-- its backups are kept until cluster_removed_at + the configured period.
ALTER TABLE collections ADD COLUMN managed_cluster TEXT NOT NULL DEFAULT '';
ALTER TABLE collections ADD COLUMN cluster_removed_at TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE collections DROP COLUMN cluster_removed_at;
ALTER TABLE collections DROP COLUMN managed_cluster;
DROP INDEX schedules_managed;
ALTER TABLE schedules DROP COLUMN managed;
ALTER TABLE schedules DROP COLUMN last_run_at;
ALTER TABLE schedules DROP COLUMN alert_after_seconds;
ALTER TABLE schedules DROP COLUMN webhook_url;
ALTER TABLE schedules DROP COLUMN keep_count;
ALTER TABLE schedules DROP COLUMN keep_days;
