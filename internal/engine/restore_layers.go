package engine

// Choosing the layers a restore reads, as CockroachDB's RESTORE does: the
// chain's full backup, then each incremental in order up to the one that
// covers the target time, checked to follow one another exactly.

import (
	"context"
	"errors"
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

	// Set by sources: the tables the moment cannot be restored for, and
	// what a restore of the whole set restores other than as of the moment.
	uncovered []uncoveredTable
	notes     []tableNote
}

// tableNote says how a table is restored other than as of the point.
type tableNote struct {
	table string // qualified name
	text  string
}

// uncoveredTable is a table the last layer copied whole at its end, so a
// restore to a moment inside that layer has no rows of it: it has no
// replica identity (existed: it was in the layer before), or it was
// created during the layer.
type uncoveredTable struct {
	table   *collection.Table
	existed bool
	// captured: the chain's publication carries its changes from this
	// layer's end (it was given a replica identity recently).
	captured bool
}

// checkCovered refuses a restore of the whole database (whole) or of
// tables (qualified names) to a moment the set cannot restore some of them
// to, naming each table, why, and what would fix it.
func (s *layerSet) checkCovered(whole bool, tables []string) error {
	var noIdentity, recent, created []string
	for _, u := range s.uncovered {
		name := u.table.QualifiedName()
		switch {
		case !whole && !slices.Contains(tables, name):
		case !u.existed:
			created = append(created, name)
		case u.captured:
			recent = append(recent, name)
		default:
			noIdentity = append(noIdentity, name)
		}
	}
	if len(noIdentity) == 0 && len(recent) == 0 && len(created) == 0 {
		return nil
	}
	last := s.last()
	var why []string
	if len(noIdentity) > 0 {
		why = append(why, fmt.Sprintf("without a replica identity (their changes are not captured: each incremental holds them copied whole): %s (give them one, a primary key or REPLICA IDENTITY FULL, which the cluster's page offers, and incrementals capture their changes from the next one on)",
			strings.Join(noIdentity, ", ")))
	}
	if len(recent) > 0 {
		why = append(why, fmt.Sprintf("given a replica identity shortly before, so that incremental still copied them whole; their changes are captured from the next one on: %s", strings.Join(recent, ", ")))
	}
	if len(created) > 0 {
		why = append(why, fmt.Sprintf("created during that incremental, which copied them whole at its end: %s", strings.Join(created, ", ")))
	}
	return userErrorf(nil, "%s falls inside the incremental backup from %s to %s, which holds no rows for that moment of these tables: %s. Restore to %s or to %s, or restore the other tables",
		utc(s.asOf), utc(last.StartTime), utc(last.EndTime), strings.Join(why, "; "), utc(last.StartTime), utc(last.EndTime))
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
	sums, damaged, err := collection.Readable(src.Backups(ctx))
	if err != nil {
		return nil, storageError(err)
	}
	latest := strings.EqualFold(strings.TrimSpace(spec), "LATEST")
	if damaged != nil && asOf.IsZero() && !latest {
		// A layer by path: its chain's own damage says more than the gap
		// it leaves in the chain would.
		if m, err := src.Resolve(ctx, spec, database); err == nil {
			if err := damaged.Hides(m.Chain, false); err != nil {
				return nil, err
			}
		}
	}
	set, err := pickLayers(ctx, src, sums, spec, database, asOf)
	if err != nil {
		if d := (*collection.DamagedIndexError)(nil); damaged != nil && !errors.As(err, &d) && userError(err) != nil {
			return nil, userErrorf(err, "%s; the collection may hold more: %s", userError(err).Error(), damaged.Error())
		}
		return nil, err
	}
	// A damaged entry may stand for a layer of the chosen chain, or of a
	// newer chain that LATEST or the moment asked for would have chosen.
	chain := set.layers[0].Chain
	switch {
	case !asOf.IsZero():
		err = damaged.HidesAt(chain, asOf)
	default:
		err = damaged.Hides(chain, latest)
	}
	if err != nil {
		return nil, err
	}
	return set, nil
}

