package registry_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/usererror"
)

const prodDSN = "postgres://strata:Pr0d-Passw0rd@db.example.com:5432/app?sslmode=require"

func TestAddCluster(t *testing.T) {
	e := newEnv(t)
	c, err := e.reg.AddCluster(e.ctx, " prod ", cluster.KindPostgres, prodDSN, "alice")
	if err != nil {
		t.Fatal(err)
	}
	want := registry.Cluster{ID: c.ID, Name: "prod", Kind: cluster.KindPostgres,
		DSN: "postgres://strata@db.example.com:5432/app?sslmode=require", HasPassword: true,
		CreatedAt: e.now, UpdatedAt: e.now, CreatedBy: "alice"}
	if c.ID <= 0 || c != want {
		t.Fatalf("AddCluster() =\n%+v, want\n%+v", c, want)
	}

	for what, get := range map[string]func() (registry.Cluster, error){
		"Cluster":       func() (registry.Cluster, error) { return e.reg.Cluster(e.ctx, c.ID) },
		"ClusterByName": func() (registry.Cluster, error) { return e.reg.ClusterByName(e.ctx, "PROD") },
	} {
		got, err := get()
		if err != nil || got != want {
			t.Errorf("%s() = %+v, %v; want %+v", what, got, err, want)
		}
	}
	list, err := e.reg.Clusters(e.ctx)
	if err != nil || len(list) != 1 || list[0] != want {
		t.Errorf("Clusters() = %+v, %v", list, err)
	}

	assertConnString(t, e, c.ID, "Pr0d-Passw0rd")
}

func TestAddClusterRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	if _, err := e.reg.AddCluster(e.ctx, "prod", cluster.KindPostgres, prodDSN, "alice"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		kind cluster.Kind
		dsn  string
		want string
	}{
		{"Prod", cluster.KindPostgres, prodDSN, "a cluster named Prod already exists"},
		{"", cluster.KindPostgres, prodDSN, "cluster name is required"},
		{strings.Repeat("x", 64), cluster.KindPostgres, prodDSN, "at most 63 characters"},
		{"has space", cluster.KindPostgres, prodDSN, "may only contain letters"},
		{".hidden", cluster.KindPostgres, prodDSN, "must start with a letter or digit"},
		{"a/b", cluster.KindPostgres, prodDSN, "may only contain letters"},
		{"crdb", cluster.KindCockroach, prodDSN, "CockroachDB clusters are not supported yet"},
		{"nohost", cluster.KindPostgres, "postgres://strata:Pr0d-Passw0rd@/app", "needs a host"},
		{"badssl", cluster.KindPostgres, "host=h user=u password=Pr0d-Passw0rd sslmode=x", `unknown sslmode "x"`},
	}
	for _, tt := range tests {
		_, err := e.reg.AddCluster(e.ctx, tt.name, tt.kind, tt.dsn, "alice")
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.As(err, new(*usererror.Error)) {
			t.Errorf("AddCluster(%q, %s, %q) = %v, want a user error containing %q", tt.name, tt.kind, tt.dsn, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "Pr0d-Passw0rd") {
			t.Errorf("error shows the password: %v", err)
		}
	}
	if list, _ := e.reg.Clusters(e.ctx); len(list) != 1 {
		t.Errorf("clusters = %+v, want only prod", list)
	}
}

func TestAddClusterConcurrentSameName(t *testing.T) {
	e := newEnv(t)
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = e.reg.AddCluster(e.ctx, "prod", cluster.KindPostgres, prodDSN, fmt.Sprint("user", i))
		})
	}
	wg.Wait()
	added := 0
	for _, err := range errs {
		switch {
		case err == nil:
			added++
		case !strings.Contains(err.Error(), "already exists"):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if added != 1 {
		t.Errorf("%d clusters added, want 1", added)
	}
}

func TestUpdateCluster(t *testing.T) {
	e := newEnv(t)
	c, err := e.reg.AddCluster(e.ctx, "prod", cluster.KindPostgres, prodDSN, "alice")
	if err != nil {
		t.Fatal(err)
	}
	later := e.now.Add(time.Hour)
	e.now = later
	update := func(change registry.ClusterChange) registry.Cluster {
		t.Helper()
		got, err := e.reg.UpdateCluster(e.ctx, c.ID, change)
		if err != nil {
			t.Fatalf("UpdateCluster(%+v): %v", change, err)
		}
		stored, err := e.reg.Cluster(e.ctx, c.ID)
		if err != nil || stored != got {
			t.Fatalf("UpdateCluster returned %+v, stored %+v (%v)", got, stored, err)
		}
		return got
	}
	dsn := func(s string) *string { return &s }

	// An edit form sends the shown DSN back with an empty password field.
	got := update(registry.ClusterChange{DSN: dsn("postgres://strata@db2.example.com:5432/app?sslmode=require")})
	if got.DSN != "postgres://strata@db2.example.com:5432/app?sslmode=require" || !got.HasPassword || !got.UpdatedAt.Equal(later) || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("after DSN change: %+v", got)
	}
	assertConnString(t, e, c.ID, "Pr0d-Passw0rd")

	update(registry.ClusterChange{Password: "N3w-Passw0rd"})
	assertConnString(t, e, c.ID, "N3w-Passw0rd")

	update(registry.ClusterChange{DSN: dsn("host=db3.example.com user=strata password=Fr0m-DSN dbname=app")})
	assertConnString(t, e, c.ID, "Fr0m-DSN")

	got = update(registry.ClusterChange{RemovePassword: true})
	if got.HasPassword || got.DSN != "host=db3.example.com user=strata dbname=app" {
		t.Errorf("after RemovePassword: %+v", got)
	}
	assertConnString(t, e, c.ID, "")

	if _, err := e.reg.UpdateCluster(e.ctx, c.ID, registry.ClusterChange{DSN: dsn("nonsense")}); !errors.As(err, new(*usererror.Error)) {
		t.Errorf("UpdateCluster with a bad DSN = %v, want a user error", err)
	}
	if _, err := e.reg.UpdateCluster(e.ctx, c.ID+1, registry.ClusterChange{Password: "x"}); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("UpdateCluster of a missing cluster = %v, want ErrNotFound", err)
	}
}

