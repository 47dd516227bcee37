package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/usererror"
	"github.com/stratabackup/strata/web/templates"
)

// scheduleRoutes registers the schedule pages and API. The forms are admin
// pages, like the backup form; the preview and database list they use are
// read-only.
func (s *Server) scheduleRoutes() {
	s.page(http.MethodGet, "/schedules", auth.RoleAuditor, s.schedulesList)
	s.page(http.MethodGet, "/schedules/new", auth.RoleAdmin, s.scheduleNew)
	s.page(http.MethodGet, "/schedules/preview", auth.RoleAuditor, s.schedulePreview)
	s.page(http.MethodGet, "/schedules/databases", auth.RoleAuditor, s.scheduleDatabases)
	s.page(http.MethodPost, "/schedules", auth.RoleAdmin, s.scheduleCreate)
	s.page(http.MethodGet, "/schedules/:id", auth.RoleAuditor, s.scheduleShow)
	s.page(http.MethodGet, "/schedules/:id/edit", auth.RoleAdmin, s.scheduleEdit)
	s.page(http.MethodPost, "/schedules/:id", auth.RoleAdmin, s.scheduleUpdate)
	for _, a := range scheduleActions {
		s.page(http.MethodPost, "/schedules/:id/"+a.name, auth.RoleAdmin, s.scheduleAction(a))
	}

	s.page(http.MethodGet, "/api/v1/schedules", auth.RoleAuditor, s.apiSchedulesList)
	s.page(http.MethodPost, "/api/v1/schedules", auth.RoleAdmin, s.apiScheduleCreate)
	s.page(http.MethodGet, "/api/v1/schedules/:id", auth.RoleAuditor, s.apiScheduleShow)
	s.page(http.MethodPatch, "/api/v1/schedules/:id", auth.RoleAdmin, s.apiScheduleUpdate)
	s.page(http.MethodDelete, "/api/v1/schedules/:id", auth.RoleAdmin, s.apiScheduleAction(actionDrop))
	for _, a := range []scheduleActionKind{actionPause, actionResume, actionRun, actionDuplicate} {
		s.page(http.MethodPost, "/api/v1/schedules/:id/"+a.name, auth.RoleAdmin, s.apiScheduleAction(a))
	}
}

// nextRunsShown is how many next runs pages and the API show.
const nextRunsShown = 5

func (s *Server) scheduleFromPath(c echo.Context) (schedule.Schedule, error) {
	id, err := idParam(c)
	if err != nil {
		return schedule.Schedule{}, err
	}
	sch, err := s.app.Schedules.Get(c.Request().Context(), id)
	return sch, notFoundIf(err, schedule.ErrNotFound)
}

// scheduleView is a schedule with where it stands now.
func (s *Server) scheduleView(c echo.Context, sch schedule.Schedule, now time.Time) (templates.ScheduleView, error) {
	o, err := s.app.Schedules.Overview(c.Request().Context(), sch, now, nextRunsShown)
	return templates.ScheduleView{Schedule: sch, Overview: o}, err
}

func (s *Server) schedulesList(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := s.app.Schedules.List(ctx)
	if err != nil {
		return err
	}
	v := templates.SchedulesView{}
	overviews, err := s.app.Schedules.Overviews(ctx, list, time.Now(), nextRunsShown)
	if err != nil {
		return err
	}
	for i, sch := range list {
		v.Schedules = append(v.Schedules, templates.ScheduleView{Schedule: sch, Overview: overviews[i]})
	}
	if len(list) == 0 {
		names, err := s.clusterNames(c)
		if err != nil {
			return err
		}
		v.HasClusters = len(names) > 0
	}
	return render(c, http.StatusOK, templates.SchedulesPage(s.pageFor(c, "Schedules", "schedules"), v))
}

// historyPageSize is how many of a schedule's jobs its page lists at once.
const historyPageSize = 25

