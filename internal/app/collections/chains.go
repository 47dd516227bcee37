package collections

import (
	"context"
	"fmt"

	"github.com/stratabackup/strata/internal/app/jobrun"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/usererror"
)

// ChainRemoval is what removing a chain did.
type ChainRemoval struct {
	Database string
	Layers   []string // the layers deleted, newest first
	Slot     string   // the chain's replication slot (and publication), "" when it had none
	// SlotError says why the slot could not be dropped (the cluster is
	// gone or unreachable); SlotSQL is then what to run on the cluster.
	SlotError error
	SlotSQL   string
}

// RemoveChain deletes a chain (a full backup and its incrementals) from a
// collection, after dropping its replication slot and publication on the
// cluster, which otherwise keep the server's WAL for a chain that no longer
// exists. A slot that cannot be dropped does not stop the removal; the
// result says what to run. It refuses while a job of the chain's cluster is
// unfinished: an incremental could be adding a layer to the chain.
func (s *Service) RemoveChain(ctx context.Context, collName, chain string) (ChainRemoval, error) {
	coll, err := s.reg.OpenCollection(ctx, collName)
	if err != nil {
		return ChainRemoval{}, err
	}
	defer coll.Close()
	m, err := coll.Manifest(ctx, chain)
	if err != nil {
		return ChainRemoval{}, err
	}
	if m.Kind != collection.KindFull {
		return ChainRemoval{}, usererror.Errorf("%s is an incremental; remove its chain, %s", chain, m.Chain)
	}
	if err := jobrun.RefuseUnfinished(ctx, s.jobs, m.Cluster, "remove the chain"); err != nil {
		return ChainRemoval{}, err
	}
	r := ChainRemoval{Database: m.Database, Slot: m.Slot}
	if m.Slot != "" {
		r.SlotError = s.dropChainSlot(ctx, m)
		if r.SlotError != nil {
			r.SlotSQL = fmt.Sprintf("SELECT pg_drop_replication_slot('%s'); DROP PUBLICATION IF EXISTS %s; -- in database %s", m.Slot, m.Slot, m.Database)
		}
	}
	if r.Layers, err = coll.RemoveChain(ctx, chain); err != nil {
		return r, err
	}
	return r, nil
}

func (s *Service) dropChainSlot(ctx context.Context, m *collection.Manifest) error {
	driver, err := s.reg.Driver(ctx, m.Cluster, s.engines)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, cluster.SlotDropTimeout)
	defer cancel()
	return cluster.Unreachable(driver.DropSlot(dctx, m.Database, m.Slot))
}
