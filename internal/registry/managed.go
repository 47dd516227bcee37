package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/stratabackup/strata/internal/storage"
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
	c := Collection{Name: ManagedCollectionName(clusterName), URI: loc.String(), CreatedAt: r.now().UTC(), CreatedBy: "strata",
		HasCredentials: creds.AccessKeyID != "" || creds.SecretAccessKey != ""}
	c, err = r.store.EnsureManagedCollection(ctx, clusterName, c, r.credentialsSealer(creds))
	return c, collectionError(err, ManagedCollectionName(clusterName))
}

// ManagedCluster names the cluster a collection is managed for ("" for a
// collection of the admin's) and when that cluster was removed (zero while
// it is registered).
func (r *Registry) ManagedCluster(ctx context.Context, collectionID int64) (string, time.Time, error) {
	return r.store.ManagedCluster(ctx, collectionID)
}

// MarkManagedClusterRemoved records that the managed collection's cluster
// was removed at.
func (r *Registry) MarkManagedClusterRemoved(ctx context.Context, clusterName string, at time.Time) error {
	return r.store.MarkManagedClusterRemoved(ctx, clusterName, at)
}

// RemovedManaged is the managed collection of a removed cluster.
type RemovedManaged struct {
	Collection Collection
	Cluster    string
	RemovedAt  time.Time
}

// RemovedManagedCollections lists the managed collections whose cluster was removed.
func (r *Registry) RemovedManagedCollections(ctx context.Context) ([]RemovedManaged, error) {
	return r.store.RemovedManagedCollections(ctx)
}
