package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/jobs"
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
	if f.Collections, err = s.collectionNames(c); err != nil {
		return f, err
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
	dbs, err := s.app.Clusters.Databases(ctx, clusterName, databaseListTimeout)
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
func backupRequest(c echo.Context) backups.Request {
	req := backups.Request{Cluster: c.FormValue("cluster"), Database: c.FormValue("database"),
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

func (s *Server) startBackup(c echo.Context, req backups.Request) (jobs.Job, error) {
	job, err := s.app.Backups.Start(c.Request().Context(), req, identityOf(c).Name)
	ev := event{Action: audit.ActionBackupStarted, TargetType: "job", TargetID: itoaID(job.ID),
		Params: map[string]any{"cluster": req.Cluster, "database": req.Database, "tables": req.Tables, "collection": req.Collection,
			"incremental": req.Incremental, "chain": req.Chain, "revision_history": req.RevisionHistory}}
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
