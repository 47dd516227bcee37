package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/app/restores"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/web/templates"
)

// startRestore starts the restore planned as p, or says why it could not
// be planned (err), auditing what was asked.
func (s *Server) startRestore(c echo.Context, asked restores.Request, p restores.Plan, err error) (jobs.Job, error) {
	var job jobs.Job
	if err == nil {
		job, err = s.app.Restores.Start(c.Request().Context(), p, identityOf(c).Name)
	}
	ev := event{Action: audit.ActionRestoreStarted, TargetType: "job", TargetID: itoaID(job.ID), Params: map[string]any{
		"cluster": asked.Cluster, "collection": asked.Collection, "backup": asked.Backup, "database": asked.Database, "tables": asked.Tables,
		"new_db_name": asked.NewDBName, "into_db": asked.IntoDB, "skip_missing_foreign_keys": asked.SkipMissingForeignKeys,
		"skip_missing_sequences": asked.SkipMissingSequences, "skip_missing_views": asked.SkipMissingViews,
		"as_of_system_time": asked.AsOfSystemTime}}
	s.recordResult(c, ev, err)
	if err == nil {
		s.runner.Wake()
	}
	return job, err
}

// The restore point the wizard's first step offers.
const (
	pointLatest = "latest" // the newest chain of the database, up to its last layer
	pointLayer  = "layer"  // a chosen layer, with its chain up to it
	pointTime   = "time"   // a moment inside a chain's restorable windows
)

// wizardFrom reads the wizard's choices from its query string or, for the
// final step, its posted form: both carry the same names.
func wizardFrom(q url.Values) templates.RestoreWizard {
	w := templates.RestoreWizard{
		Step: q.Get("step"), Collection: q.Get("collection"), Point: q.Get("point"), Backup: q.Get("backup"),
		Database: q.Get("database"), AsOf: strings.TrimSpace(q.Get("as_of_system_time")), Scope: q.Get("scope"),
		Tables: q["tables"], Cluster: q.Get("cluster"), NewDBName: q.Get("new_db_name"), IntoDB: q.Get("into_db"),
		SkipFK: q.Get("skip_missing_foreign_keys") == "true", SkipSeq: q.Get("skip_missing_sequences") == "true",
		SkipViews: q.Get("skip_missing_views") == "true",
	}
	if w.Point == "" { // a link from a backup's page names the layer; an API-style link, a time
		switch {
		case w.AsOf != "":
			w.Point = pointTime
		case w.Backup != "" && !strings.EqualFold(w.Backup, "LATEST"):
			w.Point = pointLayer
		default:
			w.Point = pointLatest
		}
	}
	if w.Step == "" {
		w.Step = "source"
		if w.Point == pointLayer {
			w.Step = "scope" // arriving from a backup's page
		}
	}
	return w
}

// restoreWizard shows the step of the restore wizard the query asks for,
// going back a step with a message when an earlier choice is missing or wrong.
func (s *Server) restoreWizard(c echo.Context) error {
	w, _, err := s.wizardState(c, wizardFrom(c.QueryParams()), nil)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.RestorePage(s.pageFor(c, "Restore", "collections"), w))
}

