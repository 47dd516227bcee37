package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/app/expiry"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/usererror"
	"github.com/stratabackup/strata/web/templates"
)

// retentionRoutes registers the retention form, the expiry preview and
// "Expire now" of a collection.
func (s *Server) retentionRoutes() {
	s.page(http.MethodPost, "/collections/:name/retention", auth.RoleAdmin, s.retentionSave)
	s.page(http.MethodGet, "/collections/:name/expiry", auth.RoleAuditor, s.expiryPreview)
	s.page(http.MethodPost, "/collections/:name/expire", auth.RoleAdmin, s.expireNow)
}

// retentionView is the Retention section of a collection's page; form is
// the policy as typed after an error, else the stored one is shown.
func (s *Server) retentionView(c echo.Context, rc registry.Collection, form templates.RetentionForm) templates.RetentionView {
	ctx := c.Request().Context()
	v := templates.RetentionView{Form: form}
	var err error
	if v.Policies, err = s.app.Expiry.Policies(ctx, rc); err == nil && form.Error == "" {
		var own registry.Retention
		own, err = s.app.Collections.Retention(ctx, rc.ID)
		v.Form = templates.RetentionForm{KeepDays: strconv.Itoa(own.KeepDays), KeepCount: strconv.Itoa(own.KeepCount)}
	}
	if err != nil {
		v.Error = "The retention policies cannot be read: " + s.messageFor(err, "reading retention policies", "collection", rc.Name)
	}
	return v
}

// retentionSave stores a collection's own policy; on bad input nothing is
// stored and the form says what to fix.
func (s *Server) retentionSave(c echo.Context) error {
	rc, err := s.collectionFromPath(c)
	if err != nil {
		return err
	}
	form := templates.RetentionForm{KeepDays: strings.TrimSpace(c.FormValue("keep_days")), KeepCount: strings.TrimSpace(c.FormValue("keep_count"))}
	ctx := c.Request().Context()
	before, err := s.app.Collections.Retention(ctx, rc.ID)
	if err != nil {
		return err
	}
	ret, err := parseRetention(form)
	if err == nil {
		err = s.app.Collections.SetRetention(ctx, rc.ID, ret)
	}
	s.recordResult(c, event{Action: audit.ActionRetentionChanged, TargetType: "collection", TargetID: rc.Name, Params: map[string]any{
		"keep_days": ret.KeepDays, "keep_count": ret.KeepCount, "was_keep_days": before.KeepDays, "was_keep_count": before.KeepCount,
	}}, err)
	if err != nil {
		msg, ok := userMessage(err)
		if !ok {
			return err
		}
		form.Error = "Policy not saved: " + msg
		return s.renderCollection(c, http.StatusBadRequest, rc, form)
	}
	return s.redirectWithFlash(c, "/collections/"+url.PathEscape(rc.Name)+"#retention", "ok", "Retention policy of "+rc.Name+" saved.")
}

// parseRetention reads the form's numbers; empty is 0, no limit.
func parseRetention(f templates.RetentionForm) (registry.Retention, error) {
	var ret registry.Retention
	for _, field := range []struct {
		value, name string
		to          *int
	}{{f.KeepDays, "the number of days", &ret.KeepDays}, {f.KeepCount, "the number of backups", &ret.KeepCount}} {
		if field.value == "" {
			continue
		}
		n, err := strconv.Atoi(field.value)
		if err != nil {
			return registry.Retention{}, usererror.Errorf("%s to keep must be a whole number, or 0 for no limit", field.name)
		}
		*field.to = n
	}
	return ret, ret.Check()
}

// expiryPreview shows what expiry would remove now and what it keeps, and why.
func (s *Server) expiryPreview(c echo.Context) error {
	rc, err := s.collectionFromPath(c)
	if err != nil {
		return err
	}
	v := templates.ExpiryView{Collection: rc.Name}
	v.Expiration, err = s.app.Expiry.Expire(c.Request().Context(), rc.Name, time.Now(), expiry.Options{DryRun: true})
	if err != nil {
		msg, ok := userMessage(err)
		if !ok {
			return err
		}
		v.Error = "Expiry cannot be planned: " + msg
	}
	return render(c, http.StatusOK, templates.ExpiryPage(s.pageFor(c, "Expiry of "+rc.Name, "collections"), v))
}

// expireNow removes the chains a preview showed and the admin confirmed,
// as far as the policies still expire them. Expire audits each removal.
func (s *Server) expireNow(c echo.Context) error {
	rc, err := s.collectionFromPath(c)
	if err != nil {
		return err
	}
	back := "/collections/" + url.PathEscape(rc.Name)
	form, err := c.FormParams()
	if err != nil || len(form["chain"]) == 0 {
		return s.redirectWithFlash(c, back+"/expiry", "error", "Nothing was confirmed for removal: preview expiry and use Expire now there.")
	}
	x, err := s.app.Expiry.Expire(c.Request().Context(), rc.Name, time.Now(), expiry.Options{Only: form["chain"], By: actorOf(c, "")})
	if err != nil {
		msg, ok := userMessage(err)
		if !ok {
			return err
		}
		return s.redirectWithFlash(c, back, "error", "Expiry failed: "+msg)
	}
	text := fmt.Sprintf("Expiry removed %d backup chain(s) from %s.", len(x.Removed), rc.Name)
	kind := "ok"
	for _, ec := range x.Removed {
		if ec.Removal.SlotError != nil {
			kind = "error"
			text += fmt.Sprintf(" The replication slot %s of chain %s could not be dropped; run on the cluster: %s", ec.Removal.Slot, ec.Chain, ec.Removal.SlotSQL)
		}
	}
	for _, ec := range append(x.Failed, x.Deferred...) {
		kind = "error"
		text += fmt.Sprintf(" Chain %s not removed: %s.", ec.Chain, s.messageFor(ec.Err, "expiring a chain", "collection", rc.Name))
	}
	if kept := x.NotExpired(form["chain"]); len(kept) > 0 {
		kind = "error"
		text += fmt.Sprintf(" %d confirmed chain(s) were kept, because the policies do not expire them now (such as %.80q): preview expiry again.", len(kept), kept[0])
	}
	return s.redirectWithFlash(c, back+"#retention", kind, text)
}
