package server

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/web/templates"
)

const clusterTestTimeout = 15 * time.Second

func (s *Server) clustersList(c echo.Context) error {
	return s.renderClusters(c, http.StatusOK, templates.ClusterForm{})
}

func (s *Server) renderClusters(c echo.Context, status int, form templates.ClusterForm) error {
	list, err := s.registry.Clusters(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, status, templates.ClustersPage(s.pageFor(c, "Clusters", "clusters"), list, form))
}

func (s *Server) clusterCreate(c echo.Context) error {
	name, kind, dsn := c.FormValue("name"), c.FormValue("kind"), c.FormValue("dsn")
	cl, err := s.addCluster(c, name, kind, dsn, c.FormValue("password"))
	if err != nil {
		if msg, ok := userMessage(err); ok {
			return s.renderClusters(c, http.StatusBadRequest, templates.ClusterForm{Name: name, DSN: redactDSN(dsn), Error: msg})
		}
		return err
	}
	return s.redirectWithFlash(c, "/clusters/"+url.PathEscape(cl.Name), "ok", "Cluster "+cl.Name+" added. Its connection test runs below.")
}

// addCluster registers a cluster (a password typed apart from the
// connection string joins it) and audits it, never with the password.
func (s *Server) addCluster(c echo.Context, name, kindText, dsnText, password string) (registry.Cluster, error) {
	ev := event{Action: "CLUSTER_ADDED", TargetType: "cluster", TargetID: name, Params: map[string]any{"kind": kindText, "connection": redactDSN(dsnText)}}
	cl, err := func() (registry.Cluster, error) {
		kind, err := cluster.ParseKind(kindText)
		if err != nil {
			return registry.Cluster{}, err
		}
		dsn, err := cluster.ParseDSN(dsnText)
		if err != nil {
			return registry.Cluster{}, err
		}
		if password != "" {
			dsn = dsn.WithPassword(password)
		}
		return s.registry.AddCluster(c.Request().Context(), name, kind, dsn.ConnString(), identityOf(c).Name)
	}()
	s.recordResult(c, ev, err)
	return cl, err
}

// redactDSN is what may be shown or audited of a typed connection string.
func redactDSN(text string) string {
	if dsn, err := cluster.ParseDSN(text); err == nil {
		return dsn.Redacted()
	}
	return "(not a valid connection string)"
}

func (s *Server) clusterFromPath(c echo.Context) (registry.Cluster, error) {
	cl, err := s.registry.ClusterByName(c.Request().Context(), c.Param("name"))
	return cl, notFoundIf(err, registry.ErrNotFound)
}

func (s *Server) clusterShow(c echo.Context) error {
	cl, err := s.clusterFromPath(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.ClusterPage(s.pageFor(c, cl.Name, "clusters"), cl))
}

// clusterTest connects to the cluster and reports what Strata can do with it.
// Read-only, so auditors may run it too.
func (s *Server) clusterTest(c echo.Context) error {
	cl, err := s.clusterFromPath(c)
	if err != nil {
		return err
	}
	report, err := s.testCluster(c.Request().Context(), cl)
	p := s.pageFor(c, cl.Name, "clusters")
	if err != nil {
		msg, ok := userMessage(err)
		if !ok {
			return err
		}
		return render(c, http.StatusOK, templates.ClusterTest(p, cl, nil, msg))
	}
	return render(c, http.StatusOK, templates.ClusterTest(p, cl, &report, ""))
}

func (s *Server) testCluster(ctx context.Context, cl registry.Cluster) (cluster.TestReport, error) {
	ctx, cancel := context.WithTimeout(ctx, clusterTestTimeout)
	defer cancel()
	d, err := s.registry.Driver(ctx, cl.ID)
	if err != nil {
		return cluster.TestReport{}, err
	}
	return d.Test(ctx)
}

func (s *Server) clusterRemove(c echo.Context) error {
	cl, err := s.clusterFromPath(c)
	if err != nil {
		return err
	}
	err = s.registry.RemoveCluster(c.Request().Context(), cl.ID)
	s.recordResult(c, event{Action: "CLUSTER_REMOVED", TargetType: "cluster", TargetID: cl.Name}, err)
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/clusters", "ok", "Cluster "+cl.Name+" removed. Its backups stay in their collections.")
}

func (s *Server) clusterNames(c echo.Context) ([]string, error) {
	list, err := s.registry.Clusters(c.Request().Context())
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list))
	for _, cl := range list {
		names = append(names, cl.Name)
	}
	return names, nil
}
