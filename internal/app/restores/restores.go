package restores

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/app/jobrun"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/usererror"
)

// Service starts restores and runs their jobs.
type Service struct {
	reg     *registry.Registry
	jobs    *jobs.Store
	engines cluster.Engines
}

// New returns the service; Register its handler with the job runner.
func New(reg *registry.Registry, js *jobs.Store, engines cluster.Engines) *Service {
	return &Service{reg: reg, jobs: js, engines: engines}
}

// Register adds the restore handler to a job runner.
func (s *Service) Register(r *jobs.Runner) { r.Register(jobs.TypeRestore, handler{s}) }

// Request asks to restore a backup: a whole database under a new name,
// or some tables into an existing database.
type Request struct {
	Cluster                string   `json:"cluster"`
	Collection             string   `json:"collection"`
	Backup                 string   `json:"backup"` // "LATEST" or a backup path
	Database               string   `json:"database"`
	Tables                 []string `json:"tables,omitempty"`
	NewDBName              string   `json:"new_db_name,omitempty"`
	IntoDB                 string   `json:"into_db,omitempty"`
	SkipMissingForeignKeys bool     `json:"skip_missing_foreign_keys,omitempty"`
	SkipMissingSequences   bool     `json:"skip_missing_sequences,omitempty"`
	SkipMissingViews       bool     `json:"skip_missing_views,omitempty"`
	// AsOfSystemTime restores the database as it was at this moment
	// (RFC 3339), within a chain's revision history or at a layer's end.
	AsOfSystemTime string `json:"as_of_system_time,omitempty"`
}

