package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/operations"
	"github.com/stratabackup/strata/internal/usererror"
	"github.com/stratabackup/strata/web/templates"
)

func (s *Server) backupNew(c echo.Context) error {
	f, err := s.backupForm(c, c.QueryParam("cluster"), c.QueryParam("database"), c.QueryParam("collection"))
	if err != nil {
		return err
	}
	f.Tables = c.QueryParam("tables")
	f.Incremental, f.RevisionHistory = formBool(c.QueryParam("incremental")), formBool(c.QueryParam("revision_history"))
	if c.Request().Header.Get("HX-Request") == "true" {
		return render(c, http.StatusOK, templates.BackupFormFragment(s.pageFor(c, "", ""), f))
	}
	return render(c, http.StatusOK, templates.BackupNewPage(s.pageFor(c, "Back up now", "collections"), f))
}

// backupForm fills the choices of the "Back up now" form, with the chosen
// cluster's databases when it can be reached quickly.
func (s *Server) backupForm(c echo.Context, clusterName, database, coll string) (templates.BackupForm, error) {
	ctx := c.Request().Context()
	f := templates.BackupForm{Cluster: clusterName, Database: database, Collection: coll}
	var err error
	if f.Clusters, err = s.clusterNames(c); err != nil {
		return f, err
	}
	colls, err := s.registry.Collections(ctx)
	if err != nil {
		return f, err
	}
	for _, rc := range colls {
		f.Collections = append(f.Collections, rc.Name)
	}
	if f.Cluster == "" && len(f.Clusters) > 0 {
		f.Cluster = f.Clusters[0]
	}
	for _, d := range s.quickDatabases(ctx, f.Cluster) {
		f.Databases = append(f.Databases, d.Name)
	}
	if f.Database != "" && len(f.Databases) > 0 && !slices.Contains(f.Databases, f.Database) {
		f.Databases = append(f.Databases, f.Database)
	}
	return f, nil
}

// quickDatabases lists a cluster's databases for a form, or nothing when the
// cluster does not answer within a few seconds (the form then asks for the
// name as text instead of making the user wait).
func (s *Server) quickDatabases(ctx context.Context, clusterName string) []cluster.Database {
	cl, err := s.registry.ClusterByName(ctx, clusterName)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, databaseListTimeout)
	defer cancel()
	d, err := s.registry.Driver(ctx, cl.ID)
	if err != nil {
		return nil
	}
	dbs, err := d.Databases(ctx)
	if err != nil {
		s.log.Info("listing databases for the backup form", "cluster", clusterName, "error", err)
		return nil
	}
	return dbs
}

const databaseListTimeout = 3 * time.Second

// backupRequest reads the "Back up now" form. The form hides the tables of
// an incremental (it covers its chain's tables) and the revision history of
// a full backup (only incrementals keep one), so hidden values are dropped.
func backupRequest(c echo.Context) operations.BackupRequest {
	req := operations.BackupRequest{Cluster: c.FormValue("cluster"), Database: c.FormValue("database"),
		Collection: c.FormValue("collection"), Incremental: formBool(c.FormValue("incremental"))}
	if req.Incremental {
		req.RevisionHistory = formBool(c.FormValue("revision_history"))
	} else {
		req.Tables = strings.Split(c.FormValue("tables"), "\n")
	}
	return req
}

