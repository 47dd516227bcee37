package templates

import (
	"errors"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/collection"
)

// at is a moment of 2026-03-14, in UTC.
func at(hour, min, sec, milli int) time.Time {
	return time.Date(2026, 3, 14, hour, min, sec, milli*int(time.Millisecond), time.UTC)
}

func fullLayer(path string, end time.Time) collection.Summary {
	return collection.Summary{Kind: collection.KindFull, Path: path, Chain: path, Database: "shop", EndTime: end}
}

func incLayer(path, chain string, start, end time.Time) collection.Summary {
	return collection.Summary{Kind: collection.KindIncremental, Path: path, Chain: chain, Database: "shop", StartTime: start, EndTime: end}
}

func moment(t time.Time) RestoreWindow { return RestoreWindow{From: t, To: t} }

func TestChain(t *testing.T) {
	full := fullLayer("f1", at(8, 0, 0, 0))
	inc1 := incLayer("i1", "f1", at(8, 0, 0, 0), at(8, 30, 0, 0))
	inc2 := incLayer("i2", "f1", at(8, 30, 0, 0), at(9, 0, 0, 0))
	orphan := incLayer("i3", "gone", at(7, 0, 0, 0), at(7, 30, 0, 0))

	for _, tc := range []struct {
		name            string
		ch              Chain
		full, last      string
		missingFull     bool
		revisionHistory bool
		increments      int
		windowsText     string
	}{
		{
			name: "full only", ch: Chain{Layers: []collection.Summary{full}, Windows: []RestoreWindow{moment(full.EndTime)}},
			full: "f1", last: "f1", increments: 0,
			windowsText: "at 2026-03-14 08:00:00.000 UTC",
		},
		{
			name: "incrementals without revision history",
			ch:   Chain{Layers: []collection.Summary{full, inc1, inc2}, Windows: []RestoreWindow{moment(full.EndTime), moment(inc1.EndTime), moment(inc2.EndTime)}},
			full: "f1", last: "i2", increments: 2,
			windowsText: "at 2026-03-14 08:00:00.000 UTC; at 2026-03-14 08:30:00.000 UTC; at 2026-03-14 09:00:00.000 UTC",
		},
		{
			name: "revision history",
			ch:   Chain{Layers: []collection.Summary{full, inc1}, Windows: []RestoreWindow{{From: full.EndTime, To: inc1.EndTime}}},
			full: "f1", last: "i1", revisionHistory: true, increments: 1,
			windowsText: "any moment from 2026-03-14 08:00:00.000 to 2026-03-14 08:30:00.000 UTC",
		},
		{
			name: "full backup missing", ch: Chain{Layers: []collection.Summary{orphan}},
			full: "i3", last: "i3", missingFull: true, increments: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := tc.ch
			if got := ch.Full().Path; got != tc.full {
				t.Errorf("Full = %q, want %q", got, tc.full)
			}
			if got := ch.Last().Path; got != tc.last {
				t.Errorf("Last = %q, want %q", got, tc.last)
			}
			if got := ch.MissingFull(); got != tc.missingFull {
				t.Errorf("MissingFull = %v, want %v", got, tc.missingFull)
			}
			if got := ch.HasRevisionHistory(); got != tc.revisionHistory {
				t.Errorf("HasRevisionHistory = %v, want %v", got, tc.revisionHistory)
			}
			if got := ch.Increments(); got != tc.increments {
				t.Errorf("Increments = %d, want %d", got, tc.increments)
			}
			if got := ch.windowsText(); got != tc.windowsText {
				t.Errorf("windowsText = %q, want %q", got, tc.windowsText)
			}
		})
	}

	whole := Chain{Layers: []collection.Summary{full, inc1}}
	if got, want := whole.removeConfirm(), "Delete the backup chain of shop from 2026-03-14 08:00:00.000 UTC (the full backup and its incrementals) and drop its replication slot? This cannot be undone."; got != want {
		t.Errorf("removeConfirm = %q, want %q", got, want)
	}

	broken := Chain{Layers: []collection.Summary{orphan}}
	older := Chain{Layers: []collection.Summary{fullLayer("f0", at(6, 0, 0, 0))}}
	got := restorable([]Chain{whole, broken, older})
	if len(got) != 2 || got[0].Full().Path != "f1" || got[1].Full().Path != "f0" {
		t.Errorf("restorable kept %v, want the chains of f1 and f0 in order", got)
	}
	if got := restorable([]Chain{broken}); got != nil {
		t.Errorf("restorable of a broken chain = %v, want none", got)
	}
}

