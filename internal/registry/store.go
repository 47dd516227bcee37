package registry

import (
	"context"
	"time"
)

// Store is what a [Registry] needs from the state store. It keeps secrets
// as the Registry sealed them: the seal functions it is given seal a
// secret for the id of the row it was just added as, and it stores their
// result in the same transaction as the row. Its methods return
// [ErrClusterNotFound] or [ErrCollectionNotFound] for an id or name that
// does not exist, and [ErrNameTaken] for a row added under the name
// (case-insensitively) of another.
type Store interface {
	// InsertCluster adds c, with the password sealPassword returns, and
	// returns its id.
	InsertCluster(ctx context.Context, c Cluster, sealPassword func(id int64) (string, error)) (int64, error)
	// Clusters returns every cluster, by name.
	Clusters(ctx context.Context) ([]Cluster, error)
	Cluster(ctx context.Context, id int64) (Cluster, error)
	ClusterByName(ctx context.Context, name string) (Cluster, error)
	// UpdateCluster stores the DSN and UpdatedAt that change sets on
	// cluster id, and the password its result seals unless that is nil,
	// in one transaction, and returns the cluster as change left it.
	UpdateCluster(ctx context.Context, id int64, change func(*Cluster) (sealPassword func(id int64) (string, error), err error)) (Cluster, error)
	RemoveCluster(ctx context.Context, id int64) error
	// ClusterSecret returns the cluster's DSN and sealed password.
	ClusterSecret(ctx context.Context, id int64) (dsn, sealedPassword string, err error)

	CollectionNameTaken(ctx context.Context, name string) (bool, error)
	// InsertCollection adds c, with the credentials sealCredentials returns
	// if c.HasCredentials, and returns its id.
	InsertCollection(ctx context.Context, c Collection, sealCredentials func(id int64) (string, error)) (int64, error)
	// EnsureCollection returns the collection named c.Name, adding c (which
	// has no credentials) first if there is none.
	EnsureCollection(ctx context.Context, c Collection) (Collection, error)
	// EnsureManagedCollection returns the managed collection of cluster,
	// no longer marked removed, adding c as it first if there is none.
	EnsureManagedCollection(ctx context.Context, cluster string, c Collection, sealCredentials func(id int64) (string, error)) (Collection, error)
	// Collections returns every collection, by name.
	Collections(ctx context.Context) ([]Collection, error)
	Collection(ctx context.Context, id int64) (Collection, error)
	CollectionByName(ctx context.Context, name string) (Collection, error)
	RemoveCollection(ctx context.Context, id int64) error
	// CollectionSecret returns the collection's URI and sealed credentials
	// ("" for none).
	CollectionSecret(ctx context.Context, id int64) (uri, sealedCredentials string, err error)
	// ManagedCluster returns the cluster a collection is managed for and
	// when that cluster was removed, as [Registry.ManagedCluster] does.
	ManagedCluster(ctx context.Context, collectionID int64) (cluster string, removedAt time.Time, err error)
	// MarkManagedClusterRemoved marks the managed collection of cluster
	// removed at, unless it is marked already.
	MarkManagedClusterRemoved(ctx context.Context, cluster string, at time.Time) error
	// RemovedManagedCollections lists the collections marked removed, by
	// when.
	RemovedManagedCollections(ctx context.Context) ([]RemovedManaged, error)
	CollectionRetention(ctx context.Context, id int64) (Retention, error)
	SetCollectionRetention(ctx context.Context, id int64, r Retention) error
}
