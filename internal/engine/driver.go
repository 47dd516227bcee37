package engine

import (
	"context"
	"time"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
)

// Driver is the engine as the driver of the PostgreSQL cluster at dsn.
func (e *Engine) Driver(dsn cluster.DSN) cluster.Driver {
	return &driver{Inspector: cluster.InspectPostgres(dsn), e: e, dsn: dsn}
}

// RestorePoint resolves what a restore from c would read (see
// ResolveRestorePoint).
func (e *Engine) RestorePoint(ctx context.Context, c *collection.Collection, spec, database string, asOf time.Time) (cluster.RestorePoint, error) {
	p, err := ResolveRestorePoint(ctx, c, spec, database, asOf)
	if err != nil {
		return nil, err
	}
	return p, nil
}

type driver struct {
	cluster.Inspector
	e   *Engine
	dsn cluster.DSN
}

func (d *driver) Backup(ctx context.Context, r cluster.BackupRequest, c *collection.Collection, t cluster.Tracker) (*collection.Manifest, error) {
	return d.e.Backup(ctx, BackupParams{
		JobID: r.JobID, DSN: d.dsn.ForDatabase(r.Database), Database: r.Database, Tables: r.Tables,
		Cluster: r.Cluster, CreatedBy: r.CreatedBy, ChunkBytes: r.ChunkBytes,
		Incremental: r.Incremental, Chain: r.Chain, RevisionHistory: r.RevisionHistory, KeepDays: r.KeepDays,
		Resume: r.Resume, Attempt: r.Attempt,
	}, c, t)
}

func (d *driver) Restore(ctx context.Context, r cluster.RestoreRequest, c *collection.Collection, t cluster.Tracker) (*cluster.RestoreResult, error) {
	return d.e.Restore(ctx, RestoreParams{
		JobID: r.JobID, TargetDSN: d.dsn.ForDatabase, Backup: r.Backup, AsOf: r.AsOf,
		Database: r.Database, Tables: r.Tables, NewDBName: r.NewDBName, IntoDB: r.IntoDB,
		SkipMissingForeignKeys: r.SkipMissingForeignKeys, SkipMissingSequences: r.SkipMissingSequences,
		SkipMissingViews: r.SkipMissingViews, Resume: r.Resume,
	}, c, t)
}

func (d *driver) Slots(ctx context.Context) ([]cluster.Slot, error) {
	return StrataSlots(ctx, d.dsn.ConnString())
}

func (d *driver) DropSlot(ctx context.Context, database, slot string) error {
	return DropSlot(ctx, d.dsn.ForDatabase(database), slot)
}

func (d *driver) DropSlots(ctx context.Context) (cluster.SlotCleanup, error) {
	return DropStrataSlots(ctx, d.dsn.ConnString())
}

func (d *driver) TablesWithoutIdentity(ctx context.Context, database string) ([]string, error) {
	return TablesWithoutIdentity(ctx, d.dsn.ForDatabase(database))
}

func (d *driver) SetReplicaIdentityFull(ctx context.Context, database string, tables []string) error {
	return SetReplicaIdentityFull(ctx, d.dsn.ForDatabase(database), tables)
}
