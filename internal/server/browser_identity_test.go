package server

import (
	"testing"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/testutil/browser"
)

// TestBrowserReplicaIdentity sets REPLICA IDENTITY FULL on a table from the
// cluster page, through the confirmation dialog.
func TestBrowserReplicaIdentity(t *testing.T) {
	env := newTestEnv(t)
	pg := startNoKeys(t)
	pg.Exec(t, "shop", `CREATE TABLE audit_trail (at timestamptz, line text)`)
	env.addCluster("pg", pg.DSN("postgres"))

	env.addUser("root", auth.RoleAdmin)
	b := browser.New(t)
	p := browser.Open(t, b, env.http.URL+"/login")
	p.MustElement(`input[name=username]`).MustInput("root")
	p.MustElement(`input[name=password]`).MustInput(testPassword)
	submit(p, `form[action="/login"]`)

	p = browser.Open(t, b, env.http.URL+"/clusters/pg")
	section := p.MustElementR("#point-in-time-coverage h3", "Database shop").MustParent()
	section.MustElementR("tr", "public.audit_trail")
	browser.Screenshot(t, p, "coverage")

	section.MustElement(`input[name=table][value="public.events"]`).MustClick()
	section.MustElementR("button", "Set REPLICA IDENTITY FULL").MustClick()
	p.MustElementR("#confirm-dialog[open] #confirm-text", "Every UPDATE and DELETE on them will then write the whole old row to the WAL")
	wait := p.MustWaitNavigation()
	p.MustElementR("#confirm-dialog button", "Confirm").MustClick()
	wait()
	p.MustElementR(".flash-ok", "REPLICA IDENTITY FULL set on public.events in database shop")
	section = p.MustElementR("#point-in-time-coverage h3", "Database shop").MustParent()
	section.MustElementR("tr", "public.audit_trail")
	if has, _, _ := section.HasR("tr", "public.events"); has {
		t.Error("public.events is still listed")
	}
	if got := replicaIdentityOf(t, pg, "events"); got != "f" {
		t.Errorf("replica identity %q, want f", got)
	}
	browser.Screenshot(t, p, "coverage-changed")
}
