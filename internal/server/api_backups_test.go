package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/testutil/layers"
)

// TestAPIBackupsPages: the backups of a collection come a page at a time,
// newest first: following next_cursor with limit 2 lists every layer once;
// database, from and to filter; a bad limit, cursor or time is a 400 that
// says what to fix.
func TestAPIBackupsPages(t *testing.T) {
	env := newTestEnv(t)
	coll := env.localCollection(t)
	now := time.Now().UTC()
	var want []string // newest first
	for i := 5; i >= 1; i-- {
		db := []string{"shop", "crm"}[i%2]
		want = slices.Insert(want, 0, layers.Commit(t, coll, db, now.Add(-time.Duration(i)*time.Hour), "", time.Time{}))
	}
	key := env.apiKey("reader", auth.RoleAuditor)
	type layer struct {
		Path, Database string
		EndTime        time.Time `json:"end_time"`
	}
	var listed []layer
	page := func(query string) (paths []string, next string) {
		t.Helper()
		body := env.ok(env.apiRequest("GET", "/api/v1/collections/local/backups?"+query, key, ""))
		var out struct {
			Backups    []layer
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		for _, b := range out.Backups {
			paths = append(paths, b.Path)
		}
		listed = out.Backups
		return paths, out.NextCursor
	}

	var got []string
	for q := "limit=2"; ; {
		paths, next := page(q)
		if len(paths) > 2 {
			t.Fatalf("%s: %d layers", q, len(paths))
		}
		got = append(got, paths...)
		if next == "" {
			break
		}
		q = "limit=2&cursor=" + url.QueryEscape(next)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged: %v, want %v", got, want)
	}
	if all, next := page(""); !slices.Equal(all, want) || next != "" {
		t.Errorf("one page by default: %v, next %q", all, next)
	}
	all := listed
	since := all[2].EndTime
	var recentShop []string
	for _, l := range all {
		if l.Database == "shop" && !l.EndTime.Before(since) {
			recentShop = append(recentShop, l.Path)
		}
	}
	if shop, _ := page("database=shop&from=" + url.QueryEscape(since.Format(time.RFC3339Nano))); len(recentShop) == 0 || !slices.Equal(shop, recentShop) {
		t.Errorf("shop since %s: %v, want %v", since, shop, recentShop)
	}
	for query, msg := range map[string]string{
		"limit=0":         "limit must be a whole number from 1 to 1000",
		"limit=many":      "limit must be a whole number from 1 to 1000",
		"cursor=nonsense": "cursor is not one a listing of backups gave",
		"to=yesterday":    "is not an RFC 3339 time",
	} {
		resp, body := env.apiRequest("GET", "/api/v1/collections/local/backups?"+query, key, "")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, msg) {
			t.Errorf("%s: %d %s", query, resp.StatusCode, body)
		}
	}
}
