package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stratabackup/strata/internal/registry"
)

const collectionColumns = `id, name, uri, created_at, created_by, credentials <> ''`

func scanCollection(row scanner) (registry.Collection, error) {
	var c registry.Collection
	err := row.Scan(&c.ID, &c.Name, &c.URI, ScanTime(&c.CreatedAt), &c.CreatedBy, &c.HasCredentials)
	return c, err
}

// CollectionNameTaken implements [registry.Store].
func (r *Registry) CollectionNameTaken(ctx context.Context, name string) (bool, error) {
	return collectionNameTaken(ctx, r.db, name)
}

func collectionNameTaken(ctx context.Context, q querier, name string) (bool, error) {
	return exists(ctx, q, fmt.Sprintf("registry: look up collection %q", name), `SELECT 1 FROM collections WHERE name = ?`, name)
}

// InsertCollection implements [registry.Store].
func (r *Registry) InsertCollection(ctx context.Context, c registry.Collection, sealCredentials func(id int64) (string, error)) (int64, error) {
	err := r.inTx(ctx, func(tx *sql.Tx) error {
		return insertCollection(ctx, tx, &c, sealCredentials)
	})
	return c.ID, err
}

func insertCollection(ctx context.Context, tx *sql.Tx, c *registry.Collection, sealCredentials func(id int64) (string, error)) error {
	taken, err := collectionNameTaken(ctx, tx, c.Name)
	if err != nil {
		return err
	}
	if taken {
		return registry.ErrNameTaken
	}
	c.ID, err = insert(ctx, tx, fmt.Sprintf("registry: insert collection %q", c.Name), `
		INSERT INTO collections (name, uri, created_by, created_at) VALUES (?, ?, ?, ?)`,
		c.Name, c.URI, c.CreatedBy, Time(c.CreatedAt))
	if err != nil {
		return err
	}
	if !c.HasCredentials {
		return nil
	}
	sealed, err := sealCredentials(c.ID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE collections SET credentials = ? WHERE id = ?`, sealed, c.ID); err != nil {
		return fmt.Errorf("registry: store credentials of collection %d: %w", c.ID, err)
	}
	return nil
}

// EnsureCollection implements [registry.Store].
func (r *Registry) EnsureCollection(ctx context.Context, c registry.Collection) (registry.Collection, error) {
	err := r.inTx(ctx, func(tx *sql.Tx) error {
		existing, err := getCollection(ctx, tx, `name = ?`, c.Name)
		if err == nil {
			c = existing
			return nil
		}
		if !errors.Is(err, registry.ErrNotFound) {
			return err
		}
		return insertCollection(ctx, tx, &c, nil)
	})
	if err != nil {
		return registry.Collection{}, err
	}
	return c, nil
}

// EnsureManagedCollection implements [registry.Store].
func (r *Registry) EnsureManagedCollection(ctx context.Context, clusterName string, c registry.Collection, sealCredentials func(id int64) (string, error)) (registry.Collection, error) {
	err := r.inTx(ctx, func(tx *sql.Tx) error {
		existing, err := getCollection(ctx, tx, `managed_cluster = ?`, clusterName)
		if err == nil {
			c = existing
			_, err = tx.ExecContext(ctx, `UPDATE collections SET cluster_removed_at = '' WHERE id = ?`, c.ID)
			return err
		}
		if !errors.Is(err, registry.ErrNotFound) {
			return err
		}
		if err := insertCollection(ctx, tx, &c, sealCredentials); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE collections SET managed_cluster = ? WHERE id = ?`, clusterName, c.ID)
		return err
	})
	return c, err
}

// Collections implements [registry.Store].
func (r *Registry) Collections(ctx context.Context) ([]registry.Collection, error) {
	return list(ctx, r.db, "registry: list collections", scanCollection, `SELECT `+collectionColumns+` FROM collections ORDER BY name`)
}

// Collection implements [registry.Store].
func (r *Registry) Collection(ctx context.Context, id int64) (registry.Collection, error) {
	return getCollection(ctx, r.db, `id = ?`, id)
}

