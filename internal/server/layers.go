package server

import (
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/usererror"
	"github.com/stratabackup/strata/web/templates"
)

// chainsOf groups a collection's layers (newest first, as Backups lists
// them) into chains: each full backup with its incrementals, oldest first,
// and the moments the chain can restore. Chains come newest first, by their
// last layer; incrementals whose full backup is not listed form a chain of
// their own that cannot be restored.
func chainsOf(sums []collection.Summary) []templates.Chain {
	var order []string
	byChain := map[string][]collection.Summary{}
	for _, s := range sums {
		if _, ok := byChain[s.Chain]; !ok {
			order = append(order, s.Chain)
		}
		byChain[s.Chain] = append(byChain[s.Chain], s)
	}
	out := make([]templates.Chain, 0, len(order))
	for _, key := range order {
		layers := byChain[key]
		slices.SortStableFunc(layers, func(a, b collection.Summary) int {
			if a.Kind != b.Kind { // the full backup first
				return strings.Compare(string(a.Kind), string(b.Kind))
			}
			return a.EndTime.Compare(b.EndTime)
		})
		ch := templates.Chain{Layers: layers}
		if layers[0].Kind == collection.KindFull {
			ch.Windows = restoreWindows(layers)
		}
		out = append(out, ch)
	}
	return out
}

// restoreWindows are the moments a chain's layers (full first) can restore,
// as CockroachDB's RESTORE … AS OF SYSTEM TIME sees them: a full backup its
// end; an incremental with revision history every moment after its start up
// to its end, which joins the window of the layer before it; one without,
// only its end.
func restoreWindows(layers []collection.Summary) []templates.RestoreWindow {
	var ws []templates.RestoreWindow
	for _, l := range layers {
		n := len(ws)
		switch {
		case l.Kind == collection.KindIncremental && l.RevisionHistory && n > 0 && ws[n-1].To.Equal(l.StartTime):
			ws[n-1].To = l.EndTime
		case l.Kind == collection.KindIncremental && l.RevisionHistory:
			ws = append(ws, templates.RestoreWindow{From: l.StartTime, To: l.EndTime})
		default:
			ws = append(ws, templates.RestoreWindow{From: l.EndTime, To: l.EndTime})
		}
	}
	return ws
}

// databasesOf lists the databases a collection holds full backups of, sorted.
func databasesOf(sums []collection.Summary) []string {
	var dbs []string
	for _, s := range sums {
		if s.Kind == collection.KindFull && !slices.Contains(dbs, s.Database) {
			dbs = append(dbs, s.Database)
		}
	}
	slices.Sort(dbs)
	return dbs
}

// ofDatabase keeps the layers of one database.
func ofDatabase(sums []collection.Summary, db string) []collection.Summary {
	var out []collection.Summary
	for _, s := range sums {
		if s.Database == db {
			out = append(out, s)
		}
	}
	return out
}

// pickerLayouts are the forms a time may be typed in: what a datetime-local
// input sends (to the minute, second or millisecond), with a space or a T.
var pickerLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04"}

// parseUTC reads a time from the restore form: RFC 3339 with its zone, or a
// date and time without one, which is UTC (the form labels it so).
func parseUTC(v string) (time.Time, error) {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "UTC"))
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range pickerLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usererror.Errorf("%q is not a date and time: write it like 2026-11-23T14:05:00.000 (UTC)", v)
}

// snapToLayerEnd makes a time given to the millisecond (all a date-time
// picker can send) mean the end of a layer that falls within that
// millisecond: layer ends are the moments a layer without revision
// history can restore, and they are kept to the microsecond.
func snapToLayerEnd(t time.Time, sums []collection.Summary) time.Time {
	if t.Truncate(time.Millisecond) != t {
		return t // more precise than a picker: meant exactly
	}
	for _, s := range sums {
		if s.EndTime.Truncate(time.Millisecond).Equal(t) {
			return s.EndTime.UTC()
		}
	}
	return t
}
