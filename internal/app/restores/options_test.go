package restores_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/app/apptest"
	"github.com/stratabackup/strata/internal/app/restores"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/testutil/layers"
	"github.com/stratabackup/strata/internal/usererror"
)

// TestRestoreOptions: the wizard is offered the collection's databases,
// the one it chose (else the chosen layer's, else the newest backup's)
// with its layers, and, when asked, the point the restore will read.
func TestRestoreOptions(t *testing.T) {
	ctx := context.Background()
	e := apptest.New(t)
	c := e.AddCollection(t, "offsite", "file://"+t.TempDir()+"/c", storage.Credentials{}, registry.Retention{})
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)
	shop := layers.Commit(t, c, "shop", t0, "", time.Time{})
	crm := layers.Commit(t, c, "crm", t0.Add(time.Hour), "", time.Time{})

	for _, tc := range []struct {
		q    restores.Query
		want string
	}{
		{restores.Query{Collection: "offsite"}, "crm"},
		{restores.Query{Collection: "offsite", Database: "shop"}, "shop"},
		{restores.Query{Collection: "offsite", Database: "gone", Backup: shop}, "shop"},
	} {
		o, err := e.Restores.Options(ctx, tc.q)
		if err != nil || o.Database != tc.want || len(o.Layers) != 1 || o.Layers[0].Database != tc.want || len(o.Databases) != 2 || o.Manifest != nil {
			t.Errorf("%+v: %+v, %v", tc.q, o, err)
		}
	}
	o, err := e.Restores.Options(ctx, restores.Query{Collection: "offsite", Database: "crm", Resolve: true})
	if err != nil || o.Manifest == nil || o.Manifest.Path != crm {
		t.Fatalf("resolved: %+v, %v", o, err)
	}
	// A moment resolves to the layer that covers it.
	end := t0.Truncate(10 * time.Millisecond) // layers end to the hundredth here
	o, err = e.Restores.Options(ctx, restores.Query{Collection: "offsite", Database: "shop", AsOf: end, Resolve: true})
	if err != nil || o.Manifest == nil || o.Manifest.Path != shop || !o.AsOf.Equal(end) {
		t.Errorf("as of the picker's millisecond: %+v, %v", o, err)
	}
}

// TestOptionsPlan: the wizard's review step plans the restore with the
// point it resolved, and the plan is the one Plan makes from the same
// choices (LATEST pinned to the layer, the moment kept); what Plan
// refuses, the review refuses too.
func TestOptionsPlan(t *testing.T) {
	ctx := context.Background()
	e := apptest.New(t)
	c := e.AddCollection(t, "offsite", "file://"+t.TempDir()+"/c", storage.Credentials{}, registry.Retention{})
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)
	shop := layers.Commit(t, c, "shop", t0, "", time.Time{})
	end := t0.Truncate(10 * time.Millisecond) // layers end to the hundredth here
	if _, err := e.Registry.AddCluster(ctx, "prod", "postgres", "postgres://u@127.0.0.1:1/postgres", "root"); err != nil {
		t.Fatal(err)
	}
	asked := restores.Request{Cluster: "prod", NewDBName: "shop_copy"}
	o, err := e.Restores.Options(ctx, restores.Query{Collection: "offsite", Database: "shop", AsOf: end, Resolve: true, CheckTables: true, Plan: &asked})
	if err != nil || o.PlanErr != nil {
		t.Fatalf("options: %v, plan: %v", err, o.PlanErr)
	}
	want, err := e.Restores.Plan(ctx, restores.Request{Cluster: "prod", Collection: "offsite", Database: "shop", NewDBName: "shop_copy",
		AsOfSystemTime: end.Format(time.RFC3339Nano)})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.Plan, want) || o.Plan.Request.Backup != shop || o.Plan.Request.AsOfSystemTime != end.Format(time.RFC3339Nano) {
		t.Fatalf("review plan %+v, Plan %+v", o.Plan, want)
	}
	job, err := e.Restores.Start(ctx, o.Plan, "root")
	if err != nil || job.Description != want.Description {
		t.Fatalf("started: %+v, %v", job, err)
	}

	asked.Cluster = "gone"
	o, err = e.Restores.Options(ctx, restores.Query{Collection: "offsite", Database: "shop", Resolve: true, CheckTables: true, Plan: &asked})
	if msg, _ := usererror.Message(o.PlanErr); err != nil || !strings.Contains(msg, `no cluster named "gone"`) {
		t.Fatalf("a plan for a removed cluster: %v, %v", err, o.PlanErr)
	}
	if _, err := e.Restores.Start(ctx, restores.Plan{}, "root"); err == nil {
		t.Fatal("Start took a plan nobody made")
	}
}
