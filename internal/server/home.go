package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/app/status"
	"github.com/stratabackup/strata/web/templates"
)

func (s *Server) home(c echo.Context) error {
	now := time.Now().UTC()
	h, err := s.app.Status.Home(c.Request().Context(), now)
	if err != nil {
		return err
	}
	v := templates.HomeView{Users: h.Users, APIKeys: h.APIKeys, Recent: h.Recent, Jobs: h.Jobs, Attention: h.Attention,
		Chain: s.auditChain.Status(), Now: now}
	for _, cl := range h.Clusters {
		v.Clusters = append(v.Clusters, s.clusterStatus(cl))
	}
	return render(c, http.StatusOK, templates.HomePage(s.pageFor(c, "Home", "home"), v))
}

// standings are each standing's word and badge class.
var standings = map[status.Standing][2]string{
	status.Failing:          {"failing", "status-failed"},
	status.Overdue:          {"overdue", "status-failed"},
	status.NoBackupYet:      {"no backup yet", "status-paused"},
	status.NoActiveSchedule: {"no active schedule", "status-paused"},
	status.OK:               {"ok", "status-succeeded"},
}

// clusterStatus is a cluster's line on the home page.
func (s *Server) clusterStatus(cl status.Cluster) templates.ClusterStatus {
	st := standings[cl.Standing()]
	v := templates.ClusterStatus{Cluster: cl, State: st[0], StateClass: st[1], Attention: cl.NeedsAttention()}
	if cl.WindowErr != nil {
		v.WindowError = s.messageFor(cl.WindowErr, "reading restore windows for the home page", "collection", cl.WindowCollection)
	}
	return v
}
