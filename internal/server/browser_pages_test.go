package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/app/collections"
	"github.com/stratabackup/strata/internal/testutil/browser"
	"github.com/stratabackup/strata/internal/testutil/layers"
)

// TestBrowserCollectionPages: a collection's page shows its newest chains
// a page at a time; "Older chains" leads to the rest, each chain once,
// and back to the newest; a cursor no page gave says so.
func TestBrowserCollectionPages(t *testing.T) {
	env := newTestEnv(t)
	coll := env.localCollection(t)
	now := time.Now()
	extra := 3
	for i := range collections.ChainsPerPage + extra {
		layers.Commit(t, coll, fmt.Sprintf("db%02d", i), now.Add(-time.Duration(i+1)*time.Hour), "", time.Time{})
	}
	b := browser.New(t)
	browserLogin(t, env, b)
	p := browser.Open(t, b, env.http.URL+"/collections/local")
	if n := len(p.MustElements("tbody.chain")); n != collections.ChainsPerPage {
		t.Fatalf("first page: %d chains, want %d", n, collections.ChainsPerPage)
	}
	p.MustElementR("tbody.chain strong", "^db00$") // the newest first
	if has, _, _ := p.Has(`nav.pager a:not([rel])`); has {
		t.Error("the newest page links to the newest")
	}
	browser.Screenshot(t, p, "collection-page-1")
	wait := p.MustWaitNavigation()
	p.MustElementR("nav.pager a", "Older chains").MustClick()
	wait()
	if n := len(p.MustElements("tbody.chain")); n != extra {
		t.Fatalf("second page: %d chains, want %d", n, extra)
	}
	p.MustElementR("tbody.chain strong", fmt.Sprintf("^db%02d$", collections.ChainsPerPage))
	if has, _, _ := p.Has(`nav.pager a[rel=next]`); has {
		t.Error("the last page offers older chains")
	}
	browser.Screenshot(t, p, "collection-page-2")
	wait = p.MustWaitNavigation()
	p.MustElementR("nav.pager a", "Newest").MustClick()
	wait()
	p.MustElementR("tbody.chain strong", "^db00$")

	p = browser.Open(t, b, env.http.URL+"/collections/local?cursor=nonsense")
	p.MustElementR(".form-error", "This page of backups does not exist: cursor is not one a listing of backups gave")
}
