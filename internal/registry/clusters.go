package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	store "github.com/stratabackup/strata/internal/store/sqlite"
	"strconv"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/usererror"
)

// Cluster is a registered cluster. Its password never leaves the registry
// except through [Registry.ConnString].
type Cluster struct {
	ID          int64
	Name        string
	Kind        cluster.Kind
	DSN         string // the connection string without the password
	HasPassword bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CreatedBy   string
}

// ClusterChange is an edit of a cluster's connection. Names and kinds do
// not change: jobs and the audit log refer to clusters by name.
type ClusterChange struct {
	// DSN is the new connection string; nil keeps the current one. A
	// password in it replaces the stored one.
	DSN *string
	// Password is a new password. "" keeps the stored one, as an edit form's
	// empty password field should.
	Password string
	// RemovePassword forgets the stored password (for trust or certificate
	// authentication), unless the change brings a new one.
	RemovePassword bool
}

const clusterColumns = `id, name, kind, dsn, password <> '', created_at, updated_at, created_by`

func scanCluster(row interface{ Scan(...any) error }) (Cluster, error) {
	var c Cluster
	err := row.Scan(&c.ID, &c.Name, &c.Kind, &c.DSN, &c.HasPassword,
		store.ScanTime(&c.CreatedAt), store.ScanTime(&c.UpdatedAt), &c.CreatedBy)
	return c, err
}

func passwordContext(id int64) string { return "cluster:" + strconv.FormatInt(id, 10) + ":password" }

// AddCluster registers a cluster. The name must be new (case-insensitively);
// the password is split out of dsn and stored encrypted. It does not
// connect: test the cluster with its [cluster.Driver].
func (r *Registry) AddCluster(ctx context.Context, name string, kind cluster.Kind, dsn, createdBy string) (Cluster, error) {
	name = strings.TrimSpace(name)
	if err := validateName("cluster", name); err != nil {
		return Cluster{}, err
	}
	kind, err := cluster.ParseKind(string(kind))
	if err != nil {
		return Cluster{}, err
	}
	d, err := cluster.ParseDSN(dsn)
	if err != nil {
		return Cluster{}, err
	}
	now := r.now().UTC()
	c := Cluster{Name: name, Kind: kind, DSN: d.Redacted(), HasPassword: d.Password() != "",
		CreatedAt: now, UpdatedAt: now, CreatedBy: createdBy}
	err = r.inTx(ctx, func(tx *sql.Tx) error {
		var taken bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM clusters WHERE name = ?)`, name).Scan(&taken); err != nil {
			return fmt.Errorf("registry: look up cluster %q: %w", name, err)
		}
		if taken {
			return usererror.Errorf("a cluster named %s already exists", name)
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO clusters (name, kind, dsn, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			c.Name, c.Kind, c.DSN, c.CreatedBy, store.Time(now), store.Time(now))
		if err != nil {
			return fmt.Errorf("registry: insert cluster %q: %w", name, err)
		}
		if c.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("registry: insert cluster %q: %w", name, err)
		}
		return r.storePassword(ctx, tx, c.ID, d.Password())
	})
	if err != nil {
		return Cluster{}, err
	}
	return c, nil
}

func (r *Registry) storePassword(ctx context.Context, tx *sql.Tx, id int64, password string) error {
	sealed, err := r.box.Seal(password, passwordContext(id))
	if err != nil {
		return fmt.Errorf("registry: seal password of cluster %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE clusters SET password = ? WHERE id = ?`, sealed, id); err != nil {
		return fmt.Errorf("registry: store password of cluster %d: %w", id, err)
	}
	return nil
}

