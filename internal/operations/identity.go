package operations

import (
	"context"

	"github.com/stratabackup/strata/internal/engine"
)

// TablesWithoutIdentity names ("schema.table") the tables of database db
// of the cluster that have no replica identity: incrementals copy them
// whole, and a point-in-time restore stops only at a layer's end for them.
// Errors are for users: an unreachable cluster says so.
func (s *Service) TablesWithoutIdentity(ctx context.Context, clusterName, db string) ([]string, error) {
	dsn, err := s.clusterDSN(ctx, clusterName)
	if err != nil {
		return nil, err
	}
	tables, err := engine.TablesWithoutIdentity(ctx, dsn.ForDatabase(db))
	return tables, unreachable(err)
}

// SetReplicaIdentityFull sets REPLICA IDENTITY FULL on tables of database
// db of the cluster, all or none: each must still be without a replica
// identity. The next incremental of each of the database's chains adds
// them to its publication.
func (s *Service) SetReplicaIdentityFull(ctx context.Context, clusterName, db string, tables []string) error {
	dsn, err := s.clusterDSN(ctx, clusterName)
	if err != nil {
		return err
	}
	return unreachable(engine.SetReplicaIdentityFull(ctx, dsn.ForDatabase(db), tables))
}
