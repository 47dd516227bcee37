package server

import (
	"testing"
	"time"

	"github.com/go-rod/rod"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/testutil/browser"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// TestBrowserPauseResumeCancel pauses, resumes and cancels real backups from
// their job pages; the buttons follow the status as htmx polls it. (The
// backups are too quick to cancel while running without racing them; the
// engine and jobs tests cancel running work.)
func TestBrowserPauseResumeCancel(t *testing.T) {
	env := newTestEnv(t)
	env.ops.ChunkBytes = 64 << 10 // many chunks, so there is time to act between them
	pg := pgtest.Start(t)
	pg.CreateDatabase(t, "big")
	pg.Exec(t, "big", `CREATE TABLE items (id bigint PRIMARY KEY, payload text);
		INSERT INTO items SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 150000) g;`)
	env.addUser("root", auth.RoleAdmin)
	if _, err := env.registry.AddCluster(t.Context(), "pg", cluster.KindPostgres, pg.DSN("postgres"), "test"); err != nil {
		t.Fatal(err)
	}
	b := browser.New(t)
	p := browser.Open(t, b, env.http.URL+"/login")
	p.MustElement(`input[name=username]`).MustInput("root")
	p.MustElement(`input[name=password]`).MustInput(testPassword)
	submit(p, `form[action="/login"]`)

	startBackup := func() *rod.Page {
		p := browser.Open(t, b, env.http.URL+"/backups/new?cluster=pg&database=big")
		submit(p, `#backup-form`)
		return p
	}

	p = startBackup()
	p.MustElementR("button", "^Pause$").MustClick()
	if _, err := p.Timeout(20*time.Second).ElementR("#job-status", "^paused$"); err != nil {
		j, _ := env.jobs.Get(t.Context(), 1)
		t.Fatalf("job never showed paused: %+v", j)
	}
	browser.Screenshot(t, p, "paused")
	if len(p.MustElements(`button`)) == 0 || p.MustHas(`form[action$="/pause"]`) {
		t.Fatal("a paused job still offers Pause")
	}
	p.MustElementR("button", "^Resume$").MustClick()
	waitSucceeded(t, p)
	if p.MustHas(`form[action$="/cancel"]`) {
		t.Fatal("a finished job still offers Cancel")
	}

	// Cancel a paused backup: it releases the held snapshot and removes its files.
	p = startBackup()
	p.MustElementR("button", "^Pause$").MustClick()
	p.MustElementR("#job-status", "^paused$")
	p.MustElementR("button", "^Cancel job$").MustClick()
	p.MustElementR("#confirm-dialog button", "Confirm").MustClick()
	if _, err := p.Timeout(20*time.Second).ElementR("#job-status", "^canceled$"); err != nil {
		j, _ := env.jobs.Get(t.Context(), 2)
		t.Fatalf("job never showed canceled: %+v", j)
	}
	browser.Screenshot(t, p, "canceled")

	coll, err := env.ops.OpenCollection(t.Context(), "local")
	if err != nil {
		t.Fatal(err)
	}
	backups, _ := coll.Backups(t.Context())
	incomplete, _ := coll.Incomplete(t.Context())
	if len(backups) != 1 || len(incomplete) != 0 {
		t.Fatalf("after one finished and one canceled backup: %d backups, incomplete %v", len(backups), incomplete)
	}
	var slots int
	pg.Connect(t, "postgres").QueryRow(t.Context(), "SELECT count(*) FROM pg_replication_slots").Scan(&slots)
	if slots != 1 {
		t.Fatalf("%d replication slots; the canceled backup's slot must be dropped", slots)
	}
}
