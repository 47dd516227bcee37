package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stratabackup/strata/internal/storage"
	store "github.com/stratabackup/strata/internal/store/sqlite"
)

// ManagedCollectionName is the name of a cluster's managed collection.
func ManagedCollectionName(clusterName string) string { return "managed-" + clusterName }

// EnsureManagedCollection registers the managed collection of a cluster at
// uri with creds (sealed like any collection's), or returns it when it
// exists. A cluster registered again under the
// name of a removed one takes its managed collection back, so its old
// backups are no longer expired as a removed cluster's.
func (r *Registry) EnsureManagedCollection(ctx context.Context, clusterName, uri string, creds storage.Credentials) (Collection, error) {
	loc, err := storage.Parse(uri)
	if err != nil {
		return Collection{}, fmt.Errorf("registry: managed collection of %s: %v", clusterName, err)
	}
	var c Collection
	err = r.inTx(ctx, func(tx *sql.Tx) error {
		existing, err := getCollection(ctx, tx, `managed_cluster = ?`, clusterName)
		if err == nil {
			c = existing
			_, err = tx.ExecContext(ctx, `UPDATE collections SET cluster_removed_at = '' WHERE id = ?`, c.ID)
			return err
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		c = Collection{Name: ManagedCollectionName(clusterName), URI: loc.String(), CreatedAt: r.now().UTC(), CreatedBy: "strata",
			HasCredentials: creds.AccessKeyID != "" || creds.SecretAccessKey != ""}
		if err := r.insertCollection(ctx, tx, &c, creds); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE collections SET managed_cluster = ? WHERE id = ?`, clusterName, c.ID)
		return err
	})
	return c, err
}

// ManagedCluster names the cluster a collection is managed for ("" for a
// collection of the admin's) and when that cluster was removed (zero while
// it is registered).
func (r *Registry) ManagedCluster(ctx context.Context, collectionID int64) (string, time.Time, error) {
	var name, removed string
	err := r.db.QueryRowContext(ctx, `SELECT managed_cluster, cluster_removed_at FROM collections WHERE id = ?`, collectionID).Scan(&name, &removed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, notFound("collection")
	}
	if err != nil || removed == "" {
		return name, time.Time{}, err
	}
	at, err := time.Parse(store.TimeLayout, removed)
	return name, at, err
}

// MarkManagedClusterRemoved records that the managed collection's cluster
// was removed at.
func (r *Registry) MarkManagedClusterRemoved(ctx context.Context, clusterName string, at time.Time) error {
	_, err := r.db.ExecContext(ctx, `UPDATE collections SET cluster_removed_at = ? WHERE managed_cluster = ? AND cluster_removed_at = ''`,
		store.Time(at.UTC()), clusterName)
	return err
}

// RemovedManaged is the managed collection of a removed cluster.
type RemovedManaged struct {
	Collection Collection
	Cluster    string
	RemovedAt  time.Time
}

// RemovedManagedCollections lists the managed collections whose cluster was removed.
func (r *Registry) RemovedManagedCollections(ctx context.Context) ([]RemovedManaged, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT id, managed_cluster, cluster_removed_at FROM collections
		WHERE managed_cluster <> '' AND cluster_removed_at <> '' ORDER BY cluster_removed_at`)
	if err != nil {
		return nil, err
	}
	type row struct {
		id      int64
		cluster string
		at      time.Time
	}
	var found []row
	for rows.Next() {
		var x row
		if err := rows.Scan(&x.id, &x.cluster, store.ScanTime(&x.at)); err != nil {
			rows.Close()
			return nil, err
		}
		found = append(found, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]RemovedManaged, 0, len(found))
	for _, x := range found {
		c, err := r.Collection(ctx, x.id)
		if err != nil {
			return nil, err
		}
		out = append(out, RemovedManaged{Collection: c, Cluster: x.cluster, RemovedAt: x.at})
	}
	return out, nil
}
