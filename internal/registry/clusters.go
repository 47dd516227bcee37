package registry

import (
	"context"
	"errors"
	"fmt"
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
	c.ID, err = r.store.InsertCluster(ctx, c, func(id int64) (string, error) { return r.sealPassword(id, d.Password()) })
	if errors.Is(err, ErrNameTaken) {
		return Cluster{}, usererror.Errorf("a cluster named %s already exists", name)
	}
	if err != nil {
		return Cluster{}, err
	}
	return c, nil
}

func (r *Registry) sealPassword(id int64, password string) (string, error) {
	sealed, err := r.box.Seal(password, passwordContext(id))
	if err != nil {
		return "", fmt.Errorf("registry: seal password of cluster %d: %w", id, err)
	}
	return sealed, nil
}

// Clusters returns every registered cluster, by name.
func (r *Registry) Clusters(ctx context.Context) ([]Cluster, error) {
	return r.store.Clusters(ctx)
}

// Cluster returns the cluster with id, or an error wrapping [ErrNotFound].
func (r *Registry) Cluster(ctx context.Context, id int64) (Cluster, error) {
	return r.store.Cluster(ctx, id)
}

// ClusterByName returns the cluster named name (case-insensitively), or an
// error wrapping [ErrNotFound].
func (r *Registry) ClusterByName(ctx context.Context, name string) (Cluster, error) {
	name = strings.TrimSpace(name)
	if validateName("cluster", name) != nil {
		return Cluster{}, ErrClusterNotFound
	}
	return r.store.ClusterByName(ctx, name)
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
	return r.store.UpdateCluster(ctx, id, func(c *Cluster) (func(int64) (string, error), error) {
		password, setPassword := change.Password, change.Password != "" || change.RemovePassword
		if newDSN != nil {
			c.DSN = newDSN.Redacted()
			if password == "" && newDSN.Password() != "" {
				password, setPassword = newDSN.Password(), true
			}
		}
		c.UpdatedAt = r.now().UTC()
		if !setPassword {
			return nil, nil
		}
		c.HasPassword = password != ""
		return func(id int64) (string, error) { return r.sealPassword(id, password) }, nil
	})
}

// RemoveCluster forgets a cluster. Its backups stay in their collections.
func (r *Registry) RemoveCluster(ctx context.Context, id int64) error {
	return r.store.RemoveCluster(ctx, id)
}

// ConnString returns the full connection string of cluster id, password
// included, for drivers and the engine. Never show or log it.
func (r *Registry) ConnString(ctx context.Context, id int64) (string, error) {
	dsn, sealed, err := r.store.ClusterSecret(ctx, id)
	if err != nil {
		return "", err
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

// Driver returns the driver, from engines, of the cluster registered as
// name, ready to connect. A name nobody registered is an error for users.
func (r *Registry) Driver(ctx context.Context, name string, engines cluster.Engines) (cluster.Driver, error) {
	c, err := r.ClusterByName(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return nil, usererror.Wrap(err, "no cluster named %q: it may have been removed", name)
	}
	if err != nil {
		return nil, err
	}
	conn, err := r.ConnString(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return engines.Driver(c.Kind, conn)
}
