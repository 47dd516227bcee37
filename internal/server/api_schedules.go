package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/usererror"
)

// apiSchedule is a schedule as the API shows it: never its webhook, only
// whether it has one and its host.
type apiSchedule struct {
	ID                int64              `json:"id"`
	Label             string             `json:"label"`
	Cluster           string             `json:"cluster"`
	Database          string             `json:"database"` // "" for every database of the cluster
	Tables            []string           `json:"tables"`
	Collection        string             `json:"collection"`
	Recurrence        string             `json:"recurrence"`
	RecurrenceWords   string             `json:"recurrence_words"`
	FullBackup        string             `json:"full_backup"` // "always" or a cron expression or macro
	FullBackupWords   string             `json:"full_backup_words"`
	RevisionHistory   bool               `json:"revision_history"`
	Options           apiScheduleOptions `json:"options"`
	KeepDays          int                `json:"keep_days"`
	KeepCount         int                `json:"keep_count"`
	AlertAfterSeconds int64              `json:"alert_after_seconds"`
	WebhookSet        bool               `json:"webhook_set"`
	WebhookHost       string             `json:"webhook_host"`
	Managed           bool               `json:"managed"`
	Owner             string             `json:"owner"`
	Status            string             `json:"status"`  // active, paused or running
	Failing           bool               `json:"failing"` // the newest finished job failed
	NextRun           *time.Time         `json:"next_run"`
	NextRuns          []time.Time        `json:"next_runs"`
	LastRunAt         *time.Time         `json:"last_run_at"`
	Running           bool               `json:"running"` // a job of the schedule has not finished
	JobsRunning       int                `json:"jobs_running"`
	LastResult        *apiLastResult     `json:"last_result"`
	CreatedAt         time.Time          `json:"created_at"`
	UpdatedAt         time.Time          `json:"updated_at"`
}

type apiScheduleOptions struct {
	OnExecutionFailure    string `json:"on_execution_failure"`
	OnPreviousRunning     string `json:"on_previous_running"`
	IgnoreExistingBackups bool   `json:"ignore_existing_backups"`
}

// apiLastResult is the schedule's newest finished job.
type apiLastResult struct {
	JobID      int64      `json:"job_id"`
	Status     string     `json:"status"`
	FinishedAt *time.Time `json:"finished_at"`
}

func toAPISchedule(sch schedule.Schedule, o schedules.Overview) apiSchedule {
	req := schedules.RequestOf(sch)
	a := apiSchedule{ID: sch.ID, Label: sch.Label, Cluster: sch.Cluster, Database: sch.Database, Tables: req.Tables,
		Collection: sch.Collection, Recurrence: sch.Recurrence, RecurrenceWords: o.Words,
		FullBackup: req.FullBackup, FullBackupWords: o.FullWords, RevisionHistory: sch.RevisionHistory,
		Options: apiScheduleOptions{OnExecutionFailure: sch.OnFailure, OnPreviousRunning: sch.OnPreviousRunning,
			IgnoreExistingBackups: sch.IgnoreExistingBackups},
		KeepDays: sch.KeepDays, KeepCount: sch.KeepCount, AlertAfterSeconds: int64(sch.AlertAfter / time.Second),
		WebhookSet: sch.Webhook != "", WebhookHost: sch.WebhookHost(), Managed: sch.Managed, Owner: sch.Owner,
		Status: o.Status, Failing: o.Failing, NextRuns: o.NextRuns, Running: o.JobsRunning > 0, JobsRunning: o.JobsRunning,
		CreatedAt: sch.CreatedAt, UpdatedAt: sch.UpdatedAt}
	if a.Tables == nil {
		a.Tables = []string{}
	}
	if a.NextRuns == nil {
		a.NextRuns = []time.Time{}
	}
	if !sch.State.Paused {
		a.NextRun = &sch.State.NextRun
	}
	if !sch.State.LastRunAt.IsZero() {
		a.LastRunAt = &sch.State.LastRunAt
	}
	if j := o.LastJob; j != nil {
		a.LastResult = &apiLastResult{JobID: j.ID, Status: string(j.Status), FinishedAt: j.FinishedAt}
	}
	return a
}

func (s *Server) apiScheduleJSON(c echo.Context, status int, sch schedule.Schedule) error {
	o, err := s.app.Schedules.Overview(c.Request().Context(), sch, time.Now(), nextRunsShown)
	if err != nil {
		return err
	}
	return c.JSON(status, toAPISchedule(sch, o))
}

func (s *Server) apiSchedulesList(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := s.app.Schedules.List(ctx)
	if err != nil {
		return err
	}
	overviews, err := s.app.Schedules.Overviews(ctx, list, time.Now(), nextRunsShown)
	if err != nil {
		return err
	}
	out := make([]apiSchedule, 0, len(list))
	for i, sch := range list {
		out = append(out, toAPISchedule(sch, overviews[i]))
	}
	return c.JSON(http.StatusOK, map[string]any{"schedules": out})
}