// asOf parses AsOfSystemTime; zero when empty.
func (r Request) asOf() (time.Time, error) {
	if strings.TrimSpace(r.AsOfSystemTime) == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(r.AsOfSystemTime))
	if err != nil {
		return time.Time{}, usererror.Errorf("as_of_system_time %q is not an RFC 3339 time: write it like 2026-11-23T14:05:00Z", r.AsOfSystemTime)
	}
	if err := CheckAsOf(t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// CheckAsOf refuses a moment to restore to that no backup can cover, by
// its year in UTC: before 1990, or after 9999, which RFC 3339 cannot
// write (the restore job would not read it back). Year 1 matters most: it
// is Go's zero time, which means "no moment" (LATEST), so taken as given
// it would restore the newest backup without a word.
func CheckAsOf(t time.Time) error {
	switch t = t.UTC(); {
	case t.Year() < 1990:
		return usererror.Errorf("%s is before any backup could have been taken: give a moment a backup covers, or leave it out for the latest backup", t.Format(time.RFC3339))
	case t.Year() > 9999:
		return usererror.Errorf("%s is after the year 9999: give a moment a backup covers, or leave it out for the latest backup", t.Format(time.RFC3339))
	}
	return nil
}

// Target is the database the restore writes to.
func (r Request) Target() string {
	if len(r.Tables) > 0 {
		return r.IntoDB
	}
	return r.NewDBName
}

// Plan is a restore request checked against the point it restores to,
// with LATEST pinned to the layer it means now: what Start queues.
type Plan struct {
	Request     Request
	Description string
}

// Plan checks req and resolves its restore point.
func (s *Service) Plan(ctx context.Context, req Request) (Plan, error) {
	req, err := s.check(ctx, req)
	if err != nil {
		return Plan{}, err
	}
	coll, err := s.reg.OpenCollection(ctx, req.Collection)
	if err != nil {
		return Plan{}, err
	}
	defer coll.Close()
	asOf, err := req.asOf()
	if err != nil {
		return Plan{}, err
	}
	point, err := s.engines.RestorePoint(ctx, coll, req.Backup, req.Database, asOf)
	if err != nil {
		return Plan{}, err
	}
	return plan(req, point, asOf)
}

// check refuses what is wrong with req before its backup is read.
func (s *Service) check(ctx context.Context, req Request) (Request, error) {
	req.Tables = cluster.CleanTables(req.Tables)
	req.NewDBName, req.IntoDB = strings.TrimSpace(req.NewDBName), strings.TrimSpace(req.IntoDB)
	if req.Backup == "" {
		req.Backup = "LATEST"
	}
	switch {
	case req.Cluster == "":
		return req, usererror.New("choose the cluster to restore to")
	case req.Collection == "":
		return req, usererror.New("choose the collection that holds the backup")
	case len(req.Tables) == 0 && req.IntoDB != "":
		return req, usererror.New("into_db restores chosen tables: name them, or use new_db_name to restore the whole database")
	case len(req.Tables) > 0 && req.IntoDB == "":
		return req, usererror.New("a table restore needs into_db: the existing database to restore the tables into")
	case len(req.Tables) > 0 && req.NewDBName != "":
		return req, usererror.New("new_db_name restores a whole database; for chosen tables use into_db")
	}
	if err := cluster.CheckTarget(req.Database, req.Tables); err != nil {
		return req, err
	}
	if err := cluster.CheckDatabaseName("new_db_name", req.NewDBName); err != nil {
		return req, err
	}
	if err := cluster.CheckDatabaseName("into_db", req.IntoDB); err != nil {
		return req, err
	}
	if _, err := s.reg.ClusterByName(ctx, req.Cluster); errors.Is(err, registry.ErrNotFound) {
		return req, usererror.Errorf("no cluster named %q", req.Cluster)
	} else if err != nil {
		return req, err
	}
	return req, nil
}

// plan checks req against its resolved point and pins it there.
func plan(req Request, point cluster.RestorePoint, asOf time.Time) (Plan, error) {
	if err := point.Check(req.Tables); err != nil {
		return Plan{}, err
	}
	m := point.Manifest()
	req.Backup, req.Database = m.Path, m.Database // pin LATEST to what it means now
	from := m.Path
	if !asOf.IsZero() {
		req.AsOfSystemTime = asOf.Format(time.RFC3339Nano)
		from += " as of " + asOf.Format("2006-01-02 15:04:05.000000 UTC")
	}
	if len(req.Tables) == 0 && req.NewDBName == "" {
		req.NewDBName = m.Database
	}
	what := "database " + m.Database + " as " + req.NewDBName
	if len(req.Tables) > 0 {
		what = fmt.Sprintf("%d table(s) of %s into %s", len(req.Tables), m.Database, req.IntoDB)
	}
	return Plan{Request: req, Description: fmt.Sprintf("Restore of %s from %s/%s", what, req.Collection, from)}, nil
}

// Start queues the job of a plan, made by Plan or Options.
func (s *Service) Start(ctx context.Context, p Plan, actor string) (jobs.Job, error) {
	if p.Request.Cluster == "" || p.Description == "" {
		return jobs.Job{}, errors.New("restores: Start was given a plan nobody made")
	}
	return s.jobs.Create(ctx, jobs.NewJob{
		Type: jobs.TypeRestore, Cluster: p.Request.Cluster, CreatedBy: actor, Payload: p.Request, Description: p.Description,
	})
}

type handler struct{ s *Service }

func (h handler) Run(ctx context.Context, job jobs.Job, ctl *jobs.Control) error {
	var req Request
	if err := json.Unmarshal(job.Payload, &req); err != nil {
		return fmt.Errorf("restore job %d: bad payload: %w", job.ID, err)
	}
	coll, err := h.s.reg.OpenCollection(ctx, req.Collection)
	if err != nil {
		return err
	}
	defer coll.Close()
	driver, err := h.s.reg.Driver(ctx, req.Cluster, h.s.engines)
	if err != nil {
		return err
	}
	asOf, err := req.asOf()
	if err != nil {
		return err
	}
	res, err := driver.Restore(ctx, cluster.RestoreRequest{
		JobID:  strconv.FormatInt(job.ID, 10),
		AsOf:   asOf,
		Backup: req.Backup, Database: req.Database, Tables: req.Tables, NewDBName: req.NewDBName, IntoDB: req.IntoDB,
		SkipMissingForeignKeys: req.SkipMissingForeignKeys, SkipMissingSequences: req.SkipMissingSequences,
		SkipMissingViews: req.SkipMissingViews, Resume: job.Checkpoint,
	}, coll, jobrun.Tracker{Control: ctl})
	if err != nil {
		return jobrun.Outcome(err)
	}
	return ctl.SetResult(res)
}