func (s *Server) scheduleShow(c echo.Context) error {
	sch, err := s.scheduleFromPath(c)
	if err != nil {
		return err
	}
	now := time.Now()
	v, err := s.scheduleView(c, sch, now)
	if err != nil {
		return err
	}
	var before int64
	if b := c.QueryParam("before"); b != "" {
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before < 0 {
			return echo.NewHTTPError(http.StatusBadRequest, "before must be a job id (a positive whole number)")
		}
	}
	list, next, err := s.app.Jobs.List(c.Request().Context(), jobs.Filter{ScheduleID: sch.ID}, before, historyPageSize)
	if err != nil {
		return err
	}
	h := templates.ScheduleHistory{Next: next, Paged: before > 0, Now: now}
	for _, j := range list {
		h.Runs = append(h.Runs, templates.ScheduleRun{Job: j, Kind: backups.Kind(j)})
	}
	return render(c, http.StatusOK, templates.SchedulePage(s.pageFor(c, sch.Label, "schedules"), v, h))
}

// --- The form -----------------------------------------------------------

// readScheduleForm reads the schedule form (or, for its fragments, the
// query). The webhook is read apart: it is never echoed back.
func readScheduleForm(c echo.Context) templates.ScheduleForm {
	return templates.ScheduleForm{
		Label: c.FormValue("label"), Cluster: c.FormValue("cluster"), Database: c.FormValue("database"),
		Tables: c.FormValue("tables"), Collection: c.FormValue("collection"),
		When:            readWhen(c),
		RevisionHistory: formBool(c.FormValue("revision_history")),
		OnFailure:       c.FormValue("on_execution_failure"), OnPreviousRunning: c.FormValue("on_previous_running"),
		IgnoreExistingBackups: formBool(c.FormValue("ignore_existing_backups")),
		KeepDays:              c.FormValue("keep_days"), KeepCount: c.FormValue("keep_count"), AlertAfter: c.FormValue("alert_after"),
		RemoveWebhook: formBool(c.FormValue("remove_webhook")),
	}
}

// readWhen reads the recurrence, full backup cadence and first run: the
// fields the live preview is computed from.
func readWhen(c echo.Context) templates.ScheduleWhen {
	return templates.ScheduleWhen{Kind: c.FormValue("recurrence_kind"), DailyAt: c.FormValue("daily_at"),
		WeeklyDay: c.FormValue("weekly_day"), WeeklyAt: c.FormValue("weekly_at"), Cron: c.FormValue("cron"),
		FullKind: c.FormValue("full_kind"), FullCron: c.FormValue("full_cron"), FirstRun: c.FormValue("first_run")}
}

// Recurrence kinds of the form besides the presets' names.
const (
	kindDaily  = "daily"
	kindWeekly = "weekly"
	kindCron   = "cron"
)

// recurrenceOf turns the form's choice into a recurrence.
func recurrenceOf(w templates.ScheduleWhen) (schedule.Recurrence, error) {
	for _, p := range schedule.Presets {
		if w.Kind == p.Name {
			return schedule.Parse(p.Expr)
		}
	}
	switch w.Kind {
	case kindDaily:
		h, m, err := clockTime(w.DailyAt)
		if err != nil {
			return schedule.Recurrence{}, err
		}
		return schedule.Daily(h, m)
	case kindWeekly:
		day, err := strconv.Atoi(w.WeeklyDay)
		if err != nil {
			return schedule.Recurrence{}, usererror.New("choose a day of the week")
		}
		h, m, err := clockTime(w.WeeklyAt)
		if err != nil {
			return schedule.Recurrence{}, err
		}
		return schedule.Weekly(time.Weekday(day), h, m)
	case kindCron:
		return schedule.Parse(w.Cron)
	}
	return schedule.Recurrence{}, usererror.New("choose when the schedule runs: a preset, daily, weekly or cron")
}

// clockTime reads HH:MM.
func clockTime(v string) (hour, minute int, err error) {
	t, perr := time.Parse("15:04", strings.TrimSpace(v))
	if perr != nil {
		return 0, 0, usererror.Errorf("%q is not a time of day: use HH:MM (UTC), from 00:00 to 23:59", v)
	}
	return t.Hour(), t.Minute(), nil
}

