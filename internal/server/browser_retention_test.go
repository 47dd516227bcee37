package server

import (
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/retention"
	"github.com/stratabackup/strata/internal/testutil/browser"
	"github.com/stratabackup/strata/internal/testutil/layers"
)

// TestBrowserRetention sets a collection's policy in its form, previews
// expiry, and expires through the confirmation dialog.
func TestBrowserRetention(t *testing.T) {
	env := newTestEnv(t)
	coll := env.localCollection(t)
	now := time.Now()
	old := layers.Commit(t, coll, "shop", now.Add(-90*retention.Day), "", time.Time{})
	layers.Commit(t, coll, "shop", now.Add(-89*retention.Day), old, now.Add(-90*retention.Day))
	layers.Commit(t, coll, "shop", now.Add(-40*retention.Day), "", time.Time{})
	layers.Commit(t, coll, "shop", now.Add(-time.Hour), "", time.Time{})

	b := browser.New(t)
	browserLogin(t, env, b)
	p := browser.Open(t, b, env.http.URL+"/collections/local")
	p.MustElementR("#retention summary", "Change the collection's policy").MustClick()
	p.MustElement(`input[name=keep_days]`).MustSelectAllText().MustInput("30")
	p.MustElement(`input[name=keep_count]`).MustSelectAllText().MustInput("2")
	submit(p, `form[action="/collections/local/retention"]`)
	p.MustElementR(".flash-ok", "Retention policy of local saved")
	p.MustElementR("#retention li", "keep backups for 30 days, and at least the newest 2 of each database")
	browser.Screenshot(t, p, "policy")

	p.MustElementR("#retention a", "Preview expiry").MustClick()
	p.MustElementR("h1", "Expiry of local")
	p.MustElementR("td", "every backup of the chain is older than 30 days and not among the newest 2")
	browser.Screenshot(t, p, "preview")
	p.MustElementR("button", "Expire now").MustClick()
	p.MustElement("#confirm-dialog[open]")
	browser.Screenshot(t, p, "confirm")
	wait := p.MustWaitNavigation()
	p.MustElementR("#confirm-dialog button", "Confirm").MustClick()
	wait()
	p.MustElementR(".flash-ok", "Expiry removed 1 backup chain")
	browser.Screenshot(t, p, "expired")
	if got := layers.Listed(t, coll); got[old] || len(got) != 2 {
		t.Errorf("listed after expiry: %v", got)
	}
}