func pickLayers(ctx context.Context, src restoreSource, sums []collection.Summary, spec, database string, asOf time.Time) (*layerSet, error) {
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
//
// At a moment inside the last layer, a table that layer copied whole at its
// end has no rows for that moment. An unlogged table is restored as of the
// layer's start (the newest copy before the moment), or empty when it is
// new in the layer, as PostgreSQL's own point-in-time recovery restores
// unlogged tables empty; the restore says so (notes). Any other such
// table is recorded in uncovered: restoring it is refused (see
// checkCovered), and leaving it out is not.
func (s *layerSet) sources() (map[uint32]*tableSource, error) {
	out := map[uint32]*tableSource{}
	last := s.last()
	cut := s.cutoff()
	s.uncovered, s.notes = nil, nil
	for i := range last.Tables {
		t := &last.Tables[i]
		ts := &tableSource{table: t}
		uncovered := false
		for _, m := range s.layers {
			mt := findTable(m, t.OID)
			if mt == nil {
				ts.base, ts.files, ts.changes = nil, nil, nil // dropped in between: whatever follows recreates it
				continue
			}
			if m.Kind == collection.KindFull || mt.Whole {
				if mt.Whole && m == last && !cut.IsZero() {
					if !mt.Unlogged && !mt.ExtensionConfig {
						s.uncovered = append(s.uncovered, uncoveredTable{table: t, existed: findTable(s.layers[len(s.layers)-2], t.OID) != nil, captured: mt.Captured})
						uncovered = true
						break
					}
					if ts.base == nil {
						empty := *mt
						empty.Files, empty.Rows, empty.RawBytes, empty.StoredBytes = nil, 0, 0, 0
						ts.base, ts.files, ts.changes = m, &empty, nil
						s.notes = append(s.notes, tableNote{t.QualifiedName(), fmt.Sprintf("%s is restored empty: it was created during the incremental that ends at %s, and %s, so its rows at %s are unknown",
							wholeKind(mt), utc(m.EndTime), wholeWhy(mt), utc(cut))})
					} else {
						s.notes = append(s.notes, tableNote{t.QualifiedName(), fmt.Sprintf("%s is restored as it was at %s, the nearest backup before %s: %s, so Strata copies it whole at each backup's end",
							wholeKind(mt), utc(ts.base.EndTime), utc(cut), wholeWhy(mt))})
					}
					continue
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
		if uncovered {
			continue
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

// wholeKind names a table every incremental copies whole by nature (see
// sources), and wholeWhy says why.
func wholeKind(t *collection.Table) string {
	if t.Unlogged {
		return "unlogged table " + t.QualifiedName()
	}
	return "table " + t.QualifiedName() + " (an extension's configuration)"
}

func wholeWhy(t *collection.Table) string {
	if t.Unlogged {
		return "an unlogged table's changes are not in the WAL"
	}
	return "an extension's tables are not in the chain's publication"
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

// RestorePoint is what a restore to a backup or a moment reads.
type RestorePoint struct{ set *layerSet }

// Manifest is the last layer the restore reads: LATEST pinned to what it
// means now.
func (p *RestorePoint) Manifest() *collection.Manifest { return p.set.last() }

// ResolveRestorePoint finds what a restore of database as backup spec
// ("LATEST" or a layer path) or, with asOf set, as of that moment reads,
// and checks what it can before any job starts. Whether the point covers
// the tables to restore is Check's.
func ResolveRestorePoint(ctx context.Context, c *collection.Collection, spec, database string, asOf time.Time) (*RestorePoint, error) {
	set, err := resolveLayers(ctx, c, spec, database, asOf)
	if err != nil {
		return nil, err
	}
	if _, err := set.sources(); err != nil {
		return nil, err
	}
	return &RestorePoint{set: set}, nil
}

// Check refuses a restore of tables ("schema.table" as stored; none: the
// whole database) that the point cannot restore as of its moment.
func (p *RestorePoint) Check(tables []string) error { return p.set.check(len(tables) == 0, tables) }

// check refuses a restore of the whole database (whole) or of tables to a
// moment the set cannot restore them to: tables it holds no rows of for the
// moment, and for a whole database a table dropped inside the layer.
func (s *layerSet) check(whole bool, tables []string) error {
	if err := s.checkCovered(whole, tables); err != nil || !whole {
		return err
	}
	return s.droppedInside()
}

// Uncovered are the tables the point cannot restore as of its moment
// (Check refuses them).
func (p *RestorePoint) Uncovered() []string {
	var out []string
	for _, u := range p.set.uncovered {
		out = append(out, u.table.QualifiedName())
	}
	return out
}

// Warnings say what a restore of tables (none: the whole database) will
// not restore as of the point, or at all; the restore's result repeats
// them.
func (p *RestorePoint) Warnings(tables []string) []string {
	return p.set.warnings(len(tables) == 0, tables)
}

// warnings are what a restore of the whole database (whole) or of tables
// from the set restores other than as of its point, or not at all: the
// notes of sources that concern what is restored, how large objects are
// restored, and the warnings the layers' backups recorded.
func (s *layerSet) warnings(whole bool, tables []string) []string {
	var out []string
	for _, n := range s.notes {
		if whole || slices.Contains(tables, n.table) {
			out = append(out, n.text)
		}
	}
	last, cut := s.last(), s.cutoff()
	switch {
	case last.LargeObjects != nil && !whole:
		out = append(out, fmt.Sprintf("a restore of chosen tables leaves out the backup's %s (large objects belong to the database, not to a table): restore the whole database to get them",
			countWord(last.LargeObjects.Count, "large object", "large objects")))
	case whole && !cut.IsZero() && len(s.layers) > 1:
		before := s.layers[len(s.layers)-2]
		switch {
		case before.LargeObjects != nil:
			out = append(out, fmt.Sprintf("large objects are restored as they were at %s, the nearest backup before %s: logical decoding does not carry them, so Strata copies them whole at each backup's end",
				utc(before.EndTime), utc(cut)))
		case last.LargeObjects != nil:
			out = append(out, fmt.Sprintf("no large objects are restored: the database had none at %s, the nearest backup before %s, and logical decoding does not carry them, so Strata copies them whole at each backup's end",
				utc(before.EndTime), utc(cut)))
		}
	}
	for _, m := range s.layers {
		for _, w := range m.Warnings {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// largeObjectsLayer is the layer whose large objects a whole-database
// restore restores: the last one, or at a moment inside it the one before
// (the newest copy from before the moment). Nil when that layer has none.
func (s *layerSet) largeObjectsLayer() *collection.Manifest {
	m := s.last()
	if !s.cutoff().IsZero() && len(s.layers) > 1 {
		m = s.layers[len(s.layers)-2]
	}
	if m.LargeObjects == nil {
		return nil
	}
	return m
}

func countWord(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
