package server

import (
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/slothealth"
	"github.com/stratabackup/strata/internal/testutil/browser"
)

// TestBrowserClusterSlots shows a healthy, a warning and a lost slot on the
// cluster page, then removes the cluster through the confirmation dialog.
func TestBrowserClusterSlots(t *testing.T) {
	env := newTestEnv(t)
	pg := startShop(t)
	// A lost slot: the server may keep only 1 MB of WAL for it, and writes more.
	makeStrataSlot(t, pg, "postgres", "strata_7_lost")
	pg.Exec(t, "postgres", "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'")
	pg.Exec(t, "postgres", "SELECT pg_reload_conf()")
	for range 3 {
		pg.Exec(t, "postgres", "CREATE TABLE IF NOT EXISTS t (x int); INSERT INTO t VALUES (1); SELECT pg_switch_wal()")
	}
	pg.Exec(t, "postgres", "CHECKPOINT")
	pg.Exec(t, "postgres", "ALTER SYSTEM RESET max_slot_wal_keep_size")
	pg.Exec(t, "postgres", "SELECT pg_reload_conf()")
	makeStrataSlot(t, pg, "shop", "strata_9_busy")
	pg.Exec(t, "shop", "CREATE TABLE more AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 20000) g")
	makeStrataSlot(t, pg, "shop", "strata_12_fresh")
	env.addCluster("pg", pg.DSN("postgres"))
	env.srv.slotWAL = slothealth.Thresholds{Warn: 2 << 20, Critical: 1 << 30}

	env.addUser("root", auth.RoleAdmin)
	b := browser.New(t)
	p := browser.Open(t, b, env.http.URL+"/login")
	p.MustElement(`input[name=username]`).MustInput("root")
	p.MustElement(`input[name=password]`).MustInput(testPassword)
	submit(p, `form[action="/login"]`)

	p = browser.Open(t, b, env.http.URL+"/clusters/pg")
	p.MustElementR("#cluster-test td", "^shop$")
	slots := p.MustElement("#replication-slots")
	for name, badge := range map[string]string{"strata_7_lost": "lost", "strata_9_busy": "warning", "strata_12_fresh": "ok"} {
		if got := slots.MustElementR("tr", name).MustElement(".badge").MustText(); got != badge {
			t.Errorf("%s: badge %q, want %q", name, got, badge)
		}
	}
	findings := slots.MustElement("ul.findings").MustText()
	if !strings.Contains(findings, "the backup chain it served is broken. The next backup of postgres into that chain's collection will be a full backup.") ||
		!strings.Contains(findings, "strata_9_busy (shop) keeps") {
		t.Errorf("findings: %s", findings)
	}
	browser.Screenshot(t, p, "cluster-slots")

	// The sections loaded after the page move the button when they
	// arrive: click it once they have.
	p.MustElement("#point-in-time-coverage:not([hx-get])")
	p.MustElementR("button", "Remove cluster").MustClick()
	p.MustElement("#confirm-dialog[open]")
	wait := p.MustWaitNavigation()
	p.MustElementR("#confirm-dialog button", "Confirm").MustClick()
	wait()
	p.MustElementR(".flash-ok", "replication slots dropped with their publications: strata_7_lost, strata_12_fresh, strata_9_busy")
	browser.Screenshot(t, p, "cluster-removed")
}
