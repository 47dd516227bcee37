package collection

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testutil"
)

// pageLayers are layers of two databases, newest first as Backups lists
// them, two of them ending at the same moment.
func pageLayers() []Summary {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	var sums []Summary
	for i := range 25 {
		db := []string{"shop", "crm"}[i%2]
		end := t0.Add(-time.Duration(i/2) * time.Hour) // pairs end together
		sums = append(sums, Summary{Path: fmt.Sprintf("2026/12/07-%02d.%s", 99-i, db), Database: db, EndTime: end})
	}
	slices.SortStableFunc(sums, func(a, b Summary) int {
		if newer(a, b) {
			return -1
		}
		return 1
	})
	return sums
}

// TestPage: walking every page, at any size and with any filter, gives
// each selected layer once, in order; a layer removed between pages
// does not break the walk; a bad limit or cursor is refused for users.
func TestPage(t *testing.T) {
	sums := pageLayers()
	t0 := sums[0].EndTime
	for _, filter := range []PageQuery{{}, {Database: "shop"}, {From: t0.Add(-5 * time.Hour)}, {To: t0.Add(-3 * time.Hour), Database: "crm"}} {
		var want []string
		for _, s := range sums {
			if (filter.Database == "" || s.Database == filter.Database) && (filter.From.IsZero() || !s.EndTime.Before(filter.From)) && (filter.To.IsZero() || !s.EndTime.After(filter.To)) {
				want = append(want, s.Path)
			}
		}
		for _, limit := range []int{1, 2, 3, 7, 100} {
			q := filter // each walk starts at the newest
			q.Limit = limit
			var got []string
			for pages := 0; ; pages++ {
				page, next, err := Page(sums, q)
				if err != nil || len(page) > limit || pages > len(sums) {
					t.Fatalf("%+v: page %d: %d layers, %v", q, pages, len(page), err)
				}
				for _, s := range page {
					got = append(got, s.Path)
				}
				if next == "" {
					break
				}
				q.Cursor = next
			}
			if !slices.Equal(got, want) {
				t.Errorf("%+v:\n got %v\nwant %v", q, got, want)
			}
		}
	}

	first, next, _ := Page(sums, PageQuery{Limit: 3})
	without := slices.DeleteFunc(slices.Clone(sums), func(s Summary) bool { return s.Path == first[2].Path || s.Path == sums[3].Path })
	second, _, err := Page(without, PageQuery{Limit: 3, Cursor: next})
	if err != nil || second[0].Path != sums[4].Path {
		t.Errorf("after removals the next page starts at %v (%v), want %s", second, err, sums[4].Path)
	}

	for _, q := range []PageQuery{{Limit: -1}, {Limit: MaxPageSize + 1}, {Cursor: "x"}, {Cursor: "2026-12-07T12:00:00Z|"}, {Cursor: "yesterday|2026/12/07-99.shop"}} {
		_, _, err := Page(sums, q)
		if err == nil {
			t.Fatalf("%+v taken", q)
		}
		testutil.UserError(t, err, q.Cursor)
	}
}

// FuzzPageCursor: whatever cursor comes back, a page is either refused
// with a message for users or holds only layers after the cursor's place,
// newest first, and a next cursor that continues after its last layer.
func FuzzPageCursor(f *testing.F) {
	f.Add("2026-12-07T10:00:00Z|2026/12/07-95.crm", 3)
	f.Add("2026-12-07T12:00:00.000000001+01:00|a|b", 1)
	f.Add("|", 0)
	sums := pageLayers()
	f.Fuzz(func(t *testing.T, cur string, limit int) {
		page, next, err := Page(sums, PageQuery{Cursor: cur, Limit: limit})
		if err != nil {
			testutil.UserError(t, err, cur)
			return
		}
		after, _ := parseCursor(cur)
		for i, s := range page {
			if cur != "" && !newer(after, s) || i > 0 && !newer(page[i-1], s) {
				t.Fatalf("cursor %q: layer %s out of order", cur, s.Path)
			}
		}
		if next != "" && (len(page) == 0 || next != cursor(page[len(page)-1])) {
			t.Fatalf("cursor %q: next %q after %d layers", cur, next, len(page))
		}
	})
}

// TestChainPage: chains come newest first by their newest layer, each as
// ChainLayers orders it, a page of whole chains at a time, every chain
// once across the pages.
func TestChainPage(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	var sums []Summary
	for c := range 7 { // chain c: a full backup and c incrementals, chains interleaved in time
		full := fmt.Sprintf("2026/12/%02d-full", c)
		sums = append(sums, Summary{Path: full, Chain: full, Kind: KindFull, EndTime: t0.Add(time.Duration(c) * time.Hour)})
		for i := range c {
			sums = append(sums, Summary{Path: fmt.Sprintf("%s-inc%d", full, i), Chain: full, Kind: KindIncremental,
				EndTime: t0.Add(time.Duration(c)*time.Hour + time.Duration(i+1)*17*time.Minute)})
		}
	}
	slices.SortStableFunc(sums, func(a, b Summary) int {
		if newer(a, b) {
			return -1
		}
		return 1
	})
	want := Chains(sums)
	for i, ch := range want {
		if !slices.Equal(ch, ChainLayers(sums, ch[0].Chain)) {
			t.Fatalf("chain %d: %v, want ChainLayers' order", i, ch)
		}
		if i > 0 && !newer(want[i-1][len(want[i-1])-1], ch[len(ch)-1]) { // by their newest layers
			t.Fatalf("chain %d is newer than the one before it", i)
		}
	}
	var got [][]Summary
	for cursor := ""; ; {
		page, next, err := ChainPage(sums, cursor, 3)
		if err != nil || len(page) > 3 {
			t.Fatal(len(page), err)
		}
		got = append(got, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(got) != len(want) {
		t.Fatalf("%d chains over the pages, want %d", len(got), len(want))
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("page chain %d: %v, want %v", i, got[i], want[i])
		}
	}
}