// whenOf is the form's choice for a stored recurrence and full cadence.
func whenOf(sch schedule.Schedule, now time.Time) templates.ScheduleWhen {
	w := newWhen()
	w.Kind, w.Cron = kindCron, sch.Recurrence
	for _, p := range schedule.Presets {
		if sch.Recurrence == p.Expr {
			w.Kind = p.Name
		}
	}
	if f := strings.Fields(sch.Recurrence); w.Kind == kindCron && len(f) == 5 && f[2] == "*" && f[3] == "*" {
		m, merr := strconv.Atoi(f[0])
		h, herr := strconv.Atoi(f[1])
		d, derr := strconv.Atoi(f[4])
		at := fmt.Sprintf("%02d:%02d", h, m)
		switch {
		case merr != nil || herr != nil || h > 23 || m > 59:
		case f[4] == "*":
			w.Kind, w.DailyAt = kindDaily, at
		case derr == nil && d >= 0 && d <= 6:
			w.Kind, w.WeeklyDay, w.WeeklyAt = kindWeekly, f[4], at
		}
	}
	w.FullKind, w.FullCron = kindCron, sch.FullRecurrence
	rec, err := schedule.Parse(sch.Recurrence)
	switch {
	case sch.FullRecurrence == "":
		w.FullKind, w.FullCron = schedules.FullBackupAlways, ""
	case err == nil && len(sch.Tables) == 0 && sch.FullRecurrence == schedule.DefaultFullCadence(rec, now):
		w.FullKind, w.FullCron = schedules.FullBackupDefault, ""
	}
	return w
}

// newWhen is the form's choice for a new schedule.
func newWhen() templates.ScheduleWhen {
	return templates.ScheduleWhen{Kind: "hourly", DailyAt: "02:00", WeeklyDay: "0", WeeklyAt: "03:00", FullKind: schedules.FullBackupDefault}
}

// firstRunOf reads the first run, a UTC datetime-local value.
func firstRunOf(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, ok := parseFormTime(v); ok {
		return t, nil
	}
	return time.Time{}, usererror.Errorf("first run %q is not a date and time: use YYYY-MM-DDTHH:MM (UTC), or leave it empty to start now", v)
}

// fullBackupOf is the form's full backup choice as a request's.
func fullBackupOf(w templates.ScheduleWhen) (string, error) {
	switch w.FullKind {
	case schedules.FullBackupAlways:
		return schedules.FullBackupAlways, nil
	case kindCron:
		if strings.TrimSpace(w.FullCron) == "" {
			return "", usererror.New("write the full backup cadence as a cron expression or macro such as @weekly, or choose the default or every run")
		}
		return w.FullCron, nil
	}
	return schedules.FullBackupDefault, nil
}

// wholeNumber reads an optional count ("" is 0).
func wholeNumber(v, what string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, usererror.Errorf("%s must be a whole number, 0 or more (0: no limit)", what)
	}
	return n, nil
}

// alertAfterOf reads the overdue threshold: a duration such as 90m or 26h
// ("" or 0: no overdue alert).
func alertAfterOf(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, usererror.Errorf("overdue alert threshold %q is not a duration: write it like 90m or 26h, or leave it empty for none", v)
	}
	return d, nil
}

// requestOf turns the form into a request; webhook is the typed one.
func requestOf(f templates.ScheduleForm, webhook string) (schedules.Request, error) {
	req := schedules.Request{Label: f.Label, Cluster: f.Cluster, Database: f.Database,
		Tables: strings.Split(f.Tables, "\n"), Collection: f.Collection, RevisionHistory: f.RevisionHistory,
		OnFailure: f.OnFailure, OnPreviousRunning: f.OnPreviousRunning, IgnoreExistingBackups: f.IgnoreExistingBackups,
		Webhook: webhook}
	rec, err := recurrenceOf(f.When)
	if err != nil {
		return req, err
	}
	req.Recurrence = rec.Expr
	if req.FullBackup, err = fullBackupOf(f.When); err != nil {
		return req, err
	}
	if req.FirstRun, err = firstRunOf(f.When.FirstRun); err != nil {
		return req, err
	}
	if req.KeepDays, err = wholeNumber(f.KeepDays, "days to keep"); err != nil {
		return req, err
	}
	if req.KeepCount, err = wholeNumber(f.KeepCount, "backups to keep"); err != nil {
		return req, err
	}
	req.AlertAfter, err = alertAfterOf(f.AlertAfter)
	return req, err
}

