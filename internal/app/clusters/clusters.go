package clusters

import (
	"context"
	"log/slog"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/operations"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
)

// Service is the door to clusters. Much of what it does still lives in
// operations (slots, replica identity, managed backups, removal) and
// moves here as issue 12 goes on.
type Service struct {
	reg   *registry.Registry
	ops   *operations.Service
	sched *operations.Scheduler
	log   *slog.Logger
}

// New returns the door to the clusters of reg.
func New(reg *registry.Registry, ops *operations.Service, sched *operations.Scheduler, log *slog.Logger) *Service {
	return &Service{reg: reg, ops: ops, sched: sched, log: log}
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
	if _, err := s.sched.EnsureManaged(ctx, cl.Name, by, now); err != nil {
		s.log.Error("managed backups not set up", "cluster", cl.Name, "error", err)
	}
	return cl, nil
}

// Test connects to the cluster and reports what Strata needs of it,
// within timeout.
func (s *Service) Test(ctx context.Context, cl registry.Cluster, timeout time.Duration) (cluster.TestReport, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d, err := s.reg.Driver(ctx, cl.ID)
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
	d, err := s.reg.Driver(ctx, cl.ID)
	if err != nil {
		return nil, err
	}
	return d.Databases(ctx)
}

// Remove drops Strata's replication slots on the cluster as far as it
// can, stops its managed backups (kept for their retention after
// removal) and forgets it.
func (s *Service) Remove(ctx context.Context, name string, now time.Time) (operations.ClusterRemoval, error) {
	return s.sched.RemoveCluster(ctx, name, now)
}

// Slots lists Strata's replication slots on the cluster.
func (s *Service) Slots(ctx context.Context, name string) ([]engine.Slot, error) {
	return s.ops.Slots(ctx, name)
}

// ManagedEnabled says whether clusters get managed backups.
func (s *Service) ManagedEnabled() bool { return s.sched.Managed.Enabled }

// Managed returns the cluster's managed schedule, or schedule.ErrNotFound.
func (s *Service) Managed(ctx context.Context, name string) (schedule.Schedule, error) {
	return s.sched.ManagedSchedule(ctx, name)
}

// SetManaged changes the cluster's managed backups.
func (s *Service) SetManaged(ctx context.Context, name string, set operations.ManagedSettings, now time.Time) (schedule.Schedule, error) {
	return s.sched.SetManaged(ctx, name, set, now)
}

// BackupDatabases names the databases of the cluster that Strata can back up.
func (s *Service) BackupDatabases(ctx context.Context, name string) ([]string, error) {
	return s.ops.ClusterDatabases(ctx, name)
}

// TablesWithoutIdentity lists the tables of database db whose changes an
// incremental backup cannot capture (no replica identity).
func (s *Service) TablesWithoutIdentity(ctx context.Context, name, db string) ([]string, error) {
	return s.ops.TablesWithoutIdentity(ctx, name, db)
}

// SetReplicaIdentityFull gives tables of database db REPLICA IDENTITY FULL.
func (s *Service) SetReplicaIdentityFull(ctx context.Context, name, db string, tables []string) error {
	return s.ops.SetReplicaIdentityFull(ctx, name, db, tables)
}