// CollectionByName implements [registry.Store].
func (r *Registry) CollectionByName(ctx context.Context, name string) (registry.Collection, error) {
	return getCollection(ctx, r.db, `name = ?`, name)
}

func getCollection(ctx context.Context, q querier, where string, arg any) (registry.Collection, error) {
	c, err := scanCollection(q.QueryRowContext(ctx, `SELECT `+collectionColumns+` FROM collections WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return registry.Collection{}, registry.ErrCollectionNotFound
	}
	if err != nil {
		return registry.Collection{}, fmt.Errorf("registry: get collection %v: %w", arg, err)
	}
	return c, nil
}

// RemoveCollection implements [registry.Store].
func (r *Registry) RemoveCollection(ctx context.Context, id int64) error {
	return r.changeRow(ctx, fmt.Sprintf("remove collection %d", id), registry.ErrCollectionNotFound, `DELETE FROM collections WHERE id = ?`, id)
}

// CollectionSecret implements [registry.Store].
func (r *Registry) CollectionSecret(ctx context.Context, id int64) (uri, sealedCredentials string, err error) {
	err = r.db.QueryRowContext(ctx, `SELECT uri, credentials FROM collections WHERE id = ?`, id).Scan(&uri, &sealedCredentials)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", registry.ErrCollectionNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("registry: get location of collection %d: %w", id, err)
	}
	return uri, sealedCredentials, nil
}

// ManagedCluster implements [registry.Store].
func (r *Registry) ManagedCluster(ctx context.Context, collectionID int64) (string, time.Time, error) {
	var name, removed string
	err := r.db.QueryRowContext(ctx, `SELECT managed_cluster, cluster_removed_at FROM collections WHERE id = ?`, collectionID).Scan(&name, &removed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, registry.ErrCollectionNotFound
	}
	if err != nil || removed == "" {
		return name, time.Time{}, err
	}
	at, err := time.Parse(TimeLayout, removed)
	return name, at, err
}

// MarkManagedClusterRemoved implements [registry.Store].
func (r *Registry) MarkManagedClusterRemoved(ctx context.Context, clusterName string, at time.Time) error {
	_, err := r.db.ExecContext(ctx, `UPDATE collections SET cluster_removed_at = ? WHERE managed_cluster = ? AND cluster_removed_at = ''`,
		Time(at), clusterName)
	return err
}

// RemovedManagedCollections implements [registry.Store].
func (r *Registry) RemovedManagedCollections(ctx context.Context) ([]registry.RemovedManaged, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT id, managed_cluster, cluster_removed_at FROM collections
		WHERE managed_cluster <> '' AND cluster_removed_at <> '' ORDER BY cluster_removed_at`)
	if err != nil {
		return nil, err
	}
	found := []registry.RemovedManaged{}
	for rows.Next() {
		var x registry.RemovedManaged
		if err := rows.Scan(&x.Collection.ID, &x.Cluster, ScanTime(&x.RemovedAt)); err != nil {
			rows.Close()
			return nil, err
		}
		found = append(found, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, x := range found {
		if found[i].Collection, err = r.Collection(ctx, x.Collection.ID); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// CollectionRetention implements [registry.Store].
func (r *Registry) CollectionRetention(ctx context.Context, id int64) (registry.Retention, error) {
	var ret registry.Retention
	err := r.db.QueryRowContext(ctx, `SELECT keep_days, keep_count FROM collections WHERE id = ?`, id).Scan(&ret.KeepDays, &ret.KeepCount)
	if errors.Is(err, sql.ErrNoRows) {
		return registry.Retention{}, registry.ErrCollectionNotFound
	}
	if err != nil {
		return registry.Retention{}, fmt.Errorf("registry: retention of collection %d: %w", id, err)
	}
	return ret, nil
}

// SetCollectionRetention implements [registry.Store].
func (r *Registry) SetCollectionRetention(ctx context.Context, id int64, ret registry.Retention) error {
	return r.changeRow(ctx, fmt.Sprintf("set retention of collection %d", id), registry.ErrCollectionNotFound,
		`UPDATE collections SET keep_days = ?, keep_count = ? WHERE id = ?`, ret.KeepDays, ret.KeepCount, id)
}