// previewOf is the live description of the form's recurrence: plain words,
// the next runs, and the full backup cadence that goes with it.
func previewOf(w templates.ScheduleWhen, now time.Time) templates.SchedulePreview {
	var p templates.SchedulePreview
	rec, err := recurrenceOf(w)
	if err != nil {
		p.Error, _ = userMessage(err)
		p.FullDefault = "set by the recurrence, once it is valid"
		return p
	}
	p.Words = rec.Words
	from := now
	if first, err := firstRunOf(w.FirstRun); err != nil {
		p.Error, _ = userMessage(err)
	} else if first.After(now) {
		from = first.Add(-time.Nanosecond)
	}
	p.Next = rec.NextN(from, nextRunsShown)
	p.FullDefault = schedule.CadenceWords(schedule.DefaultFullCadence(rec, now))
	if w.FullKind == kindCron && strings.TrimSpace(w.FullCron) != "" {
		if full, err := schedule.Parse(w.FullCron); err != nil {
			p.FullError, _ = userMessage(err)
		} else {
			p.FullWords = full.Words
		}
	}
	return p
}

func (s *Server) schedulePreview(c echo.Context) error {
	return render(c, http.StatusOK, templates.SchedulePreviewFragment(previewOf(readWhen(c), time.Now())))
}

// scheduleForm fills the form's choices: clusters, collections and, when
// the cluster answers quickly, its databases.
func (s *Server) scheduleForm(c echo.Context, f templates.ScheduleForm, now time.Time) (templates.ScheduleForm, error) {
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
	f.Databases = s.databaseChoices(c, f.Cluster, f.Database)
	f.Preview = previewOf(f.When, now)
	return f, nil
}

// databaseChoices lists the cluster's databases for the form, keeping the
// chosen one; nil when the cluster does not answer (the form asks for a
// name instead).
func (s *Server) databaseChoices(c echo.Context, clusterName, chosen string) []string {
	var names []string
	for _, d := range s.quickDatabases(c.Request().Context(), clusterName) {
		names = append(names, d.Name)
	}
	if chosen != "" && len(names) > 0 && !slices.Contains(names, chosen) {
		names = append(names, chosen)
	}
	return names
}

// scheduleDatabases is the form's database field for the chosen cluster.
func (s *Server) scheduleDatabases(c echo.Context) error {
	database := c.QueryParam("database")
	return render(c, http.StatusOK, templates.ScheduleDatabaseField(s.databaseChoices(c, c.QueryParam("cluster"), database), database))
}

func (s *Server) scheduleNew(c echo.Context) error {
	now := time.Now()
	f := templates.ScheduleForm{When: newWhen(), OnFailure: schedule.OnFailureReschedule, OnPreviousRunning: schedule.OnRunningWait,
		Collection: c.QueryParam("collection"), Cluster: c.QueryParam("cluster"), Database: c.QueryParam("database")}
	f, err := s.scheduleForm(c, f, now)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.ScheduleFormPage(s.pageFor(c, "New schedule", "schedules"), f))
}

func (s *Server) scheduleCreate(c echo.Context) error {
	f := readScheduleForm(c)
	webhook := c.FormValue("webhook")
	req, err := requestOf(f, webhook)
	sch, err := s.createSchedule(c, req, err)
	if err != nil {
		msg, ok := userMessage(err)
		if !ok {
			return err
		}
		f.Error, f.WebhookRetype = msg, strings.TrimSpace(webhook) != ""
		if f, err = s.scheduleForm(c, f, time.Now()); err != nil {
			return err
		}
		return render(c, http.StatusBadRequest, templates.ScheduleFormPage(s.pageFor(c, "New schedule", "schedules"), f))
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/schedules/%d", sch.ID), "ok",
		fmt.Sprintf("Schedule %s created. It first runs at %s.", sch.Label, templates.UTC(sch.State.NextRun)))
}

// createSchedule creates a schedule from req (unless reading it failed
// with reqErr) and audits the attempt, without the webhook.
func (s *Server) createSchedule(c echo.Context, req schedules.Request, reqErr error) (schedule.Schedule, error) {
	var sch schedule.Schedule
	err := reqErr
	if err == nil {
		sch, err = s.app.Schedules.Create(c.Request().Context(), req, identityOf(c).Name, time.Now())
	}
	params := scheduleParams(req)
	if err == nil {
		params = scheduleParams(schedules.RequestOf(sch))
		params["first_run"] = sch.State.NextRun
	}
	s.recordResult(c, event{Action: audit.ActionScheduleCreated, TargetType: "schedule", TargetID: itoaID(sch.ID), Params: params}, err)
	return sch, err
}

