// Package engine is Strata's PostgreSQL backup and restore engine: consistent full backups by snapshot and parallel COPY, and restores.
package engine
