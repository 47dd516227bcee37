package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stratabackup/strata/internal/registry"
)

// Registry keeps registered clusters and collections in the state store,
// with their secrets as sealed by the caller. A secret is sealed for its
// row's id, known only after the insert, so adding stores it in a second
// statement of the same transaction.
type Registry struct{ db *sql.DB }

// NewRegistry returns the registry of the state store db.
func NewRegistry(db *sql.DB) *Registry { return &Registry{db: db} }

var _ registry.Store = (*Registry)(nil)

// inTx runs fn in a transaction, which (with _txlock=immediate) holds the
// write lock from its start, so a name checked in fn stays free until fn's
// insert.
func (r *Registry) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("registry: begin transaction: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("registry: commit: %w", err)
	}
	return nil
}

const clusterColumns = `id, name, kind, dsn, password <> '', created_at, updated_at, created_by`

func scanCluster(row scanner) (registry.Cluster, error) {
	var c registry.Cluster
	err := row.Scan(&c.ID, &c.Name, &c.Kind, &c.DSN, &c.HasPassword,
		ScanTime(&c.CreatedAt), ScanTime(&c.UpdatedAt), &c.CreatedBy)
	return c, err
}

// InsertCluster implements [registry.Store].
func (r *Registry) InsertCluster(ctx context.Context, c registry.Cluster, sealPassword func(id int64) (string, error)) (int64, error) {
	var id int64
	err := r.inTx(ctx, func(tx *sql.Tx) error {
		taken, err := exists(ctx, tx, fmt.Sprintf("registry: look up cluster %q", c.Name), `SELECT 1 FROM clusters WHERE name = ?`, c.Name)
		if err != nil {
			return err
		}
		if taken {
			return registry.ErrNameTaken
		}
		id, err = insert(ctx, tx, fmt.Sprintf("registry: insert cluster %q", c.Name), `
			INSERT INTO clusters (name, kind, dsn, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			c.Name, c.Kind, c.DSN, c.CreatedBy, Time(c.CreatedAt), Time(c.UpdatedAt))
		if err != nil {
			return err
		}
		return storePassword(ctx, tx, id, sealPassword)
	})
	return id, err
}

func storePassword(ctx context.Context, tx *sql.Tx, id int64, seal func(id int64) (string, error)) error {
	sealed, err := seal(id)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE clusters SET password = ? WHERE id = ?`, sealed, id); err != nil {
		return fmt.Errorf("registry: store password of cluster %d: %w", id, err)
	}
	return nil
}

// Clusters implements [registry.Store].
func (r *Registry) Clusters(ctx context.Context) ([]registry.Cluster, error) {
	return list(ctx, r.db, "registry: list clusters", scanCluster, `SELECT `+clusterColumns+` FROM clusters ORDER BY name`)
}

// Cluster implements [registry.Store].
func (r *Registry) Cluster(ctx context.Context, id int64) (registry.Cluster, error) {
	return getCluster(ctx, r.db, `id = ?`, id)
}

// ClusterByName implements [registry.Store].
func (r *Registry) ClusterByName(ctx context.Context, name string) (registry.Cluster, error) {
	return getCluster(ctx, r.db, `name = ?`, name)
}

func getCluster(ctx context.Context, q querier, where string, arg any) (registry.Cluster, error) {
	c, err := scanCluster(q.QueryRowContext(ctx, `SELECT `+clusterColumns+` FROM clusters WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return registry.Cluster{}, registry.ErrClusterNotFound
	}
	if err != nil {
		return registry.Cluster{}, fmt.Errorf("registry: get cluster %v: %w", arg, err)
	}
	return c, nil
}

// UpdateCluster implements [registry.Store].
func (r *Registry) UpdateCluster(ctx context.Context, id int64, change func(*registry.Cluster) (func(id int64) (string, error), error)) (registry.Cluster, error) {
	var c registry.Cluster
	err := r.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if c, err = getCluster(ctx, tx, `id = ?`, id); err != nil {
			return err
		}
		sealPassword, err := change(&c)
		if err != nil {
			return err
		}
		if sealPassword != nil {
			if err := storePassword(ctx, tx, id, sealPassword); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE clusters SET dsn = ?, updated_at = ? WHERE id = ?`, c.DSN, Time(c.UpdatedAt), id)
		if err != nil {
			return fmt.Errorf("registry: update cluster %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return registry.Cluster{}, err
	}
	return c, nil
}

// RemoveCluster implements [registry.Store].
func (r *Registry) RemoveCluster(ctx context.Context, id int64) error {
	return r.changeRow(ctx, fmt.Sprintf("remove cluster %d", id), registry.ErrClusterNotFound, `DELETE FROM clusters WHERE id = ?`, id)
}

// changeRow runs stmt, which changes one row, and returns notFound when it
// changed none. doing says what it does in errors ("remove cluster 7").
func (r *Registry) changeRow(ctx context.Context, doing string, notFound error, stmt string, args ...any) error {
	res, err := r.db.ExecContext(ctx, stmt, args...)
	if err != nil {
		return fmt.Errorf("registry: %s: %w", doing, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("registry: %s: %w", doing, err)
	} else if n == 0 {
		return notFound
	}
	return nil
}

// ClusterSecret implements [registry.Store].
func (r *Registry) ClusterSecret(ctx context.Context, id int64) (dsn, sealedPassword string, err error) {
	err = r.db.QueryRowContext(ctx, `SELECT dsn, password FROM clusters WHERE id = ?`, id).Scan(&dsn, &sealedPassword)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", registry.ErrClusterNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("registry: get connection string of cluster %d: %w", id, err)
	}
	return dsn, sealedPassword, nil
}