func TestCovers(t *testing.T) {
	nextDay := time.Date(2026, 3, 15, 0, 0, 1, 0, time.UTC)
	cet := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		name string
		l    collection.Summary
		want string
	}{
		{"full", fullLayer("f", at(8, 0, 0, 250)), "at 2026-03-14 08:00:00.250"},
		{"incremental within a day", incLayer("i", "f", at(8, 0, 0, 0), at(8, 30, 0, 5)), "2026-03-14 08:00:00.000 – 08:30:00.005"},
		{"incremental over midnight", incLayer("i", "f", at(23, 59, 0, 0), nextDay), "2026-03-14 23:59:00.000 – 2026-03-15 00:00:01.000"},
		// The same UTC day, though not in the zone the times come in.
		{"incremental in another zone", incLayer("i", "f", at(22, 30, 0, 0).In(cet), at(23, 30, 0, 0).In(cet)), "2026-03-14 22:30:00.000 – 23:30:00.000"},
	} {
		if got := covers(tc.l); got != tc.want {
			t.Errorf("%s: covers = %q, want %q", tc.name, got, tc.want)
		}
	}
	m := &collection.Manifest{Kind: collection.KindIncremental, StartTime: at(8, 0, 0, 0), EndTime: at(9, 0, 0, 0)}
	if got, want := manifestCovers(m), "2026-03-14 08:00:00.000 – 09:00:00.000"; got != want {
		t.Errorf("manifestCovers = %q, want %q", got, want)
	}
}

func TestWindowText(t *testing.T) {
	if got, want := windowText(moment(at(8, 0, 0, 1))), "at 2026-03-14 08:00:00.001 UTC"; got != want {
		t.Errorf("windowText of a moment = %q, want %q", got, want)
	}
	span := RestoreWindow{From: at(8, 0, 0, 0), To: at(9, 0, 0, 0)}
	if got, want := windowText(span), "any moment from 2026-03-14 08:00:00.000 to 2026-03-14 09:00:00.000 UTC"; got != want {
		t.Errorf("windowText of a span = %q, want %q", got, want)
	}
}

func TestCollectionView(t *testing.T) {
	for _, tc := range []struct {
		name           string
		v              CollectionView
		live, orphaned bool
	}{
		{"not managed", CollectionView{}, false, false},
		{"managed", CollectionView{ManagedFor: "prod"}, true, false},
		{"cluster removed", CollectionView{ManagedFor: "prod", KeptUntil: at(8, 0, 0, 0)}, false, true},
	} {
		if got := tc.v.managedLive(); got != tc.live {
			t.Errorf("%s: managedLive = %v, want %v", tc.name, got, tc.live)
		}
		if got := tc.v.managedOrphaned(); got != tc.orphaned {
			t.Errorf("%s: managedOrphaned = %v, want %v", tc.name, got, tc.orphaned)
		}
	}
}

func TestDamagedRemoveConfirm(t *testing.T) {
	d := collection.DamagedEntry{Key: "index/x", Chain: "2026/03/11-080000.12", Err: errors.New("unreadable")}
	want := "Delete the backup chain whose full backup ended at 2026-03-11 08:00:00.120 UTC (the full backup and its incrementals, including those its damaged entry hides) and drop its replication slot? This cannot be undone."
	if got := damagedRemoveConfirm(d); got != want {
		t.Errorf("damagedRemoveConfirm = %q, want %q", got, want)
	}
}

func TestTableFiles(t *testing.T) {
	tb := collection.Table{Files: make([]collection.FileInfo, 2), Changes: make([]collection.FileInfo, 3)}
	if got := tableFiles(tb); got != 5 {
		t.Errorf("tableFiles = %d, want 5", got)
	}
	if got := tableFiles(collection.Table{}); got != 0 {
		t.Errorf("tableFiles of an empty table = %d, want 0", got)
	}
}
