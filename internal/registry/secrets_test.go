package registry_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/storage"
)

// TestSecretsStayEncrypted checks every byte the state store wrote (the
// database, its WAL and shared-memory files) for the plaintext secrets, and
// everything the registry returns.
func TestSecretsStayEncrypted(t *testing.T) {
	e := newEnv(t)
	secrets := []string{"Clust3r-Passw0rd-7f3a", "Upd4ted-Passw0rd-91bc", "S3cret-Acc3ss-Key-5d0e"}

	c, err := e.reg.AddCluster(e.ctx, "prod", cluster.KindPostgres,
		"postgres://strata:"+secrets[0]+"@db.example.com/app", "alice")
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.reg.AddCluster(e.ctx, "stage", cluster.KindPostgres,
		"host=db.example.com user=strata password="+secrets[0], "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.UpdateCluster(e.ctx, other.ID, registry.ClusterChange{Password: secrets[1]}); err != nil {
		t.Fatal(err)
	}
	col, err := e.reg.AddCollection(e.ctx, "offsite", offsiteURI,
		storage.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: secrets[2]}, "alice")
	if err != nil {
		t.Fatal(err)
	}

	var returned []string
	clusters, _ := e.reg.Clusters(e.ctx)
	collections, _ := e.reg.Collections(e.ctx)
	byName, _ := e.reg.ClusterByName(e.ctx, "prod")
	returned = append(returned, fmt.Sprintf("%+v %+v %+v %+v %#v", c, clusters, collections, byName, col))
	_, err = e.reg.AddCluster(e.ctx, "prod", cluster.KindPostgres, "postgres://strata:"+secrets[0]+"@db.example.com/app", "alice")
	returned = append(returned, err.Error())
	_, err = e.reg.AddCollection(e.ctx, "offsite", offsiteURI, storage.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: secrets[2]}, "alice")
	returned = append(returned, err.Error())

	files, err := filepath.Glob(filepath.Join(e.dir, "strata.db*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("state store files: %v, %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the secret %q in plaintext", filepath.Base(f), s)
			}
		}
	}
	for _, r := range returned {
		for _, s := range secrets {
			if strings.Contains(r, s) {
				t.Errorf("returned value shows the secret %q: %s", s, r)
			}
		}
	}

	// They are still there for whoever connects.
	assertConnString(t, e, c.ID, secrets[0])
	assertConnString(t, e, other.ID, secrets[1])
	if _, creds, err := e.reg.Location(e.ctx, col.ID); err != nil || creds.SecretAccessKey != secrets[2] {
		t.Errorf("Location() credentials = %v, %v", creds, err)
	}
}
