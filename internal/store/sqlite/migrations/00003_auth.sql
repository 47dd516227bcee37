-- +goose Up
-- Users, login sessions and API keys (package internal/auth).
-- Every *_at column holds a UTC time, RFC 3339 with nine fractional digits
-- (sorts as text), as in audit_log; NULL means "not (yet)".

-- Console users. Users are never deleted, only disabled, so that audit
-- entries keep naming someone who existed. Names are ASCII, so NOCASE makes
-- them unique case-insensitively.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'auditor')),
    password_hash TEXT    NOT NULL, -- argon2id, PHC string format
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
) STRICT;

-- Server-side login sessions. The cookie holds a random token; id is the
-- hex SHA-256 of that token, so a copy of the database cannot be used to
-- hijack a session. Rows may be deleted once expired (not append-only).
CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   TEXT    NOT NULL,
    last_seen_at TEXT    NOT NULL,
    client_addr  TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT '',
    revoked_at   TEXT
) STRICT;
CREATE INDEX sessions_user_id ON sessions (user_id);

-- API keys. token_hash is the hex SHA-256 of the whole token; prefix is the
-- first 8 characters after "strata_", for display only.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'auditor')),
    token_hash   TEXT    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;
-- A name is unique among keys that are not revoked.
CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name COLLATE NOCASE)
    WHERE revoked_at IS NULL;

-- +goose Down
DROP TABLE api_keys;
DROP TABLE sessions;
DROP TABLE users;
