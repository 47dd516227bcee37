package collections

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/stratabackup/strata/internal/collection"
)

// DatabaseWindow is the newest stretch of time a database of a cluster can
// be restored to from one collection: every moment From..To, or only To
// when they are equal (no revision history).
type DatabaseWindow struct {
	Collection, Database string
	collection.Window
}

// Span is how long a window reaches back.
func (w DatabaseWindow) Span() time.Duration { return w.To.Sub(w.From) }

// RestoreWindows reads each collection named once and returns, by cluster,
// the newest restorable window of each database in each collection, by
// database. Collections that cannot be read are in failed, by name, with
// why.
func (s *Service) RestoreWindows(ctx context.Context, collections []string) (byCluster map[string][]DatabaseWindow, failed map[string]error) {
	byCluster, failed = map[string][]DatabaseWindow{}, map[string]error{}
	for _, name := range collections {
		sums, err := s.backupsOf(ctx, name)
		if err != nil {
			failed[name] = err
			continue
		}
		type key struct{ cluster, database string }
		newest := map[key]collection.Window{}
		for _, full := range sums {
			if full.Kind != collection.KindFull {
				continue
			}
			ws := collection.Windows(collection.ChainLayers(sums, full.Chain))
			k := key{full.Cluster, full.Database}
			if last := ws[len(ws)-1]; last.To.After(newest[k].To) {
				newest[k] = last
			}
		}
		for k, w := range newest {
			byCluster[k.cluster] = append(byCluster[k.cluster], DatabaseWindow{Collection: name, Database: k.database, Window: w})
		}
	}
	for _, ws := range byCluster {
		slices.SortFunc(ws, func(a, b DatabaseWindow) int {
			return cmp.Or(cmp.Compare(a.Database, b.Database), b.To.Compare(a.To))
		})
	}
	return byCluster, failed
}

// backupsOf lists the backups of a collection.
func (s *Service) backupsOf(ctx context.Context, name string) ([]collection.Summary, error) {
	coll, err := s.reg.OpenCollection(ctx, name)
	if err != nil {
		return nil, err
	}
	defer coll.Close()
	return coll.Backups(ctx)
}
