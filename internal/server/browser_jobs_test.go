package server

import (
	"testing"
	"time"

	"github.com/go-rod/rod"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/testutil/browser"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// TestBrowserPauseResumeCancel pauses, resumes and cancels real backups from
// their job pages; the buttons follow the status as htmx polls it. (The
// engine and jobs tests cancel work while it runs.)
func TestBrowserPauseResumeCancel(t *testing.T) {
	env := newTestEnv(t)
	env.app.Backups.ChunkBytes = 64 << 10 // many chunks, so there is time to act between them
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

	// startPaused starts a backup from the form and pauses it from its job
	// page. A lock held on the table keeps the backup waiting before its
	// first chunk, so the pause is always requested while it runs.
	startPaused := func() *rod.Page {
		lock, err := pg.Connect(t, "big").Begin(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer lock.Rollback(t.Context())
		if _, err := lock.Exec(t.Context(), "LOCK TABLE items IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		p := browser.Open(t, b, env.http.URL+"/backups/new?cluster=pg&database=big")
		submit(p, `#backup-form`)
		p.MustElementR("button", "^Pause$").MustClick()
		p.MustElementR("#job-status", "^pause-requested$")
		lock.Rollback(t.Context())
		if _, err := p.Timeout(20*time.Second).ElementR("#job-status", "^paused$"); err != nil {
			list, _, _ := env.jobs.List(t.Context(), jobs.Filter{}, 0, 1)
			t.Fatalf("job never showed paused: status %s, error %q", list[0].Status, list[0].Error)
		}
		return p
	}

	p = startPaused()
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
	// The page polls the job every 2 s and replaces its buttons: the
	// confirmation is given only after a poll replaced the form it asks
	// about, as it is when a user takes a few seconds to decide (which once
	// sent nothing at all).
	p = startPaused()
	p.MustElementR("button", "^Cancel job$").MustClick()
	p.MustElement("#confirm-dialog[open]")
	p.MustEval(`() => { window.askedAbout = document.querySelector('form[action$="/cancel"]') }`)
	if err := p.Timeout(10 * time.Second).Wait(rod.Eval(`() => document.querySelector('form[action$="/cancel"]') !== window.askedAbout`)); err != nil {
		t.Fatalf("the job page did not poll while the dialog was open: %v", err)
	}
	p.MustElementR("#confirm-dialog button", "Confirm").MustClick()
	if _, err := p.Timeout(20*time.Second).ElementR("#job-status", "^canceled$"); err != nil {
		j, _ := env.jobs.Get(t.Context(), 2)
		t.Fatalf("job never showed canceled: status %s, error %q", j.Status, j.Error)
	}
	browser.Screenshot(t, p, "canceled")

	coll, err := env.registry.OpenCollection(t.Context(), "local")
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