func (s *Server) apiScheduleShow(c echo.Context) error {
	sch, err := s.scheduleFromPath(c)
	if err != nil {
		return err
	}
	return s.apiScheduleJSON(c, http.StatusOK, sch)
}

// apiScheduleIn is the body of POST and PATCH: absent fields keep their
// value (PATCH) or default (POST).
type apiScheduleIn struct {
	Label           *string   `json:"label"`
	Cluster         *string   `json:"cluster"`
	Database        *string   `json:"database"`
	Tables          *[]string `json:"tables"`
	Collection      *string   `json:"collection"`
	Recurrence      *string   `json:"recurrence"`
	FullBackup      *string   `json:"full_backup"`
	RevisionHistory *bool     `json:"revision_history"`
	Options         *struct {
		FirstRun              *string `json:"first_run"`
		OnExecutionFailure    *string `json:"on_execution_failure"`
		OnPreviousRunning     *string `json:"on_previous_running"`
		IgnoreExistingBackups *bool   `json:"ignore_existing_backups"`
		Webhook               *string `json:"webhook"` // write-only; "" removes it
	} `json:"options"`
	KeepDays          *int   `json:"keep_days"`
	KeepCount         *int   `json:"keep_count"`
	AlertAfterSeconds *int64 `json:"alert_after_seconds"`
}

const apiScheduleExample = `{"label":"shop every 15 minutes","cluster":"prod","database":"shop","collection":"local","recurrence":"*/15 * * * *"}`

// applyTo sets the fields the body has.
func (in apiScheduleIn) applyTo(r *schedules.Request) error {
	set(&r.Label, in.Label)
	set(&r.Cluster, in.Cluster)
	set(&r.Database, in.Database)
	set(&r.Tables, in.Tables)
	set(&r.Collection, in.Collection)
	set(&r.Recurrence, in.Recurrence)
	set(&r.FullBackup, in.FullBackup)
	set(&r.RevisionHistory, in.RevisionHistory)
	set(&r.KeepDays, in.KeepDays)
	set(&r.KeepCount, in.KeepCount)
	if in.AlertAfterSeconds != nil {
		secs := *in.AlertAfterSeconds
		if secs < 0 || secs > int64(schedule.MaxAlertAfter/time.Second) {
			return usererror.Errorf("alert_after_seconds must be between 0 (no alert) and %d (%s)", int64(schedule.MaxAlertAfter/time.Second), schedule.ShortDuration(schedule.MaxAlertAfter))
		}
		r.AlertAfter = time.Duration(secs) * time.Second
	}
	if o := in.Options; o != nil {
		set(&r.OnFailure, o.OnExecutionFailure)
		set(&r.OnPreviousRunning, o.OnPreviousRunning)
		set(&r.IgnoreExistingBackups, o.IgnoreExistingBackups)
		set(&r.Webhook, o.Webhook)
		if o.FirstRun != nil {
			t, err := firstRunOf(*o.FirstRun)
			if err != nil {
				return err
			}
			r.FirstRun = t
		}
	}
	return nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (s *Server) apiScheduleCreate(c echo.Context) error {
	var in apiScheduleIn
	if err := bindJSON(c, &in, apiScheduleExample); err != nil {
		return err
	}
	var req schedules.Request
	err := in.applyTo(&req)
	sch, err := s.createSchedule(c, req, err)
	if err != nil {
		return apiError(err)
	}
	return s.apiScheduleJSON(c, http.StatusCreated, sch)
}

func (s *Server) apiScheduleUpdate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in apiScheduleIn
	if err := bindJSON(c, &in, `{"recurrence":"@hourly","keep_days":30}`); err != nil {
		return err
	}
	sch, err := s.updateSchedule(c, id, in.applyTo)
	if err != nil {
		return apiError(err)
	}
	return s.apiScheduleJSON(c, http.StatusOK, sch)
}

// apiScheduleAction pauses, resumes, runs, duplicates or drops a schedule.
// A refusal (a managed schedule dropped, a run the overlap policy holds
// back) is 409.
func (s *Server) apiScheduleAction(a scheduleActionKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		sch, err := s.doScheduleAction(c, a)
		if msg, ok := userMessage(err); ok {
			return echo.NewHTTPError(http.StatusConflict, msg)
		}
		if err != nil {
			return err
		}
		switch a {
		case actionDrop:
			return c.NoContent(http.StatusNoContent)
		case actionDuplicate:
			return s.apiScheduleJSON(c, http.StatusCreated, sch)
		}
		return s.apiScheduleJSON(c, http.StatusOK, sch)
	}
}