// formBool reads a checkbox or a yes/no choice.
func formBool(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

func (s *Server) backupCreate(c echo.Context) error {
	req := backupRequest(c)
	job, err := s.startBackup(c, req)
	if err != nil {
		msg, ok := userMessage(err)
		if !ok {
			return err
		}
		f, ferr := s.backupForm(c, req.Cluster, req.Database, req.Collection)
		if ferr != nil {
			return ferr
		}
		f.Tables, f.Error = c.FormValue("tables"), msg
		f.Incremental, f.RevisionHistory = req.Incremental, formBool(c.FormValue("revision_history"))
		return render(c, http.StatusBadRequest, templates.BackupNewPage(s.pageFor(c, "Back up now", "collections"), f))
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/jobs/%d", job.ID), "ok", "Backup started.")
}

func (s *Server) startBackup(c echo.Context, req operations.BackupRequest) (jobs.Job, error) {
	job, err := s.ops.StartBackup(c.Request().Context(), req, identityOf(c).Name)
	ev := event{Action: "BACKUP_STARTED", TargetType: "job", TargetID: itoaID(job.ID),
		Params: map[string]any{"cluster": req.Cluster, "database": req.Database, "tables": req.Tables, "collection": req.Collection,
			"incremental": req.Incremental, "chain": req.Chain, "revision_history": req.RevisionHistory}}
	s.recordResult(c, ev, err)
	if err == nil {
		s.runner.Wake()
	}
	return job, err
}

func (s *Server) startRestore(c echo.Context, req operations.RestoreRequest) (jobs.Job, error) {
	job, err := s.ops.StartRestore(c.Request().Context(), req, identityOf(c).Name)
	ev := event{Action: "RESTORE_STARTED", TargetType: "job", TargetID: itoaID(job.ID), Params: map[string]any{
		"cluster": req.Cluster, "collection": req.Collection, "backup": req.Backup, "database": req.Database, "tables": req.Tables,
		"new_db_name": req.NewDBName, "into_db": req.IntoDB, "skip_missing_foreign_keys": req.SkipMissingForeignKeys,
		"skip_missing_sequences": req.SkipMissingSequences, "skip_missing_views": req.SkipMissingViews}}
	s.recordResult(c, ev, err)
	if err == nil {
		s.runner.Wake()
	}
	return job, err
}

func itoaID(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprint(id)
}

// restoreWizard shows the step of the restore wizard the query asks for,
// going back a step with a message when an earlier choice is missing or wrong.
func (s *Server) restoreWizard(c echo.Context) error {
	w, err := s.wizardState(c.Request().Context(), c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.RestorePage(s.pageFor(c, "Restore", "collections"), w))
}

func (s *Server) wizardState(ctx context.Context, c echo.Context) (templates.RestoreWizard, error) {
	q := c.QueryParams()
	w := templates.RestoreWizard{
		Step: q.Get("step"), Collection: q.Get("collection"), Backup: q.Get("backup"), Scope: q.Get("scope"),
		Tables: q["tables"], Cluster: q.Get("cluster"), NewDBName: q.Get("new_db_name"), IntoDB: q.Get("into_db"),
		SkipFK: q.Get("skip_missing_foreign_keys") == "true", SkipSeq: q.Get("skip_missing_sequences") == "true",
		SkipViews: q.Get("skip_missing_views") == "true",
	}
	colls, err := s.registry.Collections(ctx)
	if err != nil {
		return w, err
	}
	for _, rc := range colls {
		w.Collections = append(w.Collections, rc.Name)
	}
	if w.Clusters, err = s.clusterNames(c); err != nil {
		return w, err
	}
	if w.Collection == "" && len(w.Collections) > 0 {
		w.Collection = w.Collections[0]
	}
	if w.Step == "" {
		w.Step = "source"
		if w.Backup != "" {
			w.Step = "scope" // arriving from a backup's page
		}
	}
	back := func(step, msg string) (templates.RestoreWizard, error) {
		w.Step, w.Error = step, msg
		return s.fillWizardStep(ctx, w)
	}
	if w.Step != "source" {
		if w.Backup == "" {
			return back("source", "Choose a backup to restore.")
		}
	}
	if slices.Contains([]string{"target", "options", "review"}, w.Step) && w.Scope == "tables" && len(w.Tables) == 0 {
		return back("scope", "Choose at least one table, or restore the whole database.")
	}
	if slices.Contains([]string{"options", "review"}, w.Step) {
		if w.Cluster == "" {
			return back("target", "Choose the target cluster.")
		}
		if w.Scope == "tables" && w.IntoDB == "" {
			return back("target", "Name the existing database to restore the tables into.")
		}
		if w.Scope != "tables" && w.NewDBName == "" {
			return back("target", "Name the new database.")
		}
	}
	return s.fillWizardStep(ctx, w)
}

// fillWizardStep loads what the step shows: the backups of the collection,
// or the chosen backup's manifest.
func (s *Server) fillWizardStep(ctx context.Context, w templates.RestoreWizard) (templates.RestoreWizard, error) {
	if w.Collection == "" {
		w.Step, w.Error = "source", "Add a collection first: there is nothing to restore from."
		return w, nil
	}
	coll, err := s.ops.OpenCollection(ctx, w.Collection)
	if err != nil {
		return wizardError(w, "source", err)
	}
	if w.Step == "source" {
		if w.Backups, err = coll.Backups(ctx); err != nil {
			return wizardError(w, "source", err)
		}
		return w, nil
	}
	if w.Manifest, err = coll.Resolve(ctx, w.Backup, ""); err != nil {
		w.Backups, _ = coll.Backups(ctx)
		return wizardError(w, "source", err)
	}
	if w.NewDBName == "" && w.Scope != "tables" {
		w.NewDBName = w.Manifest.Database + "_restored"
	}
	return w, nil
}

func wizardError(w templates.RestoreWizard, step string, err error) (templates.RestoreWizard, error) {
	msg, ok := userMessage(err)
	if !ok {
		return w, err
	}
	w.Step, w.Error = step, msg
	return w, nil
}

func (s *Server) restoreCreate(c echo.Context) error {
	f := func(k string) string { return c.FormValue(k) }
	form, _ := c.FormParams()
	req := operations.RestoreRequest{
		Cluster: f("cluster"), Collection: f("collection"), Backup: f("backup"), NewDBName: f("new_db_name"), IntoDB: f("into_db"),
		SkipMissingForeignKeys: f("skip_missing_foreign_keys") == "true", SkipMissingSequences: f("skip_missing_sequences") == "true",
		SkipMissingViews: f("skip_missing_views") == "true",
	}
	if f("scope") == "tables" {
		req.Tables = form["tables"]
		req.NewDBName = ""
	} else {
		req.IntoDB = ""
	}
	if f("confirm") != req.Target() {
		return s.restoreRefused(c, req, usererror.New("type the target database's name exactly to confirm the restore"))
	}
	job, err := s.startRestore(c, req)
	if err != nil {
		if _, ok := userMessage(err); ok {
			return s.restoreRefused(c, req, err)
		}
		return err
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/jobs/%d", job.ID), "ok", "Restore started.")
}

// restoreRefused shows the review step again with what to fix.
func (s *Server) restoreRefused(c echo.Context, req operations.RestoreRequest, err error) error {
	w := templates.RestoreWizard{Step: "review", Collection: req.Collection, Backup: req.Backup, Tables: req.Tables,
		Cluster: req.Cluster, NewDBName: req.NewDBName, IntoDB: req.IntoDB, SkipFK: req.SkipMissingForeignKeys,
		SkipSeq: req.SkipMissingSequences, SkipViews: req.SkipMissingViews, Scope: "database"}
	if len(req.Tables) > 0 {
		w.Scope = "tables"
	}
	w, ferr := s.fillWizardStep(c.Request().Context(), w)
	if ferr != nil {
		return ferr
	}
	if w.Error == "" {
		w.Error, _ = userMessage(err)
	}
	return render(c, http.StatusBadRequest, templates.RestorePage(s.pageFor(c, "Restore", "collections"), w))
}
