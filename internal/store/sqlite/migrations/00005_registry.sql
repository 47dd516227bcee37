-- +goose Up
-- Registered clusters and collections (package internal/registry).
-- Every *_at column holds a UTC time, RFC 3339 with nine fractional digits
-- (sorts as text), as in the other tables. Names are ASCII ([A-Za-z0-9._-]),
-- so NOCASE makes them unique case-insensitively.

-- Clusters Strata backs up. dsn is the connection string without its
-- password; the password is sealed by internal/secrets with the context
-- "cluster:<id>:password", '' when there is none.
CREATE TABLE clusters (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind       TEXT NOT NULL CHECK (kind IN ('postgres', 'cockroach')),
    dsn        TEXT NOT NULL,
    password   TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- Collections: named storage locations, like CockroachDB's external
-- connections. uri holds no secret (storage.Parse refuses credentials in a
-- URI); credentials is a JSON object sealed with the context
-- "collection:<id>:credentials", '' when there are none.
CREATE TABLE collections (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    uri         TEXT NOT NULL,
    credentials TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE collections;
DROP TABLE clusters;
