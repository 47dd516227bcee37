package engine

// Choosing the layers a restore reads, as CockroachDB's RESTORE does: the
// chain's full backup, then each incremental in order up to the one that
// covers the target time, checked to follow one another exactly.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/collection"
)

// layerSet is what a restore reads: layers[0] is the full backup, the last
// is the layer whose end (or, with AsOf inside it, whose changes up to
// AsOf) the restore reproduces.
type layerSet struct {
	layers []*collection.Manifest
	asOf   time.Time // zero: the last layer's end
}

func (s *layerSet) last() *collection.Manifest { return s.layers[len(s.layers)-1] }

// cutoff is the commit time after which the last layer's changes are left
// out, or zero for none.
func (s *layerSet) cutoff() time.Time {
	if s.asOf.IsZero() || s.asOf.Equal(s.last().EndTime) {
		return time.Time{}
	}
	return s.asOf
}

// resolveLayers picks the layers for spec ("LATEST" or a layer path) or,
// when asOf is set, for that moment.
func resolveLayers(ctx context.Context, src restoreSource, spec, database string, asOf time.Time) (*layerSet, error) {
	sums, err := src.Backups(ctx)
	if err != nil {
		return nil, storageError(err)
	}
	if !asOf.IsZero() {
		return layersAsOf(ctx, src, sums, database, asOf)
	}
	m, err := src.Resolve(ctx, spec, database)
	if err != nil {
		return nil, err
	}
	end := m.Path
	if strings.EqualFold(strings.TrimSpace(spec), "LATEST") {
		end = lastLayer(sums, m.Chain).Path
	}
	return loadChain(ctx, src, sums, m.Chain, end, time.Time{})
}

func lastLayer(sums []collection.Summary, chain string) collection.Summary {
	l := collection.ChainLayers(sums, chain)
	return l[len(l)-1]
}

// loadChain reads the manifests of chain's layers up to the one at end and
// checks that each begins where the previous ended.
func loadChain(ctx context.Context, src restoreSource, sums []collection.Summary, chain, end string, asOf time.Time) (*layerSet, error) {
	set := &layerSet{asOf: asOf}
	for _, s := range collection.ChainLayers(sums, chain) {
		m, err := src.Manifest(ctx, s.Path)
		if err != nil {
			return nil, err
		}
		if n := len(set.layers); n > 0 {
			prev := set.layers[n-1]
			if m.Parent != prev.Path || m.StartLSN != prev.EndLSN {
				return nil, userErrorf(nil, "the backup chain %s is broken: layer %s starts at %s (LSN %s), but the layer before it, %s, ends at %s (LSN %s); restore to %s or earlier",
					chain, m.Path, utc(m.StartTime), m.StartLSN, prev.Path, utc(prev.EndTime), prev.EndLSN, utc(prev.EndTime))
			}
		}
		set.layers = append(set.layers, m)
		if s.Path == end {
			return set, nil
		}
	}
	return nil, userErrorf(nil, "backup %s is not in chain %s", end, chain)
}

// layersAsOf finds the newest chain of database that covers asOf.
func layersAsOf(ctx context.Context, src restoreSource, sums []collection.Summary, database string, asOf time.Time) (*layerSet, error) {
	var windows []string
	var noRevision *collection.Summary
	for _, full := range sums { // newest first
		if full.Kind != collection.KindFull || (database != "" && full.Database != database) {
			continue
		}
		layers := collection.ChainLayers(sums, full.Path)
		var chain []string // oldest first, and older chains before this one
		for _, w := range collection.Windows(layers) {
			if w.Moment() {
				chain = append(chain, utc(w.From))
			} else {
				chain = append(chain, "from "+utc(w.From)+" to "+utc(w.To))
			}
		}
		windows = append(chain, windows...)
		for _, l := range layers {
			covers := asOf.Equal(l.EndTime) || l.Kind == collection.KindIncremental && asOf.After(l.StartTime) && asOf.Before(l.EndTime)
			if !covers || full.EndTime.After(asOf) {
				continue
			}
			if !asOf.Equal(l.EndTime) && !l.RevisionHistory {
				if noRevision == nil {
					noRevision = &l
				}
				continue
			}
			return loadChain(ctx, src, sums, full.Path, l.Path, asOf)
		}
	}
	if noRevision != nil {
		return nil, userErrorf(nil, "%s falls inside incremental backup %s (%s to %s), which was taken without revision history: restore to its end, %s, or to its start, %s",
			utc(asOf), noRevision.Path, utc(noRevision.StartTime), utc(noRevision.EndTime), utc(noRevision.EndTime), utc(noRevision.StartTime))
	}
	if len(windows) == 0 {
		return nil, userErrorf(nil, "no backup of database %s in this collection", database)
	}
	return nil, userErrorf(nil, "no backup covers %s; the times that can be restored are: %s", utc(asOf), strings.Join(windows, "; "))
}

