package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/app/restores"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/jobs"
)

// formJob posts a form that starts a job and returns the job it redirects to.
func (c *client) formJob(path string, form url.Values) jobs.Job {
	c.env.t.Helper()
	resp, body := c.post(path, form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/jobs/") {
		c.env.t.Fatalf("POST %s: %d %s\n%s", path, resp.StatusCode, loc, body)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/jobs/"), 10, 64)
	j, err := c.env.jobs.Get(c.env.t.Context(), id)
	if err != nil {
		c.env.t.Fatal(err)
	}
	return j
}

func payload[T any](t *testing.T, j jobs.Job) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(j.Payload, &v); err != nil {
		t.Fatalf("job %d payload %s: %v", j.ID, j.Payload, err)
	}
	return v
}

// TestIncrementalForms drives the backup form and the restore wizard's
// final form without a browser: the job each creates, and what the pages
// show of chains, restorable windows and refused times.
func TestIncrementalForms(t *testing.T) {
	env := newTestEnv(t)
	pg := startShop(t)
	env.addCluster("pg", pg.DSN("postgres"))
	token := env.apiKey("reader", auth.RoleAuditor)
	c := env.adminClient()
	wait := func(j jobs.Job) backups.Result {
		t.Helper()
		if got := env.waitJob(token, j.ID); got.Status != "succeeded" {
			t.Fatalf("job %d: %+v", j.ID, got)
		}
		j, _ = env.jobs.Get(t.Context(), j.ID)
		var res backups.Result
		json.Unmarshal(j.Result, &res)
		return res
	}

	// The link "Incremental backup now" preselects Incremental.
	if body := env.ok(c.get("/backups/new?cluster=pg&database=shop&incremental=1")); !strings.Contains(body, `name="incremental" value="1" checked`) {
		t.Fatalf("incremental=1 does not preselect Incremental:\n%s", body)
	}

	// An incremental with nothing to extend is taken as a full backup, and its
	// page says why. The tables field, hidden for an incremental, is left out.
	j := c.formJob("/backups", url.Values{"cluster": {"pg"}, "database": {"shop"}, "collection": {"local"},
		"incremental": {"1"}, "revision_history": {"1"}, "tables": {"public.orders"}})
	if req := payload[backups.Request](t, j); !req.Incremental || !req.RevisionHistory || len(req.Tables) != 0 {
		t.Fatalf("incremental form payload: %+v", req)
	}
	if res := wait(j); res.Type != "full" || !strings.Contains(res.FullReason, "no full backup") {
		t.Fatalf("first incremental: %+v", res)
	}
	if body := env.ok(c.get("/jobs/" + strconv.FormatInt(j.ID, 10))); !strings.Contains(body, "Taken as a full backup instead of an incremental: the collection holds no full backup") {
		t.Fatalf("job page does not say why the backup is full:\n%s", body)
	}

	inserted, between := changeShop(t, pg)
	j = c.formJob("/backups", url.Values{"cluster": {"pg"}, "database": {"shop"}, "collection": {"local"},
		"incremental": {"1"}, "revision_history": {"1"}})
	if res := wait(j); res.Type != "incremental" || res.Changes == 0 {
		t.Fatalf("incremental: %+v", res)
	}
	coll, _ := env.registry.OpenCollection(t.Context(), "local")
	sums, _ := coll.Backups(t.Context())
	if len(sums) != 2 || sums[0].Kind != collection.KindIncremental || !sums[0].RevisionHistory {
		t.Fatalf("layers: %+v", sums)
	}
	inc, fullEnd := sums[0], sums[1].EndTime

	// The collection page groups them as one chain; the wizard draws it.
	body := env.ok(c.get("/collections/local"))
	if strings.Count(body, `<tbody class="chain">`) != 1 || !strings.Contains(body, "layer-incremental") || !strings.Contains(body, "every moment") {
		t.Fatalf("collection page:\n%s", body)
	}
	body = env.ok(c.get("/restore?collection=local&point=time"))
	for _, want := range []string{`<svg class="timeline"`, `class="tl-window"`,
		`min="` + fullEnd.Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000") + `"`,
		`max="` + inc.EndTime.Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000") + `"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("wizard lacks %s:\n%s", want, body)
		}
	}

	restore := url.Values{"collection": {"local"}, "database": {"shop"}, "scope": {"database"}, "cluster": {"pg"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range restore {
			v[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	// A point in time: the picker's UTC value reaches the job as RFC 3339.
	j = c.formJob("/restores", with("point", "time", "as_of_system_time", between.Format("2006-01-02T15:04:05.000"),
		"new_db_name", "shop_pit", "confirm", "shop_pit"))
	req := payload[restores.Request](t, j)
	if req.AsOfSystemTime != between.Format(time.RFC3339Nano) || req.Backup != inc.Path || req.NewDBName != "shop_pit" {
		t.Fatalf("point-in-time payload: %+v", req)
	}
	wait(j)
	if got := rowsOf(t, pg, "shop_pit", ordersDigest); got != inserted {
		t.Fatal("restored orders are not those of the moment chosen")
	}

	// The millisecond of the full backup's end means that end exactly.
	j = c.formJob("/restores", with("point", "time", "as_of_system_time", fullEnd.Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000"),
		"new_db_name", "shop_full", "confirm", "shop_full"))
	if req := payload[restores.Request](t, j); req.AsOfSystemTime != fullEnd.Format(time.RFC3339Nano) {
		t.Fatalf("as of the full backup's end: %+v, want %s", req, fullEnd.Format(time.RFC3339Nano))
	}
	wait(j)

	// A chosen layer and the latest.
	j = c.formJob("/restores", with("point", "layer", "backup", inc.Path, "new_db_name", "shop_layer", "confirm", "shop_layer"))
	if req := payload[restores.Request](t, j); req.Backup != inc.Path || req.AsOfSystemTime != "" {
		t.Fatalf("layer payload: %+v", req)
	}
	wait(j)
	j = c.formJob("/restores", with("point", "latest", "backup", sums[1].Path, "new_db_name", "shop_latest", "confirm", "shop_latest"))
	if req := payload[restores.Request](t, j); req.Backup != inc.Path || req.AsOfSystemTime != "" {
		t.Fatalf("latest payload: %+v", req)
	}
	wait(j)

	// A time no backup covers is refused on the wizard, naming the times
	// that can be restored, with the typed time kept.
	resp, body := c.post("/restores", with("point", "time", "as_of_system_time", "2020-01-02T03:04:05.000",
		"new_db_name", "shop_early", "confirm", "shop_early"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "no backup covers") ||
		!strings.Contains(body, `value="2020-01-02T03:04:05.000"`) || !strings.Contains(body, `name="point" value="time" checked`) {
		t.Fatalf("early time: %d\n%s", resp.StatusCode, body)
	}
	resp, body = c.post("/restores", with("point", "time", "as_of_system_time", "soon", "new_db_name", "x", "confirm", "x"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "is not a date and time") {
		t.Fatalf("bad time: %d\n%s", resp.StatusCode, body)
	}
	// A refusal from starting the job keeps the choices too.
	resp, body = c.post("/restores", with("point", "time", "as_of_system_time", between.Format("2006-01-02T15:04:05.000"),
		"cluster", "nope", "new_db_name", "shop_pit2", "confirm", "shop_pit2"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "no cluster named") ||
		!strings.Contains(body, `name="as_of_system_time" value="`+between.Format("2006-01-02T15:04:05.000")+`"`) {
		t.Fatalf("unknown cluster: %d\n%s", resp.StatusCode, body)
	}

	// A full backup from the form drops the revision history it cannot keep.
	j = c.formJob("/backups", url.Values{"cluster": {"pg"}, "database": {"shop"}, "collection": {"local"},
		"incremental": {"0"}, "revision_history": {"1"}, "tables": {"public.orders"}})
	if req := payload[backups.Request](t, j); req.Incremental || req.RevisionHistory || len(req.Tables) != 1 {
		t.Fatalf("full form payload: %+v", req)
	}
	wait(j)
	if body := env.ok(c.get("/jobs/" + strconv.FormatInt(j.ID, 10))); strings.Contains(body, "job-note") {
		t.Fatal("a full backup's page carries a note")
	}
}
