package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// TestEveryMinuteScheduleOnTwoConsoles runs a schedule of every minute on
// two console processes sharing one state store, against a real
// PostgreSQL: each run's job is started once, by one of them; the first is
// a full backup, the next ones incrementals that carry the rows written
// between runs; all succeed.
func TestEveryMinuteScheduleOnTwoConsoles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about three minutes")
	}
	pg := pgtest.Start(t)
	pg.CreateDatabase(t, "shop")
	pg.Exec(t, "shop", `CREATE TABLE orders (id bigint PRIMARY KEY, note text NOT NULL);
		INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 1000) g;`)

	dir := t.TempDir()
	key, err := strata(t, "", "apikey", "add", "ops", "--role", "admin", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	a := startConsole(t, dir, strings.TrimSpace(key), "--managed-backups=false")
	b := startConsole(t, dir, a.key, "--managed-backups=false")
	if code, out := a.api("POST", "/api/v1/clusters", fmt.Sprintf(`{"name":"pg","dsn":%q}`, pg.DSN("postgres"))); code != http.StatusCreated {
		t.Fatalf("add cluster: %d %v", code, out)
	}
	code, out := b.api("POST", "/api/v1/schedules", `{"label":"shop every minute","cluster":"pg","database":"shop","collection":"local",
		"recurrence":"* * * * *","revision_history":true}`)
	if code != http.StatusCreated {
		t.Fatalf("create schedule: %d %v", code, out)
	}
	id := int64(out["id"].(float64))

	// Write between runs, so that every incremental has changes to carry.
	ctx, cancel := context.WithCancel(context.Background())
	writerDone := make(chan struct{})
	stop := func() { cancel(); <-writerDone }
	defer stop()
	conn := pg.Connect(t, "shop")
	go func() {
		defer close(writerDone)
		for i := 1; ctx.Err() == nil; i++ {
			conn.Exec(ctx, `INSERT INTO orders VALUES ($1, 'later')`, 1000+i)
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
		}
	}()

	var runs []map[string]any
	deadline := time.Now().Add(4 * time.Minute)
	for len(runs) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("after 4 minutes, %d finished runs: %v", len(runs), runs)
		}
		time.Sleep(2 * time.Second)
		list := a.ok(a.api("GET", fmt.Sprintf("/api/v1/jobs?schedule_id=%d", id), ""))
		runs = runs[:0]
		for _, j := range list["jobs"].([]any) {
			if j := j.(map[string]any); finished(j) {
				runs = append(runs, j)
			}
		}
	}
	cancel()

	list := a.ok(a.api("GET", fmt.Sprintf("/api/v1/jobs?schedule_id=%d", id), ""))
	jobs := list["jobs"].([]any)
	minutes := map[string]bool{}
	for i := len(jobs) - 1; i >= 0; i-- {
		j := jobs[i].(map[string]any)
		if int64(j["schedule_id"].(float64)) != id {
			t.Errorf("job %v has schedule_id %v", j["id"], j["schedule_id"])
		}
		created, _ := time.Parse(time.RFC3339Nano, j["created_at"].(string))
		minute := created.UTC().Format("15:04")
		if minutes[minute] {
			t.Errorf("two jobs started in minute %s: each run must start once", minute)
		}
		minutes[minute] = true
		if !finished(j) {
			continue
		}
		if j["status"] != "succeeded" {
			t.Fatalf("scheduled job %v: %v", j["id"], j)
		}
		var res struct {
			Type    string `json:"type"`
			Changes int64  `json:"changes"`
		}
		raw, _ := json.Marshal(j["result"])
		json.Unmarshal(raw, &res)
		first := i == len(jobs)-1
		switch {
		case first && res.Type != "full":
			t.Errorf("first run is %q, want a full backup", res.Type)
		case !first && (res.Type != "incremental" || res.Changes == 0):
			t.Errorf("run %v: %q with %d changes, want an incremental with the rows written since", j["id"], res.Type, res.Changes)
		}
	}
	sch := b.ok(b.api("GET", fmt.Sprintf("/api/v1/schedules/%d", id), ""))
	if sch["last_run_at"] == nil || sch["status"] == "paused" {
		t.Errorf("schedule after its runs: %v", sch)
	}
}
