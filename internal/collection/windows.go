package collection

import (
	"slices"
	"time"
)

// Window is a span of time a chain can restore to: every moment from From
// to To, or the single moment From when they are equal.
type Window struct{ From, To time.Time }

// Moment tells a single restorable moment from a span.
func (w Window) Moment() bool { return w.From.Equal(w.To) }

// ChainLayers returns the layers of chain among sums, oldest first.
func ChainLayers(sums []Summary, chain string) []Summary {
	var out []Summary
	for _, s := range sums {
		if s.Chain == chain {
			out = append(out, s)
		}
	}
	sortChain(out)
	return out
}

// sortChain orders a chain's layers oldest first, its full backup first.
func sortChain(layers []Summary) {
	slices.SortStableFunc(layers, func(a, b Summary) int {
		if a.Kind != b.Kind { // the full backup first
			if a.Kind == KindFull {
				return -1
			}
			if b.Kind == KindFull {
				return 1
			}
		}
		return a.EndTime.Compare(b.EndTime)
	})
}

// Windows are the moments a chain's layers (full first) can restore, as
// CockroachDB's RESTORE … AS OF SYSTEM TIME sees them: a full backup its
// end; an incremental with revision history every moment after its start up
// to its end, which joins the window of the layer before it; one without,
// only its end.
func Windows(layers []Summary) []Window {
	var ws []Window
	for _, l := range layers {
		n := len(ws)
		switch {
		case l.Kind == KindIncremental && l.RevisionHistory && n > 0 && ws[n-1].To.Equal(l.StartTime):
			ws[n-1].To = l.EndTime
		case l.Kind == KindIncremental && l.RevisionHistory:
			ws = append(ws, Window{From: l.StartTime, To: l.EndTime})
		default:
			ws = append(ws, Window{From: l.EndTime, To: l.EndTime})
		}
	}
	return ws
}

// Databases lists the databases sums hold full backups of, sorted.
func Databases(sums []Summary) []string {
	var dbs []string
	for _, s := range sums {
		if s.Kind == KindFull && !slices.Contains(dbs, s.Database) {
			dbs = append(dbs, s.Database)
		}
	}
	slices.Sort(dbs)
	return dbs
}
