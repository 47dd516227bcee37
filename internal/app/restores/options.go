package restores

import (
	"context"
	"slices"
	"time"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
)

// Query is what the restore wizard has chosen so far.
type Query struct {
	Collection string
	Database   string    // "" or not in the collection: the chosen layer's, else the newest backup's
	Backup     string    // a layer path; "" for the latest
	AsOf       time.Time // a moment; zero for none
	Tables     []string  // none: the whole database
	// Resolve asks for the restore point; CheckTables, also that Tables
	// can be restored as of it.
	Resolve, CheckTables bool
	// Plan, with Resolve, also plans this restore (its collection, point,
	// database and tables are the query's) against the point resolved, as
	// Service.Plan would, so that starting it reads the backups once.
	Plan *Request
}

// Options is what a collection offers to restore, and, when asked,
// the point a query resolves to, as Start will resolve it.
type Options struct {
	Databases []string
	Database  string
	Layers    []collection.Summary // the database's, newest first
	// Damaged names index entries that could not be used: the layers they
	// list are not offered.
	Damaged *collection.DamagedIndexError

	Manifest  *collection.Manifest // the last layer the restore reads
	AsOf      time.Time            // the moment, snapped to a layer's end within its millisecond
	Uncovered []string             // tables the moment cannot restore
	Warnings  []string             // what the restore will not restore as of the moment, or at all
	// TablesErr says why Tables cannot be restored as of the point.
	TablesErr error
	// Plan is the query's Plan, planned; PlanErr says why it cannot be.
	Plan    Plan
	PlanErr error
}

// Options reads what q's collection offers and, when asked,
// resolves q's restore point. Its errors are for the wizard's first step.
func (s *Service) Options(ctx context.Context, q Query) (Options, error) {
	var o Options
	coll, err := s.reg.OpenCollection(ctx, q.Collection)
	if err != nil {
		return o, err
	}
	defer coll.Close()
	sums, damaged, err := collection.Readable(coll.Backups(ctx))
	if err != nil {
		return o, err
	}
	o.Damaged = damaged
	o.Databases, o.Database = collection.Databases(sums), q.Database
	if !slices.Contains(o.Databases, o.Database) {
		o.Database = ""
		for _, l := range sums { // the chosen layer's database, or the newest backup's
			if l.Path == q.Backup || o.Database == "" {
				o.Database = l.Database
			}
		}
	}
	for _, l := range sums {
		if l.Database == o.Database {
			o.Layers = append(o.Layers, l)
		}
	}
	if !q.Resolve {
		return o, nil
	}
	spec := "LATEST"
	if q.Backup != "" {
		spec = q.Backup
	}
	o.AsOf = q.AsOf
	if !o.AsOf.IsZero() {
		o.AsOf = snapToLayerEnd(o.AsOf, o.Layers)
	}
	point, err := s.engines.RestorePoint(ctx, coll, spec, o.Database, o.AsOf)
	if err != nil {
		return o, err
	}
	o.Manifest, o.Uncovered, o.Warnings = point.Manifest(), point.Uncovered(), point.Warnings(q.Tables)
	if q.CheckTables {
		o.TablesErr = point.Check(q.Tables)
	}
	if q.Plan != nil {
		o.Plan, o.PlanErr = s.planAt(ctx, *q.Plan, q, spec, o, point)
	}
	return o, nil
}

// snapToLayerEnd makes a time given to the millisecond (all a date-time
// picker can send) mean the end of a layer that falls within that
// millisecond: layer ends are the moments a layer without revision
// history can restore, and they are kept to the microsecond.
func snapToLayerEnd(t time.Time, layers []collection.Summary) time.Time {
	if t.Truncate(time.Millisecond) != t {
		return t // more precise than a picker: meant exactly
	}
	for _, l := range layers {
		if l.EndTime.Truncate(time.Millisecond).Equal(t) {
			return l.EndTime.UTC()
		}
	}
	return t
}

// planAt plans req as the query q resolved it, to point.
func (s *Service) planAt(ctx context.Context, req Request, q Query, spec string, o Options, point cluster.RestorePoint) (Plan, error) {
	req.Collection, req.Backup, req.Database, req.Tables, req.AsOfSystemTime = q.Collection, spec, o.Database, q.Tables, ""
	if !o.AsOf.IsZero() {
		req.AsOfSystemTime = o.AsOf.Format(time.RFC3339Nano)
	}
	req, err := s.check(ctx, req)
	if err != nil {
		return Plan{}, err
	}
	return plan(req, point, o.AsOf)
}
