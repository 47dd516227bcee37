package clusters

import (
	"context"
	"log/slog"
	"time"

	"github.com/stratabackup/strata/internal/app/jobrun"
	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
)

// Service is the door to clusters: registration with managed backups,
// what they hold, Strata's replication slots on them, and removal.
type Service struct {
	reg       *registry.Registry
	jobs      *jobs.Store
	engines   cluster.Engines
	schedules *schedules.Service
	log       *slog.Logger
}

// New returns the door to the clusters of reg.
func New(reg *registry.Registry, js *jobs.Store, engines cluster.Engines, sch *schedules.Service, log *slog.Logger) *Service {
	return &Service{reg: reg, jobs: js, engines: engines, schedules: sch, log: log}
}

// List returns the registered clusters, by name.
func (s *Service) List(ctx context.Context) ([]registry.Cluster, error) { return s.reg.Clusters(ctx) }

// Get returns the cluster called name, or registry.ErrNotFound.
func (s *Service) Get(ctx context.Context, name string) (registry.Cluster, error) {
	return s.reg.ClusterByName(ctx, name)
}

// Add registers a cluster of kind (its text) at dsn, with password, when
// given apart, joining it; then sets up its managed backups, audited as
// by. Managed backups that cannot be set up are logged: the next start
// tries again.
func (s *Service) Add(ctx context.Context, name, kindText, dsnText, password string, by audit.Entry, now time.Time) (registry.Cluster, error) {
	kind, err := cluster.ParseKind(kindText)
	if err != nil {
		return registry.Cluster{}, err
	}
	dsn, err := cluster.ParseDSN(dsnText)
	if err != nil {
		return registry.Cluster{}, err
	}
	if password != "" {
		dsn = dsn.WithPassword(password)
	}
	cl, err := s.reg.AddCluster(ctx, name, kind, dsn.ConnString(), by.Actor)
	if err != nil {
		return cl, err
	}
	if _, err := s.schedules.EnsureManaged(ctx, cl.Name, by, now); err != nil {
		s.log.Error("managed backups not set up", "cluster", cl.Name, "error", err)
	}
	return cl, nil
}

// Test connects to the cluster and reports what Strata needs of it,
// within timeout.
func (s *Service) Test(ctx context.Context, cl registry.Cluster, timeout time.Duration) (cluster.TestReport, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d, err := s.reg.Driver(ctx, cl.Name, s.engines)
	if err != nil {
		return cluster.TestReport{}, err
	}
	return d.Test(ctx)
}

// Databases lists the databases of the cluster called name, within timeout.
func (s *Service) Databases(ctx context.Context, name string, timeout time.Duration) ([]cluster.Database, error) {
	cl, err := s.reg.ClusterByName(ctx, name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d, err := s.reg.Driver(ctx, cl.Name, s.engines)
	if err != nil {
		return nil, err
	}
	return d.Databases(ctx)
}

// Removal is what removing a cluster did on the cluster itself.
type Removal struct {
	Slots cluster.SlotCleanup
	// SlotsError says why Strata could not drop the cluster's slots at all
	// (it could not reach it); they may all remain.
	SlotsError error
}

// Remove drops Strata's replication slots on the cluster, with their
// publications, as far as it can, then forgets the cluster (a slot of a
// cluster Strata no longer backs up would keep WAL on it for ever) and
// stops its managed backups, whose collection is kept for its retention
// after removal. Its backups stay in their collections. It refuses while a
// job of the cluster is unfinished: a backup's slot is inactive until the
// backup ends, so it would be dropped under it, or created after the
// cleanup and never dropped.
func (s *Service) Remove(ctx context.Context, name string, now time.Time) (Removal, error) {
	c, err := s.reg.ClusterByName(ctx, name)
	if err != nil {
		return Removal{}, err
	}
	if err := jobrun.RefuseUnfinished(ctx, s.jobs, c.Name, "remove the cluster"); err != nil {
		return Removal{}, err
	}
	d, err := s.reg.Driver(ctx, c.Name, s.engines)
	if err != nil {
		return Removal{}, err
	}
	var r Removal
	dctx, cancel := context.WithTimeout(ctx, cluster.SlotDropTimeout)
	r.Slots, r.SlotsError = d.DropSlots(dctx)
	cancel()
	r.SlotsError = cluster.Unreachable(r.SlotsError)
	if err := s.reg.RemoveCluster(ctx, c.ID); err != nil {
		return r, err
	}
	return r, s.schedules.ReleaseManaged(ctx, name, now)
}

// ManualSlotCleanup says what to run on a cluster where Strata left
// replication slots: find lists them, drop drops one (named <slot>), its
// publication with it, connected to the slot's database.
func ManualSlotCleanup() (find, drop string) {
	return cluster.ListSlotsSQL, cluster.LeftSlot{Name: "<slot>", SlotLeft: true}.DropSQL()
}

// Slots lists Strata's replication slots on the cluster. Errors are for
// users: an unreachable cluster says so.
func (s *Service) Slots(ctx context.Context, name string) ([]cluster.Slot, error) {
	d, err := s.reg.Driver(ctx, name, s.engines)
	if err != nil {
		return nil, err
	}
	slots, err := d.Slots(ctx)
	return slots, cluster.Unreachable(err)
}

// ManagedEnabled says whether clusters get managed backups.
func (s *Service) ManagedEnabled() bool { return s.schedules.Managed.Enabled }

// Managed returns the cluster's managed schedule, or schedule.ErrNotFound.
func (s *Service) Managed(ctx context.Context, name string) (schedule.Schedule, error) {
	return s.schedules.ManagedSchedule(ctx, name)
}

// SetManaged changes the cluster's managed backups.
func (s *Service) SetManaged(ctx context.Context, name string, set schedules.ManagedSettings, now time.Time) (schedule.Schedule, error) {
	return s.schedules.SetManaged(ctx, name, set, now)
}

// BackupDatabases names the databases of the cluster that Strata can back up.
func (s *Service) BackupDatabases(ctx context.Context, name string) ([]string, error) {
	d, err := s.reg.Driver(ctx, name, s.engines)
	if err != nil {
		return nil, err
	}
	dbs, err := d.Databases(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(dbs))
	for i, db := range dbs {
		names[i] = db.Name
	}
	return names, nil
}

// TablesWithoutIdentity names ("schema.table") the tables of database db
// of the cluster that have no replica identity: incrementals copy them
// whole, and a point-in-time restore stops only at a layer's end for them.
// Errors are for users: an unreachable cluster says so.
func (s *Service) TablesWithoutIdentity(ctx context.Context, name, db string) ([]string, error) {
	d, err := s.reg.Driver(ctx, name, s.engines)
	if err != nil {
		return nil, err
	}
	tables, err := d.TablesWithoutIdentity(ctx, db)
	return tables, cluster.Unreachable(err)
}

// SetReplicaIdentityFull sets REPLICA IDENTITY FULL on tables of database
// db of the cluster, all or none: each must still be without a replica
// identity. The next incremental of each of the database's chains adds
// them to its publication.
func (s *Service) SetReplicaIdentityFull(ctx context.Context, name, db string, tables []string) error {
	d, err := s.reg.Driver(ctx, name, s.engines)
	if err != nil {
		return err
	}
	return cluster.Unreachable(d.SetReplicaIdentityFull(ctx, db, tables))
}
