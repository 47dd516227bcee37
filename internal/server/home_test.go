package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/schedule"
)

// TestHomeListsFailingAndOverdueFirst: a cluster whose schedule is overdue
// comes before a healthy one, and the schedule is listed under "Needs
// attention" with what is wrong.
func TestHomeListsFailingAndOverdueFirst(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	for _, name := range []string{"aaa-fine", "zzz-late"} {
		if _, err := e.registry.AddCluster(ctx, name, "postgres", "postgres://u@127.0.0.1:1/postgres", "root"); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	add := func(label, clusterName string, alertAfter time.Duration, created time.Time) {
		_, err := e.schedules.Create(ctx, schedule.Schedule{Label: label, Cluster: clusterName, Database: "shop", Collection: "local",
			Recurrence: "@hourly", OnFailure: schedule.OnFailureReschedule, OnPreviousRunning: schedule.OnRunningWait,
			AlertAfter: alertAfter, Owner: "root"}, time.Time{}, created)
		if err != nil {
			t.Fatal(err)
		}
	}
	add("fine hourly", "aaa-fine", 0, now)
	add("late hourly", "zzz-late", time.Hour, now.Add(-3*time.Hour))

	e.addUser("ann", auth.RoleAuditor)
	c := e.client()
	c.login("ann")
	resp, body := c.get("/")
	if resp.StatusCode != 200 {
		t.Fatalf("home: %d", resp.StatusCode)
	}
	attention := body[strings.Index(body, "Needs attention"):]
	if !strings.Contains(attention, "late hourly") || !strings.Contains(attention, "overdue") {
		t.Fatalf("the overdue schedule is not under Needs attention")
	}
	if strings.Contains(attention[:strings.Index(attention, "<h2>Clusters")], "fine hourly") {
		t.Error("a healthy schedule is listed as needing attention")
	}
	clusters := body[strings.Index(body, "<h2>Clusters"):]
	late, fine := strings.Index(clusters, "zzz-late"), strings.Index(clusters, "aaa-fine")
	if late < 0 || fine < 0 || late > fine {
		t.Errorf("the overdue cluster must come first (late at %d, fine at %d)", late, fine)
	}
	if !strings.Contains(clusters, "Next scheduled run") || !strings.Contains(clusters, "Point-in-time window") {
		t.Error("the clusters table lacks the next run or the point-in-time window")
	}
}