// scheduleParams is what the audit log keeps of a schedule: everything but
// the webhook, of which only whether there is one.
func scheduleParams(r schedules.Request) map[string]any {
	p := map[string]any{"label": r.Label, "cluster": r.Cluster, "database": r.Database, "tables": r.Tables,
		"collection": r.Collection, "recurrence": r.Recurrence, "full_backup": r.FullBackup, "revision_history": r.RevisionHistory,
		"on_execution_failure": r.OnFailure, "on_previous_running": r.OnPreviousRunning,
		"ignore_existing_backups": r.IgnoreExistingBackups, "keep_days": r.KeepDays, "keep_count": r.KeepCount,
		"alert_after_seconds": int64(r.AlertAfter / time.Second), "webhook_set": r.Webhook != ""}
	if !r.FirstRun.IsZero() {
		p["first_run"] = r.FirstRun
	}
	return p
}

func (s *Server) scheduleEdit(c echo.Context) error {
	sch, err := s.scheduleFromPath(c)
	if err != nil {
		return err
	}
	now := time.Now()
	f, err := s.scheduleForm(c, formOf(sch, now), now)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.ScheduleFormPage(s.pageFor(c, "Edit "+sch.Label, "schedules"), f))
}

// formOf is the edit form of a stored schedule.
func formOf(sch schedule.Schedule, now time.Time) templates.ScheduleForm {
	f := templates.ScheduleForm{ID: sch.ID, Managed: sch.Managed, Label: sch.Label, Cluster: sch.Cluster, Database: sch.Database,
		Tables: strings.Join(sch.Tables, "\n"), Collection: sch.Collection, When: whenOf(sch, now),
		RevisionHistory: sch.RevisionHistory, OnFailure: sch.OnFailure, OnPreviousRunning: sch.OnPreviousRunning,
		IgnoreExistingBackups: sch.IgnoreExistingBackups, WebhookHost: sch.WebhookHost()}
	if sch.KeepDays > 0 {
		f.KeepDays = strconv.Itoa(sch.KeepDays)
	}
	if sch.KeepCount > 0 {
		f.KeepCount = strconv.Itoa(sch.KeepCount)
	}
	if sch.AlertAfter > 0 {
		f.AlertAfter = schedule.ShortDuration(sch.AlertAfter)
	}
	return f
}

func (s *Server) scheduleUpdate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	f := readScheduleForm(c)
	webhook := c.FormValue("webhook")
	sch, err := s.updateSchedule(c, id, func(r *schedules.Request) error {
		next, err := requestOf(f, webhook)
		if err != nil {
			return err
		}
		next.Cluster = r.Cluster // the form shows it; it cannot change
		switch {
		case f.RemoveWebhook:
			next.Webhook = ""
		case strings.TrimSpace(webhook) == "":
			next.Webhook = r.Webhook // an empty field keeps the webhook
		}
		*r = next
		return nil
	})
	if err != nil {
		msg, ok := userMessage(err)
		if !ok {
			return err
		}
		old, gerr := s.scheduleFromPath(c)
		if gerr != nil {
			return gerr
		}
		f.ID, f.Managed, f.Cluster, f.WebhookHost = old.ID, old.Managed, old.Cluster, old.WebhookHost()
		f.Error, f.WebhookRetype = msg, strings.TrimSpace(webhook) != ""
		if f, err = s.scheduleForm(c, f, time.Now()); err != nil {
			return err
		}
		return render(c, http.StatusBadRequest, templates.ScheduleFormPage(s.pageFor(c, "Edit "+old.Label, "schedules"), f))
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/schedules/%d", sch.ID), "ok", "Schedule "+sch.Label+" saved.")
}

