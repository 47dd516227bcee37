package operations

import (
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

// RestoreWindows returns, for each database of clusterName backed up into
// the collections named, its newest restorable window, by database.
func (s *Service) RestoreWindows(ctx context.Context, clusterName string, collections []string) ([]DatabaseWindow, error) {
	var out []DatabaseWindow
	for _, name := range collections {
		coll, err := s.OpenCollection(ctx, name)
		if err != nil {
			return nil, err
		}
		sums, err := coll.Backups(ctx)
		if err != nil {
			return nil, err
		}
		newest := map[string]collection.Window{}
		for _, full := range sums {
			if full.Kind != collection.KindFull || full.Cluster != clusterName {
				continue
			}
			ws := collection.Windows(collection.ChainLayers(sums, full.Chain))
			if last := ws[len(ws)-1]; last.To.After(newest[full.Database].To) {
				newest[full.Database] = last
			}
		}
		for db, w := range newest {
			out = append(out, DatabaseWindow{Collection: name, Database: db, Window: w})
		}
	}
	slices.SortFunc(out, func(a, b DatabaseWindow) int {
		if a.Database != b.Database {
			if a.Database < b.Database {
				return -1
			}
			return 1
		}
		return b.To.Compare(a.To)
	})
	return out, nil
}

// Span is how long a window reaches back.
func (w DatabaseWindow) Span() time.Duration { return w.To.Sub(w.From) }
