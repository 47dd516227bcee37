package operations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/usererror"
)

// slotCleanupTimeout bounds dropping a removed cluster's slots: an
// unreachable cluster must not hold the removal for long.
const slotCleanupTimeout = 15 * time.Second

// Slots lists Strata's replication slots on the cluster. Errors are for
// users: an unreachable cluster says so.
func (s *Service) Slots(ctx context.Context, clusterName string) ([]engine.Slot, error) {
	dsn, err := s.clusterDSN(ctx, clusterName)
	if err != nil {
		return nil, err
	}
	slots, err := engine.StrataSlots(ctx, dsn.ConnString())
	return slots, unreachable(err)
}

// ClusterRemoval is what removing a cluster did on the cluster itself.
type ClusterRemoval struct {
	Slots engine.SlotCleanup
	// SlotsError says why Strata could not drop the cluster's slots at all
	// (it could not reach it); they may all remain.
	SlotsError error
}

// RemoveCluster drops Strata's replication slots on the cluster, with their
// publications, as far as it can, then forgets the cluster: a slot of a
// cluster Strata no longer backs up would keep WAL on it for ever. Its
// backups stay in their collections. It refuses while a job of the cluster
// is unfinished: a backup's slot is inactive until the backup ends, so it
// would be dropped under it, or created after the cleanup and never dropped.
func (s *Service) RemoveCluster(ctx context.Context, name string) (ClusterRemoval, error) {
	c, err := s.reg.ClusterByName(ctx, name)
	if err != nil {
		return ClusterRemoval{}, err
	}
	if err := s.refuseWithUnfinishedJobs(ctx, c.Name, "remove the cluster"); err != nil {
		return ClusterRemoval{}, err
	}
	dsn, err := s.reg.ConnString(ctx, c.ID)
	if err != nil {
		return ClusterRemoval{}, err
	}
	var r ClusterRemoval
	dctx, cancel := context.WithTimeout(ctx, slotCleanupTimeout)
	r.Slots, r.SlotsError = engine.DropStrataSlots(dctx, dsn)
	cancel()
	r.SlotsError = unreachable(r.SlotsError)
	return r, s.reg.RemoveCluster(ctx, c.ID)
}

// ManualSlotCleanup says what to run on a cluster where Strata left
// replication slots: find lists them, drop drops one (named <slot>), its
// publication with it, connected to the slot's database.
func ManualSlotCleanup() (find, drop string) {
	return engine.ListSlotsSQL, engine.LeftSlot{Name: "<slot>", SlotLeft: true}.DropSQL()
}

// unfinished are the statuses of jobs that may still run.
var unfinished = []jobs.Status{jobs.StatusPending, jobs.StatusRunning, jobs.StatusPauseRequested,
	jobs.StatusPaused, jobs.StatusCancelRequested, jobs.StatusReverting}

func (s *Service) refuseWithUnfinishedJobs(ctx context.Context, cluster, then string) error {
	for _, st := range unfinished {
		list, _, err := s.jobs.List(ctx, jobs.Filter{Cluster: cluster, Status: st}, 0, 1)
		if err != nil {
			return err
		}
		if len(list) > 0 {
			return usererror.Errorf("job %d of cluster %s is %s: wait for it to finish or cancel it, then %s", list[0].ID, cluster, st, then)
		}
	}
	return nil
}

// unreachable gives a cluster that did not answer in time a message for
// users; the engine's own errors already have one.
func unreachable(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := usererror.Message(err); ok {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return usererror.Wrap(err, "the cluster did not answer in time")
	}
	return fmt.Errorf("operations: on the cluster: %w", err)
}

// ClusterDatabases names the databases of a cluster that Strata can back up.
func (s *Service) ClusterDatabases(ctx context.Context, clusterName string) ([]string, error) {
	c, err := s.reg.ClusterByName(ctx, clusterName)
	if err != nil {
		return nil, err
	}
	d, err := s.reg.Driver(ctx, c.ID)
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
