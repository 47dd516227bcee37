package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/web/templates"
)

// identityListTimeout bounds reading every database's tables for the
// cluster page's "Point-in-time coverage" section, which loads apart from
// the page.
const identityListTimeout = 10 * time.Second

// identitySetTimeout bounds setting REPLICA IDENTITY FULL (the engine waits
// a few seconds at most for each table's lock).
const identitySetTimeout = 30 * time.Second

// clusterIdentity is the cluster page's "Point-in-time coverage" section:
// per database, the tables without a replica identity.
func (s *Server) clusterIdentity(c echo.Context) error {
	cl, err := s.clusterFromPath(c)
	if err != nil {
		return err
	}
	v := s.identityView(c.Request().Context(), cl.Name)
	return render(c, http.StatusOK, templates.IdentitySection(s.pageFor(c, cl.Name, "clusters"), v))
}

// identityView reads the tables without a replica identity of each of the
// cluster's databases, or says why it could not.
func (s *Server) identityView(ctx context.Context, clusterName string) templates.IdentityView {
	v := templates.IdentityView{Cluster: clusterName}
	ctx, cancel := context.WithTimeout(ctx, identityListTimeout)
	defer cancel()
	dbs, err := s.app.Clusters.BackupDatabases(ctx, clusterName)
	if err != nil {
		v.Error = s.messageFor(err, "listing a cluster's databases", "cluster", clusterName)
		return v
	}
	for _, db := range dbs {
		tables, err := s.app.Clusters.TablesWithoutIdentity(ctx, clusterName, db)
		switch {
		case err != nil:
			v.Databases = append(v.Databases, templates.IdentityDatabase{Name: db,
				Error: s.messageFor(err, "listing tables without a replica identity", "cluster", clusterName, "database", db)})
		case len(tables) == 0:
			v.Covered = append(v.Covered, db)
		default:
			v.Databases = append(v.Databases, templates.IdentityDatabase{Name: db, Tables: tables})
		}
	}
	return v
}

// clusterIdentitySet sets REPLICA IDENTITY FULL on the tables an admin
// chose in one database of the cluster.
func (s *Server) clusterIdentitySet(c echo.Context) error {
	cl, err := s.clusterFromPath(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	db, tables := form.Get("database"), form["table"]
	back := "/clusters/" + url.PathEscape(cl.Name) + "#point-in-time-coverage"
	if err := s.setReplicaIdentityFull(c, cl.Name, db, tables); err != nil {
		if msg, ok := userMessage(err); ok {
			return s.redirectWithFlash(c, back, "error", "REPLICA IDENTITY not changed: "+msg)
		}
		return err
	}
	return s.redirectWithFlash(c, back, "ok", identityChanged(db, tables))
}

// setReplicaIdentityFull sets REPLICA IDENTITY FULL on tables of database
// db and audits it, for the page and the API.
func (s *Server) setReplicaIdentityFull(c echo.Context, clusterName, db string, tables []string) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), identitySetTimeout)
	defer cancel()
	err := s.app.Clusters.SetReplicaIdentityFull(ctx, clusterName, db, tables)
	s.recordResult(c, event{Action: audit.ActionReplicaIdentityChanged, TargetType: "cluster", TargetID: clusterName,
		Params: map[string]any{"database": db, "tables": tables, "replica_identity": "full"}}, err)
	return err
}

// maxTablesInFlash bounds the tables the flash names, so that it fits in
// its cookie.
const maxTablesInFlash = 10

// identityChanged is the flash after setting REPLICA IDENTITY FULL.
func identityChanged(db string, tables []string) string {
	names := strings.Join(tables, ", ")
	if len(tables) > maxTablesInFlash {
		names = fmt.Sprintf("%s and %d more", strings.Join(tables[:maxTablesInFlash], ", "), len(tables)-maxTablesInFlash)
	}
	them, their := "them", "their"
	if len(tables) == 1 {
		them, their = "it", "its"
	}
	return fmt.Sprintf("REPLICA IDENTITY FULL set on %s in database %s. The next incremental backup of %s copies %s whole once more; the layers after it capture %s changes.",
		names, db, db, them, their)
}

type apiIdentity struct {
	Cluster  string   `json:"cluster"`
	Database string   `json:"database"`
	Tables   []string `json:"tables"`
}

// apiTablesWithoutIdentity lists the tables of a database without a
// replica identity.
func (s *Server) apiTablesWithoutIdentity(c echo.Context) error {
	cl, err := s.clusterFromPath(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), identityListTimeout)
	defer cancel()
	db := c.Param("db")
	tables, err := s.app.Clusters.TablesWithoutIdentity(ctx, cl.Name, db)
	if err != nil {
		return apiError(err)
	}
	return c.JSON(http.StatusOK, apiIdentity{Cluster: cl.Name, Database: db, Tables: nonNil(tables)})
}

// apiReplicaIdentitySet sets REPLICA IDENTITY FULL on tables of a database.
func (s *Server) apiReplicaIdentitySet(c echo.Context) error {
	cl, err := s.clusterFromPath(c)
	if err != nil {
		return err
	}
	var in struct {
		Tables []string `json:"tables"`
	}
	if err := bindJSON(c, &in, `{"tables":["public.events"]}`); err != nil {
		return err
	}
	db := c.Param("db")
	if err := s.setReplicaIdentityFull(c, cl.Name, db, in.Tables); err != nil {
		return apiError(err)
	}
	return c.JSON(http.StatusOK, apiIdentity{Cluster: cl.Name, Database: db, Tables: nonNil(in.Tables)})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
