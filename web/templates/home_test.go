package templates

import (
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/app/collections"
	"github.com/stratabackup/strata/internal/app/status"
	"github.com/stratabackup/strata/internal/jobs"
)

func TestClusterRowClass(t *testing.T) {
	if got := clusterRowClass(ClusterStatus{Attention: true}); got != "attention" {
		t.Errorf("a cluster needing attention: %q", got)
	}
	if got := clusterRowClass(ClusterStatus{}); got != "ok" {
		t.Errorf("a cluster in order: %q", got)
	}
}

func TestClusterLastBackup(t *testing.T) {
	done := at(8, 0, 0, 0)
	for _, tc := range []struct {
		name string
		c    ClusterStatus
		at   time.Time
		ok   bool
	}{
		{"none", ClusterStatus{}, time.Time{}, false},
		{"not finished", ClusterStatus{Cluster: status.Cluster{LastBackup: &jobs.Job{ID: 1}}}, time.Time{}, false},
		{"finished", ClusterStatus{Cluster: status.Cluster{LastBackup: &jobs.Job{ID: 1, FinishedAt: &done}}}, done, true},
	} {
		got, ok := tc.c.lastBackupAt()
		if !got.Equal(tc.at) || ok != tc.ok {
			t.Errorf("%s: lastBackupAt = %v, %v; want %v, %v", tc.name, got, ok, tc.at, tc.ok)
		}
	}
}

func TestClusterNamesCollection(t *testing.T) {
	shop := collections.DatabaseWindow{Collection: "c1", Database: "shop"}
	unknown := collections.DatabaseWindow{Database: "crm"}
	one := ClusterStatus{Cluster: status.Cluster{Windows: []collections.DatabaseWindow{shop}}}
	two := ClusterStatus{Cluster: status.Cluster{Windows: []collections.DatabaseWindow{shop, unknown}}}
	if one.namesCollection(shop) {
		t.Error("a cluster with one window names its collection")
	}
	if !two.namesCollection(shop) {
		t.Error("a cluster with several windows does not name their collections")
	}
	if two.namesCollection(unknown) {
		t.Error("a window of no known collection is named")
	}
}