// Clusters returns every registered cluster, by name.
func (r *Registry) Clusters(ctx context.Context) ([]Cluster, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT `+clusterColumns+` FROM clusters ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("registry: list clusters: %w", err)
	}
	defer rows.Close()
	var list []Cluster
	for rows.Next() {
		c, err := scanCluster(rows)
		if err != nil {
			return nil, fmt.Errorf("registry: list clusters: %w", err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("registry: list clusters: %w", err)
	}
	return list, nil
}

// Cluster returns the cluster with id, or an error wrapping [ErrNotFound].
func (r *Registry) Cluster(ctx context.Context, id int64) (Cluster, error) {
	return getCluster(ctx, r.db, `id = ?`, id)
}

// ClusterByName returns the cluster named name (case-insensitively), or an
// error wrapping [ErrNotFound].
func (r *Registry) ClusterByName(ctx context.Context, name string) (Cluster, error) {
	name = strings.TrimSpace(name)
	if validateName("cluster", name) != nil {
		return Cluster{}, notFound("cluster")
	}
	return getCluster(ctx, r.db, `name = ?`, name)
}

func getCluster(ctx context.Context, q querier, where string, arg any) (Cluster, error) {
	c, err := scanCluster(q.QueryRowContext(ctx, `SELECT `+clusterColumns+` FROM clusters WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return Cluster{}, notFound("cluster")
	}
	if err != nil {
		return Cluster{}, fmt.Errorf("registry: get cluster %v: %w", arg, err)
	}
	return c, nil
}

// UpdateCluster changes a cluster's connection string or password and
// returns the cluster as it is now.
func (r *Registry) UpdateCluster(ctx context.Context, id int64, change ClusterChange) (Cluster, error) {
	var newDSN *cluster.DSN
	if change.DSN != nil {
		d, err := cluster.ParseDSN(*change.DSN)
		if err != nil {
			return Cluster{}, err
		}
		newDSN = &d
	}
	var c Cluster
	err := r.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if c, err = getCluster(ctx, tx, `id = ?`, id); err != nil {
			return err
		}
		password, setPassword := change.Password, change.Password != "" || change.RemovePassword
		if newDSN != nil {
			c.DSN = newDSN.Redacted()
			if password == "" && newDSN.Password() != "" {
				password, setPassword = newDSN.Password(), true
			}
		}
		if setPassword {
			if err := r.storePassword(ctx, tx, id, password); err != nil {
				return err
			}
			c.HasPassword = password != ""
		}
		c.UpdatedAt = r.now().UTC()
		_, err = tx.ExecContext(ctx, `UPDATE clusters SET dsn = ?, updated_at = ? WHERE id = ?`, c.DSN, store.Time(c.UpdatedAt), id)
		if err != nil {
			return fmt.Errorf("registry: update cluster %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return Cluster{}, err
	}
	return c, nil
}

// RemoveCluster forgets a cluster. Its backups stay in their collections.
func (r *Registry) RemoveCluster(ctx context.Context, id int64) error {
	res, err := r.db.ExecContext(ctx, `DELETE FROM clusters WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("registry: remove cluster %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("registry: remove cluster %d: %w", id, err)
	} else if n == 0 {
		return notFound("cluster")
	}
	return nil
}

// ConnString returns the full connection string of cluster id, password
// included, for drivers and the engine. Never show or log it.
func (r *Registry) ConnString(ctx context.Context, id int64) (string, error) {
	var dsn, sealed string
	err := r.db.QueryRowContext(ctx, `SELECT dsn, password FROM clusters WHERE id = ?`, id).Scan(&dsn, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("cluster")
	}
	if err != nil {
		return "", fmt.Errorf("registry: get connection string of cluster %d: %w", id, err)
	}
	d, err := cluster.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("registry: stored connection string of cluster %d: %v", id, err) // %v: not a user error here
	}
	password, err := r.box.Open(sealed, passwordContext(id))
	if err != nil {
		return "", fmt.Errorf("registry: password of cluster %d: %w", id, err)
	}
	return d.WithPassword(password).ConnString(), nil
}

// Driver returns the driver for cluster id, ready to connect.
func (r *Registry) Driver(ctx context.Context, id int64) (cluster.Driver, error) {
	c, err := r.Cluster(ctx, id)
	if err != nil {
		return nil, err
	}
	conn, err := r.ConnString(ctx, id)
	if err != nil {
		return nil, err
	}
	return cluster.Open(c.Kind, conn)
}
