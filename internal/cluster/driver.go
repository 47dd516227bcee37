package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stratabackup/strata/internal/collection"
)

// Inspector looks at a cluster. It holds no connection between calls:
// each call connects and disconnects.
type Inspector interface {
	// Test connects and reports what Strata can do with the cluster.
	Test(ctx context.Context) (TestReport, error)
	// Databases lists the databases a backup can include, with their sizes.
	Databases(ctx context.Context) ([]Database, error)
}

// Driver is everything the application layer does on one cluster, for
// one kind of cluster. Its errors for users are *usererror.Error.
type Driver interface {
	Inspector
	// Backup takes a backup of one database (or some of its tables) into c.
	Backup(ctx context.Context, r BackupRequest, c *collection.Collection, t Tracker) (*collection.Manifest, error)
	// Restore restores a backup in c onto the cluster.
	Restore(ctx context.Context, r RestoreRequest, c *collection.Collection, t Tracker) (*RestoreResult, error)
	// Slots lists Strata's replication slots on the cluster.
	Slots(ctx context.Context) ([]Slot, error)
	// DropSlot drops a replication slot of database, with its publication.
	DropSlot(ctx context.Context, database, slot string) error
	// DropSlots drops every one of Strata's slots it can, when the cluster
	// is removed; the error is for a cluster it could not list them on.
	DropSlots(ctx context.Context) (SlotCleanup, error)
	// TablesWithoutIdentity names ("schema.table") the tables of database
	// whose changes an incremental cannot capture.
	TablesWithoutIdentity(ctx context.Context, database string) ([]string, error)
	// SetReplicaIdentityFull gives tables of database REPLICA IDENTITY FULL,
	// all or none.
	SetReplicaIdentityFull(ctx context.Context, database string, tables []string) error
}

// BackupRequest is one backup for a driver to take.
type BackupRequest struct {
	JobID      string   // key for keeping a paused backup's snapshot
	Database   string   // the database to back up
	Tables     []string // "schema.table" exactly as stored (no quotes); empty = the whole database
	Cluster    string   // the cluster's registered name, for the manifest
	CreatedBy  string
	ChunkBytes int64 // target bytes per data file; 0: the driver's default
	// Incremental adds a layer to the newest chain of the database (or to
	// Chain, a full backup's path); RevisionHistory keeps every change with
	// its commit time.
	Incremental     bool
	Chain           string
	RevisionHistory bool
	// KeepDays is the backup's own retention, recorded in its manifest.
	KeepDays int
	// Resume is the checkpoint of an earlier attempt; Attempt counts them.
	Resume  json.RawMessage
	Attempt int
}

// RestoreRequest is one restore for a driver to run onto its cluster.
type RestoreRequest struct {
	JobID     string
	Backup    string    // "LATEST" or a layer path
	AsOf      time.Time // restore to this moment; zero: the layer's end
	Database  string    // the database in the backup
	Tables    []string  // "schema.table" exactly as stored; empty = whole database
	NewDBName string    // whole-database restore into a new database
	IntoDB    string    // table restore into this existing database

	SkipMissingForeignKeys, SkipMissingSequences, SkipMissingViews bool

	// Resume is the checkpoint of an earlier attempt.
	Resume json.RawMessage
}

// RestoreResult is what a finished restore did; a restore job records it.
type RestoreResult struct {
	Database           string   `json:"database"` // the target database
	Tables             int      `json:"tables"`   // tables whose rows were loaded
	Rows               int64    `json:"rows"`
	Bytes              int64    `json:"bytes"` // COPY text bytes loaded
	CreatedRoles       []string `json:"created_roles,omitempty"`
	SkippedForeignKeys []string `json:"skipped_foreign_keys,omitempty"`
	SkippedViews       []string `json:"skipped_views,omitempty"`
	SkippedDefaults    []string `json:"skipped_defaults,omitempty"`
	LargeObjects       int64    `json:"large_objects,omitempty"`
	// Warnings say what was restored differently from the backup.
	Warnings []string `json:"warnings,omitempty"`
}

// RestorePoint is what a restore to a point would read, resolved before
// anything is restored.
type RestorePoint interface {
	// Manifest is the last layer the restore reads.
	Manifest() *collection.Manifest
	// Check says why tables (none: the whole database) cannot be restored
	// as of the point.
	Check(tables []string) error
	// Uncovered names the tables the point cannot restore.
	Uncovered() []string
	// Warnings says what a restore of tables will not restore as of the
	// point, or at all.
	Warnings(tables []string) []string
}

// Engine runs one kind of cluster: a Driver for each cluster, and the
// restore points of the collections it writes.
type Engine interface {
	Driver(dsn DSN) Driver
	RestorePoint(ctx context.Context, c *collection.Collection, spec, database string, asOf time.Time) (RestorePoint, error)
}

// Engines are the engines of the kinds of cluster a console runs.
type Engines map[Kind]Engine

// Driver returns the driver for a cluster of kind at connString, a full
// connection string (password included). It checks the connection string
// but does not connect.
func (e Engines) Driver(kind Kind, connString string) (Driver, error) {
	eng, ok := e[kind]
	switch {
	case !ok && kind == KindCockroach:
		return nil, errCockroachNotYet
	case !ok:
		return nil, fmt.Errorf("cluster: no engine for kind %q", kind)
	}
	dsn, err := ParseDSN(connString)
	if err != nil {
		return nil, err
	}
	return eng.Driver(dsn), nil
}

// RestorePoint resolves what a restore from c to spec (or asOf) would
// read of database. Collections hold Strata's own format, which the
// PostgreSQL engine writes and reads.
func (e Engines) RestorePoint(ctx context.Context, c *collection.Collection, spec, database string, asOf time.Time) (RestorePoint, error) {
	eng, ok := e[KindPostgres]
	if !ok {
		return nil, fmt.Errorf("cluster: no engine reads collections")
	}
	return eng.RestorePoint(ctx, c, spec, database, asOf)
}
