package server

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/web/templates"
)

// deliveriesShown is how many of a schedule's newest alerts its page lists.
const deliveriesShown = 50

// alertPages serves a schedule's alerts. Its notifier only queues and
// lists them: the console's alerts loop sends them.
type alertPages struct {
	*Server
	notifier *alerts.Notifier
}

// alertRoutes registers a schedule's alerts fragment and its test alert.
func (s *Server) alertRoutes() {
	a := alertPages{s, s.alerts}
	s.page(http.MethodGet, "/schedules/:id/deliveries", auth.RoleAuditor, a.deliveries)
	s.page(http.MethodPost, "/schedules/:id/webhook/test", auth.RoleAdmin, a.testWebhook)
}

// deliveries renders the fragment listing the schedule's alerts.
func (a alertPages) deliveries(c echo.Context) error {
	return a.renderDeliveries(c, templates.DeliveriesView{})
}

func (a alertPages) renderDeliveries(c echo.Context, v templates.DeliveriesView) error {
	sch, err := a.scheduleFromPath(c)
	if err != nil {
		return err
	}
	v.ScheduleID, v.WebhookHost = sch.ID, sch.WebhookHost()
	if v.Deliveries, err = a.notifier.Deliveries(c.Request().Context(), sch.ID, deliveriesShown); err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.WebhookDeliveries(a.pageFor(c, "", "schedules"), v))
}

// testWebhook queues a test alert. From htmx it answers with the alerts
// fragment, else it goes back to the schedule's page.
func (a alertPages) testWebhook(c echo.Context) error {
	sch, err := a.scheduleFromPath(c)
	if err != nil {
		return err
	}
	err = a.notifier.Test(c.Request().Context(), sch, time.Now())
	a.recordResult(c, event{Action: audit.ActionWebhookTested, TargetType: "schedule", TargetID: itoaID(sch.ID),
		Params: map[string]any{"label": sch.Label, "host": sch.WebhookHost()}}, err)
	msg, isUserError := userMessage(err)
	if err != nil && !isUserError {
		return err
	}
	queued := fmt.Sprintf("Test alert queued: it is sent within %s; the alerts list shows how it went.", alerts.CheckEvery)
	if c.Request().Header.Get("HX-Request") == "true" {
		v := templates.DeliveriesView{Notice: queued, Error: msg}
		if err != nil {
			v.Notice = ""
		}
		return a.renderDeliveries(c, v)
	}
	back := "/schedules/" + itoaID(sch.ID)
	if err != nil {
		return a.redirectWithFlash(c, back, "error", msg)
	}
	return a.redirectWithFlash(c, back, "ok", queued)
}