func utc(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000 UTC") }

// tableSource is where a table's rows come from: the data files of its
// base layer (the full backup, or the newest layer that copied it whole),
// then the changes of every later layer.
type tableSource struct {
	table   *collection.Table // as of the restored layer's end: its columns
	base    *collection.Manifest
	files   *collection.Table // the base layer's entry
	changes []layerChanges
	// added are columns added during the last layer when the restore stops
	// inside it: whether they existed at that moment is decided from the
	// change stream (see replayTable).
	added []string
}

type layerChanges struct {
	layer *collection.Manifest
	table *collection.Table
}

// sources maps each table of the last layer to its sources, checking that
// no change between layers is one the restore cannot replay.
func (s *layerSet) sources() (map[uint32]*tableSource, error) {
	out := map[uint32]*tableSource{}
	last := s.last()
	cut := s.cutoff()
	for i := range last.Tables {
		t := &last.Tables[i]
		ts := &tableSource{table: t}
		for _, m := range s.layers {
			mt := findTable(m, t.OID)
			if mt == nil {
				ts.base, ts.files, ts.changes = nil, nil, nil // dropped in between: whatever follows recreates it
				continue
			}
			if m.Kind == collection.KindFull || mt.Whole {
				if mt.Whole && m == last && !cut.IsZero() {
					return nil, userErrorf(nil, "table %s is copied whole at the end of layer %s (%s), not change by change (it has no replica identity, or it is new in that layer), so it cannot be restored to %s: restore to %s, or to %s, or leave the table out",
						t.QualifiedName(), m.Path, utc(m.EndTime), utc(cut), utc(m.StartTime), utc(m.EndTime))
				}
				ts.base, ts.files, ts.changes = m, mt, nil
				continue
			}
			if ts.base == nil {
				return nil, userErrorf(nil, "table %s appears in layer %s without a copy of its rows: the chain is inconsistent", t.QualifiedName(), m.Path)
			}
			if len(mt.Changes) > 0 {
				ts.changes = append(ts.changes, layerChanges{m, mt})
			}
		}
		if ts.base == nil {
			return nil, userErrorf(nil, "table %s has no copy of its rows in the chain", t.QualifiedName())
		}
		if err := checkColumns(s, t); err != nil {
			return nil, err
		}
		if !cut.IsZero() && len(s.layers) > 1 {
			if ts.added = addedColumns(findTable(s.layers[len(s.layers)-2], t.OID), t); len(ts.added) > 0 && len(t.Changes) == 0 {
				return nil, columnAddedError(t, ts.added, cut, s.layers[len(s.layers)-2].EndTime, last.EndTime)
			}
		}
		out[t.OID] = ts
	}
	return out, nil
}

// checkColumns refuses a column change the restore cannot replay: a column
// dropped, renamed or retyped between layers. Added columns are fine: rows
// copied before they existed get the column's default, as they did on the
// source.
func checkColumns(s *layerSet, t *collection.Table) error {
	var prev *collection.Table
	var prevLayer *collection.Manifest
	for _, m := range s.layers {
		mt := findTable(m, t.OID)
		if mt == nil {
			prev = nil
			continue
		}
		if prev != nil {
			for i, c := range prev.Columns {
				j := slices.Index(mt.Columns, c)
				if j < 0 || i < len(prev.Types) && j < len(mt.Types) && prev.Types[i] != mt.Types[j] {
					what := "dropped or renamed"
					if j >= 0 {
						what = fmt.Sprintf("changed type from %s to %s", prev.Types[i], mt.Types[j])
					}
					return userErrorf(nil, "column %s of table %s was %s between %s and %s; Strata cannot replay that change: restore to %s or earlier, or restore from a full backup taken after it",
						c, t.QualifiedName(), what, utc(prevLayer.EndTime), utc(m.EndTime), utc(prevLayer.EndTime))
				}
			}
		}
		prev, prevLayer = mt, m
	}
	return nil
}

// droppedInside refuses a restore of a whole database to a moment inside
// its last layer when a table was dropped during that layer: the moment may
// be before the drop, and the table's changes in the layer were not kept.
func (s *layerSet) droppedInside() error {
	cut := s.cutoff()
	if cut.IsZero() || len(s.layers) < 2 {
		return nil
	}
	prev, last := s.layers[len(s.layers)-2], s.last()
	for i := range prev.Tables {
		t := &prev.Tables[i]
		if findTable(last, t.OID) == nil {
			return userErrorf(nil, "table %s was dropped between %s and %s, and Strata cannot tell whether it existed at %s: restore to %s or earlier, or restore chosen tables",
				t.QualifiedName(), utc(prev.EndTime), utc(last.EndTime), utc(cut), utc(prev.EndTime))
		}
	}
	return nil
}

// addedColumns lists the columns of t that prev (the same table a layer
// earlier) did not have.
func addedColumns(prev, t *collection.Table) []string {
	if prev == nil {
		return nil
	}
	var out []string
	for _, c := range t.Columns {
		if !slices.Contains(prev.Columns, c) {
			out = append(out, c)
		}
	}
	return out
}

// columnAddedError: the restore's moment falls between the last change
// seen without the added columns and the first seen with them, so it
// cannot tell whether they existed then.
func columnAddedError(t *collection.Table, added []string, at, from, to time.Time) error {
	return userErrorf(nil, "column %s of table %s was added between %s and %s, and Strata cannot tell whether it existed at %s (logical decoding does not carry DDL): restore to a moment outside that span",
		strings.Join(added, ", "), t.QualifiedName(), utc(from), utc(to), utc(at))
}

func findTable(m *collection.Manifest, oid uint32) *collection.Table {
	for i := range m.Tables {
		if m.Tables[i].OID == oid {
			return &m.Tables[i]
		}
	}
	return nil
}

// ResolveRestorePoint checks that c can restore database as backup spec
// ("LATEST" or a layer path) or, with asOf set, as of that moment, and
// returns the last layer the restore reads (pinning LATEST to what it
// means now) and that layer's manifest.
func ResolveRestorePoint(ctx context.Context, c *collection.Collection, spec, database string, asOf time.Time) (*collection.Manifest, error) {
	set, err := resolveLayers(ctx, c, spec, database, asOf)
	if err != nil {
		return nil, err
	}
	if _, err := set.sources(); err != nil {
		return nil, err
	}
	return set.last(), nil
}
