package server

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/testutil/browser"
	"github.com/stratabackup/strata/internal/testutil/layers"
)

// TestBrowserDamagedIndexEntry: with one chain's index entry damaged, the
// collection page and the API still list the other chain and name the
// damaged entry; removing its chain from the page clears it.
func TestBrowserDamagedIndexEntry(t *testing.T) {
	env := newTestEnv(t)
	coll := env.localCollection(t)
	now := time.Now()
	hurt := layers.Commit(t, coll, "shop", now.Add(-48*time.Hour), "", time.Time{})
	fine := layers.Commit(t, coll, "shop", now.Add(-time.Hour), "", time.Time{})
	key := layers.DamageIndex(t, coll, hurt)

	resp, body := env.apiRequest("GET", "/api/v1/collections/local/backups", env.apiKey("reader", auth.RoleAuditor), "")
	var listed struct {
		Backups []struct{ Path string }
		Damaged []struct{ Key, Chain, Error string }
	}
	if err := json.Unmarshal([]byte(body), &listed); resp.StatusCode != http.StatusOK || err != nil ||
		len(listed.Backups) != 1 || listed.Backups[0].Path != fine ||
		len(listed.Damaged) != 1 || listed.Damaged[0].Key != key || listed.Damaged[0].Chain != hurt || listed.Damaged[0].Error == "" {
		t.Fatalf("API: %d %s", resp.StatusCode, body)
	}

	b := browser.New(t)
	browserLogin(t, env, b)
	p := browser.Open(t, b, env.http.URL+"/collections/local")
	p.MustElementR("#damaged", "Damaged index entries")
	p.MustElementR("li code", key)
	p.MustElementR("table.chains a", "full") // the other chain is still listed
	browser.Screenshot(t, p, "damaged")
	p.MustElementR("li button", "Remove chain").MustClick()
	p.MustElement("#confirm-dialog[open]")
	wait := p.MustWaitNavigation()
	p.MustElementR("#confirm-dialog button", "Confirm").MustClick()
	wait()
	p.MustElementR(".flash-ok", "Removed the chain "+hurt)
	browser.Screenshot(t, p, "repaired")
	if has, _, _ := p.Has("#damaged"); has {
		t.Error("the damaged entry is still shown after its chain was removed")
	}
	if got := layers.Listed(t, coll); len(got) != 1 || !got[fine] {
		t.Errorf("listed after removing the damaged chain: %v", got)
	}
	layers.Intact(t, coll, fine)
}