func TestRemoveCluster(t *testing.T) {
	e := newEnv(t)
	c, err := e.reg.AddCluster(e.ctx, "prod", cluster.KindPostgres, prodDSN, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.reg.RemoveCluster(e.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"RemoveCluster again": e.reg.RemoveCluster(e.ctx, c.ID),
		"Cluster":             second(e.reg.Cluster(e.ctx, c.ID)),
		"ClusterByName":       second(e.reg.ClusterByName(e.ctx, "prod")),
		"ClusterByName(bad)":  second(e.reg.ClusterByName(e.ctx, "no/such")),
		"ConnString":          second(e.reg.ConnString(e.ctx, c.ID)),
	} {
		if msg, _ := usererror.Message(err); !errors.Is(err, registry.ErrNotFound) || err.Error() != "cluster not found" || msg != "cluster not found" {
			t.Errorf("%s = %v, want cluster not found", what, err)
		}
	}
	// The name is free again.
	if _, err := e.reg.AddCluster(e.ctx, "prod", cluster.KindPostgres, prodDSN, "alice"); err != nil {
		t.Errorf("add again: %v", err)
	}
}

func TestSealedPasswordOpensOnlyInItsRow(t *testing.T) {
	e := newEnv(t)
	a, _ := e.reg.AddCluster(e.ctx, "a", cluster.KindPostgres, prodDSN, "alice")
	b, err := e.reg.AddCluster(e.ctx, "b", cluster.KindPostgres, "postgres://other:0ther@db.example.com/app", "alice")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.db.ExecContext(e.ctx, `UPDATE clusters SET password = (SELECT password FROM clusters WHERE id = ?) WHERE id = ?`, a.ID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.ConnString(e.ctx, b.ID); !errors.Is(err, secrets.ErrUndecryptable) || errors.As(err, new(*usererror.Error)) {
		t.Errorf("ConnString with a copied password = %v, want ErrUndecryptable", err)
	}
}

// TestDriver: the driver of a registered cluster comes from its kind's
// engine, given the cluster's full connection string; a name nobody
// registered, or a kind no engine runs, is refused.
func TestDriver(t *testing.T) {
	e := newEnv(t)
	if _, err := e.reg.AddCluster(e.ctx, "prod", cluster.KindPostgres, "postgres://strata:pw@127.0.0.1:1/app?sslmode=disable", "alice"); err != nil {
		t.Fatal(err)
	}
	eng := &recordingEngine{}
	if _, err := e.reg.Driver(e.ctx, "prod", cluster.Engines{cluster.KindPostgres: eng}); err != nil || eng.dsn.Password() != "pw" {
		t.Fatalf("Driver() = %v; the engine got %s", err, eng.dsn.Redacted())
	}
	_, err := e.reg.Driver(e.ctx, "gone", cluster.Engines{cluster.KindPostgres: eng})
	if msg, _ := usererror.Message(err); !errors.Is(err, registry.ErrNotFound) || !strings.Contains(msg, `no cluster named "gone"`) {
		t.Errorf("Driver of a missing cluster = %v", err)
	}
	if _, err := e.reg.Driver(e.ctx, "prod", cluster.Engines{}); err == nil {
		t.Error("Driver without an engine for the kind succeeded")
	}
}

// recordingEngine records the connection a driver was asked for.
type recordingEngine struct {
	cluster.Engine
	dsn cluster.DSN
}

func (r *recordingEngine) Driver(dsn cluster.DSN) cluster.Driver {
	r.dsn = dsn
	return nil
}

func assertConnString(t *testing.T, e *env, id int64, password string) {
	t.Helper()
	conn, err := e.reg.ConnString(e.ctx, id)
	if err != nil {
		t.Fatalf("ConnString(): %v", err)
	}
	d, err := cluster.ParseDSN(conn)
	if err != nil || d.Password() != password {
		t.Errorf("ConnString() has password %q (%v), want %q", d.Password(), err, password)
	}
}

func second[T any](_ T, err error) error { return err }
