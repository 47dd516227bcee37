package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/app/clusters"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/slothealth"
	"github.com/stratabackup/strata/web/templates"
)

const clusterTestTimeout = 15 * time.Second

func (s *Server) clustersList(c echo.Context) error {
	return s.renderClusters(c, http.StatusOK, templates.ClusterForm{})
}

func (s *Server) renderClusters(c echo.Context, status int, form templates.ClusterForm) error {
	list, err := s.app.Clusters.List(c.Request().Context())
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
	ev := event{Action: audit.ActionClusterAdded, TargetType: "cluster", TargetID: name, Params: map[string]any{"kind": kindText, "connection": redactDSN(dsnText)}}
	cl, err := s.app.Clusters.Add(c.Request().Context(), name, kindText, dsnText, password, actorOf(c, ""), time.Now())
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
	cl, err := s.app.Clusters.Get(c.Request().Context(), c.Param("name"))
	return cl, notFoundIf(err, registry.ErrNotFound)
}

func (s *Server) clusterShow(c echo.Context) error {
	cl, err := s.clusterFromPath(c)
	if err != nil {
		return err
	}
	return s.renderCluster(c, http.StatusOK, cl, "")
}

// renderCluster renders a cluster's page; managedError is a refused change
// of its managed backups.
func (s *Server) renderCluster(c echo.Context, status int, cl registry.Cluster, managedError string) error {
	slots := s.slotsView(c.Request().Context(), cl)
	managed, err := s.managedView(c.Request().Context(), cl.Name)
	if err != nil {
		return err
	}
	managed.Error = managedError
	return render(c, status, templates.ClusterPage(s.pageFor(c, cl.Name, "clusters"), cl, slots, managed))
}

// slotListTimeout keeps a cluster that does not answer from holding up its page.
const slotListTimeout = 3 * time.Second

// slotsView judges the cluster's Strata slots for its page, or says why
// they could not be listed.
func (s *Server) slotsView(ctx context.Context, cl registry.Cluster) templates.SlotsView {
	v := templates.SlotsView{Thresholds: s.slotWAL}
	ctx, cancel := context.WithTimeout(ctx, slotListTimeout)
	defer cancel()
	slots, err := s.app.Clusters.Slots(ctx, cl.Name)
	if err != nil {
		v.Error = s.messageFor(err, "listing replication slots", "cluster", cl.Name)
		return v
	}
	v.Checks = slothealth.AssessAll(slots, s.slotWAL)
	return v
}

// messageFor is err's message for users, or a generic one after logging
// err with what was being done.
func (s *Server) messageFor(err error, doing string, args ...any) string {
	if msg, ok := userMessage(err); ok {
		return msg
	}
	s.log.Error(doing, append(args, "error", err)...)
	return "internal error; see the console log"
}

// clusterTest connects to the cluster and reports what Strata can do with it.
// Read-only, so auditors may run it too.
func (s *Server) clusterTest(c echo.Context) error {
	cl, err := s.clusterFromPath(c)
	if err != nil {
		return err
	}
	report, err := s.app.Clusters.Test(c.Request().Context(), cl, clusterTestTimeout)
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

// clusterRemove drops Strata's replication slots on the cluster and
// forgets it; the flash says what was left on the cluster and how to drop it.
func (s *Server) clusterRemove(c echo.Context) error {
	cl, err := s.clusterFromPath(c)
	if err != nil {
		return err
	}
	r, err := s.app.Clusters.Remove(c.Request().Context(), cl.Name, time.Now())
	ev := event{Action: audit.ActionClusterRemoved, TargetType: "cluster", TargetID: cl.Name, Params: removalParams(r)}
	if err != nil {
		s.recordResult(c, ev, err)
		if msg, ok := userMessage(err); ok {
			return s.redirectWithFlash(c, "/clusters/"+url.PathEscape(cl.Name), "error", "Cluster "+cl.Name+" not removed: "+msg)
		}
		return err
	}
	unreached := ""
	if r.SlotsError != nil {
		unreached = s.messageFor(r.SlotsError, "dropping the replication slots of a removed cluster", "cluster", cl.Name)
	}
	s.record(c, ev, audit.OutcomeOK, removalNote(r, unreached))
	kind, text := removalMessage(cl.Name, r, unreached)
	return s.redirectWithFlash(c, "/clusters", kind, text)
}

// removalParams is what the audit log keeps of a removal's slot cleanup.
func removalParams(r clusters.Removal) map[string]any {
	left := make([]string, 0, len(r.Slots.Left))
	for _, l := range r.Slots.Left {
		left = append(left, l.Name+" (database "+l.Database+")")
	}
	return map[string]any{"replication_slots_dropped": r.Slots.Dropped, "replication_slots_left": left}
}

// removalNote is the audit message of a removal that left slots behind.
func removalNote(r clusters.Removal, unreached string) string {
	switch {
	case unreached != "":
		return "replication slots not dropped: " + unreached
	case len(r.Slots.Left) > 0:
		return fmt.Sprintf("%d replication slot(s) or publication(s) left on the cluster", len(r.Slots.Left))
	}
	return ""
}

// maxLeftInFlash bounds the slots a removal's flash names, so that the
// message fits in its cookie.
const maxLeftInFlash = 5

// removalMessage is the flash after a removal: what happened to the
// cluster's replication slots, and the SQL for those left behind.
// unreached is why the cluster could not be reached, if it could not.
func removalMessage(name string, r clusters.Removal, unreached string) (kind, text string) {
	const stays = " Its backups stay in their collections."
	const why = " A slot left behind makes the server keep WAL until it is dropped."
	find, drop := clusters.ManualSlotCleanup()
	switch {
	case unreached != "":
		return "error", "Cluster " + name + " removed, but Strata could not reach it to drop its replication slots: " + unreached + "." + why +
			" Find them with " + find + "; then, connected to each one's database, run " + drop + stays
	case len(r.Slots.Left) > 0:
		var b strings.Builder
		fmt.Fprintf(&b, "Cluster %s removed, but Strata could not drop everything it made there.", name)
		for i, l := range r.Slots.Left {
			if i == maxLeftInFlash {
				fmt.Fprintf(&b, " And %d more: find them with %s.", len(r.Slots.Left)-i, find)
				break
			}
			fmt.Fprintf(&b, " %s in database %s (%s): connected to %s, run %s", l.Name, l.Database, l.Reason, l.Database, l.DropSQL())
		}
		return "error", b.String() + why + stays
	case len(r.Slots.Dropped) > 0:
		return "ok", fmt.Sprintf("Cluster %s removed, and its replication slots dropped with their publications: %s.%s",
			name, strings.Join(r.Slots.Dropped, ", "), stays)
	}
	return "ok", "Cluster " + name + " removed." + stays
}

func (s *Server) clusterNames(c echo.Context) ([]string, error) {
	list, err := s.app.Clusters.List(c.Request().Context())
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list))
	for _, cl := range list {
		names = append(names, cl.Name)
	}
	return names, nil
}
