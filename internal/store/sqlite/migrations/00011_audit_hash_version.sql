-- +goose Up
-- How each entry's hash is made (internal/audit/hash.go): 1, SHA-256 of its
-- canonical content, as every entry written before this migration; 2,
-- HMAC-SHA256 of it with the key in DATA_DIR/audit.key, which is not in this
-- file. Adding a column fires none of the append-only triggers.
ALTER TABLE audit_log ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE audit_log DROP COLUMN hash_version;