// wizardState checks the wizard's choices up to its step and loads what
// the step shows; with plan, the review step also plans that restore
// (Options.Plan).
func (s *Server) wizardState(c echo.Context, w templates.RestoreWizard, plan *restores.Request) (templates.RestoreWizard, restores.Options, error) {
	ctx := c.Request().Context()
	var err error
	if w.Collections, err = s.collectionNames(c); err != nil {
		return w, restores.Options{}, err
	}
	if w.Clusters, err = s.clusterNames(c); err != nil {
		return w, restores.Options{}, err
	}
	if w.Collection == "" && len(w.Collections) > 0 {
		w.Collection = w.Collections[0]
	}
	back := func(step, msg string) (templates.RestoreWizard, restores.Options, error) {
		w.Step, w.Error = step, msg
		return s.fillWizardStep(ctx, w, nil)
	}
	if w.Step != "source" {
		switch {
		case w.Point == pointLayer && w.Backup == "":
			return back("source", "Choose a backup to restore.")
		case w.Point == pointTime && w.AsOf == "":
			return back("source", "Choose the moment to restore to.")
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
	return s.fillWizardStep(ctx, w, plan)
}

// fillWizardStep loads what the step shows: the chains of the collection's
// database, and from the second step on the restore point, resolved and
// checked as the restore will (a time no backup covers goes back to the
// first step, saying which times can be restored).
func (s *Server) fillWizardStep(ctx context.Context, w templates.RestoreWizard, plan *restores.Request) (templates.RestoreWizard, restores.Options, error) {
	if w.Collection == "" {
		w.Step, w.Error = "source", "Add a collection first: there is nothing to restore from."
		return w, restores.Options{}, nil
	}
	q := restores.Query{Collection: w.Collection, Database: w.Database, Resolve: w.Step != "source", CheckTables: w.Step != "source" && w.Step != "scope", Plan: plan}
	var asOfErr error
	switch w.Point {
	case pointLayer:
		q.Backup = w.Backup
	case pointTime:
		if q.Resolve {
			// A moment that does not parse goes back to the first step,
			// with the collection's backups listed.
			q.AsOf, asOfErr = parseUTC(w.AsOf)
			q.Resolve = asOfErr == nil
		}
	}
	if w.Scope == "tables" {
		q.Tables = w.Tables
	}
	o, err := s.app.Restores.Options(ctx, q)
	w.Databases, w.Database, w.Chains = o.Databases, o.Database, chainsOf(o.Layers)
	if o.Damaged != nil && w.Step == "source" {
		// The backups listed can be chosen; a restore that a damaged
		// entry could make leave something out is refused at the next step.
		w.Error = "Some backups of this collection are not listed: " + s.messageFor(o.Damaged, "listing a collection", "collection", w.Collection)
	}
	if err == nil {
		err = asOfErr
	}
	if err != nil {
		w, err = wizardError(w, "source", err)
		return w, o, err
	}
	if !q.Resolve {
		return w, o, nil
	}
	w.Manifest, w.AsOfTime, w.Uncovered, w.Warnings = o.Manifest, o.AsOf, o.Uncovered, o.Warnings
	if o.TablesErr != nil {
		w, err = wizardError(w, "scope", o.TablesErr)
		return w, o, err
	}
	if w.NewDBName == "" && w.Scope != "tables" {
		w.NewDBName = w.Manifest.Database + "_restored"
	}
	return w, o, nil
}

func wizardError(w templates.RestoreWizard, step string, err error) (templates.RestoreWizard, error) {
	msg, ok := userMessage(err)
	if !ok {
		return w, err
	}
	w.Step, w.Error = step, msg
	return w, nil
}

// restoreCreate starts the restore the wizard's review step confirms. The
// choices are checked again as at that step; what is wrong is shown on the
// wizard with every choice kept.
func (s *Server) restoreCreate(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	w := wizardFrom(form)
	w.Step = "review"
	// Planned as the review step resolves the point: the backups are read once.
	plan := restoreRequest(w)
	w, o, err := s.wizardState(c, w, &plan)
	if err != nil {
		return err
	}
	if w.Error != "" {
		return s.renderWizard(c, http.StatusBadRequest, w)
	}
	asked := restoreRequest(w)
	if form.Get("confirm") != asked.Target() {
		w.Error = "Type the target database's name exactly to confirm the restore."
		return s.renderWizard(c, http.StatusBadRequest, w)
	}
	job, err := s.startRestore(c, asked, o.Plan, o.PlanErr)
	if err != nil {
		msg, ok := userMessage(err)
		if !ok {
			return err
		}
		w.Error = msg
		return s.renderWizard(c, http.StatusBadRequest, w)
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/jobs/%d", job.ID), "ok", "Restore started.")
}

func (s *Server) renderWizard(c echo.Context, status int, w templates.RestoreWizard) error {
	return render(c, status, templates.RestorePage(s.pageFor(c, "Restore", "collections"), w))
}

// restoreRequest is the restore a filled wizard asks for: a layer, the
// latest, or a moment in RFC 3339 (UTC, with Z).
func restoreRequest(w templates.RestoreWizard) restores.Request {
	req := restores.Request{
		Cluster: w.Cluster, Collection: w.Collection, Backup: "LATEST", Database: w.Database,
		SkipMissingForeignKeys: w.SkipFK, SkipMissingSequences: w.SkipSeq, SkipMissingViews: w.SkipViews,
	}
	switch w.Point {
	case pointLayer:
		req.Backup = w.Backup
	case pointTime:
		req.AsOfSystemTime = w.AsOfTime.UTC().Format(time.RFC3339Nano)
	}
	if w.Scope == "tables" {
		req.Tables, req.IntoDB = w.Tables, w.IntoDB
	} else {
		req.NewDBName = w.NewDBName
	}
	return req
}