// updateSchedule edits schedule id and audits the attempt with the
// schedule as edited, without the webhook.
func (s *Server) updateSchedule(c echo.Context, id int64, edit func(*schedules.Request) error) (schedule.Schedule, error) {
	var tried schedules.Request
	sch, err := s.app.Schedules.Update(c.Request().Context(), id, func(r *schedules.Request) error {
		err := edit(r)
		tried = *r
		return err
	}, time.Now())
	if errors.Is(err, schedule.ErrNotFound) {
		return sch, errNotFound
	}
	params := scheduleParams(tried)
	if err == nil {
		params = scheduleParams(schedules.RequestOf(sch))
	}
	s.recordResult(c, event{Action: audit.ActionScheduleUpdated, TargetType: "schedule", TargetID: itoaID(id), Params: params}, err)
	return sch, err
}

// --- Actions --------------------------------------------------------------

// scheduleActionKind is an action on a schedule, as pages and the API name it.
type scheduleActionKind struct {
	name   string
	audit  string
	failed string // the flash's start when it fails
}

var (
	actionPause     = scheduleActionKind{"pause", audit.ActionSchedulePaused, "Not paused"}
	actionResume    = scheduleActionKind{"resume", audit.ActionScheduleResumed, "Not resumed"}
	actionRun       = scheduleActionKind{"run", audit.ActionScheduleRun, "Not run"}
	actionDuplicate = scheduleActionKind{"duplicate", audit.ActionScheduleDuplicated, "Not duplicated"}
	actionDrop      = scheduleActionKind{"drop", audit.ActionScheduleDropped, "Not dropped"}

	scheduleActions = []scheduleActionKind{actionPause, actionResume, actionRun, actionDuplicate, actionDrop}
)

// doScheduleAction acts on the schedule in the path and audits it. It
// returns the schedule as it now is (the copy, for duplicate; the dropped
// one, for drop).
func (s *Server) doScheduleAction(c echo.Context, a scheduleActionKind) (schedule.Schedule, error) {
	id, err := idParam(c)
	if err != nil {
		return schedule.Schedule{}, err
	}
	ctx, now := c.Request().Context(), time.Now()
	var sch schedule.Schedule
	params := map[string]any{}
	switch a {
	case actionPause, actionResume:
		sch, err = s.app.Schedules.SetPaused(ctx, id, a == actionPause, now)
	case actionRun:
		if err = s.app.Scheduler.RunNow(ctx, id, now); err == nil {
			s.runner.Wake()
		}
		if !errors.Is(err, schedule.ErrNotFound) {
			var gerr error
			sch, gerr = s.app.Schedules.Get(ctx, id)
			err = errors.Join(err, gerr)
		}
	case actionDuplicate:
		if sch, err = s.app.Schedules.Duplicate(ctx, id, identityOf(c).Name, now); err == nil {
			params["copy_id"], params["copy_label"] = sch.ID, sch.Label
		}
	case actionDrop:
		sch, err = s.app.Schedules.Delete(ctx, id)
	}
	if errors.Is(err, schedule.ErrNotFound) {
		return sch, errNotFound
	}
	if a != actionDuplicate && sch.Label != "" {
		params["label"] = sch.Label
	}
	s.recordResult(c, event{Action: a.audit, TargetType: "schedule", TargetID: strconv.FormatInt(id, 10), Params: params}, err)
	return sch, err
}

func (s *Server) scheduleAction(a scheduleActionKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		sch, err := s.doScheduleAction(c, a)
		back := "/schedules/" + c.Param("id")
		if msg, ok := userMessage(err); ok {
			return s.redirectWithFlash(c, back, "error", a.failed+": "+msg)
		}
		if err != nil {
			return err
		}
		switch a {
		case actionPause:
			return s.redirectWithFlash(c, back, "ok", "Schedule paused: it does not run until it is resumed.")
		case actionResume:
			return s.redirectWithFlash(c, back, "ok", "Schedule resumed. Its next run is at "+templates.UTC(sch.State.NextRun)+".")
		case actionRun:
			return s.redirectWithFlash(c, back, "ok", "Run started: its jobs are listed under Run history.")
		case actionDuplicate:
			return s.redirectWithFlash(c, fmt.Sprintf("/schedules/%d", sch.ID), "ok",
				"Copy created, paused. Edit what it backs up or where, then resume it.")
		}
		return s.redirectWithFlash(c, "/schedules", "ok", "Schedule "+sch.Label+" dropped. Its jobs stay in the jobs list.")
	}
}
