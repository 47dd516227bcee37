package registry_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/storage"
)

// TestManagedCollection: a cluster's managed collection is registered once,
// with its credentials sealed; removing the cluster marks it, and a cluster
// registered again under the name takes it back.
func TestManagedCollection(t *testing.T) {
	e := newEnv(t)
	creds := storage.Credentials{AccessKeyID: "managed-key", SecretAccessKey: "managed-secret"}
	c, err := e.reg.EnsureManagedCollection(e.ctx, "prod", "s3://backups/managed/prod", creds)
	if err != nil || c.Name != "managed-prod" || !c.HasCredentials {
		t.Fatalf("EnsureManagedCollection = %+v %v", c, err)
	}
	again, err := e.reg.EnsureManagedCollection(e.ctx, "prod", "s3://backups/managed/prod", creds)
	if err != nil || again.ID != c.ID {
		t.Fatalf("second call = %+v %v", again, err)
	}
	var stored string
	e.db.QueryRow(`SELECT credentials FROM collections WHERE id = ?`, c.ID).Scan(&stored)
	if strings.Contains(stored, "managed-secret") {
		t.Fatal("managed credentials stored in clear")
	}
	if _, got, err := e.reg.Location(e.ctx, c.ID); err != nil || got != creds {
		t.Fatalf("Location credentials = %+v %v", got, err)
	}

	if err := e.reg.MarkManagedClusterRemoved(e.ctx, "prod", e.now); err != nil {
		t.Fatal(err)
	}
	if cl, at, err := e.reg.ManagedCluster(e.ctx, c.ID); err != nil || cl != "prod" || !at.Equal(e.now) {
		t.Fatalf("ManagedCluster = %s %v %v", cl, at, err)
	}
	if list, err := e.reg.RemovedManagedCollections(e.ctx); err != nil || len(list) != 1 || list[0].Collection.ID != c.ID {
		t.Fatalf("RemovedManagedCollections = %+v %v", list, err)
	}
	if _, err := e.reg.EnsureManagedCollection(e.ctx, "prod", "s3://backups/managed/prod", creds); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.reg.RemovedManagedCollections(e.ctx); len(list) != 0 {
		t.Fatalf("a cluster registered again did not take its managed collection back: %+v", list)
	}
	if _, _, err := e.reg.ManagedCluster(e.ctx, 999); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("unknown collection: %v", err)
	}
}
